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

import json
import logging
import sys
import traceback
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


# ---- the servers (`start`, `socket`): their log is for the administrator's process manager ------------------
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _where(tb) -> list[str]:
    return [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(tb)][-5:]


class TextLines(logging.Formatter):
    """Text lines; of an exception only its type and where it was raised (see JsonLines)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatException(self, ei) -> str:
        return f"fout: {ei[0].__name__}, bij " + " < ".join(reversed(_where(ei[2])))


class JsonLines(logging.Formatter):
    """One JSON object per line: the moment, level, part of the bot, message and the record's fields (an outbox
    id, a case number, a path). Of an exception only its type and where it was raised: its text can quote what a
    person typed (a database error shows the statement's parameters), so it never goes into the log."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"tijd": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
                 "niveau": record.levelname, "deel": record.name, "bericht": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD and not k.startswith("_")})
        if record.exc_info and record.exc_info[0] is not None:
            entry["fout"] = record.exc_info[0].__name__
            entry["waar"] = _where(record.exc_info[2])
        return json.dumps(entry, ensure_ascii=False, default=str)


def server_logging(setting: str | None) -> None:
    """`TRIAGEBOT_LOG=json`: JSON lines on standard error; a file name: text lines in that file; else text lines
    on standard error. From INFO up."""
    if setting == "json":
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
    else:
        handler = logging.FileHandler(setting, encoding="utf-8") if setting else logging.StreamHandler(sys.stderr)
        handler.setFormatter(TextLines())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # httpx logs every request at INFO with its URL: a private answer's response_url is a secret of its own
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.captureWarnings(True)
