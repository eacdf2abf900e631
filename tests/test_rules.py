"""The rules of domain.md, one scenario each: when VT keeps a case, overrides, GI, anonymity, two gemeenten,
the diensten, refused handovers (rules.py, checklist.py, lifecycle.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.config import load_profile
from models.escalation import escalation_start
from models.events import (
    DienstAfgerond,
    OverdrachtGevraagd,
    OverdrachtGeweigerd,
    TriageBesluit,
)
from models.types import DeadlineKind as K
from models.types import DeadlineState, HandoverKind, HandoverState, Route, Status, Weight
from tests.factories import (
    GI,
    LT_ARNHEM,
    LT_EDE,
    VT,
    Driver,
    ams,
    confirmation,
    melding,
    request_handover,
    send_document_if_needed,
)

PROFILES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland")
LADDER = {p: load_profile(p).escalation.ladder for p in PROFILES}
NOG_EXTRA = ("letsel", "ongeboren", "psychiatrie", "eergerelateerd", "stalking", "strafbaar")
T0 = ams(2025, 6, 16, 10, 0)          # Monday 16 June 2025
ACTOR = {LT_ARNHEM: "lt-arnhem-medewerker", LT_EDE: "lt-ede-medewerker", GI: "gi-gezinsvoogd"}
REASON = "gezin vraagt zelf om hulp van het lokale team"
MELDER_ITEMS = {"contactgegevens_melder", "contactgegevens_melder_indien_nodig"}


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def triage(profile: str = "gelderland-midden", gemeenten=("Arnhem",), **kw) -> Driver:
    d = Driver.for_profile(profile)
    d.do(melding(T0, gemeenten, **kw), at(0))
    return d


def confirm_all(d: Driver, when: datetime) -> None:
    send_document_if_needed(d, when)
    h = d.state.open_handover
    for org in h.receivers:
        d.do(confirmation(d, h.seq, org, when), when, ACTOR[org])


# ---- when VT must keep the case (003 §2.2; 001 §1) --------------------------------------------------
NATIONAL = [
    ({"signals": ("acuut",)}, "acuut"),
    ({"signals": ("structureel",)}, "structureel"),
    ({"signals": ("onvoldoende-info",)}, "onvoldoende-info"),
    ({"signals": ("rvdk",)}, "rvdk"),
    ({"spoed": True}, "spoed"),
    ({"anoniem": True}, "anoniem"),
]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("flags, reason", NATIONAL, ids=[r for _, r in NATIONAL])
def test_national_keep_reason_refuses_directe_overdracht(profile, flags, reason):
    d = triage(profile, **flags)
    refused = d.refused(TriageBesluit(Route.LT), at(1))
    assert refused.key == "vt_houdt_casus" and refused.overridable
    assert reason in refused.get("redenen")
    d.do(TriageBesluit(Route.VV), at(1))                  # keeping it with a dienst is fine
    assert d.state.status is Status.DIENST and d.state.holders == (VT,)


@pytest.mark.parametrize("signal", NOG_EXTRA)
def test_nog_extra_keep_reasons(signal):
    nog = triage("noord-oost-gelderland", signals=(signal,))
    refused = nog.refused(TriageBesluit(Route.LT), at(1))
    assert refused.key == "vt_houdt_casus" and refused.get("redenen") == (signal,)
    for other in ("gelderland-midden", "zuid-limburg"):
        d = triage(other, signals=(signal,))
        d.do(TriageBesluit(Route.LT), at(1))
        assert d.state.status is Status.TE_OVERDRAGEN and d.state.route is Route.LT


def test_override_with_reason_is_recorded():
    d = triage(anoniem=True, signals=("rvdk",))
    d.do(TriageBesluit(Route.LT, Weight.ZWAAR, override=True, override_reason=f"  {REASON}  "), at(1))
    assert d.state.status is Status.TE_OVERDRAGEN
    assert d.state.decision.overridden == ("vt_houdt_casus", "zwaar_vraagt_dienst")
    assert d.state.decision.override_reason == REASON
    assert d.state.decision.decided_by == "vt-medewerker"


def test_no_override_records_nothing():
    d = triage()
    d.do(TriageBesluit(Route.LT, Weight.LICHT), at(1))
    assert d.state.decision.overridden == () and d.state.decision.override_reason is None


@pytest.mark.parametrize("reason, accepted", [
    ("", False), ("123456789", False), ("   kort    ", False), ("1234567890", True), (REASON, True)])
def test_override_needs_a_reason_of_ten_characters(reason, accepted):
    d = triage(signals=("structureel",))
    event = TriageBesluit(Route.LT, override=True, override_reason=reason)
    if accepted:
        d.do(event, at(1))
        assert d.state.decision.override_reason == reason.strip()
        assert d.state.decision.overridden == ("vt_houdt_casus",)
    else:
        assert d.refused(event, at(1)).key == "forceer_zonder_reden"
        assert d.state.decision is None


def test_zwaar_goes_with_a_dienst():
    d = triage()
    refused = d.refused(TriageBesluit(Route.LT, Weight.ZWAAR), at(1))
    assert refused.key == "zwaar_vraagt_dienst" and refused.overridable
    triage().do(TriageBesluit(Route.LT, Weight.MIDDELZWAAR), at(1))
    d.do(TriageBesluit(Route.ONDERZOEK, Weight.ZWAAR), at(1))
    assert d.state.status is Status.DIENST and d.state.weight is Weight.ZWAAR


# ---- gezinsvoogd → GI, gemeente in cc (002 bijlage 3a, 1) -------------------------------------------
@pytest.mark.parametrize("route", [Route.LT, Route.VV, Route.ONDERZOEK, Route.GEEN])
def test_gezinsvoogd_route_must_be_gi(route):
    d = triage(gezinsvoogd=True)
    refused = d.refused(TriageBesluit(route), at(1))
    assert refused.key == "gezinsvoogd_route_gi" and refused.overridable


def test_gezinsvoogd_other_route_with_override():
    d = triage(gezinsvoogd=True)
    d.do(TriageBesluit(Route.VV, override=True, override_reason=REASON), at(1))
    assert d.state.decision.overridden == ("gezinsvoogd_route_gi",)


def test_gi_route_without_gezinsvoogd_is_refused_even_with_override():
    d = triage()
    assert d.refused(TriageBesluit(Route.GI), at(1)).key == "gi_zonder_gezinsvoogd"
    assert d.refused(TriageBesluit(Route.GI, override=True, override_reason=REASON), at(1)).key == \
        "gi_zonder_gezinsvoogd"


@pytest.mark.parametrize("profile", PROFILES)
def test_gi_handover_puts_the_gemeente_in_cc(profile):
    d = triage(profile, gezinsvoogd=True)
    d.do(TriageBesluit(Route.GI), at(1))
    request_handover(d, at(2))
    assert d.state.open_handover.receivers == (GI,)
    cc = [n for n in d.notes if n.key == "gemeente_cc"]
    assert len(cc) == 1 and cc[0].get("gemeenten") == ("gemeente-arnhem",)
    confirm_all(d, at(3))
    assert d.state.status is Status.OVERGEDRAGEN and d.state.holders == (GI,)


def test_lt_handover_has_no_gemeente_cc():
    d = triage()
    d.do(TriageBesluit(Route.LT), at(1))
    request_handover(d, at(2))
    assert not [n for n in d.notes if n.key == "gemeente_cc"]


# ---- anonymous melder: identity never leaves VT (003 §2.2; 001 §1) -----------------------------------
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("route", [Route.LT, Route.VV, Route.ONDERZOEK])
def test_anonymous_melder_never_in_the_checklist(profile, route):
    checklists = {}
    for anoniem in (True, False):
        d = triage(profile, anoniem=anoniem)
        d.do(TriageBesluit(route, override=anoniem, override_reason=REASON if anoniem else ""), at(1))
        if route is not Route.LT:
            d.do(DienstAfgerond("huiselijk geweld vastgesteld"), at(2))
        request_handover(d, at(3))
        h = d.state.open_handover
        assert h.kind is (HandoverKind.DIRECT if route is Route.LT else HandoverKind.NA_DIENST)
        checklists[anoniem] = set(h.checklist)
    assert not checklists[True] & MELDER_ITEMS
    assert checklists[False] & MELDER_ITEMS                        # the item exists; anonymity removes it
    assert checklists[False] - MELDER_ITEMS == checklists[True]    # ... and nothing else
    assert ("oordeel_vt" in checklists[True]) is (route is Route.ONDERZOEK)
    assert ("triagebesluit_onderbouwing" in checklists[True]) is (route is Route.LT)


def test_anonymous_melder_in_a_gi_handover():
    d = triage(anoniem=True, gezinsvoogd=True)
    d.do(TriageBesluit(Route.GI), at(1))
    request_handover(d, at(2))
    assert not set(d.state.open_handover.checklist) & MELDER_ITEMS


# ---- two gemeenten: both lokale teams confirm, then both hold (002 §5.2.4) ----------------------------
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("route", [Route.LT, Route.VV])
def test_two_gemeenten_both_must_confirm(profile, route):
    d = triage(profile, gemeenten=("Arnhem", "Ede"))
    d.do(TriageBesluit(route), at(1))
    if route is Route.VV:
        d.do(DienstAfgerond(), at(2))
    request_handover(d, at(3))
    h = d.state.open_handover
    assert h.receivers == (LT_ARNHEM, LT_EDE)
    assert "contactgegevens_directbetrokkenen_beide_gemeenten" in h.checklist
    assert d.state.holders == (VT,)
    send_document_if_needed(d, at(4))
    d.do(confirmation(d, h.seq, LT_ARNHEM, at(4)), at(4), ACTOR[LT_ARNHEM])
    assert d.state.holders == (VT,) and d.state.status is Status.OVERDRACHT
    assert d.state.open_handover.waiting_for == (LT_EDE,)
    d.do(confirmation(d, h.seq, LT_EDE, at(5)), at(5), ACTOR[LT_EDE])
    assert d.state.holders == (LT_ARNHEM, LT_EDE) and d.state.status is Status.OVERGEDRAGEN
    assert d.state.ledger[-1].start == at(5)
    assert d.state.handovers[-1].state is HandoverState.BEVESTIGD


# ---- V&V and Onderzoek: VT holds until the dienst is done and the handover confirmed ----------------
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("route", [Route.VV, Route.ONDERZOEK])
def test_dienst_keeps_the_case_at_vt_until_confirmed(profile, route):
    d = triage(profile)
    d.do(TriageBesluit(route, Weight.ZWAAR), at(1))
    assert d.state.holders == (VT,) and d.state.ledger[0].start == at(1)
    assert d.refused(OverdrachtGevraagd(), at(2)).key == "niet_in_status"   # not before the dienst ends
    d.do(DienstAfgerond("kindermishandeling vastgesteld"), at(30 * 24))
    assert d.state.holders == (VT,) and d.state.status is Status.TE_OVERDRAGEN
    request_handover(d, at(30 * 24 + 1))
    assert d.state.holders == (VT,) and d.state.open_handover.kind is HandoverKind.NA_DIENST
    confirm_all(d, at(30 * 24 + 2))
    assert d.state.holders == (LT_ARNHEM,)
    assert [(e.holders, e.start) for e in d.state.ledger] == [((VT,), at(1)), ((LT_ARNHEM,), at(30 * 24 + 2))]


def test_onderzoek_needs_an_oordeel():
    d = triage()
    d.do(TriageBesluit(Route.ONDERZOEK), at(1))
    assert d.refused(DienstAfgerond(""), at(2)).key == "oordeel_verplicht"
    d.do(DienstAfgerond(" geen kindermishandeling "), at(2))
    assert d.state.oordeel == "geen kindermishandeling" and d.state.service_done_at == at(2)
    vv = triage()
    vv.do(TriageBesluit(Route.VV), at(1))
    vv.do(DienstAfgerond(""), at(2))                      # V&V: no oordeel required
    assert vv.state.status is Status.TE_OVERDRAGEN and vv.state.oordeel is None


# ---- a refused handover: zicht op veiligheid back to VT, its terms withdrawn ------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_refused_handover_returns_to_vt(profile):
    d = triage(profile)
    d.do(TriageBesluit(Route.LT), at(1))
    request_handover(d, at(2))
    refused_at = at(3)
    d.do(OverdrachtGeweigerd(1, LT_ARNHEM, " geen capaciteit "), refused_at, ACTOR[LT_ARNHEM])
    s = d.state
    assert s.status is Status.TE_OVERDRAGEN and s.holders == (VT,)
    assert s.holders_at(refused_at) == (VT,)
    assert s.handovers[0].state is HandoverState.GEWEIGERD and s.handovers[0].refusal.reason == "geen capaciteit"
    of_request = [x for x in s.deadlines if x.ref == "1" and x.kind in (
        K.BEVESTIGING, K.EERSTE_CONTACT, K.DIRECTBETROKKENEN)]
    assert of_request and all(x.state is DeadlineState.VERVALLEN for x in of_request)
    # what is left running is the stagnation: both parties' escalation, from its first step above the owner
    assert {(x.kind, x.owner) for x in s.active_deadlines()} == {(K.STAGNATIE, VT), (K.STAGNATIE, LT_ARNHEM)}
    first_step = escalation_start(LADDER[profile])
    assert all(x.ladder[0].target is LADDER[profile][first_step].target for x in s.active_deadlines())
    assert s.records[-1].kind == "stagnatie"
    request_handover(d, at(4))                     # VT can ask again
    assert d.state.open_handover.seq == 2


def test_refusal_after_placement_ends_the_lt_entry():
    d = triage("gelderland-midden")
    d.do(TriageBesluit(Route.LT), at(1))
    request_handover(d, at(2))                     # GM: placing is the moment → LT holds
    assert d.state.holders == (LT_ARNHEM,)
    d.do(OverdrachtGeweigerd(1, LT_ARNHEM, "geen capaciteit"), at(3), ACTOR[LT_ARNHEM])
    ledger = d.state.ledger
    assert [(e.holders, e.start, e.end) for e in ledger] == [
        ((VT,), at(1), at(2)), ((LT_ARNHEM,), at(2), at(3)), ((VT,), at(3), None)]
    assert ledger[-1].reason == "overdracht_geweigerd"

