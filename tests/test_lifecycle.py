"""The declared lifecycle (models/lifecycle.py): every row of TRANSITIONS walked, every other status refused,
every named guard of rules.GUARDS seen refusing with its own key."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from models.calendar import Term, Unit
from models.events import (
    ALL_EVENTS,
    ALL_YES,
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
from models.lifecycle import TRANSITIONS
from models.rules import GUARDS
from models.types import DeadlineKind, MonitorVervolg, Route, Signal, Stabiel, Status, WegingUitkomst, Weight
from tests.factories import GI, LT_ARNHEM, LT_EDE, VT, Driver, ams, confirmation, melding, orgs_for, request_handover

PROFILES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland")
T0 = ams(2025, 6, 16, 10, 0)          # Monday 16 June 2025, 10:00
ACTOR = {VT: "vt-medewerker", LT_ARNHEM: "lt-arnhem-medewerker", LT_EDE: "lt-ede-medewerker",
         GI: "gi-gezinsvoogd"}
TWO = ("Arnhem", "Ede")
VT_ACTOR, LT_ACTOR = "vt-medewerker", "lt-arnhem-medewerker"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


NOW = at(24)                          # when the event under test happens (Tuesday 10:00)
TODAY = NOW.date()


def case_in(profile: str, status: Status, *, gemeenten=("Arnhem",), via: str = "direct", **melding_kw) -> Driver:
    """A case of `profile` put in `status` through ordinary events (times T0 .. T0+5h).

    via="direct": a directe overdracht to the lokaal team; via="dienst": V&V first, then a warme overdracht.
    """
    d = Driver.for_profile(profile)
    if status is not Status.NIEUW:
        d.do(melding(T0, gemeenten, **melding_kw), at(0))
    if status not in (Status.NIEUW, Status.TRIAGE):
        if status is Status.DIENST or via == "dienst":
            d.do(TriageBesluit(Route.VV, reasoning="structurele onveiligheid"), at(1))
            if status is not Status.DIENST:
                d.do(DienstAfgerond(), at(2))
        else:
            d.do(TriageBesluit(Route.LT, Weight.LICHT, "lokaal oppakken"), at(1))
    if status in (Status.OVERDRACHT, Status.OVERGEDRAGEN, Status.GESLOTEN):
        request_handover(d, at(3))
    if status in (Status.OVERGEDRAGEN, Status.GESLOTEN):
        h = d.state.open_handover
        if d.profile.confirm_after_document:             # NOG: VT sends the overdrachtsdocument first (001 §1)
            d.do(DocumentVerstuurd(h.seq), at(3.5))
        for org in h.receivers:
            d.do(confirmation(d, h.seq, org, at(4)), at(4), ACTOR[org])
    if status is Status.GESLOTEN:      # closed together: the lokaal team proposes, VT agrees (000 §7.3)
        d.do(AfsluitingVoorgesteld(frozenset(Stabiel)), at(4.5), ACTOR[d.state.regie_holders[0]])
        d.do(AfsluitingAkkoord(), at(5))
    assert d.state.status is status
    assert violations(d.state) == []
    return d


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("status", list(Status))
def test_case_in_reaches_every_status(profile, status):
    d = case_in(profile, status)
    if status in (Status.NIEUW, Status.TRIAGE):
        assert d.state.holders == ()          # no spoed, triage term not run out: nobody holds yet
    elif status is Status.GESLOTEN:
        assert d.state.holders == () and d.state.closed_at == at(5)
    else:
        assert d.state.holders                # once started, somebody holds until closure


# ---- every row of TRANSITIONS ---------------------------------------------------------------------
def example(row, status: Status) -> tuple[Driver, Event, str]:
    """A case in `status` and an event that takes exactly this row (its `when` holds, its guards pass)."""
    name, zl = row.event, "zuid-limburg"
    if name == MeldingOntvangen.name:
        return case_in(zl, status), melding(T0), "vt-medewerker"
    if name == BewaartermijnVerstreken.name:    # a region that keeps a closed case to the end of its closing day
        d = case_in(zl, status)
        d.profile = replace(d.profile, privacy=replace(d.profile.privacy, keep_case=Term(Unit.DAGEN, 0)))
        return d, BewaartermijnVerstreken(), "triagebot"
    if name == TriageBesluit.name:
        route = {"route_dienst": Route.VV, "route_overdracht": Route.LT, "route_einde": Route.GEEN}[row.when]
        return case_in(zl, status), TriageBesluit(route), "vt-medewerker"
    if name == OverdrachtBevestigd.name:
        gemeenten = ("Arnhem",) if row.when == "laatste_bevestiging" else TWO
        return case_in(zl, status, gemeenten=gemeenten), OverdrachtBevestigd(1, LT_ARNHEM), ACTOR[LT_ARNHEM]
    if name == OverdrachtGeweigerd.name:
        return case_in(zl, status), OverdrachtGeweigerd(1, LT_ARNHEM, "geen capaciteit"), ACTOR[LT_ARNHEM]
    if name == DirectbetrokkenenGeinformeerd.name:      # with the lokaal team since the table's decision
        return case_in(zl, status), DirectbetrokkenenGeinformeerd(LT_ARNHEM), ACTOR[LT_ARNHEM]
    if name == GezinGeinformeerd.name:
        return case_in(zl, status), GezinGeinformeerd(), "vt-medewerker"
    if name == OverdrachtGevraagd.name:   # a directe overdracht after VT told the family (000 §5.1)
        d = case_in(zl, status)
        d.do(GezinGeinformeerd(), at(20))
        return d, OverdrachtGevraagd(), "vt-medewerker"
    if name == Gesloten.name:       # VT closes alone only while it holds: in NOG a handover moves at confirmation
        return case_in("noord-oost-gelderland", status), Gesloten("geen zorgen meer"), "vt-medewerker"
    if name == AfsluitingVoorgesteld.name:
        return case_in(zl, status), AfsluitingVoorgesteld(frozenset(Stabiel)), ACTOR[LT_ARNHEM]
    if name in (AfsluitingAkkoord.name, AfsluitingNietAkkoord.name):
        d = case_in(zl, status)
        d.do(AfsluitingVoorgesteld(frozenset(Stabiel)), at(20), ACTOR[LT_ARNHEM])
        return d, AfsluitingAkkoord() if name == AfsluitingAkkoord.name else AfsluitingNietAkkoord("nog niet"), VT_ACTOR
    if name == MonitoringVervolg.name:      # after a moment that was not positive (001 §4)
        d = case_in(zl, status, via="dienst")
        d.do(Monitoringsmoment(TODAY, yes=frozenset()), at(20))
        choice = MonitorVervolg.VV if row.when == "regie_terug" else MonitorVervolg.ONDERSTEUNING
        return d, MonitoringVervolg(choice), "vt-medewerker"
    if name == WegingGevraagd.name:        # the lokaal team cannot get in (000 bijlage 2)
        return case_in(zl, status), WegingGevraagd("deur blijft dicht"), ACTOR[LT_ARNHEM]
    if name in (WegingBesloten.name, WegingOneens.name):
        d = case_in(zl, status)
        d.do(WegingGevraagd("deur blijft dicht"), at(20), ACTOR[LT_ARNHEM])
        if name == WegingOneens.name:
            return d, WegingOneens("VT wil sluiten, het lokale veld niet"), ACTOR[LT_ARNHEM]
        outcome = {"weging_sluiten": WegingUitkomst.SLUITEN, "weging_vv": WegingUitkomst.VV}.get(
            row.when or "", WegingUitkomst.ADVIES)
        return d, WegingBesloten(outcome), "vt-medewerker"
    via = "dienst" if name == Monitoringsmoment.name else "direct"
    d = case_in(zl, status, via=via)
    if name in (HuisverbodVerlengd.name, HuisverbodBeeindigd.name, HuisverbodAdvies.name):
        d.do(HuisverbodGestart(TODAY - timedelta(days=1)), at(20))
    if name == GemeenteAntwoord.name:
        d.do(GemeenteGeinformeerd("gemeente-arnhem", LT_ARNHEM), at(20))
    if name in (Opgepakt.name, KlokGepauzeerd.name, KlokHervat.name):
        d.do(StagnatieGemeld("geen voortgang"), at(20))          # gives VT a running escalation
        seq = next(x.seq for x in d.state.deadlines if x.kind is DeadlineKind.STAGNATIE and x.owner == VT)
        if name == Opgepakt.name:
            return d, Opgepakt(seq), "vt-leidinggevende"
        if name == KlokHervat.name:
            d.do(KlokGepauzeerd("wachten op de Raad voor de Kinderbescherming"), at(21), "vt-leidinggevende")
            return d, KlokHervat(), "vt-leidinggevende"
        return d, KlokGepauzeerd("wachten op de Raad voor de Kinderbescherming"), "vt-leidinggevende"
    event = {
        OverdrachtGevraagd.name: OverdrachtGevraagd(),
        DienstAfgerond.name: DienstAfgerond(),
        EersteContact.name: EersteContact(TODAY, LT_ARNHEM),
        HuisverbodGestart.name: HuisverbodGestart(TODAY),
        HuisverbodVerlengd.name: HuisverbodVerlengd(TODAY),
        HuisverbodBeeindigd.name: HuisverbodBeeindigd(TODAY),
        HuisverbodAdvies.name: HuisverbodAdvies(TODAY),
        Monitoringsmoment.name: Monitoringsmoment(TODAY, yes=ALL_YES),
        StagnatieGemeld.name: StagnatieGemeld("geen voortgang"),
        GemeenteGeinformeerd.name: GemeenteGeinformeerd("gemeente-arnhem", LT_ARNHEM),
        GemeenteAntwoord.name: GemeenteAntwoord("gemeente-arnhem"),
        TijdVerstreken.name: TijdVerstreken(),
        SignalenGewijzigd.name: SignalenGewijzigd(added=frozenset({Signal.LETSEL})),
        DocumentVerstuurd.name: DocumentVerstuurd(1),
        GezinGeinformeerd.name: GezinGeinformeerd(),
        Toegewezen.name: Toegewezen("vt-leidinggevende", VT),     # VT assigns its own worker in any open status
        ToewijzingVervallen.name: ToewijzingVervallen("vt-medewerker", VT),   # who registered it left VT
    }[name]
    return d, event, "vt-medewerker"


def test_every_event_has_a_transition_and_every_guard_exists():
    declared = {t.event for t in TRANSITIONS}
    assert {e.name for e in ALL_EVENTS} == declared
    used = {g for t in TRANSITIONS for g in t.guards}
    assert used <= set(GUARDS)
    assert set(GUARDS) <= used, "a guard that no transition uses can never refuse"


ROWS = [pytest.param(row, source, id=f"{row.event}[{row.when or '-'}]:{source.value}")
        for row in TRANSITIONS for source in sorted(row.sources)]


@pytest.mark.parametrize("row, source", ROWS)
def test_transition_row(row, source):
    d, event, actor = example(row, source)
    assert type(event).name == row.event
    d.do(event, NOW, actor)
    assert d.state.status is (row.target or source)


# ---- every other status refuses, and changes nothing ------------------------------------------------
def generic_event(name: str) -> Event:
    return {
        MeldingOntvangen.name: melding(T0),
        TriageBesluit.name: TriageBesluit(Route.LT),
        OverdrachtGevraagd.name: OverdrachtGevraagd(),
        OverdrachtBevestigd.name: OverdrachtBevestigd(1, LT_ARNHEM),
        OverdrachtGeweigerd.name: OverdrachtGeweigerd(1, LT_ARNHEM, "geen capaciteit"),
        DienstAfgerond.name: DienstAfgerond("huiselijk geweld vastgesteld"),
        EersteContact.name: EersteContact(TODAY, LT_ARNHEM),
        HuisverbodGestart.name: HuisverbodGestart(TODAY),
        HuisverbodVerlengd.name: HuisverbodVerlengd(TODAY),
        HuisverbodBeeindigd.name: HuisverbodBeeindigd(TODAY),
        HuisverbodAdvies.name: HuisverbodAdvies(TODAY),
        Monitoringsmoment.name: Monitoringsmoment(TODAY, yes=ALL_YES),
        StagnatieGemeld.name: StagnatieGemeld("geen voortgang"),
        GemeenteGeinformeerd.name: GemeenteGeinformeerd("gemeente-arnhem", LT_ARNHEM),
        GemeenteAntwoord.name: GemeenteAntwoord("gemeente-arnhem"),
        Gesloten.name: Gesloten("stabiele veiligheid"),
        Opgepakt.name: Opgepakt(1),
        KlokGepauzeerd.name: KlokGepauzeerd("wachten op de Raad"),
        KlokHervat.name: KlokHervat(),
        TijdVerstreken.name: TijdVerstreken(),
        DirectbetrokkenenGeinformeerd.name: DirectbetrokkenenGeinformeerd(LT_ARNHEM),
        AfsluitingVoorgesteld.name: AfsluitingVoorgesteld(frozenset(Stabiel)),
        MonitoringVervolg.name: MonitoringVervolg(MonitorVervolg.ONDERSTEUNING),
        WegingGevraagd.name: WegingGevraagd("deur blijft dicht"),
        WegingBesloten.name: WegingBesloten(WegingUitkomst.ADVIES),
        WegingOneens.name: WegingOneens("niet eens"),
        SignalenGewijzigd.name: SignalenGewijzigd(added=frozenset({Signal.LETSEL})),
        DocumentVerstuurd.name: DocumentVerstuurd(1),
        GezinGeinformeerd.name: GezinGeinformeerd(),
        AfsluitingAkkoord.name: AfsluitingAkkoord(),
        AfsluitingNietAkkoord.name: AfsluitingNietAkkoord("nog niet"),
        Toegewezen.name: Toegewezen("vt-leidinggevende", VT),
        ToewijzingVervallen.name: ToewijzingVervallen("vt-medewerker", VT),
        BewaartermijnVerstreken.name: BewaartermijnVerstreken(),
    }[name]


# a handover answer outside OVERDRACHT is explained by what happened to the request
ANSWER_KEYS = {Status.TRIAGE: "verzoek_onbekend", Status.DIENST: "verzoek_onbekend",
               Status.TE_OVERDRAGEN: "verzoek_onbekend", Status.OVERGEDRAGEN: "al_bevestigd",
               Status.GESLOTEN: "al_bevestigd"}


def expected_refusal(name: str, status: Status) -> str:
    if status is Status.NIEUW:
        return "casus_onbekend"
    if name in (OverdrachtBevestigd.name, OverdrachtGeweigerd.name):
        return ANSWER_KEYS[status]
    if name == Gesloten.name and status is Status.OVERGEDRAGEN:
        return "zicht_bij_ander"          # said as what it is: the lokaal team holds, closing is done together
    return "casus_gesloten" if status is Status.GESLOTEN else "niet_in_status"


REFUSED = [pytest.param(e.name, s, id=f"{e.name}:{s.value}") for e in ALL_EVENTS for s in Status
           if s not in {src for t in TRANSITIONS if t.event == e.name for src in t.sources}]


def test_every_event_is_refused_in_some_status():
    refused_events = {name for name, *_ in (p.values for p in REFUSED)}
    assert refused_events == {e.name for e in ALL_EVENTS}   # every event is refused in NIEUW at least


@pytest.mark.parametrize("name, status", REFUSED)
def test_event_refused_outside_its_sources(name, status):
    d = case_in("zuid-limburg", status)
    refused = d.refused(generic_event(name), NOW)        # Driver.refused: the state is unchanged
    assert refused.key == expected_refusal(name, status)


def test_refused_event_does_not_write_what_the_clock_did():
    d = case_in("gelderland-midden", Status.TRIAGE)
    before = d.state
    late = ams(2025, 6, 30, 12)                           # long after the triage term ran out
    d.refused(DienstAfgerond(), late)
    assert d.state is before and d.state.ledger == ()
    d.do(TijdVerstreken(), late)
    assert d.state.ledger != ()                           # the clock alone does start it


# ---- every guard refuses at least once, with its own key --------------------------------------------
def _triage(**kw) -> Driver:
    return case_in("gelderland-midden", Status.TRIAGE, **kw)


def _new_case_without_gi() -> Driver:
    d = Driver.for_profile("gelderland-midden")
    d.do(replace(melding(T0, gezinsvoogd=True), orgs=replace(orgs_for(("Arnhem",)), gi=None)), at(0))
    return d


def _two_confirmed_once() -> Driver:
    d = case_in("gelderland-midden", Status.OVERDRACHT, gemeenten=TWO)
    d.do(OverdrachtBevestigd(1, LT_ARNHEM), at(4), ACTOR[LT_ARNHEM])
    return d


def _second_request() -> Driver:
    d = case_in("gelderland-midden", Status.OVERDRACHT)
    d.do(OverdrachtGeweigerd(1, LT_ARNHEM, "geen capaciteit"), at(4), ACTOR[LT_ARNHEM])
    request_handover(d, at(5))
    return d


def _without_lokaal_team() -> Driver:
    d = case_in("gelderland-midden", Status.TE_OVERDRAGEN)
    d.state = d.state.with_changes(orgs=replace(d.state.orgs, lts=()))
    return d


def _onderzoek() -> Driver:
    d = _triage()
    d.do(TriageBesluit(Route.ONDERZOEK), at(1))
    return d


def _with_ban(extended: bool = False) -> Driver:
    d = case_in("gelderland-midden", Status.TE_OVERDRAGEN)
    d.do(HuisverbodGestart(TODAY - timedelta(days=1)), at(20))
    if extended:
        d.do(HuisverbodVerlengd(TODAY), at(21))
    return d


GUARD_CASES = [
    ("gemeenten_geldig", "gemeenten_aantal", lambda: case_in("gelderland-midden", Status.NIEUW),
     melding(T0, ("Arnhem", "Ede", "Arnhem"))),
    ("gemeenten_geldig", "geen_lokaal_team", lambda: case_in("gelderland-midden", Status.NIEUW),
     replace(melding(T0, TWO), orgs=orgs_for(("Arnhem",)))),
    ("ontvangst_niet_in_toekomst", "ontvangst_in_toekomst", lambda: case_in("gelderland-midden", Status.NIEUW),
     melding(NOW + timedelta(minutes=1))),
    ("forceer_met_reden", "forceer_zonder_reden", lambda: _triage(anoniem=True),
     TriageBesluit(Route.LT, override=True, override_reason="kort")),
    ("gi_vereist_gezinsvoogd", "gi_zonder_gezinsvoogd", _triage, TriageBesluit(Route.GI)),
    ("gezinsvoogd_naar_gi", "gezinsvoogd_route_gi", lambda: _triage(gezinsvoogd=True), TriageBesluit(Route.LT)),
    ("vt_houdt_casus", "vt_houdt_casus", lambda: _triage(signals=("rvdk",)), TriageBesluit(Route.LT)),
    ("zwaar_vraagt_dienst", "zwaar_vraagt_dienst", _triage, TriageBesluit(Route.LT, Weight.ZWAAR)),
    ("ontvanger_bekend", "geen_mdt", _triage, TriageBesluit(Route.MDT)),
    ("ontvanger_bekend", "geen_gi", _new_case_without_gi, TriageBesluit(Route.GI)),
    ("verzoek_open", "verzoek_onbekend", lambda: case_in("gelderland-midden", Status.OVERDRACHT),
     OverdrachtBevestigd(7, LT_ARNHEM)),
    ("verzoek_open", "al_bevestigd", _two_confirmed_once, OverdrachtBevestigd(1, LT_ARNHEM)),
    ("verzoek_open", "verzoek_niet_open", _second_request, OverdrachtBevestigd(1, LT_ARNHEM)),
    ("org_is_ontvanger", "niet_de_ontvanger", lambda: case_in("gelderland-midden", Status.OVERDRACHT),
     OverdrachtBevestigd(1, GI)),
    ("reden_verplicht", "reden_verplicht", lambda: case_in("gelderland-midden", Status.OVERDRACHT),
     OverdrachtGeweigerd(1, LT_ARNHEM, "   ")),
    ("heeft_ontvangers", "geen_ontvanger", _without_lokaal_team, OverdrachtGevraagd()),
    ("oordeel_na_onderzoek", "oordeel_verplicht", _onderzoek, DienstAfgerond("  ")),
    ("datum_niet_in_toekomst", "datum_in_toekomst", lambda: case_in("gelderland-midden", Status.TE_OVERDRAGEN),
     EersteContact(TODAY + timedelta(days=1), LT_ARNHEM)),
    ("datum_na_melding", "datum_voor_melding", lambda: case_in("gelderland-midden", Status.TE_OVERDRAGEN),
     EersteContact(T0.date() - timedelta(days=1), LT_ARNHEM)),
    ("geen_lopend_huisverbod", "huisverbod_loopt_al", _with_ban, HuisverbodGestart(TODAY)),
    ("lopend_huisverbod", "geen_huisverbod", lambda: case_in("gelderland-midden", Status.TE_OVERDRAGEN),
     HuisverbodVerlengd(TODAY)),
    ("lopend_huisverbod", "datum_voor_huisverbod", _with_ban, HuisverbodAdvies(TODAY - timedelta(days=2))),
    ("nog_niet_verlengd", "huisverbod_al_verlengd", lambda: _with_ban(extended=True), HuisverbodVerlengd(TODAY)),
    ("monitoring_loopt", "geen_monitoring", lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN),
     Monitoringsmoment(TODAY, yes=ALL_YES)),
    ("vraag_aan_gemeente_open", "geen_open_vraag_aan_gemeente",
     lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN), GemeenteAntwoord("gemeente-arnhem")),
    ("escalatie_open", "escalatie_niet_open", lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN),
     Opgepakt(99)),
    ("escalatie_open", "niet_de_eigenaar", lambda: _stagnated(), Opgepakt(3)),   # 3: the lokaal team's
    ("directbetrokkenen_open", "geen_open_informeren", lambda: case_in("zuid-limburg", Status.OVERDRACHT),
     DirectbetrokkenenGeinformeerd(VT)),
    ("lopende_termijnen", "geen_termijnen_om_te_pauzeren",
     lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN), KlokGepauzeerd("wachten op de Raad")),
    ("gepauzeerde_termijnen", "niet_gepauzeerd", lambda: case_in("gelderland-midden", Status.TRIAGE),
     KlokHervat()),
    # closing together (000 §7.1, §7.3, §7.4; 002 §2 h, §6)
    ("zicht_niet_bij_ander", "zicht_bij_ander", lambda: case_in("zuid-limburg", Status.OVERDRACHT),
     Gesloten("klaar")),                                     # ZL: the lokaal veld holds since the table's decision
    ("regiehouder_stelt_voor", "niet_de_regiehouder", lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN),
     AfsluitingVoorgesteld(frozenset(Stabiel))),             # VT does not hold the casusregie after the handover
    ("geen_voorstel_open", "voorstel_loopt_al", lambda: _proposed(), AfsluitingVoorgesteld(frozenset(Stabiel)),
     LT_ACTOR),
    ("stabiele_veiligheid", "stabiele_veiligheid_onvolledig", lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN),
     AfsluitingVoorgesteld(frozenset({Stabiel.GEEN_INCIDENTEN, Stabiel.HERSTEL})), LT_ACTOR),
    ("zonder_incidenten", "incident_te_recent", lambda: _monitored("gelderland-midden", positive=False),
     AfsluitingVoorgesteld(frozenset(Stabiel)), LT_ACTOR),
    ("afsluiten_tijdens_monitoring", "niet_afsluiten_tijdens_monitoring",
     lambda: _monitored("zuid-limburg", signals=("structureel",)), AfsluitingVoorgesteld(frozenset(Stabiel)), LT_ACTOR),
    ("voorstel_open", "geen_voorstel_open", lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN),
     AfsluitingAkkoord()),
    ("vt_stemt_in", "alleen_vt_stemt_in", lambda: _proposed(), AfsluitingAkkoord(), LT_ACTOR),
    # who works on the case: an organisation assigns its own worker, once the case is its to work on
    ("toewijzen_mag", "alleen_eigen_medewerker", _triage, Toegewezen("lt-arnhem-medewerker", LT_ARNHEM)),
    ("toewijzen_mag", "eerst_bevestigen", _triage, Toegewezen("lt-arnhem-medewerker", LT_ARNHEM), LT_ACTOR),
    ("toewijzen_mag", "al_toegewezen", _triage, Toegewezen(VT_ACTOR, VT)),
    ("toewijzing_loopt", "geen_toewijzing", _triage, ToewijzingVervallen("lt-arnhem-medewerker", LT_ARNHEM)),
    # retention: a closed case is reduced once, after its period (closed yesterday; 12 months in this region)
    ("bewaartermijn_om", "bewaartermijn_loopt", lambda: case_in("gelderland-midden", Status.GESLOTEN),
     BewaartermijnVerstreken(), "triagebot"),
    ("bewaartermijn_om", "al_ingekort", lambda: _reduced(), BewaartermijnVerstreken(), "triagebot"),
    # monitoring that acts (000 §5.2.7; 001 §4; 002 §5.2.6)
    ("na_negatief_moment", "geen_negatief_moment", lambda: _monitored("gelderland-midden"),
     MonitoringVervolg(MonitorVervolg.VV)),
    ("monitoring_overslaan_mag", "monitoring_verplicht", lambda: case_in("gelderland-midden", Status.DIENST),
     DienstAfgerond(monitoring=False)),
    # the tenzij list of 001 §1, and signals that change after registration
    ("geen_hulp_nodig", "geen_hulp_nodig", lambda: _triage(signals=("geen-hulp-nodig",)), TriageBesluit(Route.LT)),
    ("signalen_wijzigen", "signalen_ongewijzigd", lambda: _triage(signals=("letsel",)),
     SignalenGewijzigd(added=frozenset({Signal.LETSEL}), removed=frozenset({Signal.ACUUT}))),
    ("signalen_wijzigen", "signaal_dubbel", _triage,
     SignalenGewijzigd(added=frozenset({Signal.LETSEL}), removed=frozenset({Signal.LETSEL}))),
    # the family first (000 §5.1; 001 §1; 002 §5.1)
    ("gezin_eerst", "gezin_niet_geinformeerd", lambda: case_in("gelderland-midden", Status.TE_OVERDRAGEN),
     OverdrachtGevraagd()),
    ("reden_bij_niet_informeren", "reden_verplicht", _triage, GezinGeinformeerd(informed=False, reason=" ")),
    # the appointment with the family at the confirmation (001 §1)
    ("afspraak_bij_bevestiging", "afspraak_ontbreekt", lambda: _sent("noord-oost-gelderland"),
     OverdrachtBevestigd(1, LT_ARNHEM), LT_ACTOR),
    ("afspraak_bij_bevestiging", "afspraak_in_verleden", lambda: _sent("noord-oost-gelderland"),
     OverdrachtBevestigd(1, LT_ARNHEM, TODAY - timedelta(days=1)), LT_ACTOR),
    # the overdrachtsdocument (001 §1)
    ("document_eerst", "document_nog_niet_verstuurd", lambda: case_in("noord-oost-gelderland", Status.OVERDRACHT),
     OverdrachtBevestigd(1, LT_ARNHEM), LT_ACTOR),
    ("document_te_versturen", "document_al_verstuurd", lambda: _sent(), DocumentVerstuurd(1)),
    ("document_te_versturen", "verzoek_onbekend", lambda: case_in("gelderland-midden", Status.OVERDRACHT),
     DocumentVerstuurd(5)),
    # the lokaal team cannot get in (000 bijlage 2)
    ("lokaal_team_met_zicht", "alleen_lokaal_team_met_zicht",
     lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN), WegingGevraagd("deur blijft dicht")),
    ("geen_weging_open", "weging_loopt_al", lambda: _weighing(), WegingGevraagd("nog steeds dicht"), LT_ACTOR),
    ("weging_open", "geen_weging_open", lambda: case_in("gelderland-midden", Status.OVERGEDRAGEN),
     WegingBesloten(WegingUitkomst.SLUITEN)),
]


def _sent(profile: str = "gelderland-midden") -> Driver:
    d = case_in(profile, Status.OVERDRACHT)
    d.do(DocumentVerstuurd(1), at(20))
    return d


def _weighing() -> Driver:
    d = case_in("gelderland-midden", Status.OVERGEDRAGEN)
    d.do(WegingGevraagd("deur blijft dicht"), at(20), LT_ACTOR)
    return d


def _proposed() -> Driver:
    d = case_in("gelderland-midden", Status.OVERGEDRAGEN)
    d.do(AfsluitingVoorgesteld(frozenset(Stabiel)), at(20), LT_ACTOR)
    return d


def _monitored(profile: str, positive: bool = True, **melding_kw) -> Driver:
    """Handed over after a dienst: VT monitors; one monitoring moment recorded now."""
    d = case_in(profile, Status.OVERGEDRAGEN, via="dienst", **melding_kw)
    if not positive:
        d.do(Monitoringsmoment(TODAY, yes=frozenset()), at(20))
    return d


def _reduced() -> Driver:
    d = case_in("gelderland-midden", Status.GESLOTEN)
    d.state = replace(d.state, reduced_at=at(6))
    return d


def _stagnated() -> Driver:
    d = case_in("gelderland-midden", Status.TE_OVERDRAGEN)
    d.do(StagnatieGemeld("geen voortgang"), at(20))
    assert [(x.seq, x.owner) for x in d.state.deadlines if x.kind is DeadlineKind.STAGNATIE] == [
        (2, VT), (3, LT_ARNHEM)]
    return d


def test_every_guard_has_a_refusing_case():
    assert {g for g, *_ in GUARD_CASES} == set(GUARDS)


@pytest.mark.parametrize("guard, key, build, event, actor", [
    pytest.param(*c, *([VT_ACTOR] if len(c) == 4 else []), id=f"{c[0]}:{c[1]}") for c in GUARD_CASES])
def test_guard_refuses_with_its_key(guard, key, build, event, actor):
    d = build()
    rows = [t for t in TRANSITIONS if t.event == event.name]
    assert any(guard in t.guards for t in rows)
    assert GUARDS[guard](d.state, event, d.ctx(NOW, actor)).key == key    # this guard, not another one
    assert d.refused(event, NOW, actor).key == key                         # ... and apply refuses with it
