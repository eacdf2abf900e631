"""Werkdagen, terms and office hours, in Europe/Amsterdam.

A werkdag is Monday–Friday except Dutch public holidays; Goede Vrijdag and Bevrijdingsdag depend on
the collective agreement and are chosen per profile (domain.md "Working days"). Terms in werkdagen
are counted from the day after the event; terms in days, weeks or months are calendar terms.
A due moment is the *end* of the last day of the term: the first instant of the next day, local time.
Datetimes going in and out are timezone-aware; they are converted to Amsterdam for counting.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter

AMS = ZoneInfo("Europe/Amsterdam")

# The holidays every Dutch collective agreement shares (domain.md "Working days").
# Taken from `holidays` with the category set explicitly and filtered by name, so a change of the
# package's defaults (Goede Vrijdag moved between categories across versions) cannot change them.
_NATIONAL_HOLIDAY_NAMES = frozenset({
    "New Year's Day", "Easter Monday", "King's Day", "Ascension Day", "Pentecost Monday",
    "Christmas Day", "Second Day of Christmas",
})


class Bevrijdingsdag(StrEnum):
    JAARLIJKS = "jaarlijks"    # a free day every year
    LUSTRUM = "lustrum"        # only every five years (2025, 2030, ...)
    NEE = "nee"                # a working day


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    cal = holidays.country_holidays("NL", years=year, categories=("public",), language="en_US")
    return frozenset(d for d, name in cal.items()
                     if any(part.strip() in _NATIONAL_HOLIDAY_NAMES for part in name.split(";")))


class Unit(StrEnum):
    WERKDAGEN = "werkdagen"
    DAGEN = "dagen"
    WEKEN = "weken"
    MAANDEN = "maanden"
    UREN = "uren"
    DAG = "dag"          # "op dag N": day 1 is the day of the event itself (THV, 000 §6)


@dataclass(frozen=True)
class Term:
    unit: Unit
    n: int

    def __str__(self) -> str:
        return f"{self.n} {self.unit.value}"

    def to_dict(self) -> dict[str, int]:
        return {self.unit.value: self.n}

    @staticmethod
    def from_dict(data: dict[str, int]) -> Term:
        (unit, n), = data.items()
        return Term(Unit(unit), int(n))


@dataclass(frozen=True)
class OfficeHours:
    """When an organisation can be reached: werkdagen between open and close, or `always` (VT, 000 §8.1)."""

    open_at: time = time(9, 0)
    close_at: time = time(17, 0)
    always: bool = False

    def overlap(self, other: OfficeHours) -> OfficeHours:
        """When both can be reached: for a message that is for both."""
        if self.always or other.always:
            return other if self.always else self
        return OfficeHours(open_at=max(self.open_at, other.open_at), close_at=min(self.close_at, other.close_at))


@dataclass(frozen=True)
class WorkCalendar:
    goede_vrijdag: bool = False
    bevrijdingsdag: Bevrijdingsdag = Bevrijdingsdag.LUSTRUM
    extra_closing_days: frozenset[date] = field(default_factory=frozenset)

    # ---- days -------------------------------------------------------------------------------
    _cache: dict[int, frozenset[date]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def holidays_in(self, year: int) -> frozenset[date]:
        days = self._cache.get(year)
        if days is None:
            days = self._cache[year] = self._compute_holidays(year)
        return days

    def _compute_holidays(self, year: int) -> frozenset[date]:
        days = set(_national_holidays(year))
        if self.goede_vrijdag:
            days.add(easter(year) - timedelta(days=2))
        if self.bevrijdingsdag is Bevrijdingsdag.JAARLIJKS or (
            self.bevrijdingsdag is Bevrijdingsdag.LUSTRUM and year % 5 == 0
        ):
            days.add(date(year, 5, 5))
        days.update(d for d in self.extra_closing_days if d.year == year)
        return frozenset(days)

    def is_werkdag(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays_in(day.year)

    def werkdag_after(self, day: date, n: int = 1) -> date:
        """The n-th werkdag after `day` (n > 0), or before it (n < 0); `day` itself never counts."""
        step = 1 if n > 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_werkdag(day):
                remaining -= 1
        return day

    # ---- moments ----------------------------------------------------------------------------
    def due(self, start: datetime, term: Term) -> datetime:
        """The moment a term that started at `start` runs out (exclusive end, timezone-aware UTC)."""
        local = start.astimezone(AMS)
        if term.unit is Unit.UREN:
            return start.astimezone(UTC) + timedelta(hours=term.n)   # elapsed hours, also across DST
        if term.unit is Unit.WERKDAGEN:
            last = self.werkdag_after(local.date(), term.n) if term.n else local.date()
        elif term.unit is Unit.DAGEN:
            last = local.date() + timedelta(days=term.n)
        elif term.unit is Unit.WEKEN:
            last = local.date() + timedelta(weeks=term.n)
        elif term.unit is Unit.MAANDEN:
            last = add_months(local.date(), term.n)
        else:  # Unit.DAG
            last = local.date() + timedelta(days=term.n - 1)
        return end_of_day(last)

    def shift(self, moment: datetime, term: Term, *, before: bool = False) -> datetime:
        """`moment` moved by a term, keeping the local time of day (used for escalation rungs)."""
        sign = -1 if before else 1
        if term.unit is Unit.UREN:
            return moment.astimezone(UTC) + sign * timedelta(hours=term.n)
        local = moment.astimezone(AMS)
        if term.unit is Unit.WERKDAGEN:
            day = self.werkdag_after(local.date(), sign * term.n) if term.n else local.date()
        elif term.unit in (Unit.DAGEN, Unit.DAG):
            day = local.date() + sign * timedelta(days=term.n)
        elif term.unit is Unit.WEKEN:
            day = local.date() + sign * timedelta(weeks=term.n)
        else:
            day = add_months(local.date(), sign * term.n)
        return datetime.combine(day, local.time(), AMS).astimezone(UTC)

    def next_open(self, moment: datetime, hours: OfficeHours) -> datetime:
        """The first moment at or after `moment` at which an organisation with these hours is open."""
        if hours.always:
            return moment.astimezone(UTC)
        local = moment.astimezone(AMS)
        day = local.date()
        if self.is_werkdag(day) and hours.open_at <= local.time() < hours.close_at:
            return moment.astimezone(UTC)
        if not (self.is_werkdag(day) and local.time() < hours.open_at):
            day = self.werkdag_after(day, 1)
        return datetime.combine(day, hours.open_at, AMS).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), AMS).astimezone(UTC)


def last_day(due: datetime) -> date:
    """The calendar day (Amsterdam) a due moment closes: what a person reads as 'uiterlijk op'."""
    return (due.astimezone(AMS) - timedelta(microseconds=1)).date()


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))
