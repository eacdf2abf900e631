"""`triagebot audit`: the functionaris gegevensbescherming's view of the audit log (NEN 7513) — who did or looked
at what, on whose behalf, when, where, on which case, with what outcome — as a table or CSV; and
`triagebot audit controleer`, which walks the hash chain and names the first entry that was changed or removed.
The report is itself a lookup, so it is written to the audit log too."""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import sys
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from models.calendar import AMS
from models.tables import AuditRow

from ..storage.audit_chain import first_break
from .run import settings_of

COLUMNS = ("tijd", "wie", "namens", "casus", "handeling", "uitkomst", "lid", "kanaal")
WHY = {"inhoud": "de inhoud is veranderd", "schakel": "een regel ervoor is weggehaald of verplaatst",
       "ontbreekt": "deze regel heeft geen hash (na de start van de keten)"}


def audit(args: argparse.Namespace) -> int:
    from ..storage.uow import uow_factory
    from .failures import open_database

    settings = settings_of(args)
    engine = open_database(settings.database_url)
    try:
        if args.actie in ("controleer", "verify"):
            return _verify(engine)
        with Session(engine) as session:
            stmt = select(AuditRow).order_by(AuditRow.id)
            if args.van:
                stmt = stmt.where(AuditRow.at >= args.van)
            if args.tot:
                stmt = stmt.where(AuditRow.at < args.tot)
            if args.lid:
                # what they did, what was done on their behalf, and who let them into or out of a case channel
                stmt = stmt.where((AuditRow.actor == args.lid) | (AuditRow.on_behalf_of == args.lid)
                                  | (AuditRow.detail["lid"].as_string() == args.lid))
            if args.casus:
                stmt = stmt.where(AuditRow.case_number == args.casus.upper())
            rows = [_row(r) for r in session.execute(stmt).scalars()]
        with uow_factory(engine, lambda name: None)() as uow:     # looking at the log is a lookup too
            uow.audit.add(at=datetime.now(AMS), actor="beheerder", on_behalf_of=getpass.getuser(),
                          action="audit rapport", outcome="ok", case_number=args.casus.upper() if args.casus else None,
                          detail={"van": _iso(args.van), "tot": _iso(args.tot), "lid": args.lid, "regels": len(rows)})
            uow.commit()
    finally:
        engine.dispose()
    print(_csv(rows) if args.csv else _table(rows), end="")
    return 0


def _verify(engine) -> int:
    with Session(engine) as session:
        broken, checked, last = first_break(session.execute(select(AuditRow).order_by(AuditRow.id)).scalars())
    if broken is None:
        print(f"De auditlog is ongeschonden: {checked} regels in de keten. Laatste hash: {last}\n"
              "Bewaar die hash elders; zo ziet u later ook of er aan het eind regels zijn weggehaald.")
        return 0
    print(f"De auditlog is NIET ongeschonden: de keten breekt bij regel {broken.id} "
          f"({broken.at.astimezone(AMS):%Y-%m-%d %H:%M}): {WHY[broken.why]}. {checked} regels ervoor zijn in orde.",
          file=sys.stderr)
    return 1


def _row(r: AuditRow) -> list[str]:
    return [r.at.astimezone(AMS).strftime("%Y-%m-%d %H:%M:%S"), r.actor, r.on_behalf_of or "", r.case_number or "",
            r.action, r.outcome, str((r.detail or {}).get("lid") or ""), str((r.detail or {}).get("kanaal") or "")]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _table(rows: list[list[str]]) -> str:
    if not rows:
        return "Geen regels in de auditlog voor deze selectie.\n"
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
