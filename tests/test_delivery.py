"""The outbox under a failing platform: errors, time-outs after the platform already had the message,
rate limits with Retry-After. Everything arrives, in order per channel, nothing twice."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from bot.port import PlatformError
from models.tables import OutboxRow
from tests.harness import make_console, play
from tests.test_crash_recovery import SCENARIO


def as_if_claimed_by_a_dead_process(engine, dispatcher) -> None:
    """Make the rows this dispatcher claims look claimed by a process of this machine that has ended."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    host = dispatcher.me.partition(":")[0]
    with Session(engine) as s:
        s.execute(update(OutboxRow).where(OutboxRow.claimed_by.like(dispatcher.me + "#%"))
                  .values(claimed_by=f"{host}:{ended.pid}:dood#1"))
        s.commit()


class FlakyPlatform:
    """Wraps the console platform; fails a fraction of calls the ways real platforms do."""

    def __init__(self, inner, seed: int, rate: float):
        self.inner, self.rng, self.rate = inner, random.Random(seed), rate
        self.failures = {"error": 0, "ratelimit": 0, "timeout_after_send": 0}

    def _call(self, method: str, *args):
        r = self.rng.random()
        if r < self.rate / 3:
            self.failures["error"] += 1
            raise PlatformError("internal_error")
        if r < 2 * self.rate / 3:
            self.failures["ratelimit"] += 1
            raise PlatformError("ratelimited", retry_after=self.rng.choice([1, 30, 300]))
        result = getattr(self.inner, method)(*args)
        if r < self.rate:
            self.failures["timeout_after_send"] += 1
            raise PlatformError("timeout")       # the platform has it; the bot does not know
        return result

    def open_channel(self, *a):
        return self._call("open_channel", *a)

    def post(self, *a):
        return self._call("post", *a)

    def update(self, *a):
        return self._call("update", *a)

    def dm(self, *a):
        return self._call("dm", *a)

    def add_members(self, *a):
        return self._call("add_members", *a)

    def remove_members(self, *a):
        return self._call("remove_members", *a)

    def archive(self, *a):
        return self._call("archive", *a)

    def delete_channel(self, *a):
        return self._call("delete_channel", *a)

    def find(self, key):
        return self.inner.find(key)

    def recover(self, key, channel, member):
        return self.inner.recover(key, channel, member)


CLICKS = """
lt-arnhem-medewerker: klik bevestig VT-2025-0001
lt-ede-medewerker: klik bevestig VT-2025-0004
lt-arnhem-medewerker: klik bevestig VT-2025-0004
"""


def run_month(flaky: FlakyPlatform | None = None):
    console = make_console(start="2025-06-02T08:00")
    if flaky is not None:
        flaky.inner = console.platform
        console.bot.port = console.bot.dispatcher.port = flaky
    play(console, SCENARIO + CLICKS + "klok 2025-07-04T08:00\nklok 2025-07-07T12:00")
    queues: dict[str, list[str]] = {}
    for e in console.platform.events:
        if e["kind"] in ("channel_created", "member_added", "post", "update", "dm"):
            queues.setdefault(e["channel"] or "@" + e["to"], []).append(f"{e['kind']}: {e['text']}")
    return console, queues


@pytest.mark.parametrize("seed", [1, 2])
def test_a_failing_platform_delays_but_never_loses_reorders_or_repeats(seed):
    _, expected = run_month()
    flaky = FlakyPlatform(None, seed=seed, rate=0.35)
    console, got = run_month(flaky)
    assert min(flaky.failures.values()) > 0, flaky.failures
    assert got == expected
    with Session(console.bot.engine) as s:
        assert s.execute(select(OutboxRow.state).where(OutboxRow.state != "verzonden")).all() == []


def test_a_rate_limit_is_honoured_and_a_failing_queue_does_not_hold_up_the_others():
    console = make_console(start="2025-06-02T09:00")

    class Limited:
        def __init__(self, inner):
            self.inner, self.calls = inner, []

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def dm(self, member, *a):
            self.calls.append(member)
            if member == "vt-leidinggevende":
                raise PlatformError("ratelimited", retry_after=120)
            return self.inner.dm(member, *a)

    limited = Limited(console.platform)
    console.bot.port = console.bot.dispatcher.port = limited
    play(console, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
lt-arnhem-medewerker: klik weiger VT-2025-0001 reden: ander team
""")
    now = console.clock()
    with Session(console.bot.engine) as s:
        waiting = s.execute(select(OutboxRow).where(OutboxRow.state == "nieuw")).scalars().all()
    assert [(r.recipient, r.attempts, r.next_attempt_at - now) for r in waiting] == [
        ("vt-leidinggevende", 1, timedelta(seconds=120))]
    # the lokaal team's leidinggevende got the same escalation, and the channel went on
    assert "lt-arnhem-leidinggevende" in [e["to"] for e in console.platform.events if e["kind"] == "dm"]
    assert limited.calls.count("vt-leidinggevende") == 1
    console.bot.dispatcher.deliver(now + timedelta(seconds=119))
    assert limited.calls.count("vt-leidinggevende") == 1          # not before Retry-After
    console.bot.dispatcher.deliver(now + timedelta(seconds=120))
    assert limited.calls.count("vt-leidinggevende") == 2


def test_nothing_is_sent_for_a_change_that_was_rolled_back(tmp_path):
    from commands.unit import run
    from models.events import StagnatieGemeld
    from models.rules import Context

    console = make_console(start="2025-06-02T09:00")
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    sent = len(console.platform.events)

    def write_then_fail(uow, before, after, accepted):
        from commands.messages import for_notes
        for message in for_notes(console.bot.directory, before, after, accepted.notes, "vt-medewerker"):
            uow.outbox.add(message, case=after.number, at=console.clock())
        raise RuntimeError("crash before commit")

    ctx = Context(now=console.clock(), actor="vt-medewerker", actor_org="vt-gelderland-midden",
                  profile=console.profile)
    with pytest.raises(RuntimeError):
        run(console.bot.uow, "VT-2025-0001", StagnatieGemeld("vastgelopen"), ctx, action="test",
            after=write_then_fail)
    console.bot.tick()
    assert len(console.platform.events) == sent
    with Session(console.bot.engine) as s:
        assert s.execute(select(OutboxRow.id).where(OutboxRow.state == "nieuw")).all() == []
