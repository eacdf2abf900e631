"""The central invariant (000 §1; 003 §2.1), checked on random event sequences for every profile.

After every step: the ledger has no gap, no overlap and only holders the rules allow (ledger.violations); a
refused event changed nothing; holders_at(t) agrees with the ledger; once the ledger started somebody holds
until closure; and what the ledger said about the past does not change afterwards.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from models.calendar import AMS
from models.case import CaseState
from models.events import (
    ALL_EVENTS,
    AfsluitingAkkoord,
    AfsluitingNietAkkoord,
    AfsluitingVoorgesteld,
    BewaartermijnVerstreken,
    DienstAfgerond,
    DirectbetrokkenenGeinformeerd,
    DocumentVerstuurd,
    EersteContact,
    Event,
    GemeenteAntwoord,
    GemeenteGeinformeerd,
    Gesloten,
    GezinGeinformeerd,
    HuisverbodAdvies,
    HuisverbodBeeindigd,
    HuisverbodGestart,
    HuisverbodVerlengd,
    KlokGepauzeerd,
    KlokHervat,
    MeldingOntvangen,
    Monitoringsmoment,
    MonitoringVervolg,
    Opgepakt,
    OverdrachtBevestigd,
    OverdrachtGevraagd,
    OverdrachtGeweigerd,
    SignalenGewijzigd,
    StagnatieGemeld,
    TijdVerstreken,
    Toegewezen,
    ToewijzingVervallen,
    TriageBesluit,
    WegingBesloten,
    WegingGevraagd,
    WegingOneens,
)
from models.ledger import violations
from models.lifecycle import TRANSITIONS, Accepted, apply
from models.rules import Context
from models.types import MonitorVervolg, MonitorVraag, Route, Signal, Stabiel, Status, WegingUitkomst, Weight
from tests.factories import DIRECTORY, GI, LT_ARNHEM, LT_EDE, MEMBER_OF, VT, Driver, ams, melding

PROFILES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland")
MEMBERS = sorted(DIRECTORY.members)
MDT = "mdt-regio"
ORGS = [VT, LT_ARNHEM, LT_EDE, GI, MDT, "gemeente-arnhem", "gemeente-ede"]
START = ams(2025, 6, 13, 16, 0)   # a Friday afternoon before Pinksteren: weekends and holidays early on
REASONS = st.sampled_from(["", "  ", "kort", "geen capaciteit", "gezin vraagt zelf om hulp van het team"])
ROUTES = [Route.LT, Route.LT, Route.LT, Route.VV, Route.VV, Route.ONDERZOEK, Route.GI, Route.MDT, Route.ZELF,
          Route.GEEN]   # every route, closing ones less often
MINUTES = st.one_of(st.integers(0, 90), st.integers(0, 3 * 24 * 60), st.integers(0, 21 * 24 * 60))


def draw_melding(data, now: datetime) -> MeldingOntvangen:
    gemeenten = data.draw(st.sampled_from([("Arnhem",), ("Ede",), ("Arnhem", "Ede")]), label="gemeenten")
    flag = st.integers(0, 3).map(lambda x: x == 0)          # each flag in about a quarter of the cases
    event = melding(
        now - timedelta(minutes=data.draw(st.integers(0, 10 * 24 * 60), label="received_ago")),
        gemeenten,
        spoed=data.draw(flag, label="spoed"),
        anoniem=data.draw(flag, label="anoniem"),
        gezinsvoogd=data.draw(flag, label="gezinsvoogd"),
        signals=tuple(data.draw(st.lists(st.sampled_from([s.value for s in Signal]), max_size=2, unique=True))),
    )
    event = replace(event, lt_betrokken=data.draw(flag, label="lt_betrokken"))
    variant = data.draw(st.sampled_from(["demo", "demo", "with_mdt", "without_gi"]), label="orgs")
    if variant == "with_mdt":
        event = replace(event, orgs=replace(event.orgs, mdt=MDT))
    elif variant == "without_gi":
        event = replace(event, orgs=replace(event.orgs, gi=None))
    return event


# the events that move a case on from each status, drawn more often so random histories get somewhere
PROGRESS = {
    Status.TRIAGE: [TriageBesluit, TriageBesluit, GezinGeinformeerd],
    Status.DIENST: [DienstAfgerond],
    Status.TE_OVERDRAGEN: [OverdrachtGevraagd, GezinGeinformeerd],
    Status.OVERDRACHT: [OverdrachtBevestigd, OverdrachtBevestigd, OverdrachtGeweigerd, DocumentVerstuurd],
    Status.OVERGEDRAGEN: [Monitoringsmoment, MonitoringVervolg, AfsluitingVoorgesteld, AfsluitingVoorgesteld,
                          AfsluitingAkkoord, AfsluitingNietAkkoord, WegingGevraagd, WegingBesloten, WegingOneens],
}


def draw_kind(data, state: CaseState) -> type[Event]:
    allowed = [e for e in ALL_EVENTS if any(t.event == e.name and state.status in t.sources for t in TRANSITIONS)]
    mode = data.draw(st.integers(0, 9), label="mode")
    if mode < 5 and state.status in PROGRESS:
        return data.draw(st.sampled_from(PROGRESS[state.status]), label="progress")
    if mode < 9 and allowed:
        return data.draw(st.sampled_from([e for e in allowed if e is not Gesloten] or allowed), label="allowed")
    return data.draw(st.sampled_from(ALL_EVENTS), label="any")


def draw_event(data, state: CaseState, now: datetime) -> Event:
    kind = draw_kind(data, state)
    today = now.astimezone(AMS).date()
    day = today + timedelta(days=data.draw(st.integers(-6, 1), label="day"))
    receivers = state.open_handover.receivers if state.open_handover else ()
    org = data.draw(st.sampled_from(receivers * 3 + tuple(ORGS)), label="org")
    current = state.open_handover.seq if state.open_handover else 1
    seq = data.draw(st.one_of(st.just(current), st.integers(1, len(state.handovers) + 1)), label="handover")
    reason = data.draw(REASONS, label="reason")
    if kind is MeldingOntvangen:
        return draw_melding(data, now)
    if kind is TriageBesluit:
        return TriageBesluit(
            data.draw(st.sampled_from(ROUTES), label="route"),
            data.draw(st.sampled_from([None, *Weight]), label="weight"),
            "onderbouwing", data.draw(st.booleans(), label="override"), reason)
    gemeente = data.draw(st.sampled_from(["gemeente-arnhem", "gemeente-ede"]), label="gemeente")
    return {
        OverdrachtGevraagd: lambda: OverdrachtGevraagd(),
        OverdrachtBevestigd: lambda: OverdrachtBevestigd(seq, org),
        OverdrachtGeweigerd: lambda: OverdrachtGeweigerd(seq, org, reason),
        DienstAfgerond: lambda: DienstAfgerond(data.draw(st.sampled_from(["", "kindermishandeling"]))),
        EersteContact: lambda: EersteContact(day, org),
        HuisverbodGestart: lambda: HuisverbodGestart(day),
        HuisverbodVerlengd: lambda: HuisverbodVerlengd(day),
        HuisverbodBeeindigd: lambda: HuisverbodBeeindigd(day),
        HuisverbodAdvies: lambda: HuisverbodAdvies(day),
        Monitoringsmoment: lambda: Monitoringsmoment(day, frozenset(data.draw(
            st.lists(st.sampled_from(list(MonitorVraag)), unique=True), label="yes"))),
        MonitoringVervolg: lambda: MonitoringVervolg(data.draw(st.sampled_from(list(MonitorVervolg)), label="keuze")),
        StagnatieGemeld: lambda: StagnatieGemeld(reason),
        GemeenteGeinformeerd: lambda: GemeenteGeinformeerd(gemeente, org),
        GemeenteAntwoord: lambda: GemeenteAntwoord(gemeente),
        Gesloten: lambda: Gesloten(reason),
        Opgepakt: lambda: Opgepakt(data.draw(st.integers(1, len(state.deadlines) + 1), label="deadline")),
        KlokGepauzeerd: lambda: KlokGepauzeerd(reason),
        KlokHervat: lambda: KlokHervat(),
        TijdVerstreken: lambda: TijdVerstreken(),
        DirectbetrokkenenGeinformeerd: lambda: DirectbetrokkenenGeinformeerd(org),
        AfsluitingVoorgesteld: lambda: AfsluitingVoorgesteld(
            frozenset(data.draw(st.sampled_from([list(Stabiel), list(Stabiel), list(Stabiel)[:2]]), label="criteria"))),
        AfsluitingAkkoord: lambda: AfsluitingAkkoord(),
        WegingGevraagd: lambda: WegingGevraagd(reason),
        WegingBesloten: lambda: WegingBesloten(data.draw(st.sampled_from(list(WegingUitkomst)), label="uitkomst")),
        WegingOneens: lambda: WegingOneens(reason),
        SignalenGewijzigd: lambda: SignalenGewijzigd(
            frozenset(data.draw(st.lists(st.sampled_from(list(Signal)), max_size=2), label="added")),
            frozenset(data.draw(st.lists(st.sampled_from(list(Signal)), max_size=2), label="removed"))),
        AfsluitingNietAkkoord: lambda: AfsluitingNietAkkoord(reason),
        DocumentVerstuurd: lambda: DocumentVerstuurd(seq),
        GezinGeinformeerd: lambda: GezinGeinformeerd(data.draw(st.booleans(), label="informed"), reason),
        Toegewezen: lambda: Toegewezen(data.draw(st.sampled_from(MEMBERS), label="member"), org),
        ToewijzingVervallen: lambda: ToewijzingVervallen(data.draw(st.sampled_from(MEMBERS), label="member"), org),
        BewaartermijnVerstreken: lambda: BewaartermijnVerstreken(),
    }[kind]()


def sample_times(data, state: CaseState, now: datetime) -> list[datetime]:
    times = [now, START - timedelta(days=20)]
    for e in state.ledger:
        times += [e.start, e.start - timedelta(microseconds=1)]
        if e.end is not None:
            times += [e.end, e.end - timedelta(microseconds=1), e.start + (e.end - e.start) / 2]
    span = int((now - START).total_seconds()) + 20 * 24 * 3600
    times += [now - timedelta(seconds=data.draw(st.integers(0, span), label="t")) for _ in range(3)]
    return [t for t in times if t <= now]


def check_holders_at(state: CaseState, times: list[datetime]) -> None:
    for t in times:
        covering = [e for e in state.ledger if e.covers(t)]
        assert len(covering) <= 1, f"two entries hold at {t}"
        assert state.holders_at(t) == (covering[0].holders if covering else ())
        started = bool(state.ledger) and state.ledger[0].start <= t
        open_then = state.closed_at is None or t < state.closed_at
        if started and open_then:
            assert state.holders_at(t), f"nobody holds at {t}"
        if state.ledger and t < state.ledger[0].start:
            assert state.holders_at(t) == ()


def regie_at(state: CaseState, t: datetime) -> tuple[str, ...]:
    return next((e.holders for e in state.regie if e.covers(t)), ())


@pytest.mark.parametrize("profile", PROFILES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])   # no slow "explain"
@given(data=st.data())
def test_ledger_invariant_on_random_histories(profile, data):
    driver = Driver.for_profile(profile)
    state, now = driver.state, START
    accepted_at, history = None, []          # the last accepted moment, and what holders_at said before it
    regie_history: list = []
    started, after_closure = False, 0
    steps = data.draw(st.integers(1, 30), label="steps")
    for i in range(steps):
        if after_closure > 2:
            break
        now += timedelta(minutes=data.draw(MINUTES, label="minutes"))
        if i == 0 and data.draw(st.integers(0, 4), label="melding_first"):
            event = draw_melding(data, now)
        else:
            event = draw_event(data, state, now)
        actor = data.draw(st.sampled_from(MEMBERS), label="actor")
        ctx = Context(now=now, actor=actor, actor_org=MEMBER_OF[actor], profile=driver.profile)
        before, snapshot = state, copy.deepcopy(state)
        outcome = apply(state, event, ctx)
        if isinstance(outcome, Accepted):
            state = outcome.state
            accepted_at = now
        else:
            assert before == snapshot, f"refused {event.name} changed the state it was given"
            if state.status is Status.NIEUW:
                assert outcome.key in ("casus_onbekend", "gemeenten_aantal", "geen_lokaal_team",
                                       "ontvangst_in_toekomst")

        assert violations(state) == [], f"after {event.name}: {violations(state)}"
        if state.ledger:
            started = True
        if state.status is Status.GESLOTEN:
            after_closure += 1
            assert state.holders == () and state.closed_at is not None
            assert not state.active_deadlines()
        elif started:
            assert state.holders, f"nobody holds an open case after {event.name}"
            assert state.holders == state.ledger[-1].holders and state.ledger[-1].end is None
        if state.status is Status.GESLOTEN:
            assert state.regie_holders == ()
        elif state.regie:   # casusregie: the same invariant, from the melding on (000 §7.3)
            assert state.regie_holders, f"nobody has the casusregie of an open case after {event.name}"
            if state.status is Status.OVERGEDRAGEN and state.holders != (state.orgs.vt,):
                assert state.regie_holders == state.holders, "after the handover the receiver has the casusregie"
        for t in sample_times(data, state, now):
            assert len([e for e in state.regie if e.covers(t)]) <= 1, f"two hold the casusregie at {t}"
        times = sample_times(data, state, now)
        check_holders_at(state, times)
        # the past is never rewritten: what held before the last accepted moment still holds
        for t, holders in history:
            assert state.holders_at(t) == holders, f"holders at {t} changed after {event.name}"
        for t, holders in regie_history:
            assert regie_at(state, t) == holders, f"casusregie at {t} changed after {event.name}"
        if accepted_at is not None:
            history += [(t, state.holders_at(t)) for t in times if t < accepted_at]
            regie_history += [(t, regie_at(state, t)) for t in times if t < accepted_at]
