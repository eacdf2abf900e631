"""What each `triagebot` command does: the composition root where settings become objects."""

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

from ..config import (
    ENV_DATABASE,
    ENV_DIRECTORY,
    ENV_LOG,
    ENV_PROFILE,
    Settings,
    load_directory,
    load_profile,
    setting,
)
from .errors import UserError

DEMO_START = "2025-05-26T08:30"
STOP_WORDS = ("stop", "exit", "quit")


def settings_of(args: argparse.Namespace) -> Settings:
    return Settings.resolve(args.db, args.profiel, args.adressenlijst)


def log_file_of(args: argparse.Namespace) -> str | None:
    return setting(getattr(args, "log", None), ENV_LOG, None)


def demo_script() -> list[str]:
    return resources.files("bot").joinpath("demo/ochtend.txt").read_text(encoding="utf-8").splitlines()


def _console_on(engine, settings: Settings, start: datetime | None):
    from ..console.console import Console, StartTooEarly

    try:
        return Console.on(engine, load_directory(settings.directory), load_profile(settings.profile), start,
                          files_dir=Path(tempfile.gettempdir()) / "triagebot-bestanden")
    except StartTooEarly as exc:
        from ..render import Renderer

        when = Renderer(load_directory(settings.directory)).moment(exc.latest)
        raise UserError(f"--start ligt vóór het laatste moment in deze database ({when}); de klok kan niet terug. "
                        "Laat --start weg om daar verder te gaan, of kies een latere tijd.") from None


# ---- console ---------------------------------------------------------------------------------------------
def console(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    load_profile(settings.profile), load_directory(settings.directory)     # a broken file is said first
    script = _script(args.script) if args.script else None

    from ..console.console import attach
    from .failures import open_database
    from .logs import quiet_logging

    with quiet_logging(log_file_of(args)):
        c = _console_on(open_database(settings.database_url), settings, args.start)
        attach(c, sys.stdout, args.json)
        if script is not None:
            c.echo = True
            c.run(script)
            return 0
        print(banner(c, settings), file=sys.stderr if args.json else sys.stdout, flush=True)
        for line in sys.stdin:
            if line.strip().lower() in STOP_WORDS:
                break
            c.line(line)
    return 0


def _script(path_text: str) -> list[str]:
    path = Path(path_text)
    if not path.is_file():
        raise UserError(f"Script niet gevonden: {path}")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UserError(f"Script {path} is geen tekst in UTF-8; sla het op als UTF-8.") from None
    except OSError:
        raise UserError(f"Script {path} kan niet worden gelezen.") from None


def banner(c, settings: Settings) -> str:
    from .failures import shown

    when = c.bot.renderer.moment(c.clock.now)
    clock = (f"Verder waar de vorige sessie stopte: de klok staat op {when}." if c.resumed_at is not None
             else f"De klok staat op {when}.")
    return "\n".join([
        f"Triagetafel-bot (console) — profiel {c.profile.name}, database {shown(settings.database_url)}.",
        clock,
        "Typ een regel en druk op Enter:",
        "  <lid-id>: /casus help                        wat u kunt doen, bijvoorbeeld vt-medewerker: /casus help",
        "  <lid-id>: klik <knop> [casusnummer]          een knop indrukken: typ wat erop staat ("
        + ", ".join(c.buttons().values()) + "),",
        "                                               bijvoorbeeld lt-arnhem-medewerker: klik Bevestig overdracht",
        "  klok +1h                                     de tijd verzetten: +<n>m, h, d of wd (werkdagen), "
        "of JJJJ-MM-DDTUU:MM",
        "  stop                                         stoppen (of Ctrl-D)",
        "Leden: " + ", ".join(sorted(c.bot.directory.members)),
    ])


# ---- demo ------------------------------------------------------------------------------------------------
def demo(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    load_profile(settings.profile), load_directory(settings.directory)     # a broken file is said first

    from ..console.console import attach
    from ..console.resume import latest_moment
    from .failures import open_database, shown
    from .logs import quiet_logging

    kept = setting(args.db, ENV_DATABASE, None)
    with quiet_logging(log_file_of(args)), tempfile.TemporaryDirectory() as tmp:
        url = kept or f"sqlite:///{Path(tmp) / 'demo.db'}"
        engine = open_database(url)
        try:
            if latest_moment(engine) is not None:
                raise UserError(f"De demo heeft een lege database nodig, en {shown(url)} bevat al gegevens. Kies een "
                                "bestand dat nog niet bestaat, bijvoorbeeld --db sqlite:///demo-2.db, of laat --db weg "
                                f"(en {ENV_DATABASE}) voor een tijdelijke database.")
            c = _console_on(engine, Settings(url, settings.profile, settings.directory),
                            datetime.fromisoformat(DEMO_START).replace(tzinfo=AMS))
            c.echo = True
            attach(c, sys.stdout, args.json)
            c.run(demo_script())
            with c.bot.uow() as uow:
                first = next(iter(uow.cases.numbers()), "VT-2025-0001")
            if kept:
                c.say(f"Klaar. De demo staat in {shown(url)}. Bekijk een casus met: "
                      f"triagebot casus toon {first} --db {shown(url)}")
            else:
                c.say("Klaar. De demo gebruikte een tijdelijke database, die nu weg is. Bewaar hem met --db, "
                      f"bijvoorbeeld: triagebot demo --db sqlite:///demo.db — en bekijk daarna een casus met: "
                      f"triagebot casus toon {first} --db sqlite:///demo.db")
        finally:
            engine.dispose()
    return 0


# ---- casus toon --------------------------------------------------------------------------------------------
def casus(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    directory, profile = load_directory(settings.directory), load_profile(settings.profile)

    from ..inspect import case_report, render_report
    from ..render import Renderer
    from ..storage.uow import uow_factory
    from .failures import open_database, shown

    engine = open_database(settings.database_url)
    try:
        uow = uow_factory(engine, lambda name: profile if name == profile.name else load_profile(name))
        number = args.nummer.upper()
        report = case_report(uow, number, actor="beheerder", on_behalf_of=getpass.getuser(), now=datetime.now(AMS))
    finally:
        engine.dispose()
    if report is None:
        print(f"Casus {number} bestaat niet in {shown(settings.database_url)}.", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json
          else render_report(report, Renderer(directory, "console", profile.wording)))
    return 0


# ---- profielen ---------------------------------------------------------------------------------------------
def profielen(args: argparse.Namespace) -> int:
    from models.schema import ConfigError

    from ..config import PROFILE_NAMES
    from .checks import database_state

    settings = settings_of(args)
    problems = []
    for name in PROFILE_NAMES:
        p = load_profile(name)
        print(f"{p.name}: {p.title} — overdracht bij {p.transfer_moment.value}")
    source = _source(args.profiel, ENV_PROFILE)
    try:
        p = load_profile(settings.profile)
        print(f"in gebruik ({source}): {p.name} — {p.title}")
    except ConfigError as exc:
        problems.append(f"Het regioprofiel ({source}) klopt niet: {exc}")
    source = _source(args.adressenlijst, ENV_DIRECTORY)
    try:
        d = load_directory(settings.directory)
        print(f"adressenlijst ({source}): {len(d.organisations)} organisaties, {len(d.members)} leden, "
              f"gemeenten {', '.join(d.gemeenten)}")
    except ConfigError as exc:
        problems.append(f"De adressenlijst ({source}) klopt niet: {exc}")
    try:
        print(f"database ({_source(args.db, ENV_DATABASE)}): {database_state(settings.database_url)}")
    except UserError as exc:
        problems.append(exc.message)
    if problems:
        print("Nog niet in orde:\n- " + "\n- ".join(problems), file=sys.stderr)
        return 1
    print("In orde.")
    return 0


def _source(given: str | None, variable: str) -> str:
    if given:
        return "opdrachtregel"
    return variable if os.environ.get(variable) else "standaard"


# ---- proefdraai ---------------------------------------------------------------------------------------------
def proefdraai(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    directory, profile = load_directory(settings.directory), load_profile(settings.profile)

    from ..console.resume import latest_moment
    from ..delivery.worker import run_worker
    from .failures import open_database
    from .logs import quiet_logging

    with quiet_logging(log_file_of(args)):
        engine = open_database(settings.database_url)
        start = args.van or latest_moment(engine) or datetime.now(AMS).replace(second=0, microsecond=0)
        if args.tot < start:
            raise UserError(f"--tot ({args.tot:%Y-%m-%dT%H:%M}) ligt vóór het begin ({start:%Y-%m-%dT%H:%M}); "
                            "kies een latere --tot.")
        try:
            run_worker(engine, directory, profile, args.journaal, start, args.tot, args.stap,
                       slow_ms=args.traag_ms, crash_after=args.crash_na)
        except OSError as exc:
            raise UserError(f"Het journaal {args.journaal} kan niet worden geschreven ({exc.strerror or 'fout'}); "
                            "bestaat de map, en mag u erin schrijven?") from None
        finally:
            engine.dispose()
    return 0
