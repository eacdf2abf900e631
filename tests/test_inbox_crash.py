"""What the platform was told was received is applied exactly once, also across a SIGKILL (issue 15): of the server
right after it acknowledged requests and before it processed them, and of the processor in the middle of its work
(right after a change committed and before its answer went out, and at a moment it does not choose). On SQLite and
PostgreSQL, Slack and Mattermost; the bot runs in processes of its own (`tests/served.py`)."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest

from models.tables import AuditRow, InboxRow
from tests.served import Served
from tests.test_hardening import assert_nothing_twice, served  # noqa: F401 (the fixture)

CASES = [("slack", "sqlite"), pytest.param("slack", "pg", marks=pytest.mark.postgres),
         ("mattermost", "sqlite"), pytest.param("mattermost", "pg", marks=pytest.mark.postgres)]
LOST = "kwam het antwoord niet aan"


def acknowledged(bot: Served, n: int) -> list:
    """`n` new cases asked for, each acknowledged (200) by a server that only receives."""
    acks = [bot.command("vt-medewerker", "nieuw Arnhem", wait=0) for _ in range(n)]
    assert [a.status for a in acks] == [200] * n
    assert bot.count(InboxRow, InboxRow.state == "nieuw") == n and bot.cases() == 0    # stored, nothing applied
    return acks


def applied_once(bot: Served, n: int) -> None:
    assert bot.cases() == n
    assert bot.count(AuditRow, AuditRow.action == "/casus nieuw", AuditRow.outcome == "ok") == n


def answers(acks: list, timeout: float = 30) -> list[list[str]]:
    """What each acknowledged request's response_url received, once the answers came (or time ran out)."""
    end = time.time() + timeout
    while time.time() < end and not all(a.responded() for a in acks):
        time.sleep(0.05)
    time.sleep(0.2)       # a second answer would come right after the first
    return [a.responded() for a in acks]


def killed_in_the_middle(proc: subprocess.Popen, acks: list, at_least: int = 5) -> None:
    """SIGKILL `proc` once it answered `at_least` requests, at a moment it does not choose. It runs in short slices
    and is frozen (SIGSTOP) while the test counts the answers the fake platform received, so that a test process
    the machine leaves waiting cannot look too late and find all the work done. (Counted at the platform, in this
    process: a frozen processor may hold SQLite's write lock.)"""
    end = time.time() + 60
    while time.time() < end:
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.004)
        proc.send_signal(signal.SIGSTOP)
        if sum(1 for a in acks if a.responded()) >= at_least:
            break
    proc.kill()
    proc.wait(timeout=10)


def stopped(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.parametrize("platform,db", CASES)
def test_requests_acknowledged_just_before_a_sigkill_are_applied_once_after_the_restart(served, platform, db):  # noqa: F811
    bot = served(platform, db, ("--alleen-ontvangen",))
    acks = acknowledged(bot, 6)
    bot.kill()
    bot.start()                    # the whole bot again: its processor takes what the killed server acknowledged
    bot.settled()
    applied_once(bot, 6)
    got = answers(acks)
    assert [len(texts) for texts in got] == [1] * 6
    assert len({re.search(r"VT-\d{4}-\d{4}", t).group() for [t] in got}) == 6     # each its own new case
    bot.delivered()
    assert_nothing_twice(bot)


@pytest.mark.parametrize("platform,db", CASES)
def test_a_processor_killed_between_a_change_and_its_answer_applies_nothing_twice(served, platform, db):  # noqa: F811
    bot = served(platform, db, ("--alleen-ontvangen",))
    acks = acknowledged(bot, 6)
    crashing = bot.processor("--crash-na", "3")       # SIGKILLs itself right after the 3rd change committed
    assert crashing.wait(timeout=60) == -9
    applied_once(bot, 3)
    assert bot.count(InboxRow, InboxRow.state == "verwerkt") == 1       # the third: applied, not answered
    again = bot.processor()
    try:
        bot.settled()
        applied_once(bot, 6)                                 # the third was not applied again
        got = answers(acks)
        assert [len(texts) for texts in got] == [1] * 6     # every request answered once
        assert [LOST in texts[0] for texts in got] == [False, False, True, False, False, False]
        bot.delivered()
        assert_nothing_twice(bot)
    finally:
        stopped(again)


@pytest.mark.parametrize("platform,db", [("slack", "sqlite"), pytest.param("slack", "pg", marks=pytest.mark.postgres),
                                         ("mattermost", "sqlite")])
def test_a_processor_killed_at_any_moment_of_its_work_leaves_every_request_applied_once(served, platform, db):  # noqa: F811
    bot = served(platform, db, ("--alleen-ontvangen",))
    acks = acknowledged(bot, 80)
    first = bot.processor()
    killed_in_the_middle(first, acks)
    assert 5 <= bot.cases() < 80
    again = bot.processor()
    try:
        bot.settled()
        applied_once(bot, 80)
        got = answers(acks, timeout=3)       # settled: every answer left, but the one in flight at the kill
        assert max(len(texts) for texts in got) == 1                    # nobody answered twice
        # only the answer in flight at the kill (its row marked answered, the post not yet made) may be missing
        assert sum(1 for texts in got if not texts) <= 1
        bot.delivered()
        assert_nothing_twice(bot)
    finally:
        stopped(again)
