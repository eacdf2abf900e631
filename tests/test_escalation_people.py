"""Escalations people can trust: the right people, at the right moment, in the right words — per regional
profile, through the console (the whole bot on a simulated clock). Each test names the rule it holds to."""

from __future__ import annotations

from datetime import datetime

import pytest

from models.calendar import AMS
from tests.harness import make_console, play, show

PROFILES = ["gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland"]
VT, ARNHEM, EDE = "vt-gelderland-midden", "lt-arnhem", "lt-ede"


def delivered(console, needle: str = "", kinds=("post", "dm")) -> list[tuple[str, str, str, str]]:
    """(local time, kind, channel or member, text) of every delivered message containing `needle`."""
    out = []
    for e in console.platform.events:
        if e["kind"] in kinds and needle in e["text"]:
            at = datetime.fromisoformat(e["at"]).astimezone(AMS).strftime("%a %d-%m %H:%M")
            out.append((at, e["kind"], e["channel"] or e["to"], e["text"]))
    return out


def dms_to(console, member: str, needle: str = "") -> list[str]:
    return [text for _, kind, who, text in delivered(console, needle) if kind == "dm" and who == member]


def answer(events, member: str) -> str:
    return "\n".join(e["text"] for e in events if e["kind"] == "ephemeral" and e["to"] == member)


# ---- the tijdelijk huisverbod (000 §6) ---------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_the_end_of_a_huisverbod_is_a_milestone_that_never_escalates(profile):
    c = make_console(profile, start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus huisverbod VT-2025-0001 start 2025-06-02
vt-medewerker: /casus huisverbod VT-2025-0001 advies
klok 2025-06-30T12:00
""")
    assert [t for *_, t in delivered(c, "huisverbod: einde") if "Termijn verlopen" in t or "Opschaling" in t] == []
    assert [t for *_, t in delivered(c, "huisverbod: einde", kinds=("dm",))] == []   # nobody chased, no gemeente
    reminder = delivered(c, "eindigt op")
    assert [(kind, who) for _, kind, who, _ in reminder] == [("post", "casus-2025-0001")]   # VT, the day before
    report = show(c, "VT-2025-0001")
    assert [d["state"] for d in report["deadlines"] if d["kind"] == "thv_einde"] == ["gehaald"]


@pytest.mark.parametrize("profile", PROFILES)
def test_during_a_huisverbod_vt_holds_zicht_op_veiligheid_when_nobody_does(profile):
    c = make_console(profile, start="2025-06-02T09:00")
    play(c, "vt-medewerker: /casus nieuw Arnhem\nklok +1h\nvt-medewerker: /casus huisverbod VT-2025-0001 start")
    report = show(c, "VT-2025-0001")
    assert report["status"] == "triage"
    assert [(e["holders"], e["reason"]) for e in report["ledger"]] == [([VT], "huisverbod")]


@pytest.mark.parametrize("profile", PROFILES)
def test_the_joint_conversation_of_a_huisverbod_needs_vt_and_the_lokaal_team(profile):
    c = make_console(profile, start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus huisverbod VT-2025-0001 start
klok +1h
lt-arnhem-medewerker: /casus contact VT-2025-0001
""")
    gesprek = [d for d in show(c, "VT-2025-0001")["deadlines"] if d["kind"] == "thv_gezamenlijk_gesprek"]
    assert [d["state"] for d in gesprek] == ["open"]                     # the lokaal team alone is not joint
    play(c, "vt-medewerker: /casus contact VT-2025-0001")
    gesprek = [d for d in show(c, "VT-2025-0001")["deadlines"] if d["kind"] == "thv_gezamenlijk_gesprek"]
    assert [d["state"] for d in gesprek] == ["gehaald"]


# ---- Zuid-Limburg: the table's decision moves the case (002 §2 i) -------------------------------------------
def test_zuid_limburg_a_missing_receipt_after_the_table_is_a_reminder_never_an_escalation():
    c = make_console("zuid-limburg", start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd reden: gezin wil hulp
lt-arnhem-medewerker: /casus contact VT-2025-0001
lt-arnhem-medewerker: /casus geinformeerd VT-2025-0001
klok 2025-08-30T12:00
""")
    receipt = [m for m in delivered(c, "bevestiging van de overdracht") if "uiterlijk" in m[3] and
               not m[3].startswith("**Triagebesluit")]
    assert [(kind, who) for _, kind, who, _ in receipt] == [("post", "casus-2025-0001")]    # one reminder
    assert "Herinnering voor Lokaal team Arnhem" in receipt[0][3]
    assert dms_to(c, "gemeente-arnhem") == [] and dms_to(c, "lt-arnhem-gedragswetenschapper") == []
    status = answer(play(c, "lt-arnhem-medewerker: /casus status VT-2025-0001"), "lt-arnhem-medewerker")
    assert "overgedragen; de ontvangst is nog niet bevestigd" in status and "wacht op bevestiging" not in status


def test_zuid_limburg_a_handover_waiting_too_long_goes_to_the_gedragswetenschappers_first():
    c = make_console("zuid-limburg", start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 vv zwaar reden: voorwaarden nodig
vt-medewerker: /casus dienst VT-2025-0001 afgerond
klok 2025-06-20T12:00
""")
    waiting = [(at, who) for at, kind, who, _ in delivered(c, "wacht te lang op bevestiging") if kind == "dm"]
    firsts = [who for _, who in waiting][:2]
    assert sorted(firsts) == ["lt-arnhem-gedragswetenschapper", "vt-gedragswetenschapper"]   # 002 §5.5
    assert all("als gedragswetenschapper van" in t for t in dms_to(c, "vt-gedragswetenschapper"))
    assert all("als leidinggevende van" in t for t in dms_to(c, "vt-leidinggevende"))


@pytest.mark.parametrize("profile, asked", [("gelderland-midden", "leidinggevenden"),
                                            ("noord-oost-gelderland", "leidinggevenden"),
                                            ("zuid-limburg", "gedragswetenschappers")])
def test_a_stagnation_says_who_is_actually_asked(profile, asked):
    c = make_console(profile, start="2025-06-02T09:00")
    events = play(c, """
vt-medewerker: /casus nieuw Arnhem
lt-arnhem-medewerker: /casus stagnatie VT-2025-0001 reden: wij krijgen geen toegang tot het dossier
""")
    post = next(e["text"] for e in events if e["kind"] == "post" and "Stagnatie gemeld" in e["text"])
    assert f"De {asked} van" in post and "gemeld door Lokaal team Arnhem: wij krijgen geen toegang" in post
    assert f"de {asked} van de betrokken organisaties" in answer(events, "lt-arnhem-medewerker")
    other = {"leidinggevenden": "gedragswetenschappers", "gedragswetenschappers": "leidinggevenden"}[asked]
    assert other not in post


# ---- the gemeente (002 §5.5; 000 §8.2) ------------------------------------------------------------------------
def test_the_bestuurlijk_contact_records_the_gemeentes_answer_and_only_they_can():
    c = make_console("zuid-limburg", start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
klok 2025-07-20T12:00
""")
    report = dms_to(c, "gemeente-arnhem", "Melding aan de gemeente")
    assert report and "komt Lokaal team Arnhem de werkafspraken" in report[0]     # the one that failed
    assert "bestuurlijk contact van Gemeente Arnhem" in report[0] and "/casus antwoord VT-2025-0001" in report[0]
    refused = play(c, "vt-medewerker: /casus antwoord VT-2025-0001 toelichting: gedaan")
    assert "Alleen het bestuurlijk contact" in answer(refused, "vt-medewerker")
    done = play(c, "gemeente-arnhem: /casus antwoord VT-2025-0001 toelichting: wij spreken het lokaal veld aan")
    assert "is vastgelegd" in answer(done, "gemeente-arnhem")
    assert any("wij spreken het lokaal veld aan" in e["text"] for e in done if e["kind"] == "post")
    answered = [d for d in show(c, "VT-2025-0001")["deadlines"] if d["kind"] == "gemeente_antwoord"]
    assert [d["state"] for d in answered] == ["gehaald"]


def test_when_the_gemeente_does_not_answer_those_who_reported_are_told_never_the_gemeente_about_itself():
    c = make_console("zuid-limburg", start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
klok 2025-09-30T12:00
""")
    for lead in ("vt-leidinggevende", "lt-arnhem-leidinggevende"):
        told = dms_to(c, lead, "Geen antwoord van de gemeente")
        assert len(told) == 1 and "Gemeente Arnhem heeft niet binnen de afgesproken termijn" in told[0]
    about_itself = [t for t in dms_to(c, "gemeente-arnhem") if "komt Gemeente Arnhem" in t or
                    "Gemeente Arnhem heeft herhaaldelijk" in t]
    assert about_itself == []
    assert [t for t in dms_to(c, "gemeente-arnhem") if t.startswith("Herinnering voor Gemeente Arnhem")]


# ---- stagnation and refusals name the right party and say why ------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_a_refusal_is_a_stagnation_between_vt_and_the_refuser_with_its_reason(profile):
    c = make_console(profile, start="2025-06-02T10:00")
    play(c, """
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd reden: gezin wil hulp
lt-ede-medewerker: klik weiger VT-2025-0001 reden: gezin woont sinds kort in Arnhem
klok 2025-06-03T12:00
""")
    first = "gedragswetenschapper" if profile == "zuid-limburg" else "leidinggevende"
    for member in (f"vt-{first}", "lt-ede-leidinggevende"):     # Ede has no gedragswetenschapper: its lead
        (dm,) = dms_to(c, member, "Stagnatie in casus")
        assert ("stagnatie tussen Veilig Thuis Gelderland-Midden en Lokaal team Ede, bij het weigeren van de "
                "overdracht gemeld door Lokaal team Ede: gezin woont sinds kort in Arnhem") in dm
        assert "stagnatie in de samenwerking van Veilig Thuis" not in dm
    report = show(c, "VT-2025-0001")
    assert any(r["kind"] == "stagnatie" and r.get("tekst") == "gezin woont sinds kort in Arnhem"
               for r in report["records"])


@pytest.mark.parametrize("profile", PROFILES)
def test_with_two_gemeenten_a_stagnation_reaches_vt_and_both_lokale_teams(profile):
    c = make_console(profile, start="2025-06-02T10:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem,Ede
vt-medewerker: /casus stagnatie VT-2025-0001 reden: de teams zijn het niet eens over wie het oppakt
klok 2025-06-03T12:00
""")
    first = "gedragswetenschapper" if profile == "zuid-limburg" else "leidinggevende"
    expected = {f"vt-{first}", f"lt-arnhem-{first}", "lt-ede-leidinggevende"}   # Ede has no gedragswetenschapper
    told = {who for _, kind, who, _ in delivered(c, "Stagnatie in casus") if kind == "dm"}
    assert told == expected


@pytest.mark.parametrize("profile", PROFILES)
def test_a_stagnation_is_shown_as_an_escalation_not_as_lapsed_terms(profile):
    c = make_console(profile, start="2025-06-02T10:00")
    events = play(c, """
vt-medewerker: /casus nieuw Arnhem
lt-arnhem-medewerker: /casus stagnatie VT-2025-0001 reden: geen voortgang sinds weken
lt-arnhem-medewerker: /casus status VT-2025-0001
""")
    status = answer(events, "lt-arnhem-medewerker")
    assert "VERLOPEN" not in status and "stagnatie in de samenwerking" not in status
    assert status.count("Stagnatie sinds") == 1 and "geen voortgang sinds weken" in status


# ---- the directbetrokkenen (002 bijlage 3b) ---------------------------------------------------------------------
def test_directbetrokkenen_not_informed_after_two_months_leads_to_afstemming_with_vt():
    c = make_console("zuid-limburg", start="2025-06-02T10:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
lt-arnhem-medewerker: /casus contact VT-2025-0001
klok 2025-08-10T12:00
""")
    informed = [d for d in show(c, "VT-2025-0001")["deadlines"] if d["kind"] == "directbetrokkenen_geinformeerd"]
    assert [d["state"] for d in informed] == ["verlopen"]                 # a first contact does not meet it
    assert dms_to(c, "lt-arnhem-medewerker", "directbetrokkenen") and dms_to(c, "vt-medewerker", "directbetrokkenen")
    assert not dms_to(c, "lt-arnhem-leidinggevende", "directbetrokkenen")
    assert not dms_to(c, "lt-arnhem-gedragswetenschapper", "directbetrokkenen")
    play(c, "lt-arnhem-medewerker: /casus geinformeerd VT-2025-0001")
    informed = [d for d in show(c, "VT-2025-0001")["deadlines"] if d["kind"] == "directbetrokkenen_geinformeerd"]
    assert [d["state"] for d in informed] == ["gehaald"]


# ---- a party that did its part -------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_a_lokaal_team_that_confirmed_is_not_chased_for_the_others(profile):
    c = make_console(profile, start="2025-06-02T10:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem,Ede
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
vt-medewerker: klik document VT-2025-0001
lt-arnhem-medewerker: /casus bevestig VT-2025-0001 afspraak=2025-06-13
klok 2025-06-30T12:00
""")
    waiting = [(d["owner"], d["state"]) for d in show(c, "VT-2025-0001")["deadlines"]
               if d["kind"] == "overdracht_wacht"]
    assert (ARNHEM, "vervallen") in waiting and (EDE, "verlopen") in waiting
    assert not dms_to(c, "lt-arnhem-leidinggevende", "wacht te lang")
    assert dms_to(c, "lt-ede-leidinggevende", "wacht te lang")


# ---- when: acute cases in hours, everyone else in office hours ----------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_an_acute_case_escalates_in_hours_also_on_a_friday_evening(profile):
    c = make_console(profile, start="2025-06-06T13:00")     # Friday
    play(c, """
vt-medewerker: /casus nieuw Arnhem signalen=acuut
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd forceer reden: acuut, team al bij het gezin
vt-medewerker: klik document VT-2025-0001
lt-arnhem-medewerker: /casus bevestig VT-2025-0001 afspraak=2025-06-13
klok 2025-06-07T12:00
""")
    first = "gedragswetenschapper" if profile == "zuid-limburg" else "leidinggevende"
    lapse = delivered(c, "Termijn verlopen** in VT-2025-0001: eerste contact")
    assert [at for at, *_ in lapse] == ["Fri 06-06 17:00"]                       # 4 hours: 13:00 + 4
    assert "uiterlijk vrijdag 6 juni 2025 17:00" in lapse[0][3]                  # a term in hours shows its time
    escalated = [at for at, kind, who, _ in delivered(c, "eerste contact met het gezin") if who == f"lt-arnhem-{first}"]
    assert escalated and escalated[0].startswith("Fri 06-06")                   # the same evening, not Tuesday


def test_the_gemeente_hears_in_its_office_hours_and_vt_not_at_midnight():
    c = make_console("gelderland-midden", start="2025-06-02T19:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem gezinsvoogd
vt-medewerker: /casus besluit VT-2025-0001 gi gezin-geinformeerd
klok 2025-06-20T12:00
""")
    cc = delivered(c, "Ter informatie (in cc)")
    assert [(at, who) for at, _, who, _ in cc] == [("Tue 03-06 09:00", "gemeente-arnhem")]    # not at 19:00
    assert "bevestigt de overdracht nog" in cc[0][3] and "overgedragen aan" not in cc[0][3]
    night = [(at, who) for at, kind, who, t in delivered(c) if at[-5:] < "08:30" or at[-5:] >= "17:00"]
    assert night == [] or all(who == "casus-2025-0001" and at.startswith("Mon 02-06 19") for at, who in night)


# ---- words ----------------------------------------------------------------------------------------------------------
def test_zuid_limburg_says_lokaal_veld():
    c = make_console("zuid-limburg", start="2025-06-02T10:00")
    events = play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 vv zwaar
vt-medewerker: /casus dienst VT-2025-0001 afgerond
lt-arnhem-medewerker: klik bevestig VT-2025-0001
vt-medewerker: /casus monitoring VT-2025-0001 voorwaarden=ja directe-veiligheid=nee stabiele-veiligheid=nee herstel=ja
""")
    texts = "\n".join(e["text"] for e in events)
    assert "het lokale veld" in texts
    assert "lokaal team brengt" not in texts and "ondersteunt het lokaal team" not in texts


@pytest.mark.parametrize("profile", PROFILES)
def test_the_words_a_vt_reader_tripped_over(profile):
    c = make_console(profile, start="2025-06-02T10:00")
    events = play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 vv zwaar
vt-medewerker: /casus dienst VT-2025-0001 afgerond
lt-arnhem-medewerker: klik bevestig VT-2025-0001
""")
    texts = "\n".join(e["text"] for e in events)
    assert "neemt het uiterlijk over" not in texts and "uiterlijk op" in texts
    assert "start de monitoring" not in texts and "maanden na de overdracht" in texts
    moved = next(e["text"] for e in events if e["kind"] == "post" and e["text"].startswith("Zicht op veiligheid"))
    # the lokaal team's own terms under its name; VT's monitoring moments not as "the receiver's"
    assert "Termijnen voor de ontvanger" not in moved
    if "monitoringsmoment" in moved:
        assert moved.index("Verder:") < moved.index("monitoringsmoment")


@pytest.mark.parametrize("profile, word", [("gelderland-midden", "gaat terug naar"),
                                          ("zuid-limburg", "gaat terug naar"), ("noord-oost-gelderland", "blijft bij")])
def test_after_a_refusal_zicht_goes_back_or_stays_with_vt_as_it_was(profile, word):
    c = make_console(profile, start="2025-06-02T10:00")
    events = play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
lt-arnhem-medewerker: klik weiger VT-2025-0001 reden: hoort bij een ander team
""")
    refused = next(e["text"] for e in events if e["kind"] == "post" and "Overdracht geweigerd" in e["text"])
    assert f"Zicht op veiligheid {word} Veilig Thuis" in refused


# ---- every rung names the one it goes to ----------------------------------------------------------------------------
def rung_cases(profile):
    """(deadline kind, owner, ref, ladder) for every kind of term and escalation a case of this profile can have."""
    from models import escalation as esc

    base, acute = profile.escalation.ladder, profile.escalation.acute_ladder
    out = []
    for ladder in (base, acute):
        out += [("bevestiging", ARNHEM, "1", ladder), ("eerste_contact", ARNHEM, "1", ladder),
                ("triage", VT, "", ladder), ("thv_einde", VT, "", esc.reminders_only(ladder)),
                ("overdracht_wacht", VT, "1", esc.from_first_step(ladder)),
                ("overdracht_wacht", ARNHEM, "1", esc.from_first_step(ladder)),
                ("stagnatie", VT, "1", esc.from_first_step(ladder)),
                ("stagnatie", EDE, "1", esc.from_first_step(ladder)),
                ("gemeente_antwoord", "gemeente-arnhem", ARNHEM, esc.reminders_then(ladder, esc.Target.MELDERS)),
                ("directbetrokkenen_geinformeerd", ARNHEM, "1", esc.reminders_then(ladder, esc.Target.AFSTEMMING))]
    return out


@pytest.mark.parametrize("profile_name", PROFILES)
def test_every_rung_of_every_profile_names_the_people_it_goes_to(profile_name):
    from bot.config import load_directory, load_profile
    from bot.render import Renderer
    from commands.ladder import Around, rung_messages

    profile, directory = load_profile(profile_name), load_directory()
    renderer = Renderer(directory, "console", profile.wording)
    due = datetime(2025, 6, 6, tzinfo=AMS)
    stagnation = {"tussen": [VT, ARNHEM, EDE], "door": ARNHEM, "reden": "geen voortgang", "bron": "melding",
                  "naar": "leidinggevende", "sinds": due.isoformat()}
    around = Around(vt=VT, lts=(ARNHEM, EDE), gemeenten=("gemeente-arnhem", "gemeente-ede"), stagnation=stagnation,
                    answer_due=due.isoformat())
    checked = 0
    for kind, owner, ref, ladder in rung_cases(profile):
        for rung in ladder:
            messages = rung_messages(directory, "VT-2025-0001", deadline=1, kind=kind, owner=owner, due=due, ref=ref,
                                     rungsoort=rung.kind.value, naar=rung.target.value, around=around)
            asked = {m.context.get("rol") for m in messages if m.to}
            for m in messages:
                text = renderer.render(m.template, m.context)
                if m.to is None:         # the channel: it names the owner, and the role that was asked
                    assert directory.org(owner).name in text, (kind, rung, text)
                    if m.template == "opgeschaald":
                        assert asked == {m.context["naar"]} and f"de {m.context['naar']} van" in text
                    continue
                member = directory.member(m.to)
                org = directory.org(member.org_id).name
                role = renderer.words.rollen[member.role.value]
                named = f"{role} van {org}" in text or text.startswith(f"Herinnering voor {org}")
                assert named, (kind, rung, m.to, text)
                checked += 1
    assert checked > 30


# ---- a month of random cases: office hours, unless acute ------------------------------------------------------------
def random_month(profile: str, seed: int) -> tuple[object, set[str], list[datetime]]:
    import random

    rng = random.Random(seed)
    c = make_console(profile, start="2025-09-01T08:00")
    typed: list[datetime] = []
    number = 0
    day = datetime(2025, 9, 1, tzinfo=AMS)
    while day.month == 9:
        if day.weekday() < 5:
            for _ in range(rng.randint(1, 3)):
                at = day.replace(hour=rng.choice([8, 10, 13, 16, 19, 22]), minute=rng.choice([0, 15, 40]))
                if at <= c.clock():
                    continue
                number += 1
                case = f"VT-2025-{number:04d}"
                gemeenten = rng.choice(["Arnhem", "Ede", "Arnhem,Ede"])
                acute = " signalen=acuut" if rng.random() < 0.2 else ""
                lines = [f"klok {at:%Y-%m-%dT%H:%M}", f"vt-medewerker: /casus nieuw {gemeenten}{acute}"]
                route = rng.choice(["lt licht", "lt middelzwaar", "vv zwaar", "onderzoek middelzwaar"])
                force = " forceer reden: lokaal team is al betrokken" if acute and route.startswith("lt") else ""
                lines.append(f"vt-medewerker: /casus besluit {case} {route}{force}")
                if rng.random() < 0.2:
                    lines.append(f"lt-arnhem-medewerker: /casus stagnatie {case} reden: geen voortgang")
                if rng.random() < 0.2:
                    lines.append(f"vt-medewerker: /casus huisverbod {case} start")
                play(c, "\n".join(lines))
                typed.append(c.clock())
        day = day.replace(day=day.day + 1) if day.day < 30 else day.replace(month=10, day=1)
    play(c, "klok 2025-10-31T12:00")
    acute_cases = {f"VT-2025-{n:04d}" for n in range(1, number + 1)
                   if show(c, f"VT-2025-{n:04d}")["spoed"] or "acuut" in show(c, f"VT-2025-{n:04d}")["signals"]}
    return c, acute_cases, typed


@pytest.mark.parametrize("profile", PROFILES)
def test_a_month_of_random_cases_sends_nothing_outside_office_hours_unless_acute(profile):
    from bot.config import load_directory, load_profile
    from commands.office import hours_of

    c, acute_cases, typed = random_month(profile, seed=PROFILES.index(profile))
    prof, directory = load_profile(profile), load_directory()
    wrong = []
    for e in c.platform.events:
        if e["kind"] not in ("post", "dm"):
            continue
        at = datetime.fromisoformat(e["at"]).astimezone(AMS)
        case = next((w.strip(".,:*") for w in e["text"].split() if w.strip(".,:*").startswith("VT-2025-")), None)
        if case in acute_cases or (e["kind"] == "post" and at in typed):
            continue              # acute: at once; a post caused by someone at work: at once, in their channel
        hours = hours_of(directory, prof, e["to"]) if e["kind"] == "dm" else prof.vt_workday.overlap(prof.lt_hours)
        if prof.calendar.next_open(at, hours) != at:          # it was not open yet (equal instants: it was)
            wrong.append((at.strftime("%a %d-%m %H:%M"), e["kind"], e["to"] or e["channel"], e["text"][:60]))
    assert wrong == []
    assert len([e for e in c.platform.events if e["kind"] == "dm"]) > 20        # the month did escalate
