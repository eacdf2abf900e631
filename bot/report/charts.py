"""The report's charts (matplotlib, drawn off-screen to PNG). In a report with small numbers suppressed, a value
below 5 is not drawn: its place says "< 5"."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")      # no screen: draw to memory

import matplotlib.pyplot as plt  # noqa: E402

from models.report import HIDDEN, SMALL, Report  # noqa: E402

ALTS = {
    "doorlooptijden": "Mediaan en 90e percentiel van de doorlooptijd in werkdagen per stap, met de afspraak",
    "termijnen": "Aandeel termijnen dat op tijd is gehaald, per soort termijn en organisatie",
    "opschaling": "Verlopen termijnen per organisatie, naar hoe ver ze zijn opgeschaald",
    "trend": "Meldingen, bevestigde overdrachten en verlopen termijnen per maand",
    "routes": "Triagebesluiten per route",
}
COLOURS = ("#1d4f5c", "#e07a2f", "#7a9e3b", "#8c5a9e", "#c23b3b")


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _empty(ax, text: str = "Geen gegevens in deze periode") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _lead_rows(rep: Report) -> list:
    return [r for r in rep.tables["doorlooptijden"].rows if r[4] != ""]


def lead_times(rep: Report) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * max(len(_lead_rows(rep)), 2)))
    _draw_lead_times(ax, rep)
    return _png(fig)


def _draw_lead_times(ax, rep: Report) -> None:
    rows = _lead_rows(rep)
    if rows:
        labels = [f"{r[0]}\n{r[1]} → {r[2]}" for r in rows]
        y = range(len(rows))
        ax.barh([i + 0.2 for i in y], [r[5] for r in rows], height=0.4, color=COLOURS[1], label="90e percentiel")
        ax.barh([i - 0.2 for i in y], [r[4] for r in rows], height=0.4, color=COLOURS[0], label="mediaan")
        for i, r in enumerate(rows):
            if r[6] != "":
                ax.plot([r[6], r[6]], [i - 0.45, i + 0.45], color="black", linewidth=2)
        ax.set_yticks(list(y), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("werkdagen (zwarte streep: de afspraak)")
        ax.legend(loc="lower right", fontsize=8)
    else:
        _empty(ax)
    ax.set_title("Doorlooptijden")


def _term_rows(rep: Report) -> list:
    return [r for r in rep.tables["termijnen"].rows if r[4] != ""]


def terms_met(rep: Report) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.35 * max(len(_term_rows(rep)), 2)))
    _draw_terms_met(ax, rep)
    return _png(fig)


def _draw_terms_met(ax, rep: Report) -> None:
    rows = _term_rows(rep)
    if rows:
        ax.barh(range(len(rows)), [r[4] for r in rows], color=COLOURS[2])
        ax.set_yticks(range(len(rows)), [f"{r[0]} — {r[1]}" for r in rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% op tijd")
    else:
        _empty(ax)
    ax.set_title("Termijnen op tijd gehaald")


def escalation(rep: Report) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * max(len(rep.tables["opschaling"].rows), 2)))
    _draw_escalation(ax, rep)
    return _png(fig)


def _draw_escalation(ax, rep: Report) -> None:
    table = rep.tables["opschaling"]
    if table.rows:
        left = [0.0] * len(table.rows)
        for j, bucket in enumerate(table.headers[1:4]):
            values = [r[1 + j] if isinstance(r[1 + j], int) else 0 for r in table.rows]
            ax.barh(range(len(table.rows)), values, left=left, color=COLOURS[j], label=bucket)
            left = [a + b for a, b in zip(left, values, strict=True)]
        for i, r in enumerate(table.rows):
            if any(v == HIDDEN for v in r[1:4]):
                ax.text(left[i], i, f"  ({HIDDEN} niet getekend)", va="center", fontsize=8)
        ax.set_yticks(range(len(table.rows)), [r[0] for r in table.rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("verlopen termijnen")
        ax.legend(fontsize=8, loc="lower right")
    else:
        _empty(ax, "Geen verlopen termijnen in deze periode")
    ax.set_title("Verlopen termijnen, naar hoe ver opgeschaald")


def trend(rep: Report) -> bytes:
    months = list(rep.monthly)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    if months:
        for j, series in enumerate(("meldingen", "bevestigde overdrachten", "verlopen termijnen")):
            values = [rep.monthly[m].get(series, 0) for m in months]
            if rep.suppressed:       # a small count is not drawn
                values = [v if v >= SMALL or v == 0 else float("nan") for v in values]
            ax.plot(months, values, marker="o", color=COLOURS[j], label=series)
        ax.set_ylabel("aantal")
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        ax.legend(fontsize=8)
        if rep.suppressed:
            ax.set_xlabel(f"een aantal onder de {SMALL} is niet getekend")
    else:
        _empty(ax)
    ax.set_title("Per maand")
    return _png(fig)


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


def routes(rep: Report) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * max(len(_route_totals(rep)[0]), 2)))
    _draw_routes(ax, rep)
    return _png(fig)


def _draw_routes(ax, rep: Report) -> None:
    totals, hidden = _route_totals(rep)
    if totals:
        ax.barh(range(len(totals)), list(totals.values()), color=COLOURS[0])
        ax.set_yticks(range(len(totals)), list(totals), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("triagebesluiten")
        if hidden:
            ax.set_xlabel(f"triagebesluiten (route en zwaarte met een aantal onder de {SMALL} niet meegeteld)")
    else:
        _empty(ax)
    ax.set_title("Triagebesluiten per route")


def summary(rep: Report, title: str) -> bytes:
    """One picture of a period, for a chat message: lead times, terms met, how far lapses went, routes."""
    fig, axes = plt.subplots(2, 2, figsize=(16, 10))
    for ax, draw in zip(axes.flat, (_draw_lead_times, _draw_terms_met, _draw_escalation, _draw_routes), strict=True):
        draw(ax, rep)
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return _png(fig)


def all_charts(rep: Report) -> dict[str, bytes]:
    return {"doorlooptijden": lead_times(rep), "termijnen": terms_met(rep), "opschaling": escalation(rep),
            "trend": trend(rep), "routes": routes(rep)}
