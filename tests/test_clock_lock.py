"""Several bot processes on one database (issue 15): the clock's jobs run in exactly one of them at a time. The
process holding the clock lock runs them; when it dies — killed, not stopped — another takes over at its next
job. On SQLite (a lock file) and on PostgreSQL (an advisory lock)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from bot.delivery.clock_lock import ClockLock
from bot.delivery.scheduler import build_scheduler
from bot.storage.db import make_engine
from tests.harness import ROOT, clean_env
from tests.test_hardening import pg_url

HOLD = """
import sys, time
from bot.delivery.clock_lock import ClockLock
from bot.storage.db import make_engine
lock = ClockLock(make_engine(sys.argv[1]))
print("houdt" if lock.held() else "wacht", flush=True)
time.sleep(600)
"""


def url_of(engine) -> str:
    return pg_url(engine) if engine.dialect.name == "postgresql" else engine.url.render_as_string()


def wait_for(check, timeout: float = 20) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_one_process_holds_the_clock_and_another_takes_over_when_it_is_killed(engine):
    other = subprocess.Popen([sys.executable, "-c", HOLD, url_of(engine)], cwd=ROOT, env=clean_env(),
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "houdt"          # the first process takes the clock
        here = ClockLock(make_engine(url_of(engine)))
        assert not here.held() and not here.held()                 # ... and keeps it
        other.send_signal(signal.SIGKILL)
        other.wait(timeout=10)
        assert wait_for(here.held)                                 # its death lets the clock go: this one takes it
        third = ClockLock(make_engine(url_of(engine)))
        assert third.held() is False
        here.release()
        assert third.held()
        third.release()
    finally:
        other.kill()
        other.wait()


def test_the_jobs_of_two_bots_on_one_database_run_in_one_of_them(engine):
    from datetime import datetime

    from bot.app import Bot
    from bot.config import load_directory, load_profile
    from bot.console.console import SimClock
    from bot.console.console_platform import ConsolePlatform
    from bot.render import Renderer
    from models.calendar import AMS

    directory, profile = load_directory(None), load_profile("gelderland-midden")
    clock = SimClock(datetime(2025, 6, 2, 9, tzinfo=AMS))
    bots = [Bot(directory, profile, make_engine(url_of(engine)), ConsolePlatform(directory, clock),
                Renderer(directory), clock) for _ in range(2)]
    schedulers = [build_scheduler(b) for b in bots]
    try:
        for _ in range(3):
            for s in schedulers:
                for job in s.get_jobs():
                    job.func()
        sweeps = [b.metrics.registry.get_sample_value("triagebot_sweep_seconds_count") for b in bots]
        assert sorted(sweeps) == [0.0, 3.0]                # every round's sweep ran, and in one bot only
    finally:
        for b, s in zip(bots, schedulers, strict=True):
            s.clock_lock.release()
            b.engine.dispose()
