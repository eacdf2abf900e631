"""After the handover (issue 13): who holds the casusregie, and closing a case together.

000 §7.1, §7.3, §7.4; 002 §2 h, §6.1, §6.3; 003 §2.2 fn 6. Each test plays a case on the console as people
would and looks at what the administrator's report (`casus show`) and the channel say.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import answers, make_console, play, posts, show

N1 = "VT-2025-0001"
VT, LTA, LTE = "vt-gelderland-midden", "lt-arnhem", "lt-ede"
STABLE = "geen-incidenten risicofactoren herstel"
NOT_POSITIVE = "voorwaarden=ja directe-veiligheid=nee stabiele-veiligheid=nee herstel=ja"


def report(console, number: str = N1) -> dict[str, Any]:
    r = show(console, number)
    assert r is not None
    return {k: v for k, v in r.items() if k != "audit"}


def refused(console, line: str, key: str, number: str = N1) -> str:
    """Answered privately to who typed it, audited as refused with `key`, and nothing changed."""
    who, before = line.split(":")[0], report(console, number)
    events = play(console, line)
    assert [e["kind"] for e in events] == ["ephemeral"], events
    assert report(console, number) == before
    audit = [a for a in show(console, number)["audit"] if a["action"] != "casus show"]
    assert audit[-1]["outcome"] == f"geweigerd:{key}"
    return answers(events, who)[0]


def handed_over(profile: str = "gelderland-midden", *, via: str = "vv", flags: str = "") -> Any:
    """A case handed over to Lokaal team Arnhem: after a dienst (warm, monitoring follows) or directly."""
    console = make_console(profile)
    play(console, f"vt-medewerker: /casus nieuw Arnhem {flags}\nklok +10m")
    if via == "lt":
        play(console, f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd\nklok +10m\n"
                      f"lt-arnhem-medewerker: klik bevestig")
    else:
        play(console, f"vt-medewerker: /casus besluit {N1} {via}\nklok +1d\n"
                      f"vt-medewerker: /casus dienst {N1} afgerond oordeel: huiselijk geweld vastgesteld\n"
                      "klok +1h\nlt-arnhem-medewerker: klik bevestig")
    assert report(console)["status"] == "overgedragen"
    return console


# ---- casusregie (000 §7.3) -------------------------------------------------------------------------------
def test_vt_has_the_casusregie_from_the_melding_and_the_lokaal_team_from_the_handover():
    console = handed_over(via="vv")
    regie = report(console)["regie_ledger"]
    assert [(e["holders"], e["reason"]) for e in regie] == [([VT], "melding"), ([LTA], "bevestiging")]
    assert regie[0]["end"] == regie[1]["start"] and regie[1]["end"] is None
    text = answers(play(console, f"lt-arnhem-medewerker: /casus status {N1}"))[0]
    assert "Zicht op veiligheid: **Lokaal team Arnhem**" in text and "Casusregie: **Lokaal team Arnhem**" in text


def test_a_lokaal_team_already_involved_keeps_the_casusregie_while_vt_holds_zicht():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem lt-betrokken\nvt-medewerker: /casus besluit {N1} vv")
    r = report(console)
    assert (r["holders"], r["regie"]) == ([VT], [LTA])        # VT does its dienst, the team keeps the regie
    assert r["regie_ledger"][0]["reason"] == "lt_al_betrokken"
    text = answers(play(console, f"vt-medewerker: /casus status {N1}"))[0]
    assert "Casusregie: **Lokaal team Arnhem**" in text and "was al betrokken" in text


def test_a_refused_handover_gives_the_casusregie_back_to_vt_unless_the_team_had_it_already():
    console = make_console()          # Gelderland-Midden: placing is the moment, so regie moved with zicht
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd")
    assert report(console)["regie"] == [LTA]
    play(console, "klok +1h\nlt-arnhem-medewerker: klik weiger reden: hoort bij een ander team")
    assert (report(console)["holders"], report(console)["regie"]) == ([VT], [VT])
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem lt-betrokken\n"
                  f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd\n"
                  "klok +1h\nlt-arnhem-medewerker: klik weiger reden: wij doen dit al in ons eigen traject")
    assert (report(console)["holders"], report(console)["regie"]) == ([VT], [LTA])


# ---- closing: VT alone only what it holds ------------------------------------------------------------
@pytest.mark.parametrize("via", ["lt", "vv"])
def test_vt_cannot_close_a_case_the_lokaal_team_holds(via):
    console = handed_over(via=via)
    text = refused(console, f"vt-medewerker: /casus sluiten {N1} reden: klaar bij ons", "zicht_bij_ander")
    assert "Lokaal team Arnhem heeft zicht op veiligheid en de casusregie" in text and "afsluiten" in text
    assert report(console)["holders"] == [LTA]


def test_vt_closes_alone_what_it_holds():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} vv\nklok +1d\n"
                  f"vt-medewerker: /casus sluiten {N1} reden: melding ingetrokken, geen zorgen")
    r = report(console)
    assert (r["status"], r["regie"], r["holders"]) == ("gesloten", [], [])
    assert r["regie_ledger"][-1]["end"] == r["closed_at"] == r["ledger"][-1]["end"]


# ---- closing together (000 §7.1, §7.3; 002 §6) ---------------------------------------------------------
def test_stabiele_veiligheid_is_three_criteria_not_a_free_word():
    console = handed_over(via="lt")
    text = refused(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} geen-incidenten herstel",
                   "stabiele_veiligheid_onvolledig")
    assert "risicofactoren zijn aangepakt" in text
    refused(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} stabiel", "onbekend_criterium")
    refused(console, f"vt-medewerker: /casus afsluiten {N1} {STABLE}", "niet_de_regiehouder")
    refused(console, f"lt-ede-medewerker: /casus afsluiten {N1} {STABLE}", "geen_toegang")


def test_an_incident_in_the_last_six_months_contradicts_stabiele_veiligheid():
    console = handed_over(via="vv")
    play(console, f"klok +3wd\nvt-medewerker: /casus monitoring {N1} {NOT_POSITIVE} toelichting: niet nagekomen")
    refused(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}", "incident_te_recent")
    play(console, "klok +6wd")
    refused(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}", "incident_te_recent")
    play(console, "klok +180d")       # more than six months after the negative moment
    play(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}")
    assert report(console)["records"][-1]["kind"] == "afsluiting_voorstel"


def test_closing_together_during_monitoring_informs_vt_and_ends_the_monitoring():
    console = handed_over(via="vv")          # Gelderland-Midden: allowed, in agreement with VT (000 §7.4)
    assert [d["kind"] for d in report(console)["deadlines"] if d["state"] == "open"] == ["monitoring", "monitoring"]
    events = play(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE} toelichting: het gaat goed")
    card = next(e for e in events if e["buttons"])
    assert [b["action"] for b in card["buttons"]] == ["akkoord"]
    assert "De monitoring door Veilig Thuis loopt nog" in card["text"] and "Veilig Thuis, stemt u in?" in card["text"]
    assert report(console)["status"] == "overgedragen" and report(console)["regie"] == [LTA]   # nothing closed yet
    refused(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} akkoord", "alleen_vt_stemt_in")
    refused(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}", "voorstel_loopt_al")
    events = play(console, "vt-medewerker: klik Akkoord: casus afsluiten")
    r = report(console)
    assert (r["status"], r["closed_reason"], r["regie"], r["holders"]) == ("gesloten", "stabiele_veiligheid", [], [])
    assert all(d["state"] == "vervallen" for d in r["deadlines"] if d["kind"] == "monitoring")
    texts = posts(events)
    assert any("De monitoring van VT-2025-0001 door Veilig Thuis is beëindigd" in t for t in texts)  # 000 §7.4
    assert next(e for e in events if e["kind"] == "update")["buttons"] == []


def test_vt_can_say_no_with_a_reason_and_an_old_button_does_nothing():
    console = handed_over(via="lt")
    play(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}")
    refused(console, f"vt-medewerker: /casus afsluiten {N1} niet-akkoord", "reden_ontbreekt")
    events = play(console, f"vt-medewerker: /casus afsluiten {N1} niet-akkoord reden: eerst het evaluatiegesprek")
    assert any("stemt niet in" in t and "eerst het evaluatiegesprek" in t for t in posts(events))
    assert (report(console)["status"], report(console)["regie"]) == ("overgedragen", [LTA])
    play(console, f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}")   # a new proposal, a new button
    from commands.model import Click
    first = 1 + next(i for i, r in enumerate(report(console)["records"]) if r["kind"] == "afsluiting_voorstel")
    reply = console.bot.click(Click("vt-medewerker", "akkoord", f"{N1}:r{first}"))   # the first proposal's button
    assert "geen voorstel" in reply[0].text and report(console)["status"] == "overgedragen"
    play(console, f"vt-medewerker: /casus afsluiten {N1} akkoord")
    assert report(console)["status"] == "gesloten"


@pytest.mark.parametrize("profile, closes", [("gelderland-midden", True), ("zuid-limburg", False)])
def test_structural_unsafety_during_monitoring_closes_only_where_the_region_allows(profile, closes):
    console = handed_over(profile, via="vv", flags="signalen=structureel")
    line = f"lt-arnhem-medewerker: /casus afsluiten {N1} {STABLE}"
    if closes:
        play(console, f"{line}\nvt-medewerker: /casus afsluiten {N1} akkoord")
        assert report(console)["status"] == "gesloten"
    else:   # 002 §2 h: not straight after the beschikking while VT monitors
        assert "zolang Veilig Thuis monitort" in refused(console, line, "niet_afsluiten_tijdens_monitoring")


# ---- the dienst's term (003 §2.2 fn 6) -------------------------------------------------------------
def test_a_dienst_has_ten_weeks_and_its_lapse_escalates_at_vt():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} onderzoek")
    term = next(d for d in report(console)["deadlines"] if d["kind"] == "dienst")
    assert (term["owner"], term["last_day"], term["state"]) == (VT, "2025-08-04", "open")   # 26 May + 10 weeks
    events = play(console, "klok 2025-08-05T09:00")
    assert next(d for d in report(console)["deadlines"] if d["kind"] == "dienst")["state"] == "verlopen"
    assert any(e["kind"] == "dm" and e["to"] == "vt-medewerker" and "oordeel van Veilig Thuis na de dienst" in e["text"]
               for e in events)
    play(console, f"vt-medewerker: /casus dienst {N1} afgerond oordeel: geen huiselijk geweld vastgesteld")
    assert next(d for d in report(console)["deadlines"] if d["kind"] == "dienst")["state"] == "gehaald"


# ---- monitoring that acts (000 §5.2.7; 001 §4; 002 §5.2.6) -----------------------------------------------
@pytest.mark.parametrize("choice", ["ondersteuning", "beschermtafel"])
def test_support_or_the_beschermtafel_leave_zicht_with_the_lokaal_team(choice):
    console = handed_over(via="vv")
    refused(console, f"vt-medewerker: /casus monitoring {N1} vervolg {choice}", "geen_negatief_moment")
    play(console, f"klok +3wd\nvt-medewerker: /casus monitoring {N1} {NOT_POSITIVE}")
    events = play(console, f"vt-medewerker: /casus monitoring {N1} vervolg {choice} toelichting: samen besproken")
    r = report(console)
    assert (r["status"], r["holders"], r["regie"]) == ("overgedragen", [LTA], [LTA])
    assert (r["records"][-1]["kind"], r["records"][-1]["bron"]) == ("monitoring_vervolg", choice)
    assert any("blijven bij het lokale team" in t for t in posts(events))
    refused(console, f"vt-medewerker: /casus monitoring {N1} vervolg vv", "geen_negatief_moment")   # chosen once


@pytest.mark.parametrize("choice", ["vv", "onderzoek"])
def test_vt_takes_the_regie_back_with_a_dienst_and_hands_over_again(choice):
    console = handed_over(via="vv")
    play(console, f"klok +3wd\nvt-medewerker: /casus monitoring {N1} {NOT_POSITIVE}")
    refused(console, f"lt-arnhem-medewerker: /casus monitoring {N1} vervolg {choice}", "alleen_vt")
    play(console, f"vt-medewerker: /casus monitoring {N1} vervolg {choice} toelichting: nieuwe zorgen")
    r = report(console)
    assert (r["status"], r["route"], r["holders"], r["regie"]) == ("dienst", choice, [VT], [VT])
    assert (r["ledger"][-1]["reason"], r["regie_ledger"][-1]["reason"]) == ("regie_hernomen", "regie_hernomen")
    open_terms = [d["kind"] for d in r["deadlines"] if d["state"] in ("open", "verlopen")]
    assert open_terms == ["dienst"]                                      # monitoring stopped, the dienst runs
    play(console, f"klok +2wd\nvt-medewerker: /casus dienst {N1} afgerond oordeel: zorgen bevestigd\n"
                  "klok +1h\nlt-arnhem-medewerker: klik bevestig")
    r = report(console)
    assert (r["status"], r["holders"], r["regie"]) == ("overgedragen", [LTA], [LTA])
    assert [h["kind"] for h in r["handovers"]] == ["na_dienst", "na_dienst"]
    assert sorted(d["ref"] for d in r["deadlines"] if d["kind"] == "monitoring" and d["state"] == "open") == [
        "12", "3"]                                                       # monitoring starts again


@pytest.mark.parametrize("profile, skipped", [("zuid-limburg", True), ("gelderland-midden", False)])
def test_monitoring_is_skipped_only_where_the_region_allows(profile, skipped):
    console = make_console(profile)
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} vv\nklok +1d")
    line = f"vt-medewerker: /casus dienst {N1} afgerond zonder-monitoring oordeel: dossier kan sluiten"
    if not skipped:
        refused(console, line, "monitoring_verplicht")
        return
    events = play(console, f"{line}\nklok +1h\nlt-arnhem-medewerker: klik bevestig")
    assert any("Veilig Thuis monitort na de overdracht niet" in t for t in posts(events))
    r = report(console)
    assert r["status"] == "overgedragen" and not [d for d in r["deadlines"] if d["kind"] == "monitoring"]


# ---- when the lokaal team cannot get in (000 bijlage 2) ------------------------------------------------
def test_the_lokaal_team_asks_vt_for_a_gezamenlijke_weging_and_vt_must_answer():
    console = handed_over(via="lt")
    refused(console, f"vt-medewerker: /casus weging {N1} reden: niet binnen", "alleen_lokaal_team_met_zicht")
    refused(console, f"lt-arnhem-medewerker: /casus weging {N1} uitkomst advies", "geen_weging_open")
    events = play(console, f"lt-arnhem-medewerker: /casus weging {N1} reden: drie keer aangebeld, deur blijft dicht")
    post = next(t for t in posts(events) if "Gezamenlijke weging gevraagd" in t)
    assert "Veilig Thuis (het regioteam)" in post and "uitkomst <sluiten|advies|vv>" in post
    term = next(d for d in report(console)["deadlines"] if d["kind"] == "weging")
    assert (term["owner"], term["state"]) == (VT, "open")
    refused(console, f"lt-arnhem-medewerker: /casus weging {N1} reden: nog eens", "weging_loopt_al")
    events = play(console, "klok +6wd")                             # VT did not answer: the ladder, as any term
    assert any(e["kind"] == "dm" and e["to"] == "vt-medewerker" and "gezamenlijke weging" in e["text"]
               for e in events)


@pytest.mark.parametrize("outcome, status, holders", [("advies", "overgedragen", [LTA]), ("vv", "dienst", [VT]),
                                                      ("sluiten", "gesloten", [])])
def test_each_outcome_of_the_weging_does_what_it_says(outcome, status, holders):
    console = handed_over(via="lt")
    play(console, f"lt-arnhem-medewerker: /casus weging {N1} reden: deur blijft dicht\n"
                  f"vt-medewerker: /casus weging {N1} uitkomst {outcome} toelichting: samen besloten")
    r = report(console)
    assert (r["status"], r["holders"], r["regie"]) == (status, holders, holders)
    assert next(d for d in r["deadlines"] if d["kind"] == "weging")["state"] == "gehaald"
    if outcome == "vv":
        assert (r["route"], r["ledger"][-1]["reason"]) == ("vv", "weging_vv")
        assert [d["kind"] for d in r["deadlines"] if d["state"] == "open"] == ["dienst"]
    if outcome == "sluiten":
        assert r["closed_reason"] == "gezamenlijke_weging"


def test_no_agreement_goes_to_the_gedragswetenschappers_of_both():
    console = handed_over(via="lt")
    play(console, f"lt-arnhem-medewerker: /casus weging {N1} reden: deur blijft dicht")
    events = play(console, f"vt-medewerker: /casus weging {N1} oneens reden: VT wil sluiten, het team niet")
    dms = {e["to"] for e in events if e["kind"] == "dm"}
    assert dms == {"vt-gedragswetenschapper", "lt-arnhem-gedragswetenschapper"}   # not (yet) the leidinggevenden
    r = report(console)
    assert (r["status"], r["holders"]) == ("overgedragen", [LTA])
    assert (r["records"][-1]["kind"], r["records"][-1]["bron"]) == ("stagnatie", "weging")
    play(console, f"lt-arnhem-medewerker: /casus weging {N1} reden: weer niet binnen")   # a new weging may follow
    assert report(console)["records"][-1]["kind"] == "weging_gevraagd"


def test_the_administrators_report_shows_casusregie_monitoring_answers_and_the_weging():
    from bot.inspect import render_report
    from bot.render import Renderer

    console = handed_over(via="vv")
    play(console, f"klok +3wd\nvt-medewerker: /casus monitoring {N1} {NOT_POSITIVE} toelichting: nog zorgen\n"
                  f"lt-arnhem-medewerker: /casus weging {N1} reden: deur blijft dicht")
    r = show(console, N1)
    assert r["regie"] == [LTA] and [e["holders"] for e in r["regie_ledger"]] == [[VT], [LTA]]
    moment = next(x for x in r["records"] if x["kind"] == "monitoring")
    assert moment["bron"] == NOT_POSITIVE.replace(" ", ",") and moment["tekst"] == "nog zorgen"
    assert next(x for x in r["records"] if x["kind"] == "weging_gevraagd")["tekst"] == "deur blijft dicht"
    text = render_report(r, Renderer(console.bot.directory, "console"))
    assert "Casusregie nu: Lokaal team Arnhem" in text
    assert "monitoringsmoment (Veilig Thuis Gelderland-Midden): voorwaarden=ja,directe-veiligheid=nee" in text
    assert "gezamenlijke weging gevraagd (Lokaal team Arnhem) — deur blijft dicht" in text
