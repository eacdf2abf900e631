"""`triagebot rapport`: the figures for the yearly review (`models/report.py`), written as an HTML file with charts, a
CSV per table and a PNG per chart (`bot/report/`). A report for one gemeente hides small numbers. Audited."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import UserError
from .privacy import admin_run


def rapport(args: argparse.Namespace) -> int:
    from ..report import figures, vocabulary, write

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
        words = vocabulary(run.directory, run.profile)
        rep = figures(run.uow, run.directory, run.profile, args.van, args.tot, words, gemeente=gemeente)
        folder = Path(args.uitvoer)
        names = words.rapport_bestanden
        title = f"{names['titel']} — {run.profile.title}" + (f", {names['gemeente']} {gemeente}" if gemeente else "")
        written = write(rep, folder, title, words)
        run.audit("rapport", "ok", {"van": args.van.isoformat(), "tot": args.tot.isoformat(), "gemeente": gemeente,
                                    "casussen": rep.cases, "map": str(folder)})
    print(f"Rapport over {rep.cases} melding(en) geschreven: {written.html}, met {len(written.csvs)} CSV-bestanden "
          f"en {len(written.pngs)} grafieken in {folder}." + (" Kleine aantallen (onder 5) zijn verborgen."
                                                              if gemeente else ""))
    return 0
