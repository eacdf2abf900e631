"""Logging for the commands whose output a person reads (`console`, `demo`, `proefdraai`).

Their standard output is the transcript: the bot's log never goes there. The choice:
- with `--log BESTAND` (or TRIAGEBOT_LOG) every log line from INFO up goes to that file, with its details;
- without it the bot's log is silent below ERROR;
- an ERROR (a message that could not be delivered for good, a fault) is also said on standard error, as one
  Dutch line that names the part of the bot and where the details are. Never the log's own English.
Python's warnings go into the log as well. The servers (`start`, `socket`) keep their own log on standard
error, for the administrator's process manager.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from models.schema import ConfigError

from .errors import UserError

PARTS = {
    "triagebot.outbox": "de bezorging van berichten",
    "triagebot.delivery": "de bezorging van berichten",
    "triagebot.sweep": "de termijnbewaking",
    "triagebot.janitor": "de controletaak",
    "triagebot.commands": "het uitvoeren van een opdracht",
}


FAULTS = logging.getLogger("triagebot.cli")


class DutchErrors(logging.Handler):
    """One Dutch line on standard error per ERROR, instead of the English log record."""

    def __init__(self, log_file: str | None):
        super().__init__(logging.ERROR)
        self.log_file = log_file

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == FAULTS.name:
            return               # the command line says those itself (bot/cli/__init__.py)
        part = next((text for name, text in PARTS.items() if record.name.startswith(name)), "de bot")
        where = (f"de details staan in {self.log_file}" if self.log_file
                 else "geef --log <bestand> mee om de details te bewaren")
        try:
            sys.stderr.write(f"Let op: er ging iets mis in {part}; {where}.\n")
            sys.stderr.flush()
        except (OSError, ValueError):     # standard error is gone: nothing more to say
            pass


@contextmanager
def quiet_logging(log_file: str | None) -> Iterator[None]:
    """The bot's log for the duration of one command; afterwards the logging is as it was."""
    root = logging.getLogger()
    saved_level = root.level
    handlers: list[logging.Handler] = [DutchErrors(log_file)]
    if log_file:
        try:
            to_file = logging.FileHandler(log_file, encoding="utf-8")
        except OSError:
            raise UserError(f"Het logbestand {log_file} kan niet worden geopend of aangemaakt; bestaat de map, en "
                            "mag u erin schrijven?") from None
        to_file.setLevel(logging.INFO)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(to_file)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO if log_file else logging.ERROR)
    logging.captureWarnings(True)
    try:
        yield
    except (UserError, ConfigError, BrokenPipeError):
        raise
    except Exception:
        FAULTS.exception("fout in de bot")      # the details, for the log file; the user gets one Dutch line
        raise
    finally:
        logging.captureWarnings(False)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(saved_level)
