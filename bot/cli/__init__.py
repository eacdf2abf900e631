"""The `triagebot` command line. Everything it says is Dutch, and nothing ends in a traceback:

- a mistake on the command line: the usage and what is wrong (exit 2);
- a setting or file that is wrong (profile, directory, database, script): what and where (exit 2);
- Ctrl-C: "Gestopt." (exit 130); a reader that went away (`triagebot demo | head`): quietly (exit 0);
- a fault of the bot itself: one Dutch line, the details in the log file if there is one (exit 70).
"""

from __future__ import annotations

import os
import sys

from .errors import UserError
from .run import DEMO_START, demo_script

__all__ = ["DEMO_START", "demo_script", "main"]


def main(argv: list[str] | None = None) -> int:
    from .parser import build_parser

    args = None
    try:
        args = build_parser(handlers()).parse_args(sys.argv[1:] if argv is None else argv)
        return args.run(args)
    except Exception as exc:
        return _failed(exc, args)
    except KeyboardInterrupt:
        _say("\nGestopt.")
        return 130
    except BaseException as exc:
        if type(exc).__name__ != "ReaderGone":      # SystemExit and the like go on
            raise
        return _reader_gone()


def handlers() -> dict:
    """What each command does, by the name the parser gives it."""
    from . import audit, database, platforms, privacy, report, run

    return {"console": run.console, "demo": run.demo, "casus": run.casus, "audit": audit.audit,
            "adressen": privacy.adressen, "bewaartermijn": privacy.bewaartermijn, "db": database.db,
            "profielen": run.profielen, "proefdraai": run.proefdraai, "start": platforms.start,
            "verwerker": platforms.verwerker, "socket": platforms.socket, "controleer": platforms.controleer,
            "rapport": report.rapport}


def _failed(exc: Exception, args) -> int:
    """What the user reads when a command fails: Dutch, without a traceback; and the exit status."""
    from models.schema import ConfigError

    if isinstance(exc, BrokenPipeError):
        return _reader_gone()
    if isinstance(exc, UserError):
        _say(exc.message)
        return exc.code
    if isinstance(exc, ConfigError):
        _say(f"Fout in de configuratie: {exc}")
        return 2
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        from ..config import DEFAULT_DATABASE, ENV_DATABASE, setting
        from .failures import database_error

        _say(database_error(setting(getattr(args, "db", None), ENV_DATABASE, DEFAULT_DATABASE), exc).message)
        return 2
    # a fault of the bot: no traceback for the user; the log file has it (bot/cli/logs.py)
    _say("Er ging iets mis in de bot zelf. Dit is een fout in triagebot, niet in uw invoer; meld het aan de beheerder, "
         "met de opdracht die u gaf. Met --log <bestand> bewaart de bot de details.")
    return 70


def _reader_gone() -> int:
    # `triagebot demo | head`: the reader has gone, so stop quietly, as a command-line tool should. (No SIGPIPE
    # default for that: a server whose client hangs up early must never end, and the tests call `main` in their
    # own process.)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _say(text: str) -> None:
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
