"""The figures for the yearly review of the samenwerkingsafspraken (issue 16; 002 §1.5, 000 §8.2): lead times,
terms met, lapses and how far they were escalated, refused handovers and stagnations, routes and overrides, and
monthly trends — from the cases the bot keeps, for a period and optionally one gemeente. Pure: cases in, tables
out; no free text of a case ever goes in (reasons, remarks), only organisations, kinds, counts and times. Every
title, column name and outcome is a key that `word(vocabulary, key)` turns into the bot's Dutch (the `rapport_*`
words in templates/_woorden.j2); without it, the keys show.

A report that leaves Veilig Thuis (a gemeente's) suppresses small numbers: a count below `SMALL` shows as "< 5",
and a median or percentile over fewer than `SMALL` cases is left out, so that no family can be recognised from a
rare combination."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .calendar import AMS, WorkCalendar
from .case import CaseState, Handover
from .directory import Organisation
from .escalation import Target, escalated_to
from .membership import involved
from .types import DeadlineKind, DeadlineState, HandoverState, OrgKind

SMALL = 5
HIDDEN = "< 5"
STEPS = ("melding_besluit", "besluit_bevestiging", "bevestiging_contact")     # the lead times measured
# how far a lapsed term went (`escalated_to`): the melders of a gemeente's late answer are leidinggevenden
RUNG_BUCKETS = {None: "eigenaar", Target.LEIDINGGEVENDE: "leiding", Target.GEDRAGSWETENSCHAPPER: "leiding",
                Target.MELDERS: "leiding", Target.GEMEENTE: "gemeente"}
BUCKETS = ("eigenaar", "leiding", "gemeente")
SERIES = ("meldingen", "bevestigd", "verlopen")     # the monthly trend: meldingen, confirmations, lapsed terms


@dataclass
class Table:
    name: str                     # also the CSV's file name
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


@dataclass
class Report:
    start: date
    end: date                     # exclusive
    gemeente: str | None
    suppressed: bool
    tables: dict[str, Table]
    monthly: dict[str, dict[str, int]]      # month (JJJJ-MM) -> series -> count, for the trend chart
    cases: int = 0                          # the meldingen counted


def working_days(calendar: WorkCalendar, start: datetime, end: datetime) -> int:
    """Working days from `start` to `end`: the working days after start's day, up to and including end's day."""
    a, b = start.astimezone(AMS).date(), end.astimezone(AMS).date()
    days, d = 0, a
    while d < b:
        d = date.fromordinal(d.toordinal() + 1)
        days += calendar.is_werkdag(d)
    return days


def percentile(values: list[int], q: float) -> float:
    """The q-th percentile (0-100), by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(states: Iterable[CaseState], calendar: WorkCalendar, start: date, end: date, *,
           gemeente: str | None = None, only: Callable[[CaseState], bool] | None = None, hide: bool | None = None,
           norms: dict[str, int] | None = None, org_name: Callable[[str], str] = str,
           word: Callable[[str, str], str] = lambda vocabulary, key: key) -> Report:
    """The figures over the meldingen received from `start` up to `end`: those of one gemeente when given, and of
    the cases `only` lets through (an organisation's own, say). Small numbers are suppressed when `hide`, and by
    default in a gemeente's report. `norms`: the profile's terms in working days, per step. `org_name` and `word`
    (vocabulary, key) give the Dutch names of organisations, terms and routes."""
    cases = [s for s in states if s.received_at and start <= s.received_at.astimezone(AMS).date() < end
             and (gemeente is None or gemeente in s.gemeenten) and (only is None or only(s))]
    hide = gemeente is not None if hide is None else hide
    def n(count: int) -> int | str:
        return shown(count, hide)
    tables = {t.name: t for t in (
        _lead_times(cases, calendar, norms or {}, org_name, word, hide),
        _terms_met(cases, org_name, word, n),
        _lapses(cases, calendar, org_name, word, n),
        _refusals(cases, org_name, word, n),
        _stagnations(cases, org_name, word, n),
        _routes(cases, word, n),
        _routes_by_gemeente(cases, word, n),
        _overrides(cases, word, n),
    )}
    return Report(start, end, gemeente, hide, tables, _monthly(cases), len(cases))


@dataclass(frozen=True)
class Scope:
    """Whose cases a report from the chat (`/tafel rapport`, the monthly report) covers: an organisation's own —
    for a gemeente, the cases in its gemeenten — with small numbers hidden wherever it leaves Veilig Thuis."""

    org: str
    gemeenten: tuple[str, ...] | None     # a gemeente's report: the cases in these gemeenten
    hide: bool

    def covers(self, state: CaseState) -> bool:
        if self.gemeenten is not None:
            return bool(set(state.gemeenten) & set(self.gemeenten))
        return self.org in involved(state)


def scope_of(org: Organisation) -> Scope:
    gemeente = org.kind is OrgKind.GEMEENTE
    return Scope(org.id, tuple(org.gemeenten) if gemeente else None, hide=org.kind is not OrgKind.VT)


def month_before(day: date) -> tuple[date, date]:
    """The calendar month before the one `day` falls in: (its first day, the first day of the next)."""
    end = day.replace(day=1)
    return (end - timedelta(days=1)).replace(day=1), end


def shown(count: int, hide: bool) -> int | str:
    """A count as a report that hides small numbers shows it."""
    return HIDDEN if hide and 0 < count < SMALL else count


def _receivers(s: CaseState) -> list[tuple[Handover, str, datetime]]:
    """(handover, receiving organisation, when it confirmed) of every confirmation in the case."""
    return [(h, c.org, c.at) for h in s.handovers for c in h.confirmations]


def _table(name: str, columns: tuple[str, ...], word: Callable[[str, str], str]) -> Table:
    """An empty table whose title and column names are the vocabulary's (`rapport_tabellen`, `rapport_kolommen`)."""
    return Table(name, word("rapport_tabellen", name), [word("rapport_kolommen", c) for c in columns])


def _lead_times(cases, calendar, norms, org_name, word, hide) -> Table:
    samples: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for s in cases:
        vt = s.orgs.vt if s.orgs else "?"
        confirmed = _receivers(s)
        to = confirmed[0][1] if confirmed else vt
        if s.decision:
            samples[(STEPS[0], vt, to)].append(working_days(calendar, s.received_at, s.decision.decided_at))
        for _h, org, at in confirmed[:1]:
            if s.decision:
                samples[(STEPS[1], vt, org)].append(working_days(calendar, s.decision.decided_at, at))
            contact = next((d for d in s.deadlines if d.kind is DeadlineKind.EERSTE_CONTACT and d.owner == org
                            and d.met_at), None)
            if contact:
                samples[(STEPS[2], vt, org)].append(working_days(calendar, at, contact.met_at))
    table = _table("doorlooptijden", ("stap", "van", "naar", "aantal", "mediaan", "p90", "afspraak"), word)
    for (step, a, b), values in sorted(samples.items(), key=lambda kv: (STEPS.index(kv[0][0]), kv[0][1:])):
        small = hide and len(values) < SMALL
        table.rows.append([word("rapport_stappen", step), org_name(a), org_name(b), HIDDEN if small else len(values),
                           "" if small else round(statistics.median(values), 1),
                           "" if small else round(percentile(values, 90), 1), norms.get(step, "")])
    return table


def _terms_met(cases, org_name, word, n) -> Table:
    met, late = Counter(), Counter()
    for s in cases:
        for d in s.deadlines:
            if d.lapsed_at is None and d.state in (DeadlineState.VERVALLEN, DeadlineState.OPEN):
                continue                        # withdrawn in time, or still running: not (yet) met or missed
            key = (d.kind.value, d.owner)
            if d.lapsed_at is None and d.met_at is not None and d.met_at <= d.due:
                met[key] += 1
            else:
                late[key] += 1
    table = _table("termijnen", ("termijn", "organisatie", "op_tijd", "te_laat", "aandeel"), word)
    for kind, org in sorted(set(met) | set(late)):
        total = met[(kind, org)] + late[(kind, org)]
        share = round(100 * met[(kind, org)] / total, 1)
        table.rows.append([word("termijnen", kind), org_name(org), n(met[(kind, org)]), n(late[(kind, org)]),
                           share if n(total) == total else ""])
    return table


def _lapses(cases, calendar, org_name, word, n) -> Table:
    counts: Counter = Counter()
    for s in cases:
        taken = {r.text: r.at for r in s.records if r.kind == "opgepakt"}
        for d in s.deadlines:
            if d.lapsed_at is not None:
                counts[(d.owner, RUNG_BUCKETS[escalated_to(d, calendar, taken.get(str(d.seq)))])] += 1
    table = _table("opschaling", ("organisatie", *BUCKETS, "totaal"), word)
    for org in sorted({o for o, _ in counts}):
        row = [counts[(org, b)] for b in BUCKETS]
        table.rows.append([org_name(org), *(n(c) for c in row), n(sum(row))])
    return table


def _refusals(cases, org_name, word, n) -> Table:
    counts: Counter = Counter()
    for s in cases:
        vt = s.orgs.vt if s.orgs else "?"
        for i, h in enumerate(s.handovers):
            if h.state is not HandoverState.GEWEIGERD or h.refusal is None:
                continue
            later = s.handovers[i + 1:]
            if any(c.org == h.refusal.org for x in later for c in x.confirmations):
                outcome = "later_bevestigd"
            elif any(x.confirmations for x in later):
                outcome = "ander_bevestigde"
            elif any(r.kind == "stagnatie" and r.source == "weigering" for r in s.records):
                outcome = "stagnatie_gemeld"
            else:
                outcome = "niet_bevestigd"
            counts[(vt, h.refusal.org, outcome)] += 1
    table = _table("weigeringen", ("van", "geweigerd_door", "uitkomst", "aantal"), word)
    for (a, b, outcome), count in sorted(counts.items()):
        table.rows.append([org_name(a), org_name(b), word("rapport_uitkomsten", outcome), n(count)])
    return table


def _stagnations(cases, org_name, word, n) -> Table:
    counts: Counter = Counter()
    for s in cases:
        for i, r in enumerate(s.records, start=1):
            if r.kind != "stagnatie":
                continue
            mine = [d for d in s.deadlines if d.kind is DeadlineKind.STAGNATIE and d.ref == str(i)]
            others = sorted({d.owner for d in mine} - {r.org}) or [r.org]
            if any(d.state is DeadlineState.GEHAALD for d in mine):
                outcome = "opgepakt"
            elif any(d.lapsed_at for d in mine):
                outcome = "opgeschaald"
            else:
                outcome = "open_of_vervallen"
            for other in others:
                counts[(r.org, other, outcome)] += 1
    table = _table("stagnaties", ("gemeld_door", "met", "uitkomst", "aantal"), word)
    for (a, b, outcome), count in sorted(counts.items()):
        table.rows.append([org_name(a), org_name(b), word("rapport_uitkomsten", outcome), n(count)])
    return table


def _routes(cases, word, n) -> Table:
    counts = Counter((s.decision.route.value, s.decision.weight.value if s.decision.weight else "—")
                     for s in cases if s.decision)
    table = _table("routes", ("route", "zwaarte", "aantal"), word)
    table.rows = [[word("routes", route), weight, n(count)] for (route, weight), count in sorted(counts.items())]
    return table


def _routes_by_gemeente(cases, word, n) -> Table:
    counts = Counter((g, s.decision.route.value) for s in cases if s.decision for g in s.gemeenten)
    table = _table("routes_per_gemeente", ("gemeente", "route", "aantal"), word)
    table.rows = [[g, word("routes", route), n(count)] for (g, route), count in sorted(counts.items())]
    return table


def _overrides(cases, word, n) -> Table:
    counts = Counter(key for s in cases if s.decision for key in s.decision.overridden)
    table = _table("afwijkingen", ("regel", "aantal"), word)
    table.rows = [[key, n(count)] for key, count in sorted(counts.items())]
    return table


def _monthly(cases) -> dict[str, dict[str, int]]:
    months: dict[str, Counter] = defaultdict(Counter)
    for s in cases:
        months[f"{s.received_at.astimezone(AMS):%Y-%m}"]["meldingen"] += 1
        for d in s.deadlines:
            if d.lapsed_at is not None:
                months[f"{d.lapsed_at.astimezone(AMS):%Y-%m}"]["verlopen"] += 1
        for _h, _org, at in _receivers(s):
            months[f"{at.astimezone(AMS):%Y-%m}"]["bevestigd"] += 1
    return {m: dict(c) for m, c in sorted(months.items())}
