"""The report's charts (matplotlib, drawn off-screen to PNG). In a report with small numbers suppressed, a value
below 5 is not drawn: its place says "< 5". Every word on a chart is the vocabulary's (`rapport_grafieken` and
`rapport_reeksen` in templates/_woorden.j2), passed in as `words`."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")      # no screen: draw to memory

import matplotlib.pyplot as plt  # noqa: E402

from models.report import HIDDEN, SERIES, SMALL, Report  # noqa: E402

CHARTS = ("doorlooptijden", "termijnen", "opschaling", "trend", "routes")
COLOURS = ("#1d4f5c", "#e07a2f", "#7a9e3b", "#8c5a9e", "#c23b3b")


def alts(words: Any) -> dict[str, str]:
    """What each chart shows, for the HTML's alt texts and captions."""
    return {name: words.rapport_grafieken[f"{name}_alt"] for name in CHARTS}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _nothing(ax, rep: Report, name: str, words: Any, empty: str = "leeg") -> None:
    """No bar to draw: because there was nothing, or because every count was below 5 and is not shown."""
    hidden = bool(rep.tables[name].rows) and rep.suppressed
    _empty(ax, words.rapport_grafieken["verborgen" if hidden else empty])


def _figure(rows: int, per_row: float):
    return plt.subplots(figsize=(9, 0.5 + per_row * max(rows, 2)))


def _lead_rows(rep: Report) -> list:
    return [r for r in rep.tables["doorlooptijden"].rows if r[4] != ""]


def _draw_lead_times(ax, rep: Report, words: Any) -> None:
    g = words.rapport_grafieken
    rows = _lead_rows(rep)
    if rows:
        labels = [f"{r[0]}\n{r[1]} → {r[2]}" for r in rows]
        y = range(len(rows))
        ax.barh([i + 0.2 for i in y], [r[5] for r in rows], height=0.4, color=COLOURS[1], label=g["p90"])
        ax.barh([i - 0.2 for i in y], [r[4] for r in rows], height=0.4, color=COLOURS[0], label=g["mediaan"])
        for i, r in enumerate(rows):
            if r[6] != "":
                ax.plot([r[6], r[6]], [i - 0.45, i + 0.45], color="black", linewidth=2)
        ax.set_yticks(list(y), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(g["werkdagen"])
        ax.legend(loc="lower right", fontsize=8)
    else:
        _nothing(ax, rep, "doorlooptijden", words)
    ax.set_title(g["doorlooptijden"])


def _term_rows(rep: Report) -> list:
    return [r for r in rep.tables["termijnen"].rows if r[4] != ""]


def _draw_terms_met(ax, rep: Report, words: Any) -> None:
    g = words.rapport_grafieken
    rows = _term_rows(rep)
    if rows:
        ax.barh(range(len(rows)), [r[4] for r in rows], color=COLOURS[2])
        ax.set_yticks(range(len(rows)), [f"{r[0]} — {r[1]}" for r in rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(g["procent"])
    else:
        _nothing(ax, rep, "termijnen", words)
    ax.set_title(g["termijnen"])


def _draw_escalation(ax, rep: Report, words: Any) -> None:
    g = words.rapport_grafieken
    table = rep.tables["opschaling"]
    if any(isinstance(v, int) and v for r in table.rows for v in r[1:4]):
        left = [0.0] * len(table.rows)
        for j, bucket in enumerate(table.headers[1:4]):
            values = [r[1 + j] if isinstance(r[1 + j], int) else 0 for r in table.rows]
            ax.barh(range(len(table.rows)), values, left=left, color=COLOURS[j], label=bucket)
            left = [a + b for a, b in zip(left, values, strict=True)]
        for i, r in enumerate(table.rows):
            if any(v == HIDDEN for v in r[1:4]):
                ax.text(left[i], i, f"  ({HIDDEN} {g['niet_getekend']})", va="center", fontsize=8)
        ax.set_yticks(range(len(table.rows)), [r[0] for r in table.rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(g["verlopen"])
        ax.legend(fontsize=8, loc="lower right")
    else:
        _nothing(ax, rep, "opschaling", words, "geen_verlopen")
    ax.set_title(g["opschaling"])


def _draw_trend(ax, rep: Report, words: Any) -> None:
    g = words.rapport_grafieken
    months = list(rep.monthly)
    if months:
        for j, series in enumerate(SERIES):
            values = [rep.monthly[m].get(series, 0) for m in months]
            if rep.suppressed:       # a small count is not drawn
                values = [v if v >= SMALL or v == 0 else float("nan") for v in values]
            ax.plot(months, values, marker="o", color=COLOURS[j], label=words.rapport_reeksen[series])
        ax.set_ylabel(g["aantal"])
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        ax.legend(fontsize=8)
        if rep.suppressed:
            ax.set_xlabel(g["klein_niet_getekend"])
    else:
        _empty(ax, g["leeg"])
    ax.set_title(g["trend"])


def _route_totals(rep: Report) -> tuple[dict[str, int], bool]:
    """Decisions per route (over the weights), and whether a hidden small count was left out."""
    totals: dict[str, int] = {}
    hidden = False
    for route, _weight, count in rep.tables["routes"].rows:
        if isinstance(count, int):
            totals[route] = totals.get(route, 0) + count
        else:
            hidden = True
    return totals, hidden


def _draw_routes(ax, rep: Report, words: Any) -> None:
    g = words.rapport_grafieken
    totals, hidden = _route_totals(rep)
    if totals:
        ax.barh(range(len(totals)), list(totals.values()), color=COLOURS[0])
        ax.set_yticks(range(len(totals)), list(totals), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(g["besluiten_klein"] if hidden else g["besluiten"])
    else:
        _nothing(ax, rep, "routes", words)
    ax.set_title(g["routes"])


DRAW = {"doorlooptijden": _draw_lead_times, "termijnen": _draw_terms_met, "opschaling": _draw_escalation,
        "trend": _draw_trend, "routes": _draw_routes}


def _height(name: str, rep: Report) -> tuple[int, float]:
    """(rows, inches per row) of a chart on its own."""
    return {"doorlooptijden": (len(_lead_rows(rep)), 0.45), "termijnen": (len(_term_rows(rep)), 0.35),
            "opschaling": (len(rep.tables["opschaling"].rows), 0.45), "routes": (len(_route_totals(rep)[0]), 0.45),
            "trend": (7, 0.43)}[name]


def chart(name: str, rep: Report, words: Any) -> bytes:
    fig, ax = _figure(*_height(name, rep))
    DRAW[name](ax, rep, words)
    return _png(fig)


def summary(rep: Report, title: str, words: Any) -> bytes:
    """One picture of a period, for a chat message: lead times, terms met, how far lapses went, routes."""
    fig, axes = plt.subplots(2, 2, figsize=(16, 10))
    for ax, name in zip(axes.flat, ("doorlooptijden", "termijnen", "opschaling", "routes"), strict=True):
        DRAW[name](ax, rep, words)
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return _png(fig)


def all_charts(rep: Report, words: Any) -> dict[str, bytes]:
    return {name: chart(name, rep, words) for name in CHARTS}
