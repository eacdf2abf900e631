"""The jobs on the wall clock: APScheduler interval jobs, each coalesced and never running twice at once.
Built by the composition root (`triagebot serve`), never at import.

Delivery is not among them: a server has one delivery loop (`background.DeliveryWorker`), which looks
every few seconds and is woken after every write to the outbox — the sweep's and the janitor's included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from models.calendar import AMS

from .clock_lock import ClockLock

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def build_scheduler(bot, *, sweep_seconds: float = 60, janitor_seconds: float = 600,
                    sync_seconds: float = 3600, retention_seconds: float = 86400, report_seconds: float = 3600,
                    lock: ClockLock | None = None) -> BackgroundScheduler:
    """Every job runs only in the process that holds the clock lock (`clock_lock.py`): with several bot
    processes on one database, each job in exactly one of them at a time."""
    lock = lock or ClockLock(bot.engine)

    def only_one(job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            if lock.held():
                job()
        return run

    def sweep() -> None:
        bot.sweep_now()
        bot.after_request()

    def janitor() -> None:
        bot.janitor_now()
        bot.after_request()

    scheduler = BackgroundScheduler(timezone=AMS, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(only_one(sweep), "interval", seconds=sweep_seconds, id="sweep")
    scheduler.add_job(only_one(janitor), "interval", seconds=janitor_seconds, id="janitor")
    # joiners, movers, leavers: the channels in line with the directory (need to know); the first run soon after
    # the start, so that a directory changed while the bot was down takes effect at once
    scheduler.add_job(only_one(bot.synchronise_now), "interval", seconds=sync_seconds, id="adressen",
                      next_run_time=datetime.now(AMS) + timedelta(seconds=30))
    # closed cases past their retention period reduced, their channels deleted
    scheduler.add_job(only_one(bot.retention_now), "interval", seconds=retention_seconds, id="bewaartermijn",
                      next_run_time=datetime.now(AMS) + timedelta(seconds=90))
    # last month's report, on the first working day of a month (where the profile asks for it): looked for hourly
    scheduler.add_job(only_one(bot.monthly_reports_now), "interval", seconds=report_seconds, id="maandrapport",
                      next_run_time=datetime.now(AMS) + timedelta(seconds=120))
    scheduler.clock_lock = lock
    return scheduler
