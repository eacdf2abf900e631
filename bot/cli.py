"""The `triagebot` command line: the composition root where configuration becomes objects."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tempfile
from datetime import datetime
from importlib import resources
from pathlib import Path

from models.calendar import AMS
from models.schema import ConfigError

DEMO_START = "2025-05-26T08:30"


def _start(value: str | None) -> datetime:
    if value is None:
        return datetime.now(AMS).replace(second=0, microsecond=0)
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"--start: '{value}' is geen tijd; gebruik JJJJ-MM-DDTUU:MM") from None
    return t if t.tzinfo else t.replace(tzinfo=AMS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="triagebot", description="Triagetafel-bot voor Veilig Thuis en lokale teams")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, db_default: str | None) -> None:
        p.add_argument("--db", default=db_default, help="database-URL (standaard: een SQLite-bestand)")
        p.add_argument("--directory", help="adressenlijst (YAML); standaard de demo-adressenlijst")
        p.add_argument("--profiel", default="gelderland-midden", help="regioprofiel of pad naar een profiel")

    console = sub.add_parser("console", help="de bot in de terminal, met gesimuleerde klok")
    common(console, None)
    console.add_argument("--script", help="speel een script af en print het verslag")
    console.add_argument("--json", action="store_true", help="één JSON-object per gebeurtenis")
    console.add_argument("--start", help="starttijd van de klok, JJJJ-MM-DDTUU:MM (standaard: nu)")

    demo = sub.add_parser("demo", help="speel een triagetafel-ochtend af")
    common(demo, None)
    demo.add_argument("--json", action="store_true")

    show = sub.add_parser("casus", help="beheer: één casus bekijken")
    show.add_argument("actie", choices=["show"])
    show.add_argument("nummer")
    show.add_argument("--db", default=None)
    show.add_argument("--json", action="store_true")

    check = sub.add_parser("profielen", help="controleer de regioprofielen en de adressenlijst")
    check.add_argument("--directory")

    sub.add_parser("worker", help="de klokjobs in gesimuleerde tijd, berichten naar een journaal", add_help=False)
    sub.add_parser("serve", help="de bot over HTTP: Slack (standaard) of --platform mattermost", add_help=False)
    sub.add_parser("check", help="controleer de instellingen voor een platform (--platform mattermost)",
                   add_help=False)
    sub.add_parser("socket", help="de Slack-bot in Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN)", add_help=False)
    if argv is None:
        argv = sys.argv[1:]
    from .console.console import ReaderGone

    try:
        return _run(parser, argv)
    except (BrokenPipeError, ReaderGone):
        # `triagebot demo | head`: the reader has gone, so stop quietly, as a command-line tool should. (No
        # SIGPIPE default for that: a server whose client hangs up early must never end, and the tests call
        # `main` in their own process.)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    if argv[:1] == ["worker"]:
        from .delivery.worker import main as worker_main
        return worker_main(argv[1:])
    try:
        if argv[:1] in (["serve"], ["socket"], ["check"]):
            return _platform_command(argv[0], argv[1:])
        args = parser.parse_args(argv)
        if args.command == "console":
            return _console(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "casus":
            return _show(args)
        return _check_profiles(args.directory)
    except ConfigError as exc:
        print(f"Fout in de configuratie: {exc}", file=sys.stderr)
        return 2


def _platform_command(command: str, argv: list[str]) -> int:
    """serve / socket / check, per platform; each platform module reads its own settings."""
    p = argparse.ArgumentParser(prog=f"triagebot {command}")
    choices = {"serve": ["slack", "mattermost"], "socket": ["slack"], "check": ["mattermost"]}[command]
    p.add_argument("--platform", choices=choices, default=choices[0])
    args = p.parse_args(argv)
    if args.platform == "mattermost":
        from .mattermost import serve as mm
        return mm.serve([]) if command == "serve" else mm.check_main([])
    from .slack import serve as slack_serve
    return getattr(slack_serve, command)([])


def _build(args: argparse.Namespace, db_url: str, start: datetime):
    from .config import load_directory, load_profile
    from .console.console import Console, attach

    console = Console.build(load_directory(args.directory), load_profile(args.profiel), db_url, start)
    attach(console, sys.stdout, getattr(args, "json", False))
    return console


def _console(args: argparse.Namespace) -> int:
    from .config import default_database_url

    console = _build(args, args.db or default_database_url(), _start(args.start))
    if args.script:
        path = Path(args.script)
        if not path.is_file():
            print(f"Script niet gevonden: {path}", file=sys.stderr)
            return 2
        console.run(path.read_text(encoding="utf-8").splitlines())
        return 0
    print("Triagetafel-bot (console). Typ '<lid-id>: /casus help', 'klok +1d' of 'stop'.")
    print("Leden: " + ", ".join(sorted(console.bot.directory.members)))
    for line in sys.stdin:
        if line.strip().lower() in ("stop", "exit", "quit"):
            break
        console.line(line)
    return 0


def demo_script() -> list[str]:
    return resources.files("bot").joinpath("demo/ochtend.txt").read_text(encoding="utf-8").splitlines()


def _demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{Path(tmp) / 'demo.db'}"
        console = _build(args, db, _start(DEMO_START))
        console.run(demo_script())
        console.bot.engine.dispose()
    return 0


def _show(args: argparse.Namespace) -> int:
    from .config import default_database_url, load_profile
    from .inspect import case_report, render_report
    from .storage.db import make_engine, migrate
    from .storage.uow import uow_factory

    engine = make_engine(args.db or default_database_url())
    migrate(engine)
    uow = uow_factory(engine, load_profile)
    report = case_report(uow, args.nummer.upper(), actor="beheerder", on_behalf_of=getpass.getuser(),
                         now=datetime.now(AMS))
    if report is None:
        print(f"Casus {args.nummer} bestaat niet.", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render_report(report))
    return 0


def _check_profiles(directory: str | None) -> int:
    from .config import PROFILE_NAMES, load_directory, load_profile

    for name in PROFILE_NAMES:
        profile = load_profile(name)
        print(f"{profile.name}: {profile.title} — overdracht bij {profile.transfer_moment.value}")
    d = load_directory(directory)
    print(f"adressenlijst: {len(d.organisations)} organisaties, {len(d.members)} leden, "
          f"gemeenten {', '.join(d.gemeenten)}")
    return 0


if __name__ == "__main__":   # pragma: no cover
    raise SystemExit(main())
