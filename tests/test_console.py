"""The console: the script syntax, the simulated clock, the clicks, the JSON output and the command line
(`triagebot console --script --json`, `triagebot demo`, `triagebot casus show --json`).
"""

from __future__ import annotations

import getpass
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.cli import demo_script, main
from bot.console.console import StartTooEarly, human
from bot.storage.db import make_engine
from models.calendar import AMS
from models.tables import OutboxRow
from tests.harness import answers, make_console, play, show, triagebot

ROOT = Path(__file__).resolve().parents[1]
N1, N2 = "VT-2025-0001", "VT-2025-0002"
EVENT_KEYS = {"at", "kind", "channel", "to", "text", "buttons"}


def now(console) -> datetime:
    return console.clock().astimezone(AMS).replace(tzinfo=None)


def console_says(events) -> list[str]:
    return [e["text"] for e in events if e["kind"] == "console"]


# ---- script syntax -------------------------------------------------------------------------------------
def test_comments_and_blank_lines_do_nothing_and_a_strange_line_is_explained():
    console = make_console()
    assert play(console, "# een opmerking\n\n   # nog een\n") == []
    events = play(console, "vt-medewerker /casus nieuw Arnhem")
    assert [e["kind"] for e in events] == ["console"] and "niet begrepen" in events[0]["text"]
    events = play(console, "vt-medewerker: nieuw Arnhem")
    assert [e["kind"] for e in events] == ["console"]
    with console.bot.uow() as uow:
        assert uow.cases.numbers() == []


def test_the_case_number_puts_the_command_in_the_case_channel():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, "vt-medewerker: /casus besluit vt-2025-0001 vv")      # any case: VT-2025-0001
    assert "Triagebesluit voor VT-2025-0001" in answers(events, "vt-medewerker")[0]
    detail = [a for a in show(console, N1)["audit"] if a["action"] == "/casus besluit"]
    assert detail and detail[0]["outcome"] == "ok"


def test_a_label_given_twice_is_answered_not_raised():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, f"vt-medewerker: /casus stagnatie {N1} reden: een reden: twee")
    assert answers(events, "vt-medewerker") == ['"reden:" staat er twee keer in. Geef het één keer.']


# ---- klok ------------------------------------------------------------------------------------------------
def test_klok_absolute_and_relative_in_minutes_hours_and_days():
    console = make_console(start="2025-05-26T09:00")
    play(console, "klok 2025-05-26T13:45")
    assert now(console) == datetime(2025, 5, 26, 13, 45)
    play(console, "klok +30m")
    assert now(console) == datetime(2025, 5, 26, 14, 15)
    play(console, "klok +2h\nklok +6d")
    assert now(console) == datetime(2025, 6, 1, 16, 15)                          # a Sunday: days are calendar days
    play(console, "klok 2025-06-02")
    assert now(console) == datetime(2025, 6, 2, 9, 0)                            # a date alone means 09:00
    events = play(console, "vt-medewerker: /casus nieuw Arnhem")
    assert {e["at"] for e in events} == {"2025-06-02T09:00:00+02:00"}


@pytest.mark.parametrize("start, steps, expected", [
    ("2025-05-30T10:00", "+1wd", datetime(2025, 6, 2, 10, 0)),     # Friday → Monday, over the weekend
    ("2025-06-06T11:30", "+1wd", datetime(2025, 6, 10, 11, 30)),   # Friday → Tuesday: Tweede Pinksterdag 9 June
    ("2025-05-28T09:00", "+1wd", datetime(2025, 5, 30, 9, 0)),     # Wednesday → Friday: Hemelvaartsdag 29 May
    ("2025-12-23T09:00", "+3wd", datetime(2025, 12, 30, 9, 0)),    # Kerst: 25 and 26 December are no werkdagen
    ("2026-04-24T09:00", "+1wd", datetime(2026, 4, 28, 9, 0)),     # Friday → Tuesday: Koningsdag, Monday 27 April
    ("2025-04-17T09:00", "+2wd", datetime(2025, 4, 22, 9, 0)),     # Goede Vrijdag works here; Tweede Paasdag not
])
def test_klok_in_werkdagen_skips_weekends_and_holidays(start, steps, expected):
    console = make_console(start=start)
    play(console, f"klok {steps}")
    assert now(console) == expected


def test_klok_cannot_go_back_and_explains_a_wrong_step():
    console = make_console(start="2025-05-26T09:00")
    events = play(console, "klok 2025-05-25T09:00\nklok +3x\nklok gisteren")
    assert console_says(events)[0] == "klok: de tijd kan niet terug"
    assert len(console_says(events)) == 3 and all(t.startswith("klok:") for t in console_says(events))
    assert now(console) == datetime(2025, 5, 26, 9, 0)


@pytest.mark.parametrize("step", ["+99999999d", "+99999999wd", "+999999999999m", "+3661d", "9999-12-31T09:00",
                                  "2036-01-01"])
def test_klok_too_far_ahead_is_refused_not_raised(step):
    console = make_console(start="2025-05-26T09:00")
    events = play(console, f"klok {step}")
    assert console_says(events) == ["klok: zo ver vooruit kan niet in één keer; hoogstens tien jaar per regel"]
    assert now(console) == datetime(2025, 5, 26, 9, 0)
    play(console, "klok +3650d")                                    # ten years is allowed
    assert now(console) == datetime(2035, 5, 24, 9, 0)


def test_klok_that_fires_nothing_says_so_and_one_that_does_does_not():
    console = make_console(start="2025-05-26T09:00")
    events = play(console, "klok +20m")
    assert [(e["kind"], e["at"], e["text"]) for e in events] == [
        ("console", "2025-05-26T09:20:00+02:00", "klok: het is nu maandag 26 mei 2025 09:20; er was niets te doen")]
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, "klok +6wd")                               # the triage term lapses on the way
    assert events and console_says(events) == []


def test_klok_runs_each_job_at_its_own_moment():
    console = make_console(start="2025-05-26T09:00")
    play(console, "vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus nieuw Ede ontvangen=2025-05-20T10:00")
    events = play(console, "klok 2025-06-10T09:00")
    overruns = [(e["channel"], datetime.fromisoformat(e["at"]).astimezone(AMS).replace(tzinfo=None))
                for e in events if e["kind"] == "post" and "Triagetermijn overschreden" in e["text"]]
    # lapsed at midnight; said in the case channel when Veilig Thuis works (the sweep's posts wait for office hours)
    assert overruns == [("casus-2025-0002", datetime(2025, 5, 28, 9)), ("casus-2025-0001", datetime(2025, 6, 4, 9))]
    assert now(console) == datetime(2025, 6, 10, 9, 0)


def test_klok_reminds_lapses_and_escalates_in_office_hours_and_werkdagen():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +10m")
    events = play(console, "klok 2025-06-02T12:00")     # confirmation due Wednesday 28 May; 29 May Hemelvaartsdag
    said = [(datetime.fromisoformat(e["at"]).astimezone(AMS).strftime("%m-%d %H:%M"), e["kind"], e["to"],
             e["text"].split()[0]) for e in events]
    assert said == [
        ("05-28 09:00", "post", None, "Herinnering"),               # Wednesday: in the LT's office hours
        ("05-30 09:00", "post", None, "**Termijn"),                 # lapsed at midnight, told Friday morning
        ("05-30 09:00", "dm", "lt-arnhem-medewerker", "De"),
        ("06-02 09:00", "post", None, "**Opgeschaald**"),           # a werkdag later (Monday): the leidinggevende
        ("06-02 09:00", "dm", "lt-arnhem-leidinggevende", "**Opschaling"),
    ]
    assert [b["action"] for b in events[-1]["buttons"]] == ["oppakken"]
    assert [d["state"] for d in show(console, N1)["deadlines"] if d["kind"] == "bevestiging"] == ["verlopen"]


# ---- klik --------------------------------------------------------------------------------------------------
def test_klik_with_and_without_a_case_number():
    console = make_console()
    play(console, f"""
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N2} lt gezin-geinformeerd
        klok +5m
    """)
    events = play(console, "lt-arnhem-medewerker: klik bevestig")                  # the latest card: VT-2025-0002
    assert answers(events) == [f"U heeft de overdracht van {N2} bevestigd."]
    events = play(console, f"lt-arnhem-medewerker: klik weiger {N1} reden: gezin woont niet meer in Arnhem")
    assert answers(events) == [
        f"U heeft de overdracht van {N1} geweigerd; de reden is vastgelegd en als stagnatie gemeld."]
    assert show(console, N1)["handovers"][0]["refusal"]["reason"] == "gezin woont niet meer in Arnhem"
    assert show(console, N2)["status"] == "overgedragen"


def test_klik_without_such_a_button_says_so_and_changes_nothing():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, f"lt-arnhem-medewerker: klik bevestig {N1}\nlt-arnhem-medewerker: klik oppakken")
    assert console_says(events) == [f"geen knop 'bevestig' gevonden in {N1}", "geen knop 'oppakken' gevonden"]
    assert [e["kind"] for e in events] == ["console", "console"]
    assert show(console, N1)["status"] == "triage"


def test_klik_oppakken_without_a_case_number_takes_the_latest_button():
    console = make_console()
    play(console, f"""
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd
        klok +1h
        lt-arnhem-medewerker: /casus stagnatie {N1} reden: afspraken lopen vast
    """)
    events = play(console, "lt-arnhem-leidinggevende: klik oppakken")
    assert answers(events, "lt-arnhem-leidinggevende")


BUTTONS = ("Bevestig overdracht, Weiger, Ik pak dit op, Akkoord: casus afsluiten, Document verstuurd, "
           "Medewerker toewijzen")


def test_klik_by_the_label_people_see_in_any_case():
    console = make_console()
    play(console, f"""
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N2} lt gezin-geinformeerd
        lt-arnhem-medewerker: /casus stagnatie {N1} reden: afspraken lopen vast
    """)
    events = play(console, "lt-arnhem-leidinggevende: klik ik pak dit op")         # the latest such button
    assert len(answers(events, "lt-arnhem-leidinggevende")) == 1
    assert [(a["actor"], a["action"]) for a in show(console, N1)["audit"][-3:-1]] == [
        ("lt-arnhem-leidinggevende", "klik:oppakken"), ("lt-arnhem-leidinggevende", "kanaal_lid_toegevoegd")]
    events = play(console, f"lt-arnhem-medewerker: klik Bevestig overdracht {N2}")
    assert answers(events) == [f"U heeft de overdracht van {N2} bevestigd."]
    events = play(console, f"lt-arnhem-medewerker: klik WEIGER {N1} reden: gezin woont niet meer in Arnhem")
    assert answers(events)[0].startswith(f"U heeft de overdracht van {N1} geweigerd")
    assert show(console, N1)["handovers"][0]["refusal"]["reason"] == "gezin woont niet meer in Arnhem"
    events = play(console, "lt-arnhem-medewerker: klik Doe maar\nlt-arnhem-medewerker: klik")
    assert console_says(events) == [
        f"onbekende knop 'Doe' — de knoppen heten: {BUTTONS}", f"klik: welke knop? De knoppen heten: {BUTTONS}"]


def test_typed_lines_are_shown_only_when_asked():
    console = make_console()
    assert [e["kind"] for e in play(console, "vt-medewerker: /casus help knoppen")] == ["ephemeral"]
    console.echo = True
    events = play(console, "# een opmerking\nvt-medewerker: /casus help knoppen\nonzin")
    assert [(e["kind"], e["to"], e["text"][:28]) for e in events] == [
        ("invoer", "vt-medewerker", "vt-medewerker: /casus help k"),
        ("ephemeral", "vt-medewerker", "`Bevestig overdracht / Weige"), ("invoer", None, "onzin"),
        ("console", None, "regel niet begrepen — gebrui")]
    assert "klik Bevestig overdracht VT-2025-0001" in events[1]["text"]           # the help says how to click
    assert human(events[0]) == "[2025-05-26 09:00] > vt-medewerker: /casus help knoppen"


# ---- a second session on the same database ----------------------------------------------------------------
FIRST = f"""
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus besluit {N2} lt licht gezin-geinformeerd
klok +2h
"""


def test_a_console_on_a_used_database_continues_where_the_last_stopped(tmp_path):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    first = make_console(db_url=db, start="2025-06-02T09:00")
    play(first, FIRST)
    assert console_says(first.platform.events)[-1].endswith("er was niets te doen")
    show(first, N1)                                           # an administrator's look, in real time: no clock
    second = make_console(db_url=db, start=None)
    assert now(second) == datetime(2025, 6, 2, 11, 0)         # where the first stopped, also after a quiet klok
    assert second.resumed_at == first.clock()
    assert set(second.platform.channels) == {"casus-2025-0001", "casus-2025-0002"}
    assert second.platform.channels["casus-2025-0001"].members == first.platform.channels["casus-2025-0001"].members
    assert second.platform.messages == first.platform.messages and second.platform.by_key == first.platform.by_key
    assert second.platform.events == []                       # put back, not shown again
    events = play(second, f"lt-arnhem-medewerker: klik Weiger {N1} reden: gezin verhuisd")
    assert answers(events) == [f"U heeft de overdracht van {N1} geweigerd; de reden is vastgelegd en als stagnatie "
                               "gemeld."]
    assert [e["kind"] for e in events if e["channel"] == "casus-2025-0001"][:2] == ["update", "post"]
    assert all(e["at"] == "2025-06-02T11:00:00+02:00" for e in events)
    refs = [e for e in second.platform.messages if e not in first.platform.messages]
    assert refs and all(int(r[1:]) > len(first.platform.messages) for r in refs)      # no message id twice
    with pytest.raises(StartTooEarly) as too_early:
        make_console(db_url=db, start="2025-06-02T10:59")
    assert too_early.value.latest == datetime(2025, 6, 2, 11, 0, tzinfo=AMS)


def test_a_second_console_run_on_the_same_database_picks_up_its_cases_buttons_and_clock(tmp_path):
    """The tester's report, end to end: `triagebot console --script a.txt --db x` and then `... b.txt --db x`."""
    db = f"sqlite:///{tmp_path / 'x.db'}"
    (tmp_path / "a.txt").write_text(FIRST, encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"""
        lt-arnhem-medewerker: klik Weiger {N1} reden: gezin verhuisd
        lt-ede-medewerker: klik bevestig overdracht {N2}
        klok +1wd
    """, encoding="utf-8")
    a = triagebot("console", "--script", str(tmp_path / "a.txt"), "--db", db, "--start", "2025-06-02T09:00")
    assert a.returncode == 0 and a.stderr == "" and a.english() == [], a.text
    b = triagebot("console", "--script", str(tmp_path / "b.txt"), "--db", db, "--json")
    assert b.returncode == 0 and b.stderr == "" and b.english() == [], b.text
    events = [json.loads(line) for line in b.stdout.splitlines()]
    assert events[0]["at"] == "2025-06-02T11:00:00+02:00"                      # the clock went on from the first run
    assert [e["text"] for e in events if e["kind"] == "ephemeral"] == [
        f"U heeft de overdracht van {N1} geweigerd; de reden is vastgelegd en als stagnatie gemeld.",
        f"U heeft de overdracht van {N2} bevestigd."]
    old_channel = [(e["kind"], e["text"].split("\n")[0]) for e in events if e["channel"] == "casus-2025-0001"]
    assert old_channel[0] == ("update", f"**Overdracht {N1}** (directe overdracht) aan Lokaal team Arnhem")
    assert any(kind == "post" and "**Overdracht geweigerd**" in line for kind, line in old_channel)
    later = [e for e in events if e["at"] > "2025-06-02T11:00:00+02:00"]
    assert later and max(e["at"] for e in events) <= "2025-06-03T11:00:00+02:00"
    assert console_says(events) == [] or all("niets te doen" in t for t in console_says(events))
    with Session(make_engine(db)) as session:
        states = Counter(session.execute(select(OutboxRow.state)).scalars())
    assert set(states) == {"verzonden"}                                       # every message of both runs arrived


# ---- output and the command line -----------------------------------------------------------------------
def test_human_output_names_where_a_message_went():
    button = {"action": "bevestig", "label": "Bevestig overdracht", "value": "x"}
    event = {"at": "2025-05-26T07:00:00+00:00", "kind": "ephemeral", "channel": None, "to": "vt-medewerker",
             "text": "regel 1\nregel 2", "buttons": [button]}
    assert human(event) == ("[2025-05-26 09:00] alleen voor vt-medewerker\n    regel 1\n    regel 2\n"
                            "    [Bevestig overdracht]")


def test_console_script_as_json_and_casus_show(tmp_path, capsys):
    lines = ["vt-medewerker: /casus nieuw Arnhem", f"vt-medewerker: /casus besluit {N1} lt licht gezin-geinformeerd",
             "klok +1h",
             "lt-arnhem-medewerker: klik bevestig", "klok terug"]
    script = tmp_path / "ochtend.txt"
    script.write_text("# test\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert main(["console", "--script", str(script), "--json", "--db", db, "--start", "2025-05-26T09:00"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(set(e) == EVENT_KEYS for e in events)
    typed = [e for e in events if e["kind"] == "invoer"]       # each typed line, before what it causes
    assert [e["text"] for e in typed] == lines and [e["to"] for e in typed] == [
        "vt-medewerker", "vt-medewerker", None, "lt-arnhem-medewerker", None]
    assert events[0] == {"at": "2025-05-26T09:00:00+02:00", "kind": "invoer", "channel": None,
                         "to": "vt-medewerker", "text": lines[0], "buttons": []}
    assert events[1] == {"at": "2025-05-26T09:00:00+02:00", "kind": "channel_created", "channel": "casus-2025-0001",
                         "to": None, "text": events[1]["text"], "buttons": []}
    card = next(e for e in events if e["buttons"])
    assert card["buttons"][0] == {"action": "bevestig", "label": "Bevestig overdracht", "value": f"{N1}:1"}
    click = events.index(typed[3])
    assert [e["kind"] for e in events[click:]] == ["invoer", "update", "ephemeral", "invoer", "console"]
    assert events[click + 2]["at"] == "2025-05-26T10:00:00+02:00" and events[click + 2]["to"] == "lt-arnhem-medewerker"

    assert main(["casus", "show", N1.lower(), "--json", "--db", db]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"number", "status", "route", "holders", "ledger", "deadlines", "audit"} <= set(report)
    assert (report["number"], report["status"], report["route"], report["holders"]) == (
        N1, "overgedragen", "lt", ["lt-arnhem"])                                    # JSON keeps the stable codes
    assert all({"kind", "owner", "due", "state"} <= set(d) for d in report["deadlines"])
    assert all(datetime.fromisoformat(a["at"]).utcoffset() is not None for a in report["audit"])  # with its offset
    assert datetime.fromisoformat(report["received_at"]) == datetime(2025, 5, 26, 9, tzinfo=AMS)
    assert [(a["actor"], a["action"], a["outcome"]) for a in report["audit"]] == [
        ("vt-medewerker", "/casus nieuw", "ok"), ("vt-medewerker", "kanaal_lid_toegevoegd", "ok"),
        ("vt-medewerker", "kanaal_lid_toegevoegd", "ok"), ("vt-medewerker", "/casus besluit", "ok"),
        ("lt-arnhem-medewerker", "klik:bevestig", "ok"), ("beheerder", "casus show", "ok")]
    assert report["audit"][-1]["on_behalf_of"] == getpass.getuser()
    assert main(["casus", "toon", N1, "--db", db]) == 0                              # the readable form
    text = capsys.readouterr().out
    assert re.match(f"Casus {N1} \\(profiel gelderland-midden\\) — overgedragen\n"
                    "Route: directe overdracht aan het lokale? team; zwaarte licht\n"       # the route's own words
                    "Gemeenten: Arnhem; ontvangen maandag 26 mei 2025 09:00\n", text), text
    assert "Zicht op veiligheid nu: Lokaal team Arnhem" in text
    assert "  maandag 26 mei 2025 09:00 – nu: Lokaal team Arnhem (geplaatst bij de ontvanger)" in text
    assert "  bevestiging van de overdracht — Lokaal team Arnhem, uiterlijk woensdag 28 mei 2025: gehaald" in text
    assert "  maandag 26 mei 2025 10:00 lt-arnhem-medewerker: klik Bevestig overdracht → gelukt" in text
    for code in ("overgedragen, route lt", "plaatsing", "lt-arnhem (", "+00:00", "T07:00", "klik:bevestig", "→ ok"):
        assert code not in text
    assert main(["casus", "show", "VT-2025-0404", "--db", db]) == 1
    assert "bestaat niet" in capsys.readouterr().err


def test_console_script_that_does_not_exist(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert main(["console", "--script", str(tmp_path / "nergens.txt"), "--db", db]) == 2
    assert "Script niet gevonden" in capsys.readouterr().err


def demo_lines() -> list[str]:
    return [line.strip() for line in demo_script() if line.strip() and not line.strip().startswith("#")]


def test_triagebot_demo_shows_each_typed_line_before_its_effects(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    done = triagebot("demo", "--db", db)        # `triagebot` is `python -m bot.cli`, run from this tree
    assert done.returncode == 0 and done.stderr == "" and done.english() == [], done.text
    out = done.stdout
    assert out.startswith("[2025-05-26 08:30] > klok 2025-05-26T09:00\n")
    assert ("[2025-05-26 09:00] > vt-medewerker: /casus nieuw Arnhem ontvangen=2025-05-23T14:10\n"
            "[2025-05-26 09:00] #casus-2025-0001 aangemaakt (besloten)") in out
    typed = [line.split("] > ", 1)[1] for line in out.splitlines() if "] > " in line]
    assert typed == demo_lines()
    for seen in ("U heeft de overdracht van VT-2025-0001 bevestigd.", "**Overdracht geweigerd** voor VT-2025-0002",
                 "Agenda triagetafel woensdag 4 juni 2025", "bericht aan vt-leidinggevende",
                 "**Triagetermijn overschreden** voor VT-2025-0006"):
        assert seen in out
    weigert = out.index("> lt-ede-medewerker: klik weiger VT-2025-0002")      # cause, then effect
    assert out.index("U heeft de overdracht van VT-2025-0002 geweigerd") > weigert
    assert out.rstrip().endswith(f"Bekijk een casus met: triagebot casus toon VT-2025-0001 --db {db}")
    kept = triagebot("casus", "toon", "VT-2025-0001", "--db", db)             # the demo left it to look at
    assert kept.returncode == 0 and "Casus VT-2025-0001 (profiel gelderland-midden) — overgedragen" in kept.stdout


def test_triagebot_demo_as_json(capsys):
    assert main(["demo", "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(events) > 80 and all(set(e) == EVENT_KEYS for e in events)
    assert {e["channel"] for e in events if e["kind"] == "channel_created"} == {
        f"casus-2025-000{i}" for i in range(1, 7)}
    assert [e["text"] for e in events if e["kind"] == "invoer"] == demo_lines()
    assert events[-1]["kind"] == "console" and "triagebot demo --db sqlite:///demo.db" in events[-1]["text"]


def test_the_demo_needs_an_empty_database(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    play(make_console(db_url=db), "vt-medewerker: /casus nieuw Arnhem")
    assert main(["demo", "--db", db]) == 2
    assert "De demo heeft een lege database nodig" in capsys.readouterr().err
    with make_console(db_url=db, start=None).bot.uow() as uow:
        assert uow.cases.numbers() == [N1]


def test_a_reader_that_stops_early_ends_the_demo_quietly():
    demo = subprocess.Popen([sys.executable, "-m", "bot.cli", "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)
    demo.stdout.readline()          # `triagebot demo | head -1`
    demo.stdout.close()
    _, err = demo.communicate(timeout=120)
    assert demo.returncode == 0 and b"Traceback" not in err and b"Error" not in err
