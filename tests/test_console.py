"""The console: the script syntax, the simulated clock, the clicks, the JSON output and the command line
(`triagebot console --script --json`, `triagebot demo`, `triagebot casus show --json`).
"""

from __future__ import annotations

import getpass
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.console.console import human
from models.calendar import AMS
from tests.harness import answers, make_console, play, show

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


def test_klok_runs_each_job_at_its_own_moment():
    console = make_console(start="2025-05-26T09:00")
    play(console, "vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus nieuw Ede ontvangen=2025-05-20T10:00")
    events = play(console, "klok 2025-06-10T09:00")
    overruns = [(e["channel"], datetime.fromisoformat(e["at"]).astimezone(AMS).replace(tzinfo=None))
                for e in events if e["kind"] == "post" and "Triagetermijn overschreden" in e["text"]]
    assert overruns == [("casus-2025-0002", datetime(2025, 5, 28)), ("casus-2025-0001", datetime(2025, 6, 4))]
    assert now(console) == datetime(2025, 6, 10, 9, 0)


def test_klok_reminds_lapses_and_escalates_in_office_hours_and_werkdagen():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt\nklok +10m")
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
        vt-medewerker: /casus besluit {N1} lt
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N2} lt
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
        vt-medewerker: /casus besluit {N1} lt
        klok +1h
        lt-arnhem-medewerker: /casus stagnatie {N1} reden: afspraken lopen vast
    """)
    events = play(console, "lt-arnhem-leidinggevende: klik oppakken")
    assert answers(events, "lt-arnhem-leidinggevende")


# ---- output and the command line -----------------------------------------------------------------------
def test_human_output_names_where_a_message_went():
    button = {"action": "bevestig", "label": "Bevestig overdracht", "value": "x"}
    event = {"at": "2025-05-26T07:00:00+00:00", "kind": "ephemeral", "channel": None, "to": "vt-medewerker",
             "text": "regel 1\nregel 2", "buttons": [button]}
    assert human(event) == ("[2025-05-26 09:00] alleen voor vt-medewerker\n    regel 1\n    regel 2\n"
                            "    [Bevestig overdracht]")


def test_console_script_as_json_and_casus_show(tmp_path, capsys):
    script = tmp_path / "ochtend.txt"
    script.write_text(f"# test\nvt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt licht\n"
                      "klok +1h\nlt-arnhem-medewerker: klik bevestig\nklok terug\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert main(["console", "--script", str(script), "--json", "--db", db, "--start", "2025-05-26T09:00"]) == 0
    lines = capsys.readouterr().out.splitlines()
    events = [json.loads(line) for line in lines]
    assert all(set(e) == EVENT_KEYS for e in events)
    assert events[0] == {"at": "2025-05-26T09:00:00+02:00", "kind": "channel_created", "channel": "casus-2025-0001",
                         "to": None, "text": events[0]["text"], "buttons": []}
    card = next(e for e in events if e["buttons"])
    assert card["buttons"][0] == {"action": "bevestig", "label": "Bevestig overdracht", "value": f"{N1}:1"}
    assert [e["kind"] for e in events[-3:]] == ["update", "ephemeral", "console"]
    assert events[-2]["at"] == "2025-05-26T10:00:00+02:00" and events[-2]["to"] == "lt-arnhem-medewerker"

    assert main(["casus", "show", N1.lower(), "--json", "--db", db]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"number", "status", "route", "holders", "ledger", "deadlines", "audit"} <= set(report)
    assert (report["number"], report["status"], report["route"], report["holders"]) == (
        N1, "overgedragen", "lt", ["lt-arnhem"])
    assert all({"kind", "owner", "due", "state"} <= set(d) for d in report["deadlines"])
    assert [(a["actor"], a["action"], a["outcome"]) for a in report["audit"]] == [
        ("vt-medewerker", "/casus nieuw", "ok"), ("vt-medewerker", "/casus besluit", "ok"),
        ("lt-arnhem-medewerker", "klik:bevestig", "ok"), ("beheerder", "casus show", "ok")]
    assert report["audit"][-1]["on_behalf_of"] == getpass.getuser()
    assert main(["casus", "show", N1, "--db", db]) == 0                              # the readable form
    assert "Zicht op veiligheid nu: lt-arnhem" in capsys.readouterr().out
    assert main(["casus", "show", "VT-2025-0404", "--db", db]) == 1
    assert "bestaat niet" in capsys.readouterr().err


def test_console_script_that_does_not_exist(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert main(["console", "--script", str(tmp_path / "nergens.txt"), "--db", db]) == 2
    assert "Script niet gevonden" in capsys.readouterr().err


def test_triagebot_demo_prints_the_transcript():   # `triagebot` is `python -m bot.cli`, run from this tree
    done = subprocess.run([sys.executable, "-m", "bot.cli", "demo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("[2025-05-26 09:00] #casus-2025-0001 aangemaakt (besloten)")
    for seen in ("U heeft de overdracht van VT-2025-0001 bevestigd.", "**Overdracht geweigerd** voor VT-2025-0002",
                 "Agenda triagetafel woensdag 4 juni 2025", "bericht aan vt-leidinggevende",
                 "**Triagetermijn overschreden** voor VT-2025-0006"):
        assert seen in out
    assert "Traceback" not in done.stderr


def test_triagebot_demo_as_json(capsys):
    assert main(["demo", "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(events) > 80 and all(set(e) == EVENT_KEYS for e in events)
    assert {e["channel"] for e in events if e["kind"] == "channel_created"} == {
        f"casus-2025-000{i}" for i in range(1, 7)}


def test_a_reader_that_stops_early_ends_the_demo_quietly():
    demo = subprocess.Popen([sys.executable, "-m", "bot.cli", "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)
    demo.stdout.readline()          # `triagebot demo | head -1`
    demo.stdout.close()
    _, err = demo.communicate(timeout=120)
    assert demo.returncode == 0 and b"Traceback" not in err and b"Error" not in err
