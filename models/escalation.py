"""The escalation ladder as data, and the pure question "which rung is next, and when".

Stagnation goes to the leidinggevenden (000 §8.2); in Zuid-Limburg first to the
gedragswetenschappers, then to the leidinggevenden (002 §5.5); a party that fails the agreements
repeatedly or for long is reported to the gemeente (000 §8.2), which answers within 6 weeks where the
profile says so (002 §5.5). The ladder is snapshotted onto a deadline when the deadline is created, so
a later profile change does not alter a running escalation (the grafana/oncall pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .calendar import Term, Unit, WorkCalendar, end_of_day, last_day

if TYPE_CHECKING:
    from .case import Deadline


class Target(StrEnum):
    EIGENAAR = "eigenaar"                          # the owning organisation's workers
    GEDRAGSWETENSCHAPPER = "gedragswetenschapper"  # of the owning organisation
    LEIDINGGEVENDE = "leidinggevende"              # of the owning organisation
    GEMEENTE = "gemeente"                          # bestuurlijk contact of the case's gemeente(n)


class RungKind(StrEnum):
    HERINNERING = "herinnering"    # before the due moment
    VERLOPEN = "verlopen"          # at or after the due moment


@dataclass(frozen=True)
class Rung:
    kind: RungKind
    target: Target
    offset: Term           # before the due moment for a herinnering, after it otherwise

    def at(self, due: datetime, calendar: WorkCalendar) -> datetime:
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


Ladder = tuple[Rung, ...]


def ladder_to_data(ladder: Ladder) -> list[dict[str, Any]]:
    return [r.to_dict() for r in ladder]


def ladder_from_data(data: list[dict[str, Any]]) -> Ladder:
    return tuple(Rung.from_dict(d) for d in data)


def first_rung_to(ladder: Ladder, target: Target) -> int | None:
    """Index of the first rung that goes to `target` (a refusal or stagnatie starts the ladder there)."""
    for i, rung in enumerate(ladder):
        if rung.kind is RungKind.VERLOPEN and rung.target is target:
            return i
    return None


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
