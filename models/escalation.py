"""The escalation ladder as data, and the pure question "which rung is next, and when".

Stagnation goes to the leidinggevenden (000 §8.2); in Zuid-Limburg first to the
gedragswetenschappers, then to the leidinggevenden (002 §5.5); a party that fails the agreements
repeatedly or for long is reported to the gemeente (000 §8.2), which answers within 6 weeks where the
profile says so (002 §5.5). The ladder is snapshotted onto a deadline when the deadline is created, so
a later profile change does not alter a running escalation (the grafana/oncall pattern).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .calendar import OfficeHours, Term, Unit, WorkCalendar, end_of_day, last_day
from .types import MILESTONES, DeadlineKind, DeadlineState

if TYPE_CHECKING:
    from .case import Deadline
    from .profile import Profile


class Target(StrEnum):
    EIGENAAR = "eigenaar"                          # the owning organisation's workers
    GEDRAGSWETENSCHAPPER = "gedragswetenschapper"  # of the owning organisation
    LEIDINGGEVENDE = "leidinggevende"              # of the owning organisation
    GEMEENTE = "gemeente"                          # bestuurlijk contact of the case's gemeente(n)
    # not in a profile's ladder, but in the ladders of particular terms:
    MELDERS = "melders"            # the leidinggevenden of VT and the lokale teams, who reported to the gemeente
    AFSTEMMING = "afstemming"      # the owner's workers and VT's, to agree together (002 bijlage 3b)


LADDER_TARGETS = frozenset({Target.EIGENAAR, Target.GEDRAGSWETENSCHAPPER, Target.LEIDINGGEVENDE, Target.GEMEENTE})


ABOVE_OWNER = frozenset({Target.LEIDINGGEVENDE, Target.GEDRAGSWETENSCHAPPER, Target.GEMEENTE, Target.MELDERS})


def escalated_to(deadline: Deadline, calendar: WorkCalendar, taken_up_at: datetime | None) -> Target | None:
    """How far the clock escalated a lapsed term above its owner: the target of the last rung after the due moment
    that it took — up to where it is now, or, once someone took the escalation up (which stops the ladder), up to
    that moment. None: not above the owner."""
    rungs = deadline.ladder if taken_up_at else deadline.ladder[:deadline.next_rung]
    fired = [r for r in rungs if r.kind is RungKind.VERLOPEN and r.target in ABOVE_OWNER
             and (taken_up_at is None or r.at(deadline.due, calendar) <= taken_up_at)]
    return fired[-1].target if fired else None


class RungKind(StrEnum):
    HERINNERING = "herinnering"    # before the due moment
    VERLOPEN = "verlopen"          # at or after the due moment


@dataclass(frozen=True)
class Rung:
    kind: RungKind
    target: Target
    offset: Term           # before the due moment for a herinnering, after it otherwise

    def at(self, due: datetime, calendar: WorkCalendar) -> datetime:
        return _rung_at(self, due, calendar)

    def _at(self, due: datetime, calendar: WorkCalendar) -> datetime:
        if self.kind is RungKind.HERINNERING:
            return calendar.shift(due, self.offset, before=True)
        if self.offset.unit is Unit.WERKDAGEN and self.offset.n:
            # n werkdagen after the last day of the term, so the owner really gets n werkdagen:
            # a term ending on Friday escalates after Monday, not on Monday at midnight.
            return end_of_day(calendar.werkdag_after(last_day(due), self.offset.n))
        return calendar.shift(due, self.offset)

    def to_dict(self) -> dict[str, Any]:
        return {"soort": self.kind.value, "naar": self.target.value, "termijn": self.offset.to_dict()}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Rung:
        return Rung(RungKind(data["soort"]), Target(data["naar"]), Term.from_dict(data["termijn"]))


@lru_cache(maxsize=65536)
def _rung_at(rung: Rung, due: datetime, calendar: WorkCalendar) -> datetime:
    """Rung moments are pure and asked for again and again by the sweep: remember them."""
    return rung._at(due, calendar)


Ladder = tuple[Rung, ...]


def ladder_to_data(ladder: Ladder) -> list[dict[str, Any]]:
    return [r.to_dict() for r in ladder]


def ladder_from_data(data: list[dict[str, Any]]) -> Ladder:
    return tuple(Rung.from_dict(d) for d in data)


def next_rung(deadline: Deadline, calendar: WorkCalendar) -> tuple[int, Rung, datetime] | None:
    """The next rung of a deadline's own (snapshotted) ladder and the moment it is due, or None.

    A met or withdrawn deadline, a paused one, and one whose ladder is exhausted have no next rung.
    Rungs are monotonic in time; a rung whose moment lies before the previous one is still taken in
    order (never skipped), at the later of the two moments.
    """
    if not deadline.is_active or deadline.paused or deadline.next_rung >= len(deadline.ladder):
        return None
    rung = deadline.ladder[deadline.next_rung]
    at = max(r.at(deadline.due, calendar) for r in deadline.ladder[: deadline.next_rung + 1])
    return deadline.next_rung, rung, at


# ---- acting on the ladder ------------------------------------------------------------------------
# Who a rung reaches decides when it may arrive. Every message of an acute case goes at once, whoever it
# is for, when the profile says so (000 §5.1.2; 002 §2 k). Otherwise a message waits for the office hours
# of the people it is for: a lokaal team (and a GI), its leidinggevende (000 §8.1), the gemeente's
# bestuurlijk contact, and VT's workers too — VT is reachable 24/7 for crises, not for reminders at
# midnight (the profile's `vt_werkdag`).

@dataclass(frozen=True)
class Fired:
    """A rung that has come: who must now be told about which deadline."""

    deadline: int
    index: int
    rung: Rung
    at: datetime


def hours_for(deadline: Deadline, rung: Rung, vt_org: str, profile: Profile, acute: bool) -> OfficeHours:
    if acute and profile.lt_acuut_buiten_kantoortijd:
        return OfficeHours(always=True)
    if rung.target is Target.GEMEENTE or (deadline.kind is DeadlineKind.GEMEENTE_ANTWOORD
                                          and rung.target is Target.EIGENAAR):
        return profile.gemeente_hours
    if rung.target in (Target.MELDERS, Target.AFSTEMMING):      # VT and a lokaal team together
        return profile.vt_workday.overlap(profile.lt_hours)
    return profile.vt_workday if deadline.owner == vt_org else profile.lt_hours


def rung_moment(deadline: Deadline, vt_org: str, profile: Profile, acute: bool) -> tuple[int, Rung, datetime] | None:
    """The next rung and the moment it may really go out (its ladder moment, moved into office hours)."""
    step = next_rung(deadline, profile.calendar)
    if step is None:
        return None
    index, rung, at = step
    return index, rung, profile.calendar.next_open(at, hours_for(deadline, rung, vt_org, profile, acute))


def next_action(deadline: Deadline, vt_org: str, profile: Profile, acute: bool) -> datetime | None:
    """When the clock must next look at a deadline: its lapse or its next rung; None: never again."""
    if not deadline.is_active or deadline.paused:
        return None
    moments = [deadline.due] if deadline.state is DeadlineState.OPEN else []
    step = rung_moment(deadline, vt_org, profile, acute)
    if step is not None:
        moments.append(step[2])
    return min(moments) if moments else None


def advance(deadline: Deadline, now: datetime, vt_org: str, profile: Profile,
            acute: bool) -> tuple[Deadline, list[Fired]]:
    """What the clock does to one deadline by `now`: it lapses at its due moment, and every rung whose
    moment has come fires once, in order. A herinnering is dropped (not sent) once it is too late for
    it: after the lapse, or when its moment lay before the deadline was even created."""
    if not deadline.is_active or deadline.paused:
        return deadline, []
    if deadline.state is DeadlineState.OPEN and deadline.due <= now:
        if deadline.kind in MILESTONES:     # it came: nothing lapsed, nobody to tell
            return replace(deadline, state=DeadlineState.GEHAALD, met_at=deadline.due), []
        if not any(r.kind is RungKind.VERLOPEN for r in deadline.ladder):
            # a formality with only a reminder (a receipt after the table's decision, 002 §2 i): its moment
            # passed, and that is all — it does not stand as "lapsed" for months
            return replace(deadline, state=DeadlineState.VERVALLEN, closed_reason="alleen_herinnering"), []
        deadline = replace(deadline, state=DeadlineState.VERLOPEN, lapsed_at=deadline.due)
    fired: list[Fired] = []
    while (step := rung_moment(deadline, vt_org, profile, acute)) is not None and step[2] <= now:
        index, rung, at = step
        late_reminder = rung.kind is RungKind.HERINNERING and (
            deadline.state is not DeadlineState.OPEN or at < deadline.created_at)
        if not late_reminder:
            fired.append(Fired(deadline.seq, index, rung, at))
        deadline = replace(deadline, next_rung=index + 1)
    return deadline, fired


def escalation_start(ladder: Ladder) -> int:
    """The ladder's first step above the owner (the leidinggevende; in Zuid-Limburg the
    gedragswetenschapper first, 002 §5.5)."""
    for i, rung in enumerate(ladder):
        if rung.kind is RungKind.VERLOPEN and rung.target is not Target.EIGENAAR:
            return i
    return len(ladder)


def from_first_step(ladder: Ladder) -> Ladder:
    """A refused handover, a reported stagnation or a handover left waiting too long enters the ladder at
    its first step above the owner, at once; the steps after it keep their distance from that moment. It
    stops at the leidinggevenden, who must decide (000 §8.2; 002 §5.5: first the gedragswetenschappers):
    workers who cannot agree are no party failing the agreements, so the gemeente is not part of it."""
    start = escalation_start(ladder)
    steps = [r for r in ladder[start:] if r.target is not Target.GEMEENTE]
    if not steps:
        return ()
    return (replace(steps[0], offset=Term(Unit.UREN, 0)), *steps[1:])


def reminders_only(ladder: Ladder) -> Ladder:
    """Only the ladder's reminders before the due moment: for a milestone or a formality that nobody can
    fail (the end of a huisverbod; a receipt where the table's decision already moved the case)."""
    return tuple(r for r in ladder if r.kind is RungKind.HERINNERING)


def reminders_then(ladder: Ladder, target: Target) -> Ladder:
    """The reminders, and at the due moment one message to `target` (not up the owner's ladder)."""
    return (*reminders_only(ladder), Rung(RungKind.VERLOPEN, target, Term(Unit.UREN, 0)))


def via_gedragswetenschappers(ladder: Ladder) -> Ladder:
    """A disagreement the gedragswetenschappers of both sides decide first (000 bijlage 2), at once; if it
    still stands, the profile's steps above them follow at their own distance (never the gemeente)."""
    start = escalation_start(ladder)
    rest = [r for r in ladder[start:] if r.target not in (Target.GEMEENTE, Target.GEDRAGSWETENSCHAPPER)]
    return (Rung(RungKind.VERLOPEN, Target.GEDRAGSWETENSCHAPPER, Term(Unit.UREN, 0)), *rest)
