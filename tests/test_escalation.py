"""Deadlines (set from the profile, met, lapsed, withdrawn) and their escalation ladder (models/escalation.py).

Stagnation goes to the leidinggevenden (000 §8.2); Zuid-Limburg first to the gedragswetenschappers (002 §5.5);
repeated failure to the gemeente. Expected moments are counted by hand (2025: Pinkstermaandag 9/6).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import load_profile
from models.calendar import Term, Unit, WorkCalendar, last_day
from models.case import Deadline
from models.escalation import (
    Rung,
    RungKind,
    Target,
    escalation_start,
    from_first_step,
    ladder_from_data,
    ladder_to_data,
    next_rung,
)
from models.events import (
    ALL_YES,
    DienstAfgerond,
    EersteContact,
    Gesloten,
    HuisverbodAdvies,
    HuisverbodBeeindigd,
    HuisverbodGestart,
    HuisverbodVerlengd,
    Monitoringsmoment,
    TijdVerstreken,
    TriageBesluit,
)
from models.types import DeadlineKind as K
from models.types import DeadlineState, MonitorVraag, Route, Status
from tests.factories import LT_ARNHEM, VT, Driver, ams, confirmation, melding, request_handover, send_document_if_needed

PROFILES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland")
GM, ZL = load_profile("gelderland-midden"), load_profile("zuid-limburg")
CAL = WorkCalendar()
T0 = ams(2025, 6, 16, 10, 0)          # Monday 16 June 2025


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def deadlines(d: Driver, kind: K) -> list[Deadline]:
    return [x for x in d.state.deadlines if x.kind is kind]


def triage(profile: str = "gelderland-midden", **kw) -> Driver:
    d = Driver.for_profile(profile)
    d.do(melding(T0, **kw), at(0))
    return d


def confirm_all(d: Driver, when: datetime) -> None:
    send_document_if_needed(d, when)
    h = d.state.open_handover
    for org in h.receivers:
        d.do(confirmation(d, h.seq, org, when), when, f"{org}-medewerker")


def deadline(due: datetime, ladder=GM.escalation.ladder, **kw) -> Deadline:
    return Deadline(seq=1, kind=K.BEVESTIGING, owner=LT_ARNHEM, due=due, created_at=due - timedelta(days=3),
                    ladder=ladder, **kw)


def walk(d: Deadline, calendar: WorkCalendar = CAL) -> list[tuple[RungKind, Target, datetime]]:
    """All rungs of a deadline with their moments, as the scheduler would take them one by one."""
    out = []
    while (step := next_rung(d, calendar)) is not None:
        index, rung, moment = step
        assert index == d.next_rung
        out.append((rung.kind, rung.target, moment))
        d = replace(d, next_rung=index + 1)
    return out


# ---- the ladder ------------------------------------------------------------------------------------
DUE = ams(2025, 6, 18, 0, 0)          # last day Tuesday 17 June


def test_gelderland_midden_ladder():
    assert walk(deadline(DUE)) == [
        (RungKind.HERINNERING, Target.EIGENAAR, ams(2025, 6, 17, 0, 0)),     # 1 werkdag before: Tuesday left
        (RungKind.VERLOPEN, Target.EIGENAAR, DUE),                            # at the due moment
        (RungKind.VERLOPEN, Target.LEIDINGGEVENDE, ams(2025, 6, 19, 0, 0)),  # after 1 werkdag (Wed 18)
        (RungKind.VERLOPEN, Target.GEMEENTE, ams(2025, 7, 2, 0, 0)),         # after 10 werkdagen (18/6 .. 1/7)
    ]


def test_zuid_limburg_ladder_has_gedragswetenschapper_first():
    assert walk(deadline(DUE, ZL.escalation.ladder)) == [
        (RungKind.HERINNERING, Target.EIGENAAR, ams(2025, 6, 17, 0, 0)),
        (RungKind.VERLOPEN, Target.EIGENAAR, DUE),
        (RungKind.VERLOPEN, Target.GEDRAGSWETENSCHAPPER, ams(2025, 6, 19, 0, 0)),
        (RungKind.VERLOPEN, Target.LEIDINGGEVENDE, ams(2025, 6, 21, 0, 0)),  # end of Fri: Wed, Thu and Fri were given
        (RungKind.VERLOPEN, Target.GEMEENTE, ams(2025, 7, 2, 0, 0)),
    ]


@pytest.mark.parametrize("due, reminder", [
    (ams(2025, 6, 21, 0, 0), ams(2025, 6, 20, 0, 0)),   # last day Friday: Friday is the werkdag left
    (ams(2025, 6, 23, 0, 0), ams(2025, 6, 20, 0, 0)),   # last day Sunday: still Friday
    (ams(2025, 6, 11, 0, 0), ams(2025, 6, 10, 0, 0)),   # last day Tuesday 10/6 (after Pinkstermaandag)
    (ams(2025, 6, 10, 0, 0), ams(2025, 6, 6, 0, 0)),    # last day Pinkstermaandag: Friday 6/6 left
    (ams(2025, 6, 18, 14, 0), ams(2025, 6, 17, 14, 0)),  # an hour-based due keeps its time of day
])
def test_reminder_one_werkdag_before_due(due, reminder):
    (kind, target, moment), *_ = walk(deadline(due))
    assert (kind, target, moment) == (RungKind.HERINNERING, Target.EIGENAAR, reminder)


def test_escalation_after_a_weekend_due_leaves_a_werkdag():
    steps = walk(deadline(ams(2025, 6, 21, 0, 0)))          # lapsed at the end of Friday 20 June
    leidinggevende = next(m for k, t, m in steps if t is Target.LEIDINGGEVENDE)
    assert leidinggevende == ams(2025, 6, 24, 0, 0)         # after Monday 23, the one werkdag
    gemeente = next(m for k, t, m in steps if t is Target.GEMEENTE)
    assert last_day(gemeente) == date(2025, 7, 4)            # 10 werkdagen: Mon 23/6 .. Fri 4/7


@pytest.mark.parametrize("change", [
    {"state": DeadlineState.GEHAALD}, {"state": DeadlineState.VERVALLEN},
    {"paused_at": datetime(2025, 6, 1, tzinfo=UTC)},
    {"next_rung": 4}, {"next_rung": 9}])
def test_no_next_rung_when_met_withdrawn_paused_or_exhausted(change):
    assert next_rung(deadline(DUE), CAL) is not None
    assert next_rung(deadline(DUE, **change), CAL) is None


def test_lapsed_deadline_still_escalates():
    index, rung, moment = next_rung(deadline(DUE, state=DeadlineState.VERLOPEN, next_rung=2), CAL)
    assert (index, rung.target, moment) == (2, Target.LEIDINGGEVENDE, ams(2025, 6, 19, 0, 0))


def test_a_rung_never_comes_before_the_previous_one():
    ladder = (Rung(RungKind.VERLOPEN, Target.EIGENAAR, Term(Unit.WERKDAGEN, 3)),
              Rung(RungKind.VERLOPEN, Target.LEIDINGGEVENDE, Term(Unit.DAGEN, 1)))
    moments = [m for _, _, m in walk(deadline(DUE, ladder))]
    assert moments == sorted(moments)


def test_a_stagnation_enters_the_ladder_at_its_first_step_above_the_owner_at_once():
    gm, zl = GM.escalation.ladder, ZL.escalation.ladder
    assert (escalation_start(gm), escalation_start(zl)) == (2, 2)          # after herinnering and eigenaar
    # up to the leidinggevenden, who decide (000 §8.2; 002 §5.5): workers who disagree are nobody's
    # failure to report to the gemeente
    assert [(r.target, r.offset) for r in from_first_step(gm)] == [(Target.LEIDINGGEVENDE, Term(Unit.UREN, 0))]
    assert [(r.target, r.offset) for r in from_first_step(zl)] == [
        (Target.GEDRAGSWETENSCHAPPER, Term(Unit.UREN, 0)), (Target.LEIDINGGEVENDE, zl[3].offset)]
    reminder_only = (Rung(RungKind.HERINNERING, Target.EIGENAAR, Term(Unit.WERKDAGEN, 1)),)
    assert from_first_step(reminder_only) == ()                            # a reminder is not an escalation


def test_ladder_is_a_snapshot_on_the_deadline():
    zl = triage("zuid-limburg")
    zl.do(TriageBesluit(Route.VV), at(1))       # after a dienst the confirmation is the moment: a real term
    zl.do(DienstAfgerond(), at(2))
    request_handover(zl, at(2))
    (confirm,) = deadlines(zl, K.BEVESTIGING)
    assert confirm.ladder == ZL.escalation.ladder != GM.escalation.ladder
    # evaluated with another profile's calendar (as after a profile switch), the ladder stays Zuid-Limburg's
    index, rung, _ = next_rung(replace(confirm, next_rung=2), GM.calendar)
    assert rung.target is Target.GEDRAGSWETENSCHAPPER
    assert ladder_from_data(ladder_to_data(confirm.ladder)) == confirm.ladder


# ---- deadlines -------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_triage_term_is_five_werkdagen_from_receipt(profile):
    d = Driver.for_profile(profile)
    d.do(melding(ams(2025, 6, 20, 16, 0)), ams(2025, 6, 23, 9, 0))   # received Friday, registered Monday
    (t,) = deadlines(d, K.TRIAGE)
    assert t.owner == VT and last_day(t.due) == date(2025, 6, 27)    # Mon 23 .. Fri 27


def test_triage_overrun_makes_vt_hold_from_the_due_moment():
    d = triage()                                                     # Mon 16/6: due Tue 24/6 00:00
    d.do(TijdVerstreken(), ams(2025, 6, 23, 23, 59))
    assert d.state.ledger == () and deadlines(d, K.TRIAGE)[0].state is DeadlineState.OPEN
    d.do(TijdVerstreken(), ams(2025, 6, 25, 9, 0))
    (entry,) = d.state.ledger
    assert entry.holders == (VT,) and entry.start == ams(2025, 6, 24, 0, 0)
    assert entry.reason == "triagetermijn_overschreden"
    (t,) = deadlines(d, K.TRIAGE)
    assert t.state is DeadlineState.VERLOPEN and t.lapsed_at == ams(2025, 6, 24, 0, 0)
    assert d.state.holders_at(ams(2025, 6, 23, 23, 59)) == ()
    d.do(TriageBesluit(Route.LT), ams(2025, 6, 25, 10, 0))           # decided late: met, late
    (t,) = deadlines(d, K.TRIAGE)
    assert t.state is DeadlineState.GEHAALD and t.met_at > t.due
    assert d.state.ledger == (entry,)


def test_spoed_starts_the_ledger_at_receipt():
    d = Driver.for_profile("gelderland-midden")
    d.do(melding(ams(2025, 6, 16, 3, 0), spoed=True), T0)          # urgent melding at night, registered 10:00
    (entry,) = d.state.ledger
    assert entry.holders == (VT,) and entry.start == ams(2025, 6, 16, 3, 0) and entry.reason == "spoed"


def test_tijdelijk_huisverbod_milestones():
    d = Driver.for_profile("gelderland-midden")
    d.do(melding(ams(2025, 6, 5, 10, 0)), ams(2025, 6, 5, 10, 0))
    d.do(TriageBesluit(Route.LT), ams(2025, 6, 5, 11, 0))
    d.do(HuisverbodGestart(date(2025, 6, 6)), ams(2025, 6, 6, 12, 0))   # Friday before Pinksteren
    last = {x.kind: last_day(x.due) for x in d.state.deadlines if x.is_active or x.kind is K.THV_LT_GEINFORMEERD}
    assert last[K.THV_LT_GEINFORMEERD] == date(2025, 6, 7)          # day 2
    assert deadlines(d, K.THV_LT_GEINFORMEERD)[0].state is DeadlineState.GEHAALD   # the bot tells LT at once
    assert last[K.THV_GESPREK] == date(2025, 6, 11)                 # 2 werkdagen: Tue 10, Wed 11 (9/6 free)
    assert last[K.THV_ADVIES] == date(2025, 6, 13)                  # day 8
    assert last[K.THV_EINDE] == date(2025, 6, 15)                   # day 10
    d.do(EersteContact(date(2025, 6, 10), LT_ARNHEM), ams(2025, 6, 10, 15, 0), "lt-arnhem-medewerker")
    assert deadlines(d, K.THV_GESPREK)[0].state is DeadlineState.OPEN       # 000 §6 e: VT and LT together
    d.do(EersteContact(date(2025, 6, 10), VT), ams(2025, 6, 10, 15, 5))
    assert deadlines(d, K.THV_GESPREK)[0].state is DeadlineState.GEHAALD
    d.do(HuisverbodVerlengd(date(2025, 6, 12)), ams(2025, 6, 12, 9, 0))
    old, new = deadlines(d, K.THV_EINDE)
    assert old.state is DeadlineState.VERVALLEN and new.is_active
    assert last_day(new.due) == date(2025, 7, 3)                    # day 28
    d.do(HuisverbodAdvies(date(2025, 6, 13)), ams(2025, 6, 13, 11, 0))
    assert deadlines(d, K.THV_ADVIES)[0].state is DeadlineState.GEHAALD and d.state.house_ban.advised
    d.do(HuisverbodBeeindigd(date(2025, 7, 3)), ams(2025, 7, 3, 17, 0))
    assert d.state.house_ban.ended == date(2025, 7, 3) and not d.state.house_ban.active
    assert deadlines(d, K.THV_EINDE)[-1].state is DeadlineState.GEHAALD
    assert not [x for x in d.state.active_deadlines() if x.kind.value.startswith("thv")]


def test_joint_conversation_during_triage_can_be_recorded():
    d = Driver.for_profile("gelderland-midden")
    d.do(melding(ams(2025, 6, 5, 10, 0)), ams(2025, 6, 5, 10, 0))   # police report and huisverbod together
    d.do(HuisverbodGestart(date(2025, 6, 5)), ams(2025, 6, 5, 10, 5))
    assert d.state.status is Status.TRIAGE
    assert d.state.holders == (VT,)           # 000 §6: VT does the casemanagement during a huisverbod
    d.do(EersteContact(date(2025, 6, 6), VT), ams(2025, 6, 6, 15, 0))
    assert deadlines(d, K.THV_GESPREK)[0].state is DeadlineState.OPEN         # VT alone is no joint conversation
    d.do(EersteContact(date(2025, 6, 6), LT_ARNHEM), ams(2025, 6, 6, 15, 5), "lt-arnhem-medewerker")
    assert deadlines(d, K.THV_GESPREK)[0].state is DeadlineState.GEHAALD


@pytest.mark.parametrize("profile", PROFILES)
def test_monitoring_after_a_dienst_at_3_and_12_months(profile):
    d = triage(profile)
    d.do(TriageBesluit(Route.VV), at(1))
    d.do(DienstAfgerond(), at(2))
    request_handover(d, at(3))
    confirm_all(d, at(4))                                           # Mon 16/6/2025 14:00
    moments = [(m.ref, last_day(m.due), m.owner) for m in deadlines(d, K.MONITORING)]
    six = [("6", date(2025, 12, 16), VT)] if profile == "flevoland" else []    # 004 Thema 4: 3, 6 and 12
    assert moments == [("3", date(2025, 9, 16), VT), *six, ("12", date(2026, 6, 16), VT)]
    assert d.state.holders == (LT_ARNHEM,)                          # monitoring is not holding (003 §3.2)


def monitored(profile: str) -> Driver:
    d = triage(profile)
    d.do(TriageBesluit(Route.VV), at(1))
    d.do(DienstAfgerond(), at(2))
    request_handover(d, at(3))
    confirm_all(d, at(4))                                           # Mon 16/6/2025 14:00
    return d


@pytest.mark.parametrize("profile, stops", [("gelderland-midden", True), ("zuid-limburg", True),
                                            ("noord-oost-gelderland", False)])
def test_all_four_positive_ends_the_monitoring_where_the_region_says_so(profile, stops):
    d = monitored(profile)                 # 000 §5.2.7: all four positive ends it; 001 §4: at least two moments
    d.do(Monitoringsmoment(date(2025, 9, 15), yes=ALL_YES), ams(2025, 9, 15, 10, 0))
    three, twelve = deadlines(d, K.MONITORING)
    assert three.state is DeadlineState.GEHAALD
    assert twelve.state is (DeadlineState.VERVALLEN if stops else DeadlineState.OPEN)
    assert ("monitoring_beeindigd" in {n.key for n in d.notes}) is stops


@pytest.mark.parametrize("profile, after_twelve", [("gelderland-midden", ["15"]), ("noord-oost-gelderland", [])])
def test_a_moment_that_is_not_positive_brings_the_next_closer_within_the_limit(profile, after_twelve):
    d = monitored(profile)
    d.do(Monitoringsmoment(date(2025, 9, 15), yes=frozenset({MonitorVraag.VOORWAARDEN})), ams(2025, 9, 15, 10, 0))
    moments = deadlines(d, K.MONITORING)
    assert [(m.ref, m.state) for m in moments] == [("3", DeadlineState.GEHAALD), ("12", DeadlineState.OPEN),
                                                   ("6", DeadlineState.OPEN)]
    assert last_day(moments[2].due) == date(2025, 12, 16)           # 6 months after the handover
    record = d.state.records[-1]
    assert (record.positive, record.source) == (False, "voorwaarden=ja,directe-veiligheid=nee,"
                                                       "stabiele-veiligheid=nee,herstel=nee")
    d.do(Monitoringsmoment(date(2025, 12, 10), yes=ALL_YES - {MonitorVraag.HERSTEL}), ams(2025, 12, 10, 10, 0))
    assert [m.ref for m in deadlines(d, K.MONITORING) if m.is_active] == ["12", "9"]
    d.do(Monitoringsmoment(date(2026, 3, 10), yes=frozenset()), ams(2026, 3, 10, 10, 0))
    assert [m.ref for m in deadlines(d, K.MONITORING) if m.is_active] == ["12"]        # planned already
    d.do(Monitoringsmoment(date(2026, 6, 10), yes=frozenset()), ams(2026, 6, 10, 10, 0))
    assert [m.ref for m in deadlines(d, K.MONITORING) if m.is_active] == after_twelve   # NOG: at most a year
    assert ("monitoring_beeindigd" in {n.key for n in d.notes}) is (not after_twelve)
    if not after_twelve:
        late = ams(2026, 6, 11, 10, 0)
        assert d.refused(Monitoringsmoment(date(2026, 6, 11), ALL_YES), late).key == "geen_monitoring"


def test_no_monitoring_after_a_directe_overdracht():
    d = triage()
    d.do(TriageBesluit(Route.LT), at(1))
    request_handover(d, at(2))
    confirm_all(d, at(3))
    assert deadlines(d, K.MONITORING) == []


def test_closing_withdraws_every_deadline_and_ends_the_ledger():
    d = triage()                     # VT closes alone what it holds: here during its dienst
    d.do(TriageBesluit(Route.VV), at(1))
    d.do(HuisverbodGestart(T0.date() + timedelta(days=1)), at(26))
    active = {x.seq for x in d.state.active_deadlines()}
    assert len(active) == 4                                          # the dienst, THV gesprek, advies, einde
    closed = at(50)
    d.do(Gesloten("stabiele veiligheid"), closed)
    s = d.state
    assert s.status is Status.GESLOTEN and s.closed_at == closed and s.active_deadlines() == ()
    assert all(x.state is DeadlineState.VERVALLEN and x.closed_reason == "gesloten"
               for x in s.deadlines if x.seq in active)
    assert s.ledger[-1].end == closed and s.holders == ()
    assert s.holders_at(closed - timedelta(seconds=1)) == (VT,) and s.holders_at(closed) == ()
    assert s.regie[-1].end == closed and s.regie_holders == ()
