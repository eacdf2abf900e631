"""The handover itself (issue 13): the signals as they are now, the tenzij list of 001 §1.

Each test plays a case on the console and reads the administrator's report (`casus show`).
"""

from __future__ import annotations

import pytest

from tests.harness import answers, make_console, play, posts, show

N1 = "VT-2025-0001"


def report(console, number: str = N1) -> dict:
    r = show(console, number)
    assert r is not None
    return {k: v for k, v in r.items() if k != "audit"}


def last_audit(console, number: str = N1) -> tuple[str, str]:
    entry = [a for a in show(console, number)["audit"]
             if a["action"] != "casus show" and not a["action"].startswith("kanaal_lid")][-1]
    return entry["action"], entry["outcome"]


def test_signals_change_after_registration_and_the_rules_follow_them():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem signalen=acuut")
    play(console, f"vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd")
    assert report(console)["status"] == "triage"                         # acute: VT keeps the case
    events = play(console, f"vt-medewerker: /casus signaal {N1} -acuut +letsel")
    assert any("eraf: acute onveiligheid" in t and "erbij: letsel" in t for t in posts(events))
    r = report(console)
    assert r["signals"] == ["letsel"]
    assert (r["records"][-1]["kind"], r["records"][-1]["bron"]) == ("signalen", "+letsel,-acuut")
    assert last_audit(console) == ("/casus signaal", "ok")
    play(console, f"vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd")   # letsel: no reason to keep it in GM
    assert report(console)["status"] == "overdracht"


def test_only_vt_changes_signals_and_a_change_that_changes_nothing_is_refused():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem signalen=letsel")
    before = report(console)
    text = answers(play(console, f"lt-arnhem-medewerker: /casus signaal {N1} -letsel"))[0]
    assert "Alleen Veilig Thuis" in text and report(console) == before
    for line, key in ((f"/casus signaal {N1} +letsel", "signalen_ongewijzigd"),
                      (f"/casus signaal {N1} +acuut -acuut", "signaal_dubbel"),
                      (f"/casus signaal {N1} +kwijt", "onbekend_signaal"),
                      (f"/casus signaal {N1}", "signaal_ontbreekt")):
        play(console, f"vt-medewerker: {line}")
        assert last_audit(console) == ("/casus signaal", f"geweigerd:{key}") and report(console) == before


@pytest.mark.parametrize("signal, route, key", [
    ("geen-hulp-nodig", "lt", "geen_hulp_nodig"),        # needs no help: close, not hand over (001 §1)
    ("geen-hulp-gewenst", "lt", "vt_houdt_casus"),       # wants no help from outside: VT keeps it (001 §1)
    ("multiprobleem", "lt", "vt_houdt_casus"),           # a multiproblematische leefsituatie (001 §1)
])
def test_the_tenzij_list_of_noord_oost_gelderland_is_complete(signal, route, key):
    console = make_console("noord-oost-gelderland")
    play(console, f"vt-medewerker: /casus nieuw Arnhem signalen={signal}\nvt-medewerker: /casus besluit {N1} {route}")
    assert last_audit(console) == ("/casus besluit", f"geweigerd:{key}") and report(console)["status"] == "triage"
    play(console, f"vt-medewerker: /casus besluit {N1} {'geen' if signal == 'geen-hulp-nodig' else 'vv'}")
    assert report(console)["status"] in ("gesloten", "dienst")


def test_forcing_a_handover_over_no_help_needed_is_said_with_its_reason():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem signalen=geen-hulp-nodig")
    events = play(console, f"vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd "
                           "forceer reden: het gezin vraagt zelf om hulp")
    decision = next(t for t in posts(events) if t.startswith("**Triagebesluit"))
    assert "het signaal dat het gezin geen hulp van buitenaf nodig heeft" in decision
    assert report(console)["override"] == {"reason": "het gezin vraagt zelf om hulp", "rules": ["geen_hulp_nodig"]}


# ---- the overdrachtsdocument (000 §5.1.2; 001 §1, §3) ---------------------------------------------------
@pytest.mark.parametrize("profile, first", [("noord-oost-gelderland", True), ("gelderland-midden", False)])
def test_the_document_is_ticked_as_sent_and_where_the_region_says_it_comes_before_the_confirmation(profile, first):
    console = make_console(profile)
    events = play(console, f"vt-medewerker: /casus nieuw Arnhem\n"
                           f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd")
    card = next(e for e in events if e["buttons"])
    assert "☐ inhoud van de melding" in card["text"] and "nog niet verstuurd" in card["text"]
    play(console, f"lt-arnhem-medewerker: klik bevestig {N1}")
    assert (report(console)["status"] == "overdracht") is first          # NOG: not before the document
    if first:
        assert last_audit(console) == ("klik:bevestig", "geweigerd:document_nog_niet_verstuurd")
    play(console, f"lt-arnhem-medewerker: klik document {N1}")             # only VT records it
    assert last_audit(console) == ("klik:document", "geweigerd:alleen_vt")
    events = play(console, f"vt-medewerker: klik Document verstuurd {N1}")
    update = next(e for e in events if e["kind"] == "update")
    assert "✔ inhoud van de melding" in update["text"] and "Overdrachtsdocument verstuurd door" in update["text"]
    assert "document" not in [b["action"] for b in update["buttons"]]
    assert (report(console)["records"][-1]["kind"], report(console)["records"][-1]["by"]) == (
        "document_verstuurd", "vt-medewerker")
    play(console, f"lt-arnhem-medewerker: /casus bevestig {N1} afspraak=2025-06-06")   # NOG: with the appointment
    assert report(console)["status"] == "overgedragen"


# ---- VT tells the family first (000 §5.1; 001 §1; 002 §5.1) ------------------------------------------------
def test_a_directe_overdracht_waits_until_vt_told_the_family_or_said_why_not():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    play(console, f"vt-medewerker: /casus besluit {N1} lt licht")
    assert last_audit(console) == ("/casus besluit", "geweigerd:gezin_niet_geinformeerd")
    assert report(console)["status"] == "triage" and report(console)["route"] is None     # nothing recorded
    play(console, f"vt-medewerker: /casus geinformeerd {N1} niet")
    assert last_audit(console) == ("/casus geinformeerd", "geweigerd:reden_verplicht")
    events = play(console, f"vt-medewerker: /casus geinformeerd {N1} niet reden: gezin onbereikbaar, brief volgt")
    assert any("niet vooraf over de overdracht verteld: gezin onbereikbaar" in t for t in posts(events))
    play(console, f"vt-medewerker: /casus besluit {N1} lt licht")
    assert report(console)["status"] == "overdracht"


def test_telling_the_family_can_be_part_of_the_decision_and_is_said_in_its_post():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd")
    decision = next(t for t in posts(events) if t.startswith("**Triagebesluit"))
    assert "Veilig Thuis heeft het gezin verteld dat de casus overgaat" in decision
    assert [r["kind"] for r in report(console)["records"]] == ["toewijzing", "gezin_geinformeerd"]   # + registrant
    assert not any(t.startswith("Veilig Thuis (@") for t in posts(events))     # said once, in the decision


def test_a_warm_handover_after_a_dienst_does_not_ask_it():
    console = make_console()                       # the family is in the conversation itself (001 §3)
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} vv\n"
                  f"vt-medewerker: /casus dienst {N1} afgerond")
    assert report(console)["status"] == "overdracht"


# ---- the appointment with the family at the confirmation (001 §1) --------------------------------------
@pytest.mark.parametrize("profile, appointment, last_day", [
    ("noord-oost-gelderland", "2025-06-10", "2025-06-10"),   # NOG: the appointment is the first-contact term
    ("flevoland", "2025-06-03", "2025-06-03"),               # sooner than the region's 14 days: the appointment
    ("flevoland", "2025-07-30", "2025-06-09"),               # later: the region's own term still holds
])
def test_the_appointment_made_at_the_confirmation_is_the_first_contact_term(profile, appointment, last_day):
    console = make_console(profile)            # Monday 26 May 2025
    play(console, f"vt-medewerker: /casus nieuw Arnhem\n"
                  f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd\n"
                  f"vt-medewerker: /casus document {N1}")
    if profile == "noord-oost-gelderland":
        play(console, f"lt-arnhem-medewerker: klik bevestig {N1}")
        assert last_audit(console) == ("klik:bevestig", "geweigerd:afspraak_ontbreekt")
    play(console, f"lt-arnhem-medewerker: /casus bevestig {N1} afspraak={appointment}")
    r = report(console)
    assert r["status"] == "overgedragen"
    assert r["handovers"][0]["confirmations"][0]["by"] == "lt-arnhem-medewerker"
    assert [d["last_day"] for d in r["deadlines"] if d["kind"] == "eerste_contact"] == [last_day]


def test_only_an_involved_organisation_may_type_a_confirmation():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd")
    play(console, f"lt-ede-medewerker: /casus bevestig {N1}")        # Ede is not in this case
    assert last_audit(console) == ("/casus bevestig", "geweigerd:geen_toegang")
    assert report(console)["status"] == "overdracht"
