"""Driving the whole bot through the console in tests: scripts in, events and `casus show` out."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import load_directory, load_profile
from bot.console.console import Console
from bot.inspect import case_report
from models.calendar import AMS

_counter = itertools.count()


def make_console(profile: str = "gelderland-midden", start: str | None = "2025-05-26T09:00",
                 db_url: str | None = None, directory: str | None = None) -> Console:
    if db_url is None:
        folder = Path(tempfile.mkdtemp(prefix="triagebot-test-"))
        db_url = f"sqlite:///{folder / f'bot{next(_counter)}.db'}"
    return Console.build(load_directory(directory), load_profile(profile), db_url,
                         datetime.fromisoformat(start).replace(tzinfo=AMS) if start else None)


def play(console: Console, script: str) -> list[dict[str, Any]]:
    """Run script lines; return the events they produced (posts, updates, answers, DMs)."""
    first = len(console.platform.events)
    console.run(script.strip().splitlines())
    return console.platform.events[first:]


def show(console: Console, number: str) -> dict[str, Any] | None:
    """`triagebot casus show --json` for a case, as the administrator sees it (audited too)."""
    return case_report(console.bot.uow, number, actor="beheerder", on_behalf_of="test", now=console.clock())


def answers(events: list[dict[str, Any]], to: str | None = None) -> list[str]:
    return [e["text"] for e in events if e["kind"] == "ephemeral" and (to is None or e["to"] == to)]


def posts(events: list[dict[str, Any]], channel: str | None = None) -> list[str]:
    return [e["text"] for e in events if e["kind"] in ("post", "update")
            and (channel is None or e["channel"] == channel)]


# ---- the command line as a user meets it: `python -m bot.cli ...` in a process of its own -----------------
ROOT = Path(__file__).resolve().parents[1]
# argparse's and Python's own English, and the bot's log lines: none of it may reach a user
ENGLISH = ("Traceback", "usage:", "options:", "invalid", "error:", "Error", "show this help", "expected one",
           "required", "unrecognized", "failed", "retry", "delivery", "outbox", "Exception", "WARNING", "warning:")
SETTINGS = ("DATABASE_URL", "TRIAGEBOT_", "SLACK_", "MATTERMOST_")


@dataclass
class Ran:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def english(self) -> list[str]:
        return [word for word in ENGLISH if word in self.text]


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without any of the bot's settings, plus the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    return {**env, "PYTHONUNBUFFERED": "1", **settings}


def triagebot_many(calls: list[tuple[list[str], dict[str, str] | None]], timeout: float = 180) -> list[Ran]:
    """Run `triagebot` (as `python -m bot.cli`, from this tree) once per (argv, env), all at the same time."""
    procs = [(argv, subprocess.Popen([sys.executable, "-m", "bot.cli", *argv], cwd=ROOT, env=env or clean_env(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, encoding="utf-8"))
             for argv, env in calls]
    out = []
    for argv, proc in procs:
        stdout, stderr = proc.communicate(timeout=timeout)
        out.append(Ran(argv, proc.returncode, stdout, stderr))
    return out


def triagebot(*argv: str, env: dict[str, str] | None = None) -> Ran:
    return triagebot_many([(list(argv), env)])[0]
