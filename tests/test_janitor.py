"""The stuck-work audit and the scheduler's jobs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from bot.delivery.scheduler import build_scheduler
from models.tables import DeadlineRow, LedgerRow, OutboxRow
from tests.harness import make_console, play, show

DECIDED = """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
"""


def test_a_deadline_that_dropped_out_of_the_sweep_is_scheduled_again():
    c = make_console()
    play(c, DECIDED)
    with Session(c.bot.engine) as s:       # as after a crash between two writes of an older version
        s.execute(sa.update(DeadlineRow).values(next_action_at=None))
        s.commit()
    report = c.bot.janitor.run(c.clock())
    assert report.rescheduled == ["VT-2025-0001"]
    with Session(c.bot.engine) as s:
        open_rows = s.execute(sa.select(DeadlineRow.kind, DeadlineRow.next_action_at).where(
            DeadlineRow.state == "open")).all()
    assert open_rows and all(at is not None for _, at in open_rows)
    assert ("triagebot", "janitor:herplannen", "ok") in [
        (a["actor"], a["action"], a["outcome"]) for a in show(c, "VT-2025-0001")["audit"]]
    assert c.bot.janitor.run(c.clock()).rescheduled == []          # nothing left to do: quiet


def test_an_outbox_row_stuck_long_ago_is_queued_again():
    c = make_console()
    c.bot.dispatcher.deliver = lambda now: 0  # the dispatcher does not run (crashed before it tried)
    play(c, DECIDED)
    with Session(c.bot.engine) as s:
        pending = s.execute(sa.select(sa.func.count()).select_from(OutboxRow).where(
            OutboxRow.state == "nieuw")).scalar_one()
    assert pending > 0
    later = c.clock() + timedelta(hours=1)
    report = c.bot.janitor.run(later)
    assert report.nudged == pending
    with Session(c.bot.engine) as s:
        assert {r for (r,) in s.execute(sa.select(OutboxRow.next_attempt_at).where(OutboxRow.state == "nieuw"))} \
            == {later}


def test_a_case_with_nobody_holding_zicht_op_veiligheid_raises_the_alarm_once():
    c = make_console()
    play(c, DECIDED)
    with Session(c.bot.engine) as s:          # a broken ledger: the safety net must see it
        s.execute(sa.update(LedgerRow).values(end=c.clock(), end_reason="kapot"))
        s.commit()
    assert c.bot.janitor.run(c.clock()).gaps == ["VT-2025-0001"]
    c.bot.deliver_now()
    alarms = [e["to"] for e in c.platform.events if e["kind"] == "dm" and "niemand heeft zicht" in e["text"]]
    assert sorted(alarms) == ["lt-arnhem-leidinggevende", "vt-leidinggevende"]
    assert c.bot.janitor.run(c.clock()).gaps == []                  # reported once


def test_the_scheduler_runs_each_job_coalesced_and_one_at_a_time_and_wakes_the_one_delivery_loop():
    c = make_console()
    woken = []
    c.bot.after_request = lambda: woken.append(True)
    scheduler = build_scheduler(c.bot, sweep_seconds=60, janitor_seconds=600)
    scheduler.start(paused=True)
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert set(jobs) == {"sweep", "janitor", "adressen", "bewaartermijn", "maandrapport"}   # no delivery loop
        assert all(j.coalesce and j.max_instances == 1 for j in jobs.values())
        assert {j.id: j.trigger.interval.total_seconds() for j in jobs.values()} == {
            "sweep": 60, "janitor": 600, "adressen": 3600, "bewaartermijn": 86400, "maandrapport": 3600}
        for job in jobs:
            jobs[job].func()
        # what each job wrote is delivered without waiting (the monthly report wrote nothing: the profile asks none)
        assert woken == [True] * 4
    finally:
        scheduler.shutdown(wait=False)
