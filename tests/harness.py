"""Driving the whole bot through the console in tests: scripts in, events and `casus show` out."""

from __future__ import annotations

import itertools
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import load_directory, load_profile
from bot.console.console import Console
from bot.inspect import case_report
from models.calendar import AMS

_counter = itertools.count()


def make_console(profile: str = "gelderland-midden", start: str = "2025-05-26T09:00",
                 db_url: str | None = None, directory: str | None = None) -> Console:
    if db_url is None:
        folder = Path(tempfile.mkdtemp(prefix="triagebot-test-"))
        db_url = f"sqlite:///{folder / f'bot{next(_counter)}.db'}"
    return Console.build(load_directory(directory), load_profile(profile), db_url,
                         datetime.fromisoformat(start).replace(tzinfo=AMS))


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
