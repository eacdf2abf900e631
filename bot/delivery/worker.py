"""`triagebot proefdraai` (also `triagebot worker`): the clock's jobs without a chat platform, in simulated time
— the sweep, the outbox, the janitor, the directory's synchronisation and retention, the monthly report — step
by step from one moment to another, writing every message to a journal.

Used for a dry run of what the bot would send over a period, and by the crash and multi-process tests. The
command line (options, settings, Dutch errors, logging) is in bot/cli; this is the loop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models.directory import Directory
from models.profile import Profile

from ..app import Bot
from ..console.console import SimClock
from ..console.journal_platform import JournalPlatform
from ..render import Renderer

JANITOR_EVERY = timedelta(hours=6)


def run_worker(engine, directory: Directory, profile: Profile, journal: str, start: datetime, end: datetime,
               step: timedelta, *, slow_ms: int = 0, crash_after: int = 0) -> None:
    """Run the clock from `start` to `end` in steps of `step`; every message goes to `journal`."""
    clock = SimClock(start)
    platform = JournalPlatform(journal, slow_ms, crash_after)
    bot = Bot(directory, profile, engine, platform, Renderer(directory, "console", profile.wording), clock)
    last_janitor = None
    while clock.now <= end:
        bot.tick()
        if last_janitor is None or clock.now - last_janitor >= JANITOR_EVERY:
            bot.janitor_now()
            bot.synchronise_now()
            bot.retention_now()
            bot.monthly_reports_now()
            last_janitor = clock.now
        clock.now += step


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.delivery.worker ...`: the same as `triagebot proefdraai ...`."""
    import sys

    from ..cli import main as cli_main

    return cli_main(["proefdraai", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":   # pragma: no cover
    raise SystemExit(main())
