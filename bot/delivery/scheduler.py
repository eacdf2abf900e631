"""The jobs on the wall clock: APScheduler interval jobs, each coalesced and never running twice at once.
Built by the composition root (`triagebot serve`), never at import.

Delivery is not among them: a server has one delivery loop (`background.DeliveryWorker`), which looks
every few seconds and is woken after every write to the outbox — the sweep's and the janitor's included.
"""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from models.calendar import AMS

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def build_scheduler(bot, *, sweep_seconds: float = 60, janitor_seconds: float = 600) -> BackgroundScheduler:
    def sweep() -> None:
        bot.sweep_now()
        bot.after_request()

    def janitor() -> None:
        bot.janitor_now()
        bot.after_request()

    scheduler = BackgroundScheduler(timezone=AMS, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep")
    scheduler.add_job(janitor, "interval", seconds=janitor_seconds, id="janitor")
    return scheduler
