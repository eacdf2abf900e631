"""The escalation ladder in simulated time, through the console: each rung at its moment, exactly once —
across a weekend, a public holiday and outside office hours — for each regional profile."""

from __future__ import annotations

from datetime import datetime

import pytest

from commands.model import Click
from models.calendar import AMS
from tests.harness import make_console, play, show


def moments(console, needle: str) -> list[tuple[str, str, str]]:
    """(local time, kind, where) of every delivered message containing `needle`."""
    out = []
    for e in console.platform.events:
        if e["kind"] in ("post", "dm") and needle in e["text"]:
            at = datetime.fromisoformat(e["at"]).astimezone(AMS).strftime("%a %d-%m %H:%M")
            out.append((at, e["kind"], e["channel"] or e["to"]))
    return out


CONFIRMATION = "bevestiging van de overdracht"

# Wed 4 June 2025: the lokaal team must confirm within 2 werkdagen (Thu 5, Fri 6); Monday 9 June is
# Tweede Pinksterdag. The lokaal team is reachable Mon-Fri 09:00-17:00 only.
DIRECT_HANDOVER = """
klok 2025-06-04T10:00
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd reden: gezin wil hulp
"""


def test_gelderland_midden_ladder_across_weekend_holiday_and_office_hours():
    c = make_console("gelderland-midden", start="2025-06-04T09:00")
    play(c, DIRECT_HANDOVER + "klok 2025-06-30T12:00")
    assert moments(c, "Herinnering voor Lokaal team Arnhem: " + CONFIRMATION) == [
        ("Fri 06-06 09:00", "post", "casus-2025-0001")]           # due Sat 00:00; the day before, at 09:00
    assert moments(c, "Termijn verlopen** in VT-2025-0001: " + CONFIRMATION) == [
        ("Tue 10-06 09:00", "post", "casus-2025-0001")]           # lapsed Sat 00:00; Mon is Pinksteren
    assert moments(c, 'De termijn "' + CONFIRMATION) == [("Tue 10-06 09:00", "dm", "lt-arnhem-medewerker")]
    assert moments(c, CONFIRMATION + " van Lokaal team Arnhem is verlopen") == [
        ("Wed 11-06 09:00", "dm", "lt-arnhem-leidinggevende")]    # after 1 werkdag (Tue 10)
    assert moments(c, "komt Lokaal team Arnhem de werkafspraken langdurig") == [
        ("Tue 24-06 09:00", "dm", "gemeente-arnhem")]             # after 10 werkdagen
    report = show(c, "VT-2025-0001")
    assert [(d["kind"], d["state"]) for d in report["deadlines"] if d["kind"] == "bevestiging"] == [
        ("bevestiging", "verlopen")]


def test_zuid_limburg_goes_to_the_gedragswetenschapper_first():
    c = make_console("zuid-limburg", start="2025-06-04T09:00")
    play(c, DIRECT_HANDOVER + "klok 2025-08-30T12:00")
    # 002 §2 i: the table's decision moved the case; a missing receipt is only a reminder to the receiver
    assert moments(c, "Herinnering voor Lokaal team Arnhem: " + CONFIRMATION) == [
        ("Fri 06-06 09:00", "post", "casus-2025-0001")]
    assert moments(c, CONFIRMATION + " van Lokaal team Arnhem is verlopen") == []
    # the first contact (3 weeks, 002 §2 f) climbs the ladder: the gedragswetenschapper first (002 §5.5)
    to_lead = moments(c, "eerste contact met het gezin van Lokaal team Arnhem is verlopen")
    assert [who for _, _, who in to_lead] == ["lt-arnhem-gedragswetenschapper", "lt-arnhem-leidinggevende"]
    # the rung to the gemeente starts its six-week answer term (002 §5.5)
    report = show(c, "VT-2025-0001")
    assert [(d["kind"], d["owner"]) for d in report["deadlines"] if d["kind"] == "gemeente_antwoord"] \
        == [("gemeente_antwoord", "gemeente-arnhem")]


def test_noord_oost_gelderland_gives_five_werkdagen_to_confirm():
    c = make_console("noord-oost-gelderland", start="2025-06-04T09:00")
    play(c, DIRECT_HANDOVER + "klok 2025-06-30T12:00")
    # Thu 5, Fri 6, Tue 10, Wed 11, Thu 12 → lapses Fri 13 00:00, announced at 09:00
    assert moments(c, "Termijn verlopen** in VT-2025-0001: " + CONFIRMATION) == [
        ("Fri 13-06 09:00", "post", "casus-2025-0001")]
    assert show(c, "VT-2025-0001")["holders"] == ["vt-gelderland-midden"]   # NOG: VT holds until confirmed


def test_vt_is_told_at_the_start_of_its_working_day_and_the_overrun_makes_vt_hold():
    c = make_console("gelderland-midden", start="2025-06-04T09:00")
    play(c, """
klok 2025-06-04T10:00
vt-medewerker: /casus nieuw Arnhem ontvangen=2025-06-04T09:30
klok 2025-06-20T12:00
""")
    # 5 werkdagen: Thu 5, Fri 6, Tue 10, Wed 11, Thu 12. VT is reachable 24/7 for crises, but a reminder or a
    # lapse notice waits for its working day (vt_werkdag, 08:30); a post in the channel also for the lokaal team's
    assert moments(c, "Herinnering voor Veilig Thuis") == [("Thu 12-06 09:00", "post", "casus-2025-0001")]
    assert moments(c, "Triagetermijn overschreden") == [("Fri 13-06 09:00", "post", "casus-2025-0001")]
    assert moments(c, "De triagetermijn van casus") == [("Fri 13-06 08:30", "dm", "vt-leidinggevende")]
    ledger = show(c, "VT-2025-0001")["ledger"]
    assert [(e["holders"], e["reason"], e["start"]) for e in ledger] == [   # VT holds from the term's end
        (["vt-gelderland-midden"], "triagetermijn_overschreden", "2025-06-12T22:00:00+00:00")]


def test_an_acute_case_reaches_the_lokaal_team_outside_office_hours():
    c = make_console("gelderland-midden", start="2025-06-04T09:00")
    play(c, """
klok 2025-06-04T10:00
vt-medewerker: /casus nieuw Arnhem signalen=acuut
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd forceer reden: acuut, team al bij het gezin
klok 2025-06-05T20:00
""")
    # acute: first contact at once (4 hours), and the lapse reaches the lokaal team in the evening
    assert moments(c, "Termijn verlopen** in VT-2025-0001: eerste contact") == [
        ("Wed 04-06 14:00", "post", "casus-2025-0001")]


@pytest.mark.parametrize("profile", ["gelderland-midden", "zuid-limburg"])
def test_each_rung_arrives_exactly_once_however_often_the_clock_runs(profile):
    c = make_console(profile, start="2025-06-04T09:00")
    play(c, DIRECT_HANDOVER + "klok 2025-06-11T09:00")
    before = list(c.platform.events)
    for _ in range(5):
        c.bot.tick()
    assert c.platform.events == before


def test_taking_up_an_escalation_stops_the_ladder_and_is_recorded():
    c = make_console("gelderland-midden", start="2025-06-04T09:00")
    play(c, DIRECT_HANDOVER + "klok 2025-06-11T10:00")
    # the button is in the leidinggevende's own direct message; others can only send its value (a forged request)
    value = c.platform.latest_button("casus-2025-0001", "oppakken", "VT-2025-0001", "lt-arnhem-leidinggevende")
    assert c.platform.latest_button("casus-2025-0001", "oppakken", "VT-2025-0001", "lt-ede-leidinggevende") is None
    answers = [a.text for who in ("lt-ede-leidinggevende", "lt-arnhem-medewerker")
               for a in c.bot.click(Click(who, "oppakken", value, None, "casus-2025-0001"))]
    events = play(c, """
lt-arnhem-leidinggevende: klik oppakken VT-2025-0001
lt-arnhem-leidinggevende: klik oppakken VT-2025-0001
klok 2025-07-15T10:00
""")
    answers += [e["text"] for e in events if e["kind"] == "ephemeral"]
    assert "alleen de leidinggevende of gedragswetenschapper daarvan" in answers[0]   # another organisation
    assert answers[1].startswith("Alleen een leidinggevende of gedragswetenschapper")  # not a lead
    assert answers[2].startswith("Vastgelegd: u pakt de opschaling")
    assert answers[3].startswith("Deze opschaling is al opgepakt door")
    # no gemeente rung for the confirmation any more (the first contact's own ladder still runs)
    assert moments(c, "niet na (" + CONFIRMATION) == []
    assert moments(c, "niet na (eerste contact met het gezin") == [("Thu 03-07 09:00", "dm", "gemeente-arnhem")]
    audit = [(a["actor"], a["action"], a["outcome"]) for a in show(c, "VT-2025-0001")["audit"]]
    assert ("lt-arnhem-leidinggevende", "klik:oppakken", "ok") in audit
    assert ("lt-ede-leidinggevende", "klik:oppakken", "geweigerd:niet_de_eigenaar") in audit


def test_a_refusal_goes_to_both_first_steps_when_they_are_at_work():
    c = make_console("zuid-limburg", start="2025-06-04T09:00")
    play(c, DIRECT_HANDOVER + """
klok 2025-06-04T17:30
lt-arnhem-medewerker: klik weiger VT-2025-0001 reden: hoort bij een ander wijkteam
klok 2025-06-06T12:00
""")
    # Zuid-Limburg: first the gedragswetenschappers (002 §5.5), each at the start of their working day
    dms = [m for m in moments(c, "Stagnatie in casus VT-2025-0001") if m[1] == "dm"]
    assert dms == [("Thu 05-06 08:30", "dm", "vt-gedragswetenschapper"),
                   ("Thu 05-06 09:00", "dm", "lt-arnhem-gedragswetenschapper")]


def test_a_paused_clock_does_not_escalate_and_shows_in_status_and_audit():
    c = make_console("gelderland-midden", start="2025-06-04T09:00")
    events = play(c, DIRECT_HANDOVER + """
klok 2025-06-05T10:00
lt-arnhem-medewerker: /casus pauzeer VT-2025-0001 reden: wachten op de Raad
lt-arnhem-leidinggevende: /casus pauzeer VT-2025-0001 reden: wachten op de Raad voor de Kinderbescherming
lt-arnhem-medewerker: /casus status VT-2025-0001
klok 2025-06-20T10:00
lt-arnhem-leidinggevende: /casus hervat VT-2025-0001
""")
    answers = [e["text"] for e in events if e["kind"] == "ephemeral"]
    assert answers[-4].startswith("Alleen een leidinggevende kan de termijnen pauzeren")
    assert "bevestiging van de overdracht — Lokaal team Arnhem, uiterlijk vrijdag 6 juni 2025 — gepauzeerd sinds " \
        "donderdag 5 juni 2025 10:00" in answers[-2]
    assert moments(c, "Termijn verlopen** in VT-2025-0001: " + CONFIRMATION) == []
    report = show(c, "VT-2025-0001")
    bevestiging = next(d for d in report["deadlines"] if d["kind"] == "bevestiging")
    # paused Thu 5 June 10:00 with the term to end Sat 00:00; resumed Fri 20 June 10:00: 15 days later
    assert bevestiging["state"] == "open" and bevestiging["last_day"] == "2025-06-21"
    assert ("lt-arnhem-leidinggevende", "/casus pauzeer", "ok") in [
        (a["actor"], a["action"], a["outcome"]) for a in report["audit"]]


def test_repeated_lapses_of_one_organisation_are_reported_to_the_gemeente_once():
    c = make_console("gelderland-midden", start="2025-06-02T09:00")
    script = "klok 2025-06-02T10:00\n"
    for n in range(1, 5):
        script += f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit VT-2025-{n:04d} lt licht"
        script += " gezin-geinformeerd\n"
    play(c, script + "klok 2025-06-06T12:00")
    assert moments(c, "herhaaldelijk termijnen uit de werkafspraken laten verlopen") == [
        ("Thu 05-06 09:00", "dm", "gemeente-arnhem")]
