"""The command line as a user and an administrator meet it: `python -m bot.cli ...` in processes of their own, so
what is checked is what they read. Every word Dutch, every mistake answered with what to do, never a traceback;
every setting honoured (command line, then environment, then default); the Slack check.

The processes of one test run side by side (tests/harness.py, `triagebot_many`), to keep the suite fast.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlmodel import Session

from bot.cli import handlers
from bot.cli.parser import build_parser
from bot.slack.serve import check as slack_check
from bot.storage.db import make_engine
from models.tables import CaseRow
from tests.fake_slack import FakeSlack
from tests.harness import ROOT, Ran, clean_env, make_console, play, triagebot_many

COMMANDS = [[], ["console"], ["demo"], ["casus"], ["casus", "toon"], ["profielen"], ["proefdraai"], ["start"],
            ["verwerker"], ["socket"], ["controleer"], ["rapport"]]
ALIASES = [["serve"], ["check"], ["worker"], ["casus", "show"]]


def assert_dutch(ran: Ran) -> None:
    assert ran.english() == [], (ran.argv, ran.english(), ran.text)
    assert "Traceback" not in ran.text and "File \"" not in ran.text, ran.text


def cases_in(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return [tuple(r) for r in session.execute(select(CaseRow.number, CaseRow.profile).order_by(CaseRow.id))]
    finally:
        engine.dispose()


# ---- help -------------------------------------------------------------------------------------------------------
def test_every_command_explains_itself_in_dutch():
    runs = triagebot_many([([*c, "--help"], None) for c in COMMANDS + ALIASES])
    for ran in runs:
        assert ran.returncode == 0 and ran.stderr == "", ran
        assert_dutch(ran)
        name = " ".join(["triagebot", *ran.argv[:-1]]).replace("show", "toon").replace("serve", "start") \
            .replace("check", "controleer").replace("worker", "proefdraai")
        assert ran.stdout.startswith(f"gebruik: {name}") and "toon deze uitleg en stop" in ran.stdout, ran.stdout
        assert "opties:" in ran.stdout
    top = runs[0].stdout
    for command in ("console", "demo", "casus", "profielen", "proefdraai (worker)", "start (serve)", "verwerker",
                    "socket", "controleer (check)", "rapport"):
        assert re.search(rf"^    {re.escape(command)}", top, re.M), command
    assert "DATABASE_URL" in top and "TRIAGEBOT_PROFIEL" in top and "TRIAGEBOT_DIRECTORY" in top
    console = runs[1].stdout
    assert "klik Bevestig overdracht" in console and "--adressenlijst BESTAND, --directory BESTAND" in console


def test_every_option_has_its_help():
    def parsers(p: argparse.ArgumentParser):
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in set(action.choices.values()):
                    yield from parsers(sub)

    seen = 0
    for p in parsers(build_parser(handlers())):
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
                continue
            assert action.help and action.help.strip(), (p.prog, action.option_strings or action.dest)
            seen += 1
    assert seen > 40


# ---- mistakes -----------------------------------------------------------------------------------------------------
@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    """A used database, a script, a profile with a wrong field, a profile that is no YAML."""
    used = f"sqlite:///{tmp_path / 'gebruikt.db'}"
    console = make_console(db_url=used, start="2025-06-02T09:00")
    play(console, "vt-medewerker: /casus nieuw Arnhem\nklok +1h")
    console.bot.engine.dispose()
    (tmp_path / "script.txt").write_text("vt-medewerker: /casus nieuw Arnhem\n", encoding="utf-8")
    (tmp_path / "klok.txt").write_text("klok +99999999d\nklok +99999999wd\nklok +1h\n", encoding="utf-8")
    profile = (ROOT / "bot/profiles/gelderland-midden.yaml").read_text(encoding="utf-8")
    (tmp_path / "kapot.yaml").write_text(re.sub(r"(?m)^  moment: \w+", "  moment: straks", profile), encoding="utf-8")
    (tmp_path / "geen-yaml.yaml").write_text("naam: [eigen\ntitel: x\n", encoding="utf-8")
    return {"used": used, "script": str(tmp_path / "script.txt"), "klok": str(tmp_path / "klok.txt"),
            "kapot": str(tmp_path / "kapot.yaml"), "geen_yaml": str(tmp_path / "geen-yaml.yaml"),
            "new": f"sqlite:///{tmp_path / 'nieuw.db'}", "dir": str(tmp_path)}


def test_mistakes_are_answered_in_dutch_with_what_to_do(files):
    new, used = files["new"], files["used"]
    cases = [   # (argv, environment, exit status, what the answer must say)
        (["bestaatniet"], None, 2, "ongeldige keuze: 'bestaatniet'"),
        ([], None, 2, "dit ontbreekt nog: OPDRACHT"),
        (["console", "--onzin"], None, 2, "triagebot console: fout: onbekende invoer: --onzin"),
        (["console", "--start", "gisteren", "--db", new], None, 2, "'gisteren' is geen tijd; gebruik JJJJ-MM-DDTUU:MM"),
        (["worker", "--van", "gisteren", "--journaal", "j.jsonl", "--tot", "2025-07-01"], None, 2,
         "--van: 'gisteren' is geen tijd"),
        (["proefdraai", "--journaal", "j.jsonl"], None, 2, "dit ontbreekt nog: --tot"),
        (["proefdraai", "--journaal", "j.jsonl", "--tot", "2025-07-01", "--stap", "een uur"], None, 2,
         "'een uur' is geen stap"),
        (["start", "--platform", "teams"], None, 2, "ongeldige keuze: 'teams' (kies uit: 'slack', 'mattermost')"),
        (["start", "--processen", "0"], None, 2, "'0' is geen aantal processen; gebruik een getal van 1 tot en met 32"),
        (["verwerker", "--platform", "teams"], None, 2, "ongeldige keuze: 'teams'"),
        (["rapport", "--van", "1 januari", "--tot", "2026-01-01"], None, 2, "'1 januari' is geen datum"),
        (["casus", "toon"], None, 2, "dit ontbreekt nog: CASUSNUMMER"),
        (["console", "--json=ja", "--db", new], None, 2, "bij deze optie hoort geen waarde"),
        (["console", "--script", files["script"], "--profiel", files["kapot"], "--db", new], None, 2,
         "veld 'overdracht.moment': 'straks' is geen geldige waarde"),
        (["profielen", "--profiel", files["geen_yaml"]], None, 1, "geen geldige YAML bij regel 2"),
        (["console", "--profiel", "utrecht", "--script", files["script"]], None, 2, "onbekend profiel 'utrecht'"),
        (["casus", "toon", "VT-2025-0001", "--db", "zomaar-iets"], None, 2,
         "De database zomaar-iets is niet te gebruiken: dit is geen database-adres"),
        (["casus", "toon", "VT-2025-0001"], {"DATABASE_URL": "foo://bar"}, 2, "dit soort database kent de bot niet"),
        (["console", "--script", files["script"], "--db", "postgresql+psycopg://bot:geheim@127.0.0.1:1/bot"], None, 2,
         "de server weigert de verbinding"),
        (["demo", "--db", "sqlite:////bestaat/niet/demo.db"], None, 2, "het bestand kan niet worden geopend"),
        (["profielen", "--db", "sqlite:////bestaat/niet/x.db"], None, 1, "de map /bestaat/niet bestaat niet"),
        (["console", "--script", files["dir"] + "/nergens.txt", "--db", new], None, 2, "Script niet gevonden"),
        (["console", "--script", files["script"], "--db", new, "--log", "/bestaat/niet/log.txt"], None, 2,
         "Het logbestand /bestaat/niet/log.txt kan niet worden geopend"),
        (["casus", "toon", "VT-2025-0404", "--db", used], None, 1, "Casus VT-2025-0404 bestaat niet"),
        (["demo", "--db", used], None, 2, "De demo heeft een lege database nodig"),
        (["console", "--script", files["script"], "--db", used, "--start", "2025-06-01T09:00"], None, 2,
         "de klok kan niet terug"),
        (["console", "--script", files["klok"], "--db", new], None, 0, "zo ver vooruit kan niet in één keer"),
    ]
    runs = triagebot_many([(argv, clean_env(**env) if env else None) for argv, env, _, _ in cases])
    for (argv, _, status, said), ran in zip(cases, runs, strict=True):
        assert ran.returncode == status, (argv, ran.text)
        assert said in ran.text, (argv, said, ran.text)
        assert_dutch(ran)
        assert "geheim" not in ran.text                    # a password in a database URL is never printed
        if ": fout: " in ran.stderr:                       # a mistake on the command line: where the help is
            assert "Meer uitleg: triagebot" in ran.stderr and ran.stderr.startswith("gebruik: triagebot"), ran.stderr


def test_ctrl_c_stops_the_console_quietly(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "console", "--db", f"sqlite:///{tmp_path / 'c.db'}"],
                            cwd=ROOT, env=clean_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdin.write("vt-medewerker: /casus nieuw Arnhem\n")
    proc.stdin.flush()
    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "c.db").exists():
        time.sleep(0.1)
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    ran = Ran(["console"], proc.returncode, out, err)
    assert proc.returncode == 130 and err.strip() == "Gestopt.", ran.text
    assert out.startswith("Triagetafel-bot (console)") and "klik Bevestig overdracht" in out
    assert_dutch(ran)


# ---- settings: the command line, then the environment, then the default ------------------------------------------
def own_profile(folder: Path) -> str:
    data = yaml.safe_load((ROOT / "bot/profiles/gelderland-midden.yaml").read_text(encoding="utf-8"))
    data["naam"], data["titel"] = "eigen-regio", "Veilig Thuis Eigen Regio"
    (folder / "eigen.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(folder / "eigen.yaml")


def own_directory(folder: Path) -> str:
    data = yaml.safe_load((ROOT / "bot/demo/directory.yaml").read_text(encoding="utf-8"))
    data["organisaties"][0]["leden"].append({"id": "vt-invaller", "naam": "Invaller VT", "rol": "medewerker"})
    (folder / "adressen.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(folder / "adressen.yaml")


def broken(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def dry_run(tmp_path, name: str) -> list[str]:
    return ["proefdraai", "--journaal", str(tmp_path / f"{name}.jsonl"), "--tot", "2025-06-05T09:00", "--stap", "3h"]


START = ["--start", "2025-06-02T09:00"]


def test_database_url_is_honoured_by_console_demo_proefdraai_and_profielen(tmp_path):
    url = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("console", "demo", "proef", "profielen", "cli")}
    seeded = make_console(db_url=url["proef"], start="2025-06-02T09:00")     # a case whose deadlines will lapse
    play(seeded, "vt-medewerker: /casus nieuw Arnhem\n"
                 "vt-medewerker: /casus besluit VT-2025-0001 lt gezin-geinformeerd\n")
    seeded.bot.engine.dispose()
    play(make_console(db_url=url["profielen"]), "vt-medewerker: /casus nieuw Arnhem")
    script = broken(tmp_path, "s.txt", "vt-medewerker: /casus nieuw Ede\n")
    runs = triagebot_many([
        (["console", "--script", script, *START], clean_env(DATABASE_URL=url["console"])),
        (["demo"], clean_env(DATABASE_URL=url["demo"])),
        (dry_run(tmp_path, "proef"), clean_env(DATABASE_URL=url["proef"])),
        (["profielen"], clean_env(DATABASE_URL=url["profielen"])),
        (["console", "--script", script, "--db", url["cli"], *START], clean_env(DATABASE_URL=url["console"])),
    ])
    assert [r.returncode for r in runs] == [0] * 5, [r.text for r in runs]
    for ran in runs:
        assert_dutch(ran)
    assert cases_in(url["console"]) == [("VT-2025-0001", "gelderland-midden")]
    assert len(cases_in(url["demo"])) == 6 and f"--db {url['demo']}" in runs[1].stdout
    journal = [json.loads(line) for line in (tmp_path / "proef.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("VT-2025-0001" in r.get("text", "") for r in journal)          # the deadlines of that database
    assert "database (DATABASE_URL): bereikbaar, 1 casus" in runs[3].stdout
    assert cases_in(url["cli"]) == [("VT-2025-0001", "gelderland-midden")]   # the command line wins


def test_triagebot_profiel_is_honoured_by_console_demo_proefdraai_and_profielen(tmp_path):
    own = own_profile(tmp_path)
    kapot = broken(tmp_path, "kapot.yaml", re.sub(r"(?m)^  moment: \w+", "  moment: straks",
                                                  (ROOT / "bot/profiles/gelderland-midden.yaml").read_text("utf-8")))
    script = broken(tmp_path, "s.txt", "vt-medewerker: /casus nieuw Arnhem\n")
    db = {n: f"sqlite:///{tmp_path / f'{n}.db'}" for n in ("console", "cli")}
    runs = triagebot_many([
        (["console", "--script", script, "--db", db["console"], *START], clean_env(TRIAGEBOT_PROFIEL=own)),
        (["profielen"], clean_env(TRIAGEBOT_PROFIEL=own)),
        (["console", "--script", script, "--db", db["cli"], "--profiel", "zuid-limburg", *START],
         clean_env(TRIAGEBOT_PROFIEL=kapot)),
        *[(argv, clean_env(TRIAGEBOT_PROFIEL=kapot)) for argv in (
            ["console", "--script", script, "--db", f"sqlite:///{tmp_path / 'k1.db'}"],
            ["demo"], dry_run(tmp_path, "kapot"), ["profielen"])],
    ])
    for ran in runs:
        assert_dutch(ran)
    assert [r.returncode for r in runs[:3]] == [0] * 3, [r.text for r in runs[:3]]
    assert cases_in(db["console"]) == [("VT-2025-0001", "eigen-regio")]
    assert "in gebruik (TRIAGEBOT_PROFIEL): eigen-regio — Veilig Thuis Eigen Regio" in runs[1].stdout
    assert cases_in(db["cli"]) == [("VT-2025-0001", "zuid-limburg")]         # the command line wins
    for ran in runs[3:]:                                                      # a broken profile: said, with its field
        assert ran.returncode in (1, 2) and f"{kapot}: veld 'overdracht.moment': 'straks' is geen geldige waarde" \
            in ran.stderr, ran.text
    assert "Het regioprofiel (TRIAGEBOT_PROFIEL) klopt niet" in runs[-1].stderr and runs[-1].returncode == 1


def test_triagebot_directory_is_honoured_by_console_demo_proefdraai_and_profielen(tmp_path):
    own = own_directory(tmp_path)
    kapot = broken(tmp_path, "kapot.yaml", "organisaties: [1]\n")
    script = broken(tmp_path, "s.txt", "vt-invaller: /casus nieuw Arnhem\n")
    db = f"sqlite:///{tmp_path / 'console.db'}"
    seeded = make_console(db_url=f"sqlite:///{tmp_path / 'proef.db'}", start="2025-06-02T09:00", directory=own)
    seeded.bot.after_request = lambda: None               # its messages wait in the outbox for the dry run
    play(seeded, "vt-invaller: /casus nieuw Arnhem\n")
    seeded.bot.engine.dispose()
    runs = triagebot_many([
        (["console", "--script", script, "--db", db, *START], clean_env(TRIAGEBOT_DIRECTORY=own)),
        ([*dry_run(tmp_path, "proef"), "--db", f"sqlite:///{tmp_path / 'proef.db'}"],
         clean_env(TRIAGEBOT_DIRECTORY=own)),
        (["profielen"], clean_env(TRIAGEBOT_DIRECTORY=own)),
        (["profielen", "--adressenlijst", own], clean_env(TRIAGEBOT_DIRECTORY=kapot)),
        *[(argv, clean_env(TRIAGEBOT_DIRECTORY=kapot)) for argv in (
            ["console", "--script", script, "--db", f"sqlite:///{tmp_path / 'k1.db'}"],
            ["demo"], dry_run(tmp_path, "kapot"), ["profielen"])],
    ])
    for ran in runs:
        assert_dutch(ran)
    assert [r.returncode for r in runs[:4]] == [0] * 4, [r.text for r in runs[:4]]
    assert cases_in(db) == [("VT-2025-0001", "gelderland-midden")]            # vt-invaller is only in that list
    journal = [json.loads(line) for line in (tmp_path / "proef.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("Geregistreerd door @Invaller VT" in r.get("text", "") for r in journal)   # a name from that list
    assert "adressenlijst (TRIAGEBOT_DIRECTORY): 6 organisaties, 14 leden" in runs[2].stdout
    assert "adressenlijst (opdrachtregel): 6 organisaties, 14 leden" in runs[3].stdout   # the command line wins
    for ran in runs[4:]:
        assert ran.returncode in (1, 2) and f"{kapot}: veld 'organisaties[0]'" in ran.stderr, ran.text
    assert "De adressenlijst (TRIAGEBOT_DIRECTORY) klopt niet" in runs[-1].stderr


# ---- the Slack check ----------------------------------------------------------------------------------------------
def slack_directory(folder: Path, *, without: str | None = None) -> str:
    """The demo directory with a Slack id for half the members and an e-mail address for the other half."""
    data = yaml.safe_load((ROOT / "bot/demo/directory.yaml").read_text(encoding="utf-8"))
    for i, member in enumerate(m for org in data["organisaties"] for m in org["leden"]):
        if member["id"] == without:
            continue
        if i % 2:
            member["chat"] = {"slack": f"U{i:04d}"}
        else:
            member["email"] = f"{member['id']}@voorbeeld.nl"
    path = folder / f"slack-{without or 'alle'}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_controleer_slack_says_what_is_missing_wrong_or_refused(tmp_path):
    with FakeSlack() as fake:
        good = {"SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": "geheim", "SLACK_API_URL": fake.base_url,
                "TRIAGEBOT_DIRECTORY": slack_directory(tmp_path)}
        assert slack_check(good) == []
        assert slack_check({**good, "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1"}) == []   # Socket Mode
        assert slack_check({**good, "SLACK_BOT_TOKEN": "xoxb-verkeerd"}) == [
            "Slack accepteert SLACK_BOT_TOKEN niet (invalid_auth): kopieer het Bot User OAuth Token opnieuw uit "
            "OAuth & Permissions, of installeer de app opnieuw."]
        user_token = fake.add_token("xoxb-van-een-mens", {"chat:write"}, user="U0MENS0001")
        assert slack_check({**good, "SLACK_BOT_TOKEN": user_token}) == [
            "SLACK_BOT_TOKEN hoort niet bij een bot: gebruik het Bot User OAuth Token (xoxb-...)."]
        problems = slack_check({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "abc", "PORT": "drie",
                                "TRIAGEBOT_DIRECTORY": slack_directory(tmp_path, without="vt-medewerker")})
        assert [p.split(" ")[0] for p in problems] == ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PORT", "In"]
        assert "In de adressenlijst heeft vt-medewerker geen Slack-gebruikers-id" in problems[-1]
        assert slack_check({**good, "SLACK_API_URL": "http://127.0.0.1:9/api/"})[-1].startswith(
            "Slack op http://127.0.0.1:9/api/ is niet bereikbaar")
        assert slack_check({**good, "TRIAGEBOT_DIRECTORY": str(tmp_path / "nergens.yaml")}) == [
            f"De adressenlijst klopt niet: {tmp_path / 'nergens.yaml'}: veld '(bestand)': bestand niet gevonden."]
        runs = triagebot_many([
            (["controleer", "--platform", "slack"], clean_env(**good)),
            (["check", "--adressenlijst", good["TRIAGEBOT_DIRECTORY"]],
             clean_env(**{**good, "TRIAGEBOT_DIRECTORY": str(tmp_path / "nergens.yaml")})),
            (["controleer"], clean_env()),
        ])
    assert [r.returncode for r in runs] == [0, 0, 1], [r.text for r in runs]
    assert runs[0].stdout.startswith("In orde: de Slack-instellingen zijn compleet")
    assert "SLACK_BOT_TOKEN ontbreekt" in runs[2].stdout
    for ran in runs:
        assert_dutch(ran)


# ---- CI ------------------------------------------------------------------------------------------------------------
def test_ci_runs_the_readme_test_command_in_a_clone_outside_the_tree():
    script = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci/run")], capture_output=True).returncode == 0
    assert re.search(r'mktemp -d', script) and re.search(r'git clone [^\n]*"\$repo" "\$work/clone"', script)
    assert 'cd "$work/clone"' in script and "python3 -m venv .venv" in script
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "pip install '.[test]' && python -m pytest"
    assert command in readme and script.rstrip().endswith(command)


# ---- the bot's log is never part of the transcript ------------------------------------------------------------------
def test_the_bots_log_goes_to_the_log_file_never_into_the_transcript(tmp_path, capsys, monkeypatch):
    from bot.cli import main
    from bot.console.console_platform import ConsolePlatform
    from bot.port import PlatformError

    def refused(self, channel, text, buttons, key):
        raise PlatformError("channel_is_archived", permanent="Nieuwe melding" in text)   # for good; the rest: later

    monkeypatch.setattr(ConsolePlatform, "post", refused)
    script = tmp_path / "s.txt"
    script.write_text("vt-medewerker: /casus nieuw Arnhem\nlt-arnhem-medewerker: /casus stagnatie VT-2025-0001 "
                      "reden: geen reactie\n", encoding="utf-8")
    log = tmp_path / "bot.log"
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert main(["console", "--script", str(script), "--db", db, "--start", "2025-06-02T09:00", "--log", str(log)]) == 0
    out, err = capsys.readouterr()
    assert Ran([], 0, out, "").english() == [] and "alleen voor lt-arnhem-medewerker" in out
    assert err == f"Let op: er ging iets mis in de bezorging van berichten; de details staan in {log}.\n"
    logged = log.read_text(encoding="utf-8")
    assert "outbox delivery failed, will retry" in logged and "outbox row failed for good" in logged
    assert main(["console", "--script", str(script), "--db", f"sqlite:///{tmp_path / 'b.db'}"]) == 0   # no log file
    out, err = capsys.readouterr()
    assert Ran([], 0, out, "").english() == [] and err.startswith("Let op: er ging iets mis in de bezorging van "
                                                                  "berichten; geef --log <bestand> mee")


def test_a_fault_of_the_bot_is_one_dutch_line_and_the_details_go_to_the_log_file(tmp_path, capsys, monkeypatch):
    from bot.cli import main
    from bot.console import console

    def broken(*args, **kwargs):
        raise RuntimeError("kapot van binnen")

    monkeypatch.setattr(console.Console, "on", broken)
    log = tmp_path / "bot.log"
    assert main(["console", "--db", f"sqlite:///{tmp_path / 'b.db'}", "--log", str(log)]) == 70
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Er ging iets mis in de bot zelf. Dit is een fout in triagebot")
    assert "kapot van binnen" not in err and "Traceback" in log.read_text(encoding="utf-8")
