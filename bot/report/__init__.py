"""Reports (`triagebot rapport`, and in the chat `chat.py`): the figures of `models/report.py` from the database, as
one self-contained HTML file (charts embedded as PNG, no script or font fetched from anywhere), a CSV per table and a
PNG per chart, in a folder."""

from __future__ import annotations

import base64
import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import jinja2

from models.calendar import AMS, Unit
from models.directory import Directory
from models.profile import Profile
from models.report import HIDDEN, SERIES, SMALL, STEPS, Report, Scope, report, shown

from ..render import Renderer


def norms(profile: Profile) -> dict[str, int]:
    """The profile's terms per step, where they run in working days."""
    terms = {STEPS[0]: profile.triage_term, STEPS[1]: profile.confirmation_term, STEPS[2]: profile.first_contact.direct}
    return {step: t.n for step, t in terms.items() if t is not None and t.unit is Unit.WERKDAGEN}


def vocabulary(directory: Directory, profile: Profile) -> Any:
    """The bot's words (templates/_woorden.j2), with the region's name for the lokaal team."""
    return Renderer(directory, "console", profile.wording).words


def figures(uow: Callable, directory: Directory, profile: Profile, start: date, end: date, words: Any, *,
            gemeente: str | None = None, scope: Scope | None = None) -> Report:
    """The report over the meldingen received from `start` up to `end`, for a gemeente or an organisation."""
    with uow() as u:
        states = u.cases.received_between(*(datetime.combine(d, time(0), AMS) for d in (start, end)))
    return report(states, profile.calendar, start, end, gemeente=gemeente,
                  only=scope.covers if scope else None, hide=scope.hide if scope else None, norms=norms(profile),
                  org_name=lambda org_id: (o.name if (o := directory.organisations.get(org_id)) else org_id),
                  word=lambda vocabulary, key: getattr(words, vocabulary).get(key, key))


@dataclass(frozen=True)
class Written:
    html: Path
    csvs: list[Path]
    pngs: list[Path]


def write(rep: Report, folder: Path, title: str, words: Any) -> Written:
    """`words`: the bot's vocabulary (`Renderer.words`), for the charts and the monthly table."""
    folder.mkdir(parents=True, exist_ok=True)
    csvs = []
    for table in rep.tables.values():
        path = folder / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=";")
            writer.writerow(table.headers)
            writer.writerows(table.rows)
        csvs.append(path)
    monthly = folder / "per_maand.csv"
    with monthly.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow([words.rapport_kolommen["maand"], *(words.rapport_reeksen[k] for k in SERIES)])
        for month, counts in rep.monthly.items():
            writer.writerow([month, *(shown(counts.get(k, 0), rep.suppressed) for k in SERIES)])
    csvs.append(monthly)
    from . import charts  # matplotlib: loaded only where a report is made

    figures = charts.all_charts(rep, words)
    pngs = []
    for name, png in figures.items():
        path = folder / f"{name}.png"
        path.write_bytes(png)
        pngs.append(path)
    html = folder / "rapport.html"
    html.write_text(render_html(rep, title, figures, words), encoding="utf-8")
    return Written(html, csvs, pngs)


_ENV = jinja2.Environment(loader=jinja2.PackageLoader("bot.report", "."), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(rep: Report, title: str, figures: dict[str, bytes], words: Any) -> str:
    from . import charts

    images = {name: "data:image/png;base64," + base64.b64encode(png).decode() for name, png in figures.items()}
    return _ENV.get_template("rapport.html.j2").render(rep=rep, title=title, images=images, alts=charts.alts(words),
                                                       meldingen=shown(rep.cases, rep.suppressed),
                                                       small=SMALL, hidden=HIDDEN)
