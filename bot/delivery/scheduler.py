"""The jobs on the wall clock: APScheduler interval jobs, each coalesced and never running twice at once.
Built by the composition root (`triagebot serve`), never at import.

Delivery is not among them: a server has one delivery loop (`background.DeliveryWorker`), which looks
every few seconds and is woken after every write to the outbox — the sweep's and the janitor's included.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from models.calendar import AMS

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def build_scheduler(bot, *, sweep_seconds: float = 60, janitor_seconds: float = 600,
                    sync_seconds: float = 3600, retention_seconds: float = 86400) -> BackgroundScheduler:
    def sweep() -> None:
        bot.sweep_now()
        bot.after_request()

    def janitor() -> None:
        bot.janitor_now()
        bot.after_request()

    def synchronise() -> None:    # joiners, movers, leavers: the channels in line with the directory (need to know)
        bot.synchronise_now()

    def retention() -> None:     # closed cases past their retention period reduced, their channels deleted
        bot.retention_now()

    scheduler = BackgroundScheduler(timezone=AMS, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep")
    scheduler.add_job(janitor, "interval", seconds=janitor_seconds, id="janitor")
    # the first run soon after the start: a directory changed while the bot was down takes effect at once
    scheduler.add_job(synchronise, "interval", seconds=sync_seconds, id="adressen",
                      next_run_time=datetime.now(AMS) + timedelta(seconds=30))
    scheduler.add_job(retention, "interval", seconds=retention_seconds, id="bewaartermijn",
                      next_run_time=datetime.now(AMS) + timedelta(seconds=90))
    return scheduler
