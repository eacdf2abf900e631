"""`triagebot adressen synchroniseer`: the case channels in line with the directory file (joiners, movers,
leavers; `commands/sync.py`). With `--proef` it only shows what would change. The run is audited, on behalf of
whoever ran it. The running bot does the same every hour and soon after it starts.

`triagebot bewaartermijn [--uitvoeren]`: closed cases past their retention period reduced, their channels deleted
where the platform lets the bot (`commands/retention.py`); without `--uitvoeren` only what would happen. The
running bot does the same every day."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from models.calendar import AMS, last_day
from models.directory import Directory
from models.profile import Profile

from ..config import load_directory, load_profile
from .run import settings_of


@dataclass
class Run:
    """What both commands work with: the directory and profile, the database, now, and who runs it."""

    directory: Directory
    profile: Profile
    profile_for: Callable[[str], Profile]      # a case's own profile (the one it was registered under)
    uow: Callable
    now: datetime
    who: str

    def audit(self, action: str, outcome: str, detail: dict) -> None:
        with self.uow() as u:
            u.audit.add(at=self.now, actor="beheerder", on_behalf_of=self.who, action=action, outcome=outcome,
                        detail=detail)
            u.commit()


@contextmanager
def admin_run(args: argparse.Namespace) -> Iterator[Run]:
    from ..storage.uow import uow_factory
    from .failures import open_database

    settings = settings_of(args)
    directory, profile = load_directory(settings.directory), load_profile(settings.profile)
    engine = open_database(settings.database_url)

    def profile_for(name: str) -> Profile:
        return profile if name == profile.name else load_profile(name)

    try:
        yield Run(directory, profile, profile_for, uow_factory(engine, profile_for), datetime.now(AMS),
                  getpass.getuser())
    finally:
        engine.dispose()


def adressen(args: argparse.Namespace) -> int:
    from commands.sync import synchronise

    with admin_run(args) as run:
        report = synchronise(run.uow, run.directory, run.profile_for, run.now, dry_run=args.proef,
                             on_behalf_of=run.who)
        if not args.proef:
            run.audit("adressen synchroniseer", "ok", {"erbij": len(report.joined), "eruit": len(report.left),
                                                       "toewijzingen_vervallen": len(report.lapsed)})
    print(_summary(report, args.proef))
    return 0


def bewaartermijn(args: argparse.Namespace) -> int:
    from commands.retention import expire

    with admin_run(args) as run:
        report = expire(run.uow, run.directory, run.profile, run.profile_for, run.now,
                        dry_run=not args.uitvoeren, on_behalf_of=run.who)
        # also a dry run is recorded: it looked at every closed case
        run.audit("bewaartermijn" if args.uitvoeren else "bewaartermijn proef", "ok" if not report.failed else "deels",
                  {"ingekort": len(report.reduced), "mislukt": len(report.failed)})
    print(retention_summary(report, run.profile, dry_run=not args.uitvoeren))
    return 1 if report.failed else 0


def retention_summary(report, profile, *, dry_run: bool) -> str:
    period = f"{profile.privacy.keep_case.n} {profile.privacy.keep_case.unit.value}"
    if dry_run and not report.reduced:
        head = (f"Proef (er verandert niets): geen gesloten casus is langer dan de bewaartermijn ({period} na het "
                "sluiten) gesloten; er valt nu niets in te korten.")
    elif dry_run:
        head = (f"Proef (er verandert niets): {len(report.reduced)} gesloten casus(sen) zijn langer dan de "
                f"bewaartermijn ({period} na het sluiten) gesloten en zouden worden ingekort. Voer het uit met "
                "'triagebot bewaartermijn --uitvoeren'.")
    else:
        head = f"{len(report.reduced)} gesloten casus(sen) ingekort (bewaartermijn {period} na het sluiten)."
    lines = [head]
    lines += [f"  {number}" for number in report.reduced]
    if report.reduced:
        lines.append(f"Per casus {'zouden' if dry_run else 'zijn'} de vrije teksten (redenen, toelichtingen), wie wat "
                     f"deed en de berichten die de bot bewaarde ({report.messages} in totaal) "
                     f"{'verdwijnen' if dry_run else 'verdwenen'}; wat blijft is wat de auditlog en anonieme cijfers "
                     "nodig hebben (casusnummer, gemeente, organisaties, route, data, termijnen, wie zicht op "
                     "veiligheid had). Het kanaal wordt verwijderd op Mattermost (als de server "
                     "EnableAPIChannelDeletion aan heeft); op Slack kan een bot dat niet: daar blijft het "
                     "gearchiveerd en leeg.")
    if report.failed:
        lines.append("Niet gelukt (zie het logboek; de volgende ronde probeert het opnieuw): "
                     + ", ".join(report.failed))
    if report.next_due:
        number, due = report.next_due
        lines.append(f"{report.waiting} gesloten casus(sen) wachten nog op hun bewaartermijn; de eerste is {number}, "
                     f"na {last_day(due):%d-%m-%Y}.")
    keep_audit = profile.privacy.keep_audit.n
    lines.append(f"Auditlog: {report.audit_older} regel(s) zijn ouder dan de eigen bewaartermijn ({keep_audit} "
                 "maanden). De bot wist nooit iets uit de auditlog (hij is onveranderbaar en geketend): "
                 "archiveer en verwijder die regels zo nodig volgens de afspraak met de functionaris "
                 "gegevensbescherming." if report.audit_older else
                 f"Auditlog: geen regels ouder dan de eigen bewaartermijn ({keep_audit} maanden); de bot wist "
                 "nooit iets uit de auditlog.")
    return "\n".join(lines)


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
