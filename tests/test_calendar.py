"""Werkdagen, terms and office hours (domain.md "Working days"; models/calendar.py).

Every expected date below was counted by hand on a 2025/2026 calendar:
2025: Goede Vrijdag 18/4, Tweede Paasdag 21/4, Koningsdag za 26/4, Bevrijdingsdag ma 5/5, Hemelvaart do 29/5,
Tweede Pinksterdag 9/6, Kerst do 25 + vr 26/12. 2026: Nieuwjaar do 1/1, Goede Vrijdag 3/4, Koningsdag ma 27/4,
Bevrijdingsdag di 5/5, Hemelvaart do 14/5. DST: 30/3/2025 and 26/10/2025.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.calendar import (
    AMS,
    Bevrijdingsdag,
    OfficeHours,
    Term,
    Unit,
    WorkCalendar,
    add_months,
    end_of_day,
    last_day,
)
from tests.factories import ams

CAL = WorkCalendar()          # goede_vrijdag=False, bevrijdingsdag=lustrum: the shipped profiles' choice
LT = OfficeHours(time(9), time(17))


def werkdagen(n: int) -> Term:
    return Term(Unit.WERKDAGEN, n)


def last(start: datetime, term: Term, cal: WorkCalendar = CAL) -> date:
    return last_day(cal.due(start, term))


# ---- holidays -----------------------------------------------------------------------------------
def test_koningsdag_on_saturday_2025_leaves_friday_and_monday_werkdagen():
    assert date(2025, 4, 26) in CAL.holidays_in(2025)
    assert not CAL.is_werkdag(date(2025, 4, 26))
    assert CAL.is_werkdag(date(2025, 4, 25))
    assert CAL.is_werkdag(date(2025, 4, 28))
    # Thu 24/4 + 5: Fri 25, Mon 28, Tue 29, Wed 30, Thu 1/5 (no day lost to Koningsdag)
    assert last(ams(2025, 4, 24, 10), werkdagen(5)) == date(2025, 5, 1)


def test_koningsdag_on_monday_2026_costs_a_werkdag():
    assert not CAL.is_werkdag(date(2026, 4, 27))
    # Fri 24/4 + 5: (Mon 27 free) Tue 28, Wed 29, Thu 30, Fri 1/5, Mon 4/5
    assert last(ams(2026, 4, 24, 10), werkdagen(5)) == date(2026, 5, 4)


@pytest.mark.parametrize("day", [date(2025, 4, 18), date(2026, 4, 3)])
def test_goede_vrijdag_depends_on_the_collective_agreement(day):
    assert WorkCalendar(goede_vrijdag=False).is_werkdag(day)
    assert not WorkCalendar(goede_vrijdag=True).is_werkdag(day)


def test_goede_vrijdag_shifts_a_term_only_when_free():
    start = ams(2025, 4, 17, 10)   # Thursday before Easter
    # free: Tue 22, Wed 23, Thu 24, Fri 25, Mon 28 (Fri 18 and Easter Monday 21 free)
    assert last(start, werkdagen(5), WorkCalendar(goede_vrijdag=True)) == date(2025, 4, 28)
    # working: Fri 18, Tue 22, Wed 23, Thu 24, Fri 25
    assert last(start, werkdagen(5), WorkCalendar(goede_vrijdag=False)) == date(2025, 4, 25)


@pytest.mark.parametrize("setting, day, werkdag", [
    (Bevrijdingsdag.JAARLIJKS, date(2025, 5, 5), False),
    (Bevrijdingsdag.JAARLIJKS, date(2026, 5, 5), False),
    (Bevrijdingsdag.LUSTRUM, date(2025, 5, 5), False),
    (Bevrijdingsdag.LUSTRUM, date(2026, 5, 5), True),
    (Bevrijdingsdag.NEE, date(2025, 5, 5), True),
    (Bevrijdingsdag.NEE, date(2026, 5, 5), True),
])
def test_bevrijdingsdag(setting, day, werkdag):
    assert WorkCalendar(bevrijdingsdag=setting).is_werkdag(day) is werkdag


@pytest.mark.parametrize("start, end", [
    (ams(2025, 5, 27, 10), date(2025, 6, 4)),   # Tue: Wed 28, (Thu 29 free) Fri 30, Mon 2, Tue 3, Wed 4
    (ams(2026, 5, 12, 10), date(2026, 5, 20)),  # Tue: Wed 13, (Thu 14 free) Fri 15, Mon 18, Tue 19, Wed 20
])
def test_term_across_hemelvaart(start, end):
    assert last(start, werkdagen(5)) == end


def test_term_across_christmas_and_new_year():
    # Tue 23/12: Wed 24, (Thu 25, Fri 26 free) Mon 29, Tue 30, Wed 31, (Thu 1/1 free) Fri 2/1
    due = CAL.due(ams(2025, 12, 23, 10), werkdagen(5))
    assert last_day(due) == date(2026, 1, 2)
    assert due == datetime(2026, 1, 2, 23, 0, tzinfo=UTC)   # Sat 3/1 00:00 CET


@pytest.mark.parametrize("start, end", [
    (ams(2025, 6, 14, 10), date(2025, 6, 20)),   # Saturday: Mon 16 .. Fri 20
    (ams(2025, 6, 15, 23, 30), date(2025, 6, 20)),  # Sunday late: the same
    (ams(2025, 6, 7, 10), date(2025, 6, 16)),    # Saturday before Pinksteren: Tue 10 .. Mon 16
])
def test_term_started_in_the_weekend_counts_from_the_next_werkdag(start, end):
    assert last(start, werkdagen(5)) == end


def test_extra_closing_days():
    cal = WorkCalendar(extra_closing_days=frozenset({date(2025, 6, 17), date(2026, 6, 16)}))
    assert not cal.is_werkdag(date(2025, 6, 17))
    assert CAL.is_werkdag(date(2025, 6, 17))
    # Mon 16/6: (Tue 17 closed) Wed 18, Thu 19, Fri 20, Mon 23, Tue 24 — one later than without
    assert last(ams(2025, 6, 16, 10), werkdagen(5), cal) == date(2025, 6, 24)
    assert last(ams(2025, 6, 16, 10), werkdagen(5)) == date(2025, 6, 23)


# ---- calendar terms -----------------------------------------------------------------------------
@pytest.mark.parametrize("term, end", [
    (Term(Unit.DAGEN, 14), date(2025, 6, 30)),
    (Term(Unit.WEKEN, 3), date(2025, 7, 7)),
    (Term(Unit.MAANDEN, 2), date(2025, 8, 16)),
    (Term(Unit.DAG, 1), date(2025, 6, 16)),      # day 1 is the day of the event itself
    (Term(Unit.DAG, 10), date(2025, 6, 25)),
    (werkdagen(0), date(2025, 6, 16)),
])
def test_calendar_terms_from_monday_16_june_2025(term, end):
    assert last(ams(2025, 6, 16, 10), term) == end


@pytest.mark.parametrize("start, months, end", [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 3, 31), 1, date(2025, 4, 30)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)),
    (date(2025, 1, 31), -2, date(2024, 11, 30)),
])
def test_month_terms_clamp_to_the_month_end(start, months, end):
    assert add_months(start, months) == end


def test_month_term_due_is_end_of_clamped_day():
    assert last(ams(2025, 1, 31, 15), Term(Unit.MAANDEN, 1)) == date(2025, 2, 28)


# ---- due moments --------------------------------------------------------------------------------
def test_due_is_midnight_after_the_last_day_in_utc():
    due = CAL.due(ams(2025, 6, 16, 10), Term(Unit.DAGEN, 14))
    assert due.utcoffset() == timedelta(0)
    assert due == datetime(2025, 6, 30, 22, 0, tzinfo=UTC)              # Tue 1/7 00:00 CEST
    winter = CAL.due(ams(2025, 1, 6, 10), werkdagen(5))                   # Mon: last day Mon 13/1
    assert winter == datetime(2025, 1, 13, 23, 0, tzinfo=UTC)            # Tue 14/1 00:00 CET


def test_due_across_spring_dst():
    # Mon 24/3 (CET) + 5 werkdagen: last day Mon 31/3 (CEST)
    due = CAL.due(ams(2025, 3, 24, 10), werkdagen(5))
    assert due == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    assert CAL.due(ams(2025, 3, 29, 12), Term(Unit.DAGEN, 1)) == datetime(2025, 3, 30, 22, 0, tzinfo=UTC)


def test_due_across_autumn_dst():
    due = CAL.due(ams(2025, 10, 24, 10), Term(Unit.DAGEN, 2))          # last day Sun 26/10
    assert due == datetime(2025, 10, 26, 23, 0, tzinfo=UTC)             # Mon 27/10 00:00 CET
    assert end_of_day(date(2025, 10, 26)) - end_of_day(date(2025, 10, 25)) == timedelta(hours=25)
    assert end_of_day(date(2025, 3, 30)) - end_of_day(date(2025, 3, 29)) == timedelta(hours=23)


def test_due_accepts_any_timezone_and_counts_in_amsterdam():
    # 23:30 UTC on Sunday 15/6 is already Monday 16/6 01:30 in Amsterdam
    start = datetime(2025, 6, 15, 23, 30, tzinfo=UTC)
    assert last(start, werkdagen(1)) == date(2025, 6, 17)
    assert last(start, Term(Unit.DAG, 1)) == date(2025, 6, 16)


def test_hour_terms_from_utc_are_elapsed_hours_across_dst():
    start = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)    # 01:30 CET, DST starts at 02:00
    assert CAL.due(start, Term(Unit.UREN, 4)) - start == timedelta(hours=4)


def test_hour_terms_from_amsterdam_time_are_elapsed_hours_across_dst():
    start = ams(2025, 3, 30, 1, 30)
    assert CAL.due(start, Term(Unit.UREN, 4)) - start == timedelta(hours=4)
    assert CAL.shift(start, Term(Unit.UREN, 4)) - start == timedelta(hours=4)


# ---- shift, next_open, last_day -----------------------------------------------------------------
@pytest.mark.parametrize("moment, term, before, expected", [
    (ams(2025, 6, 16, 14, 30), werkdagen(1), False, ams(2025, 6, 17, 14, 30)),
    (ams(2025, 6, 20, 14, 30), werkdagen(1), False, ams(2025, 6, 23, 14, 30)),   # Fri → Mon
    (ams(2025, 6, 23, 14, 30), werkdagen(1), True, ams(2025, 6, 20, 14, 30)),    # Mon → Fri
    (ams(2025, 6, 6, 8, 0), werkdagen(1), False, ams(2025, 6, 10, 8, 0)),        # over Pinkstermaandag
    (ams(2025, 3, 28, 14, 30), werkdagen(1), False, ams(2025, 3, 31, 14, 30)),   # over DST, still 14:30
    (ams(2025, 6, 16, 9, 15), Term(Unit.WEKEN, 2), False, ams(2025, 6, 30, 9, 15)),
    (ams(2025, 1, 31, 9, 0), Term(Unit.MAANDEN, 1), False, ams(2025, 2, 28, 9, 0)),
    (ams(2025, 6, 16, 9, 0), Term(Unit.DAGEN, 3), True, ams(2025, 6, 13, 9, 0)),
    (ams(2025, 6, 16, 9, 0), Term(Unit.UREN, 0), False, ams(2025, 6, 16, 9, 0)),
])
def test_shift_keeps_the_local_time_of_day(moment, term, before, expected):
    shifted = CAL.shift(moment, term, before=before)
    assert shifted == expected
    assert shifted.utcoffset() == timedelta(0)
    assert shifted.astimezone(AMS).time() == moment.astimezone(AMS).time()


@pytest.mark.parametrize("moment, expected", [
    (ams(2025, 6, 16, 19, 0), ams(2025, 6, 17, 9, 0)),     # Monday evening → Tuesday 09:00
    (ams(2025, 6, 20, 18, 0), ams(2025, 6, 23, 9, 0)),     # Friday evening → Monday
    (ams(2025, 6, 21, 10, 0), ams(2025, 6, 23, 9, 0)),     # Saturday → Monday
    (ams(2025, 5, 28, 18, 0), ams(2025, 5, 30, 9, 0)),     # before Hemelvaart → Friday after it
    (ams(2025, 5, 29, 10, 0), ams(2025, 5, 30, 9, 0)),     # on Hemelvaart
    (ams(2025, 6, 6, 17, 0), ams(2025, 6, 10, 9, 0)),      # closing time Fri before Pinkstermaandag
    (ams(2025, 6, 17, 7, 0), ams(2025, 6, 17, 9, 0)),      # early morning → same day 09:00
    (ams(2025, 6, 17, 11, 0), ams(2025, 6, 17, 11, 0)),    # inside hours: unchanged
    (ams(2025, 6, 17, 9, 0), ams(2025, 6, 17, 9, 0)),      # opening instant counts as open
])
def test_next_open_for_office_hours(moment, expected):
    opened = CAL.next_open(moment, LT)
    assert opened == expected
    assert opened.utcoffset() == timedelta(0)


def test_next_open_always_reachable_is_unchanged():
    moment = ams(2025, 6, 21, 3, 0)   # Saturday night
    assert CAL.next_open(moment, OfficeHours(always=True)) == moment


def test_last_day_reads_an_exclusive_end():
    assert last_day(ams(2025, 6, 17, 0, 0)) == date(2025, 6, 16)
    assert last_day(ams(2025, 6, 17, 0, 1)) == date(2025, 6, 17)
    assert last_day(datetime(2025, 6, 16, 22, 0, tzinfo=UTC)) == date(2025, 6, 16)   # 00:00 CEST on 17/6


# ---- properties -----------------------------------------------------------------------------------
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(days, st.integers(min_value=1, max_value=30),
       st.booleans(), st.sampled_from(list(Bevrijdingsdag)))
def test_werkdag_after_counts_exactly_n_werkdagen(day, n, gv, bd):
    cal = WorkCalendar(goede_vrijdag=gv, bevrijdingsdag=bd)
    after = cal.werkdag_after(day, n)
    assert cal.is_werkdag(after)
    between = [day + timedelta(days=i) for i in range(1, (after - day).days + 1)]
    assert sum(cal.is_werkdag(d) for d in between) == n
    assert cal.werkdag_after(after, -n) <= day


@given(days, st.integers(min_value=0, max_value=23))
def test_last_day_of_end_of_day_is_that_day(day, hour):
    assert last_day(end_of_day(day)) == day
    assert last_day(CAL.due(datetime.combine(day, time(hour), AMS), Term(Unit.DAG, 1))) == day
