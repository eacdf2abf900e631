"""What a leidinggevende (or gedragswetenschapper) sees of their organisation's open cases (`/tafel overzicht`, the
Slack Home tab): per case who holds zicht op veiligheid and casusregie, the terms that ran late or are due soon, and
the open escalations with who took them up — most urgent first. Pure: cases in, lines out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .calendar import WorkCalendar
from .case import CaseState, case_order
from .escalation import escalated_to
from .membership import involved
from .types import DeadlineState

LATE, SOON, CALM = 0, 1, 2          # urgency: a term ran late; a term is due soon; nothing pressing


@dataclass(frozen=True)
class Term:
    kind: str
    owner: str                    # organisation
    due: datetime
    late: bool
    reached: str | None           # the highest the clock escalated it above its owner (leidinggevende, ...)
    taken_up_by: str | None       # the member who took the escalation up ("Ik pak dit op")


@dataclass(frozen=True)
class Line:
    number: str
    status: str
    zicht: tuple[str, ...]
    regie: tuple[str, ...]
    terms: tuple[Term, ...]       # late ones first, then by due moment

    @property
    def urgency(self) -> int:
        if any(t.late for t in self.terms):
            return LATE
        return SOON if self.terms else CALM


def overview(states: Iterable[CaseState], orgs: set[str] | None, soon: datetime,
             calendar: WorkCalendar) -> list[Line]:
    """The open cases that one of `orgs` is involved in (all when None), most urgent first: a term that ran late
    (the longest late first), then a term due before `soon`, then the rest by case number."""
    lines = [_line(s, soon, calendar) for s in states
             if s.closed_at is None and (orgs is None or orgs & involved(s))]
    return sorted(lines, key=lambda line: (line.urgency, min((t.due for t in line.terms), default=soon),
                                           case_order(line.number)))


def _line(s: CaseState, soon: datetime, calendar: WorkCalendar) -> Line:
    taken = {r.text: r for r in s.records if r.kind == "opgepakt"}
    terms = []
    for d in s.active_deadlines():
        late = d.state is DeadlineState.VERLOPEN
        if not late and d.due > soon:
            continue
        took = taken.get(str(d.seq))
        reached = escalated_to(d, calendar, took.at if took else None)
        terms.append(Term(d.kind.value, d.owner, d.due, late, reached.value if reached else None,
                          took.by if took else None))
    terms.sort(key=lambda t: (not t.late, t.due))
    return Line(s.number, s.status.value, tuple(s.holders), tuple(s.regie_holders), tuple(terms))
