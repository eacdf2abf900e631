"""`triagebot rapport`: the figures for the yearly review (`models/report.py`), written as an HTML file with charts, a
CSV per table and a PNG per chart (`bot/report/`). A report for one gemeente hides small numbers. Audited."""

from __future__ import annotations

import argparse
from datetime import datetime, time
from pathlib import Path

from models.calendar import AMS, Unit
from models.profile import Profile
from models.report import STEPS, report

from ..render import Renderer
from .errors import UserError
from .privacy import admin_run


def norms(profile: Profile) -> dict[str, int]:
    """The profile's terms per step, where they run in working days."""
    terms = {STEPS[0]: profile.triage_term, STEPS[1]: profile.confirmation_term, STEPS[2]: profile.first_contact.direct}
    return {step: t.n for step, t in terms.items() if t is not None and t.unit is Unit.WERKDAGEN}


def rapport(args: argparse.Namespace) -> int:
    from ..report import write

    if args.tot <= args.van:
        raise UserError(f"--tot ({args.tot.isoformat()}) ligt niet na --van ({args.van.isoformat()}); het rapport "
                        "telt de meldingen van --van tot --tot.")
    with admin_run(args) as run:
        gemeente = None
        if args.gemeente:
            gemeente = run.directory.gemeente(args.gemeente)
            if gemeente is None:
                raise UserError(f"De gemeente '{args.gemeente}' staat niet in de adressenlijst; bekend zijn: "
                                f"{', '.join(run.directory.gemeenten)}.")
        start, end = (datetime.combine(d, time(0), AMS) for d in (args.van, args.tot))
        with run.uow() as uow:
            states = uow.cases.received_between(start, end)
        words = Renderer(run.directory, "console", run.profile.wording).words
        rep = report(states, run.profile.calendar, args.van, args.tot, gemeente=gemeente, norms=norms(run.profile),
                     org_name=lambda org_id: (o.name if (o := run.directory.organisations.get(org_id)) else org_id),
                     word=lambda vocabulary, key: getattr(words, vocabulary).get(key, key))
        folder = Path(args.uitvoer)
        title = f"Samenwerking rond Veilig Thuis — {run.profile.title}" + (f", gemeente {gemeente}" if gemeente else "")
        written = write(rep, folder, title)
        run.audit("rapport", "ok", {"van": args.van.isoformat(), "tot": args.tot.isoformat(), "gemeente": gemeente,
                                    "casussen": len(states), "map": str(folder)})
    print(f"Rapport over {len(states)} melding(en) geschreven: {written.html}, met {len(written.csvs)} CSV-bestanden "
          f"en {len(written.pngs)} grafieken in {folder}." + (" Kleine aantallen (onder 5) zijn verborgen."
                                                              if gemeente else ""))
    return 0
