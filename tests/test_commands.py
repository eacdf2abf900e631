"""Every `/casus` and `/tafel` command, driven through the console: the events it produces and what
`casus show --json` says afterwards. The demo directory: VT Gelderland-Midden serves Arnhem and Ede.
Time starts on Monday 26 May 2025, 09:00 (Hemelvaartsdag is Thursday 29 May).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.config import load_directory
from commands.model import Click
from commands.views import HELP_TOPICS
from models.calendar import AMS
from tests.harness import answers, make_console, play, posts, show

VT, LTA, LTE, GI = "vt-gelderland-midden", "lt-arnhem", "lt-ede", "gi-gelderland"
N1 = "VT-2025-0001"
DIRECTORY = load_directory()


def facts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's records but who works on it (every case starts with the VT worker who registered it)."""
    return [x for x in report["records"] if x["kind"] != "toewijzing"]


def at_table(org: str) -> set[str]:
    return {m.id for m in DIRECTORY.at_table(org)}


def state(console, number: str) -> dict[str, Any]:
    """`casus show` without the audit list (which grows with every look)."""
    report = show(console, number)
    assert report is not None
    return {k: v for k, v in report.items() if k != "audit"}


def only_answer(events: list[dict[str, Any]], to: str) -> str:
    assert [e["to"] for e in events if e["kind"] == "ephemeral"] == [to]
    return answers(events, to)[0]


def last_audit(console, number: str) -> tuple[str, str, str]:
    entries = [a for a in show(console, number)["audit"]         # the command's own entry, not what followed
               if a["action"] != "casus show" and not a["action"].startswith("kanaal_lid")]
    return entries[-1]["actor"], entries[-1]["action"], entries[-1]["outcome"]


def deadline(report: dict[str, Any], kind: str, owner: str | None = None) -> dict[str, Any]:
    found = [d for d in report["deadlines"] if d["kind"] == kind and (owner is None or d["owner"] == owner)]
    assert found, f"no {kind} deadline"
    return found[-1]


def refused(console, line: str, key: str, number: str) -> str:
    """The line is answered privately (to whoever typed it), audited as refused with `key`, changes nothing."""
    who, before = line.split(":")[0], state(console, number)
    events = play(console, line)
    assert [e["kind"] for e in events] == ["ephemeral"]
    assert state(console, number) == before
    assert last_audit(console, number)[2] == f"geweigerd:{key}"
    return only_answer(events, who)


def decided(line: str = "lt licht gezin-geinformeerd", gemeente: str = "Arnhem", profile: str = "gelderland-midden"):
    console = make_console(profile)
    play(console, f"vt-medewerker: /casus nieuw {gemeente}\nklok +10m\n"
                  f"vt-medewerker: /casus besluit {N1} {line}\nklok +10m")
    return console


# ---- nieuw -------------------------------------------------------------------------------------------
def test_nieuw_opens_a_private_case_channel_with_the_table_of_vt_and_the_lokaal_team_only():
    console = make_console()
    events = play(console, "vt-medewerker: /casus nieuw Arnhem")
    created = [e for e in events if e["kind"] == "channel_created"]
    assert [e["channel"] for e in created] == ["casus-2025-0001"]
    added = {e["to"] for e in events if e["kind"] == "member_added"}
    assert added == {"vt-medewerker", "lt-arnhem-medewerker"} == at_table(VT) | at_table(LTA)   # need to know
    assert "Nieuwe melding VT-2025-0001" in posts(events, "casus-2025-0001")[0]
    assert "#casus-2025-0001" in only_answer(events, "vt-medewerker")
    r = state(console, N1)
    assert (r["status"], r["gemeenten"], r["holders"], r["route"]) == ("triage", ["Arnhem"], [], None)
    triage = deadline(r, "triage")
    assert (triage["owner"], triage["state"], triage["last_day"]) == (VT, "open", "2025-06-03")
    assert last_audit(console, N1) == ("vt-medewerker", "/casus nieuw", "ok")


@pytest.mark.parametrize("args, orgs, gemeenten", [
    ("Arnhem gezinsvoogd", (VT, LTA, GI), ["Arnhem"]),          # the GI only when a gezinsvoogd is involved
    ("Arnhem,Ede", (VT, LTA, LTE), ["Arnhem", "Ede"]),          # two gemeenten: both lokale teams
])
def test_nieuw_invites_the_table_of_the_organisations_of_the_case_but_never_the_gemeente(args, orgs, gemeenten):
    console = make_console()
    events = play(console, f"vt-medewerker: /casus nieuw {args}")
    added = {e["to"] for e in events if e["kind"] == "member_added"}
    assert added == set().union(*(at_table(o) for o in orgs))
    assert not added & {"gemeente-arnhem", "gemeente-ede"}
    assert state(console, N1)["gemeenten"] == gemeenten


def test_nieuw_options_received_spoed_anoniem_signalen():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw ede ontvangen=2025-05-23T14:10 spoed anoniem signalen=letsel,acuut")
    r = state(console, N1)
    assert r["received_at"] == "2025-05-23T12:10:00+00:00"
    assert (r["spoed"], r["anoniem"], r["signals"], r["gemeenten"]) == (True, True, ["acuut", "letsel"], ["Ede"])
    assert r["holders"] == [VT] and r["ledger"][0]["reason"] == "spoed"   # VT holds at once when urgent


# ---- besluit -----------------------------------------------------------------------------------------
def test_besluit_lt_places_the_case_and_posts_a_handover_card():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem\nklok +10m")
    events = play(console, f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd "
                           "reden: ouders staan open voor hulp")
    card = next(e for e in events if e["kind"] == "post" and e["buttons"])
    assert [(b["action"], b["value"]) for b in card["buttons"]] == [
        ("bevestig", f"{N1}:1"), ("weiger", f"{N1}:1"), ("document", f"{N1}:1")]      # the last for VT
    assert "Triagebesluit VT-2025-0001" in posts(events)[0] and "ouders staan open voor hulp" in posts(events)[0]
    assert "directe overdracht" in only_answer(events, "vt-medewerker")
    r = state(console, N1)
    assert (r["status"], r["route"], r["weight"], r["holders"]) == ("overdracht", "lt", "licht", [LTA])
    assert deadline(r, "triage")["state"] == "gehaald"
    assert deadline(r, "bevestiging", LTA)["state"] == "open"
    assert deadline(r, "eerste_contact", LTA)["last_day"] == "2025-06-09"   # 14 days (000 §3 a)


@pytest.mark.parametrize("route", ["vv", "onderzoek"])
def test_besluit_for_a_vt_dienst_keeps_the_case_at_vt(route):
    console = decided(f"{route} zwaar reden: veiligheidsvoorwaarden nodig")
    r = state(console, N1)
    assert (r["status"], r["route"], r["weight"], r["holders"], r["handovers"]) == ("dienst", route, "zwaar", [VT], [])
    assert r["ledger"][-1]["reason"] == "triage_afgerond"


def test_besluit_gi_hands_over_to_the_gi_with_the_gemeente_in_cc():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem gezinsvoogd\nklok +10m")
    events = play(console, f"vt-medewerker: /casus besluit {N1} gi gezin-geinformeerd")
    assert [e["to"] for e in events if e["kind"] == "dm"] == ["gemeente-arnhem"]
    r = state(console, N1)
    assert (r["route"], r["handovers"][0]["receivers"], r["holders"]) == ("gi", [GI], [GI])


def test_besluit_mdt_is_refused_without_an_mdt_in_the_directory():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    assert "multidisciplinair team" in refused(console, f"vt-medewerker: /casus besluit {N1} mdt", "geen_mdt", N1)


@pytest.mark.parametrize("route", ["zelf", "geen"])
def test_besluit_zelf_or_geen_closes_the_case(route):
    console = decided(f"{route} reden: geen zorgen over de veiligheid")
    r = state(console, N1)
    assert (r["status"], r["holders"], r["closed_reason"]) == ("gesloten", [], f"triagebesluit_{route}")
    assert all(d["state"] in ("gehaald", "vervallen") for d in r["deadlines"])


def test_two_weights_are_refused():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    refused(console, f"vt-medewerker: /casus besluit {N1} vv licht zwaar", "onbekende_woorden", N1)


REASON = "afgestemd met gedragswetenschapper"


def test_forceer_needs_a_reason_and_records_the_override():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Ede anoniem\nklok +10m")
    text = refused(console, f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd", "vt_houdt_casus", N1)
    assert "anonimiteit" in text
    refused(console, f"vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd forceer", "forceer_zonder_reden", N1)
    refused(console, f"vt-medewerker: /casus besluit {N1} lt forceer reden: kort", "forceer_zonder_reden", N1)
    events = play(console, f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd forceer reden: {REASON}")
    assert "Geforceerd" in posts(events)[0]
    r = state(console, N1)
    assert r["override"] == {"reason": REASON, "rules": ["vt_houdt_casus"]}
    assert (r["status"], r["holders"]) == ("overdracht", [LTE])


# ---- the handover buttons ------------------------------------------------------------------------------
def test_bevestig_by_the_receiver_updates_the_card_without_buttons():
    console = decided()
    events = play(console, f"lt-arnhem-medewerker: klik bevestig {N1}")
    updates = [e for e in events if e["kind"] == "update"]
    assert len(updates) == 1 and "Bevestigd door" in updates[0]["text"]
    assert [b["action"] for b in updates[0]["buttons"]] == ["document", "toewijzen"]   # VT: document; receiver: worker
    assert "bevestigd" in only_answer(events, "lt-arnhem-medewerker")
    r = state(console, N1)
    assert (r["status"], r["holders"], r["handovers"][0]["state"]) == ("overgedragen", [LTA], "bevestigd")
    assert r["handovers"][0]["confirmations"][0]["by"] == "lt-arnhem-medewerker"
    assert deadline(r, "bevestiging", LTA)["state"] == "gehaald"


def test_a_second_click_says_who_already_confirmed_and_when():
    console = decided()
    play(console, "lt-arnhem-medewerker: klik bevestig")      # no number: the latest card with the button
    text = refused(console, f"lt-arnhem-leidinggevende: klik bevestig {N1}", "al_bevestigd", N1)
    assert "Medewerker lokaal team Arnhem" in text and "maandag 26 mei 2025 09:20" in text


def test_a_click_by_another_organisation_is_refused_and_audited():
    console = decided()
    text = refused(console, f"lt-ede-medewerker: klik bevestig {N1}", "niet_de_ontvanger", N1)
    assert "Alleen Lokaal team Arnhem" in text
    assert last_audit(console, N1) == ("lt-ede-medewerker", "klik:bevestig", "geweigerd:niet_de_ontvanger")


def test_weiger_needs_a_reason_then_reports_stagnation_and_vt_holds_again():
    console = decided()
    refused(console, f"lt-arnhem-medewerker: klik weiger {N1}", "weigering_zonder_reden", N1)
    events = play(console, f"lt-arnhem-medewerker: klik weiger {N1} reden: gezin zit al bij een ander team")
    update = next(e for e in events if e["kind"] == "update")
    assert update["buttons"] == [] and "Geweigerd door" in update["text"]
    channel = [e["text"] for e in events if e["kind"] == "post"]
    assert any("Overdracht geweigerd" in t and "stagnatie tussen Veilig Thuis Gelderland-Midden en Lokaal team "
               "Arnhem, bij het weigeren van de overdracht gemeld door Lokaal team Arnhem: gezin zit al bij een ander "
               "team" in t for t in channel)
    r = state(console, N1)
    assert (r["status"], r["holders"], r["handovers"][0]["state"]) == ("te_overdragen", [VT], "geweigerd")
    assert r["handovers"][0]["refusal"]["reason"] == "gezin zit al bij een ander team"
    assert [x["kind"] for x in facts(r)] == ["gezin_geinformeerd", "stagnatie"]
    assert deadline(r, "bevestiging", LTA)["state"] == "vervallen"


def test_overdracht_opnieuw_after_a_refusal_posts_a_new_request():
    console = decided()
    play(console, f"lt-arnhem-medewerker: klik weiger {N1} reden: eerst afstemmen\nklok +1h")
    refused(console, f"lt-arnhem-medewerker: klik bevestig {N1}", "verzoek_niet_open", N1)
    events = play(console, f"vt-medewerker: /casus overdracht {N1} opnieuw")
    card = next(e for e in events if e["buttons"])
    assert {b["value"] for b in card["buttons"]} == {f"{N1}:2"}
    r = state(console, N1)
    assert (r["status"], r["holders"]) == ("overdracht", [LTA])
    assert [h["state"] for h in r["handovers"]] == ["geweigerd", "open"]
    refused(console, f"vt-medewerker: /casus overdracht {N1}", "niet_in_status", N1)   # one request at a time
    play(console, "lt-arnhem-medewerker: klik bevestig")
    assert state(console, N1)["handovers"][1]["state"] == "bevestigd"


HOLDS_UNTIL_CONFIRMED = "noord-oost-gelderland"    # 001 §1: zicht moves at confirmation; VT holds until then


def test_a_click_on_a_request_that_is_no_longer_open_changes_nothing():
    console = decided(profile=HOLDS_UNTIL_CONFIRMED)
    play(console, f"vt-medewerker: /casus sluiten {N1} reden: gezin verhuisd naar het buitenland")
    assert "ingetrokken" in refused(console, f"vt-medewerker: klik bevestig {N1}", "verzoek_niet_open", N1)


def test_closing_the_case_withdraws_the_card_of_an_open_request():
    console = decided(profile=HOLDS_UNTIL_CONFIRMED)
    events = play(console, f"vt-medewerker: /casus sluiten {N1} reden: gezin verhuisd naar het buitenland")
    updates = [e for e in events if e["kind"] == "update"]
    assert len(updates) == 1 and updates[0]["buttons"] == [] and "ingetrokken" in updates[0]["text"]


def test_two_gemeenten_both_lokale_teams_must_confirm():
    console = decided(gemeente="Arnhem,Ede")
    events = play(console, "lt-ede-medewerker: klik bevestig")
    update = next(e for e in events if e["kind"] == "update")
    assert {b["action"] for b in update["buttons"]} == {"bevestig", "weiger", "document"}   # still waiting for Arnhem
    assert state(console, N1)["holders"] == [VT]
    events = play(console, "klok +1h\nlt-arnhem-medewerker: klik bevestig")
    assert [b["action"] for b in next(e for e in events if e["kind"] == "update")["buttons"]] == [
        "document", "toewijzen"]
    r = state(console, N1)
    assert (r["status"], r["holders"], r["ledger"][-1]["reason"]) == ("overgedragen", [LTA, LTE], "bevestiging")


# ---- dienst, monitoring ----------------------------------------------------------------------------------
def test_dienst_afgerond_after_onderzoek_needs_the_oordeel():
    console = decided("onderzoek middelzwaar")
    assert "oordeel" in refused(console, f"vt-medewerker: /casus dienst {N1} afgerond", "oordeel_verplicht", N1)
    refused(console, f"vt-medewerker: /casus dienst {N1} klaar", "dienst_afgerond_verwacht", N1)
    events = play(console, f"vt-medewerker: /casus dienst {N1} afgerond oordeel: kindermishandeling vastgesteld")
    assert next(e for e in events if e["buttons"])["buttons"][0]["value"] == f"{N1}:1"
    r = state(console, N1)
    assert (r["status"], r["holders"], r["handovers"][0]["kind"]) == ("overdracht", [VT], "na_dienst")
    assert "oordeel_vt" in r["handovers"][0]["checklist"]


def test_monitoring_after_a_warme_overdracht():
    console = decided("vv zwaar")
    refused(console, f"vt-medewerker: /casus monitoring {N1} positief", "niet_in_status", N1)
    play(console, f"vt-medewerker: /casus dienst {N1} afgerond\nklok +1d\nlt-arnhem-medewerker: klik bevestig")
    r = state(console, N1)
    assert (r["status"], r["holders"]) == ("overgedragen", [LTA])     # monitoring is not holding
    assert sorted(d["ref"] for d in r["deadlines"] if d["kind"] == "monitoring") == ["12", "3"]
    assert [d["owner"] for d in r["deadlines"] if d["kind"] == "monitoring"] == [VT, VT]
    refused(console, f"vt-medewerker: /casus monitoring {N1} misschien", "monitoring_uitkomst", N1)
    events = play(console, f"vt-medewerker: /casus monitoring {N1} voorwaarden=ja directe-veiligheid=nee "
                           "stabiele-veiligheid=nee herstel=ja toelichting: afspraken niet nagekomen")
    assert any("niet op alle vier de vragen positief" in t for t in posts(events))
    assert any("beschermtafel" in t for t in posts(events))
    r = state(console, N1)        # 000 §5.2.7 "vaker als nodig": a moment at 6 months, before the one at 12
    assert [(d["ref"], d["state"]) for d in r["deadlines"] if d["kind"] == "monitoring"] == [
        ("3", "gehaald"), ("12", "open"), ("6", "open")]
    events = play(console, f"vt-medewerker: /casus monitoring {N1} 2025-05-27 positief")
    assert any("monitoring van VT-2025-0001 door Veilig Thuis is beëindigd" in t for t in posts(events))
    r = state(console, N1)        # all four positive: monitoring ends (the moment at 12 months is not needed)
    assert [(d["ref"], d["state"]) for d in r["deadlines"] if d["kind"] == "monitoring"] == [
        ("3", "gehaald"), ("12", "vervallen"), ("6", "gehaald")]
    assert [x["kind"] for x in facts(r)] == ["dienst_afgerond", "monitoring", "monitoring"]
    refused(console, f"vt-medewerker: /casus monitoring {N1} positief", "geen_monitoring", N1)


# ---- contact, huisverbod, stagnatie, status, sluiten ---------------------------------------------------
def test_contact_by_the_lokaal_team_meets_the_first_contact_term():
    console = decided()
    refused(console, f"lt-arnhem-medewerker: /casus contact {N1} 2025-06-30", "datum_in_toekomst", N1)
    refused(console, f"lt-arnhem-medewerker: /casus contact {N1} 2025-05-01", "datum_voor_melding", N1)
    events = play(console, f"lt-arnhem-medewerker: /casus contact {N1} 2025-05-26")
    assert "Lokaal team Arnhem had op maandag 26 mei 2025 contact" in posts(events)[0]
    r = state(console, N1)
    assert deadline(r, "eerste_contact", LTA)["state"] == "gehaald"
    assert [(x["kind"], x["org"]) for x in facts(r)] == [("gezin_geinformeerd", VT), ("contact", LTA)]


def test_huisverbod_start_verlengd_advies_einde():
    console = decided("vv middelzwaar")
    refused(console, f"vt-medewerker: /casus huisverbod {N1} advies", "geen_huisverbod", N1)
    refused(console, f"vt-medewerker: /casus huisverbod {N1} begin", "huisverbod_soort", N1)
    events = play(console, f"vt-medewerker: /casus huisverbod {N1} start 2025-05-26")
    assert "Tijdelijk huisverbod" in posts(events)[0] and "Lokaal team Arnhem" in posts(events)[0]
    r = state(console, N1)
    assert deadline(r, "thv_lt_geinformeerd")["state"] == "gehaald"            # the post informs the LT (000 §6)
    assert (deadline(r, "thv_advies")["last_day"], deadline(r, "thv_einde")["last_day"]) == ("2025-06-02", "2025-06-04")
    refused(console, f"vt-medewerker: /casus huisverbod {N1} start", "huisverbod_loopt_al", N1)
    play(console, f"vt-medewerker: /casus huisverbod {N1} verlengd")
    assert deadline(state(console, N1), "thv_einde")["last_day"] == "2025-06-22"   # 28 days in total
    refused(console, f"vt-medewerker: /casus huisverbod {N1} verlengd", "huisverbod_al_verlengd", N1)
    play(console, f"vt-medewerker: /casus huisverbod {N1} advies")
    assert deadline(state(console, N1), "thv_advies")["state"] == "gehaald"
    events = play(console, f"vt-medewerker: /casus huisverbod {N1} einde")
    assert "beëindigd" in posts(events)[0]
    assert not [d for d in state(console, N1)["deadlines"] if d["kind"].startswith("thv") and d["state"] == "open"]
    refused(console, f"vt-medewerker: /casus huisverbod {N1} einde", "geen_huisverbod", N1)


def test_stagnatie_is_reported_by_an_involved_lokaal_team():
    console = decided()
    refused(console, f"lt-arnhem-medewerker: /casus stagnatie {N1}", "reden_ontbreekt", N1)
    events = play(console, f"lt-arnhem-medewerker: /casus stagnatie {N1} reden: geen reactie op drie belpogingen")
    assert "Stagnatie gemeld" in posts(events)[0] and "Lokaal team Arnhem" in posts(events)[0]
    assert [(x["kind"], x["org"]) for x in facts(state(console, N1))] == [("gezin_geinformeerd", VT),
                                                                            ("stagnatie", LTA)]


def test_status_answers_privately_and_is_audited():
    console = decided()
    before = state(console, N1)
    events = play(console, f"lt-arnhem-medewerker: /casus status {N1}")
    text = only_answer(events, "lt-arnhem-medewerker")
    assert "Zicht op veiligheid: **Lokaal team Arnhem**" in text and "bevestiging van de overdracht" in text
    assert state(console, N1) == before
    assert last_audit(console, N1) == ("lt-arnhem-medewerker", "/casus status", "ok")
    assert "bestaat niet" in only_answer(play(console, "vt-medewerker: /casus status VT-2025-0099"), "vt-medewerker")


def test_sluiten_needs_a_reason_and_ends_zicht_op_veiligheid():
    console = decided(profile=HOLDS_UNTIL_CONFIRMED)
    refused(console, f"vt-medewerker: /casus sluiten {N1}", "reden_ontbreekt", N1)
    events = play(console, f"vt-medewerker: /casus sluiten {N1} reden: stabiele veiligheid bereikt")
    texts = posts(events)
    assert "Dit verzoek is ingetrokken." in texts[0] and "is gesloten" in texts[1]   # the card, then the news
    r = state(console, N1)
    assert (r["status"], r["holders"], r["closed_reason"]) == ("gesloten", [], "stabiele veiligheid bereikt")
    assert r["ledger"][-1]["end"] == r["closed_at"] and r["handovers"][0]["state"] == "ingetrokken"
    refused(console, f"vt-medewerker: /casus stagnatie {N1} reden: toch nog iets", "casus_gesloten", N1)


# ---- help, agenda, klok ------------------------------------------------------------------------------
@pytest.mark.parametrize("topic", HELP_TOPICS)
def test_help_for_every_topic(topic):
    console = make_console()
    text = only_answer(play(console, f"lt-ede-medewerker: /casus help {topic}"), "lt-ede-medewerker")
    expected = {"agenda": "/tafel agenda", "overzicht": "/tafel overzicht", "rapport": "/tafel rapport",
                "knoppen": "Bevestig overdracht"}.get(topic, f"/casus {topic}")
    assert text.startswith(f"`{expected}") and "Voorbeeld:" in text


def test_help_overview_and_unknown_topic():
    console = make_console()
    text = only_answer(play(console, "gemeente-ede: /casus"), "gemeente-ede")
    assert text.count("• ") == len(HELP_TOPICS) and "alleen met casusnummers" in text
    assert "Triagetafel-bot" in only_answer(play(console, "vt-medewerker: /tafel help"), "vt-medewerker")
    text = only_answer(play(console, "vt-medewerker: /casus help vakantie"), "vt-medewerker")
    assert '"vakantie"' in text and "knoppen" in text


def test_agenda_per_gemeente_with_its_four_sections():
    console = make_console()
    play(console, """
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus nieuw Ede ontvangen=2025-05-19T10:00
        vt-medewerker: /casus nieuw Ede
        vt-medewerker: /casus besluit VT-2025-0003 lt licht gezin-geinformeerd
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit VT-2025-0004 lt licht gezin-geinformeerd
        klok +10m
        lt-ede-medewerker: klik weiger VT-2025-0003 reden: gezin is al in beeld bij de wijkteams
    """)
    text = only_answer(play(console, "vt-medewerker: /tafel agenda"), "vt-medewerker")
    arnhem, ede = text.split("**Arnhem**")[1].split("**Ede**")
    assert "Nieuwe meldingen:\n• VT-2025-0001" in arnhem and "VT-2025-0002" not in arnhem
    assert "Overdrachten die wachten op bevestiging:\n• VT-2025-0004: wacht op Lokaal team Arnhem" in arnhem
    assert "Triagetermijn verloopt (bijna):\n• VT-2025-0002: uiterlijk maandag 26 mei 2025" in ede
    assert "Geweigerde overdrachten:\n• VT-2025-0003: geweigerd door Lokaal team Ede — gezin is al in beeld" in ede
    assert "VT-2025-0001" not in ede
    lt_text = only_answer(play(console, "lt-ede-medewerker: /tafel agenda"), "lt-ede-medewerker")
    assert "**Arnhem**" not in lt_text and "VT-2025-0003" in lt_text
    later = only_answer(play(console, "vt-medewerker: /tafel agenda 2025-06-10"), "vt-medewerker")
    assert "dinsdag 10 juni 2025" in later and "VERLOPEN" in later


def test_klok_lets_the_triage_term_lapse_and_vt_holds_from_its_end():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem ontvangen=2025-05-26T08:00")
    events = play(console, "klok +6wd")
    overrun = [e for e in events if e["kind"] == "post" and "Triagetermijn overschreden" in e["text"]]
    # the term ended at midnight; the clock's post waits for the working day (not 00:00)
    assert len(overrun) == 1 and datetime.fromisoformat(overrun[0]["at"]) == datetime(2025, 6, 4, 9, tzinfo=AMS)
    assert "vt-leidinggevende" in [e["to"] for e in events if e["kind"] == "dm"]   # Hemelvaartsdag skipped
    r = state(console, N1)
    assert r["holders"] == [VT] and r["ledger"][0]["reason"] == "triagetermijn_overschreden"
    assert r["ledger"][0]["start"] == deadline(r, "triage")["due"] and deadline(r, "triage")["state"] == "verlopen"
    assert last_audit(console, N1) == ("triagebot", "klok", "ok")


# ---- escalation: pauzeer, hervat, 'Ik pak dit op' (who may: test_access.py) ---------------------------
def test_pauzeer_and_hervat_by_a_leidinggevende():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem\nklok +1h")
    lg = "vt-leidinggevende"
    refused(console, f"{lg}: /casus pauzeer {N1}", "reden_ontbreekt", N1)
    events = play(console, f"{lg}: /casus pauzeer {N1} reden: wachten op de Raad")
    assert "Termijnen gepauzeerd" in posts(events)[0] and "gepauzeerd" in only_answer(events, lg)
    refused(console, f"{lg}: /casus pauzeer {N1} reden: nog eens", "geen_termijnen_om_te_pauzeren", N1)
    due = datetime.fromisoformat(deadline(state(console, N1), "triage")["due"])
    events = play(console, f"klok +1d\n{lg}: /casus hervat {N1}")
    assert "lopen weer" in posts(events)[-1] and last_audit(console, N1) == (lg, "/casus hervat", "ok")
    assert datetime.fromisoformat(deadline(state(console, N1), "triage")["due"]) - due == timedelta(days=1)
    refused(console, f"{lg}: /casus hervat {N1}", "niet_gepauzeerd", N1)


def test_ik_pak_dit_op_stops_the_escalation_of_a_stagnation():
    console = decided()
    events = play(console, f"lt-arnhem-medewerker: /casus stagnatie {N1} reden: afspraken lopen vast")
    buttons = {e["to"]: e["buttons"][0]["value"] for e in events if e["kind"] == "dm" and e["buttons"]}
    assert set(buttons) == {"vt-leidinggevende", "lt-arnhem-leidinggevende"}
    assert sum("Opgeschaald" in t for t in posts(events)) == 2
    answer = console.bot.click(Click("lt-arnhem-leidinggevende", "oppakken", buttons["lt-arnhem-leidinggevende"]))
    assert answer[0].text.startswith("Vastgelegd") and "pakt de opschaling" in posts(console.platform.events)[-1]
    taken = [d for d in state(console, N1)["deadlines"] if d["kind"] == "stagnatie" and d["owner"] == LTA]
    assert [d["state"] for d in taken] == ["gehaald"]
    answer = console.bot.click(Click("lt-arnhem-gedragswetenschapper", "oppakken", buttons["lt-arnhem-leidinggevende"]))
    assert last_audit(console, N1)[2] == "geweigerd:al_opgepakt" and "Leidinggevende" in answer[0].text
