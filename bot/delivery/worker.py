"""`triagebot worker`: the clock's jobs without a chat platform, in simulated time — the sweep, the
outbox and the janitor, step by step from one moment to another, writing every message to a journal.

Used for a dry run of what the bot would send over a period, and by the crash and multi-process tests.
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta

from models.calendar import AMS

from ..app import Bot
from ..config import load_directory, load_profile
from ..console.console import SimClock
from ..console.journal_platform import JournalPlatform
from ..render import Renderer
from ..storage.db import make_engine, migrate


def _moment(value: str) -> datetime:
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=AMS)


def _step(value: str) -> timedelta:
    m = re.fullmatch(r"(\d+)(m|h)", value)
    if not m:
        raise argparse.ArgumentTypeError("stap: bijvoorbeeld 30m of 1h")
    n = int(m.group(1))
    return timedelta(minutes=n) if m.group(2) == "m" else timedelta(hours=n)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="triagebot worker", description=__doc__)
    p.add_argument("--db", required=True)
    p.add_argument("--journaal", required=True, help="bestand waarin elk bericht komt (JSON-regels)")
    p.add_argument("--van", required=True, type=_moment)
    p.add_argument("--tot", required=True, type=_moment)
    p.add_argument("--stap", default="1h", type=_step)
    p.add_argument("--profiel", default="gelderland-midden")
    p.add_argument("--directory")
    p.add_argument("--traag-ms", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--crash-na", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    engine = make_engine(args.db)
    migrate(engine)
    directory = load_directory(args.directory)
    clock = SimClock(args.van)
    platform = JournalPlatform(args.journaal, args.traag_ms, args.crash_na)
    bot = Bot(directory, load_profile(args.profiel), engine, platform, Renderer(directory, "console"), clock)
    last_janitor = None
    while clock.now <= args.tot:
        bot.tick()
        if last_janitor is None or clock.now - last_janitor >= timedelta(hours=6):
            bot.janitor_now()
            last_janitor = clock.now
        clock.now += args.stap
    return 0


if __name__ == "__main__":   # pragma: no cover
    raise SystemExit(main())
