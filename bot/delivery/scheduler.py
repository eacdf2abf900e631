"""The jobs on the wall clock: APScheduler interval jobs, each coalesced and never running twice at once.
Built by the composition root (`triagebot serve` / `worker`), never at import."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from models.calendar import AMS

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def build_scheduler(bot, *, sweep_seconds: float = 60, deliver_seconds: float = 5,
                    janitor_seconds: float = 600) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=AMS, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(bot.sweep_now, "interval", seconds=sweep_seconds, id="sweep")
    scheduler.add_job(bot.deliver_now, "interval", seconds=deliver_seconds, id="outbox")
    scheduler.add_job(bot.janitor_now, "interval", seconds=janitor_seconds, id="janitor")
    return scheduler
