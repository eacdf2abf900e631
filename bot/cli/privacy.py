"""`triagebot adressen synchroniseer`: the case channels in line with the directory file (joiners, movers,
leavers; `commands/sync.py`). With `--proef` it only shows what would change. The run is audited, on behalf of
whoever ran it. The running bot does the same every hour and soon after it starts."""

from __future__ import annotations

import argparse
import getpass
from datetime import datetime

from models.calendar import AMS

from ..config import load_directory, load_profile
from .run import settings_of


def adressen(args: argparse.Namespace) -> int:
    from commands.sync import synchronise

    from ..storage.uow import uow_factory
    from .failures import open_database

    settings = settings_of(args)
    directory, profile = load_directory(settings.directory), load_profile(settings.profile)
    engine = open_database(settings.database_url)
    who = getpass.getuser()
    try:
        def profile_for(name: str):
            return profile if name == profile.name else load_profile(name)

        uow = uow_factory(engine, profile_for)
        now = datetime.now(AMS)
        report = synchronise(uow, directory, profile_for, now, dry_run=args.proef, on_behalf_of=who)
        if not args.proef:
            with uow() as u:
                u.audit.add(at=now, actor="beheerder", on_behalf_of=who, action="adressen synchroniseer",
                            outcome="ok", detail={"erbij": len(report.joined), "eruit": len(report.left),
                                                  "toewijzingen_vervallen": len(report.lapsed)})
                u.commit()
    finally:
        engine.dispose()
    print(_summary(report, args.proef))
    return 0


def _summary(report, dry_run: bool) -> str:
    will = "zou" if dry_run else "is"
    lines = [f"{'Proef: ' if dry_run else ''}{len(report.left)} keer {will} iemand uit een casuskanaal gehaald, "
             f"{len(report.joined)} keer {will} iemand toegevoegd, {len(report.lapsed)} toewijzing(en) "
             f"{'zouden vervallen' if dry_run else 'vervallen'}."]
    lines += [f"  eruit: {member} uit {case}" for case, member in report.left]
    lines += [f"  erbij: {member} in {case}" for case, member in report.joined]
    lines += [f"  toewijzing vervalt: {member} ({org}) bij {case}; de leidinggevende van {org} "
              f"{'zou een bericht krijgen' if dry_run else 'heeft een bericht gekregen'} om iemand anders toe te wijzen"
              for case, org, member in report.lapsed]
    if not dry_run and (report.left or report.joined or report.lapsed):
        lines.append("De draaiende bot voert het uit op het chatplatform. Herstart de bot met deze adressenlijst, "
                     "zodat hij nieuwe leden ook kan vinden.")
    return "\n".join(lines)
