"""The durable inbox (`bot/delivery/inbox.py`, issue 15): a stored request is applied exactly once, in order per
queue, and answered once; on SQLite and on PostgreSQL. The servers' side (SIGKILL between answering and applying,
and in the middle) is in tests/test_inbox_crash.py."""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.config import load_directory, load_profile
from bot.console.console import Console
from bot.delivery.inbox import ANSWERED, Inbox, Processor, Texts, backlog
from bot.storage.applying import APPLIED, AlreadyApplied, applying
from commands.model import Invocation
from models.calendar import AMS
from models.tables import AuditRow, CaseRow, InboxRow


class Requests:
    """Applies a stored `/casus` line through the bot and records, per queue, what was applied and answered."""

    def __init__(self, bot):
        self.bot = bot
        self.applied: dict[str, list[int]] = defaultdict(list)
        self.sent: list[tuple[dict, str]] = []
        self.lock = threading.Lock()
        self.fail_times = 0

    def apply(self, kind: str, p: dict) -> str:
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("the database went away")
        answers = self.bot.command(Invocation(p["user"], "/casus", p["text"], None))
        with self.lock:
            self.applied[p["queue"]].append(p["n"])
        return "\n".join(a.text for a in answers)

    def send(self, kind: str, p: dict, text: str) -> None:
        with self.lock:
            self.sent.append((p, text))


@pytest.fixture
def bot(engine):
    console = Console.on(engine, load_directory(), load_profile("gelderland-midden"),
                         datetime(2025, 5, 26, 9, tzinfo=AMS))
    return console.bot


def store(inbox: Inbox, n: int, queue: str = "@vt-medewerker", text: str = "nieuw Arnhem") -> bool:
    return inbox.put("test", f"k{n}", "opdracht", queue, {"user": "vt-medewerker", "text": text, "queue": queue,
                                                          "n": n})


def rows(engine, *where) -> list[InboxRow]:
    with engine.connect() as c:
        return list(c.execute(sa.select(InboxRow).where(*where).order_by(InboxRow.id)))


def count(engine, table, *where) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


def test_a_request_is_stored_once_applied_once_and_answered_once(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    assert store(inbox, 1) is True
    assert store(inbox, 1) is False          # the platform delivering it again: the same row
    assert count(engine, InboxRow) == 1 and count(engine, CaseRow) == 0     # stored, not yet applied
    assert backlog(engine, datetime.now(UTC))[0] == 1

    processor = Processor(engine, "test", requests, Texts(bot.renderer))
    assert processor.run() == 1
    assert processor.run() == 0              # nothing left: not applied twice
    assert count(engine, CaseRow) == 1
    assert [text for _, text in requests.sent] == [requests.sent[0][1]] and "VT-2025-0001" in requests.sent[0][1]
    [row] = rows(engine)
    assert row.state == ANSWERED and row.payload is None        # what was typed does not stay
    assert backlog(engine, datetime.now(UTC)) == (0, 0.0)


def test_only_its_own_platform_is_taken(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    inbox.put("ander", "k", "opdracht", "@x", {"user": "vt-medewerker", "text": "nieuw Arnhem", "queue": "@x", "n": 0})
    assert Processor(engine, "test", requests, Texts(bot.renderer)).run() == 0
    assert count(engine, CaseRow) == 0


def test_an_applied_row_is_marked_in_the_same_transaction_and_a_second_application_rolls_back(engine, bot):
    inbox = Inbox(engine)
    store(inbox, 1)
    [row] = rows(engine)
    with applying(row.id):
        bot.command(Invocation("vt-medewerker", "/casus", "nieuw Arnhem", None))
    assert rows(engine)[0].state == APPLIED and count(engine, CaseRow) == 1
    audits = count(engine, AuditRow)
    with pytest.raises(AlreadyApplied), applying(row.id):     # another processor, with the same row
        bot.command(Invocation("vt-medewerker", "/casus", "nieuw Arnhem", None))
    assert count(engine, CaseRow) == 1 and count(engine, AuditRow) == audits   # nothing of it was written


def test_a_row_applied_before_a_crash_is_not_applied_again_and_its_answer_says_so(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    store(inbox, 1)
    [row] = rows(engine)
    with engine.begin() as c:        # a processor claimed it, applied it, and was killed before it answered
        c.execute(sa.update(InboxRow).values(claimed_by="elders/1:999999999:abc#1",
                                             claimed_until=datetime.now(UTC) + timedelta(seconds=5)))
    with applying(row.id):
        bot.command(Invocation("vt-medewerker", "/casus", "nieuw Arnhem", None))
    later = Processor(engine, "test", requests, Texts(bot.renderer),
                      wall=lambda: datetime.now(UTC) + timedelta(seconds=10))    # after the dead claim ran out
    assert later.run() == 1
    assert count(engine, CaseRow) == 1 and requests.applied == {}
    [(_, text)] = requests.sent
    assert text == Texts(bot.renderer).lost() and "/casus status" in text
    assert rows(engine)[0].state == ANSWERED


def test_a_claim_that_still_holds_is_left_alone(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    store(inbox, 1)
    with engine.begin() as c:        # another machine's processor is working on it
        c.execute(sa.update(InboxRow).values(claimed_by="elders/1:1:abc#1",
                                             claimed_until=datetime.now(UTC) + timedelta(seconds=60)))
    assert Processor(engine, "test", requests, Texts(bot.renderer)).run() == 0
    assert count(engine, CaseRow) == 0


def test_order_is_kept_per_queue_and_a_failing_head_holds_its_queue(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    for n in range(6):
        store(inbox, n, queue="@a" if n % 2 else "@b")
    requests.fail_times = 1          # the first request (queue @b) fails once: it is tried again, later
    moment = [datetime.now(UTC)]
    processor = Processor(engine, "test", requests, Texts(bot.renderer), wall=lambda: moment[0])
    processor.run()
    assert requests.applied == {"@a": [1, 3, 5]}     # @b waits behind its failed head; @a goes on
    moment[0] += timedelta(seconds=3)
    processor.run()
    assert requests.applied == {"@a": [1, 3, 5], "@b": [0, 2, 4]}
    assert count(engine, InboxRow, InboxRow.state == ANSWERED) == 6


def test_a_request_that_keeps_failing_is_answered_with_storing(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    store(inbox, 1)
    requests.fail_times = Processor.TRIES
    moment = [datetime.now(UTC)]
    processor = Processor(engine, "test", requests, Texts(bot.renderer), wall=lambda: moment[0])
    for _ in range(Processor.TRIES):
        processor.run()
        moment[0] += timedelta(seconds=2 ** Processor.TRIES)
    assert [text for _, text in requests.sent] == [Texts(bot.renderer).failed()]
    assert count(engine, CaseRow) == 0 and rows(engine)[0].state == ANSWERED


def test_answered_rows_go_after_a_day(engine, bot):
    inbox, requests = Inbox(engine), Requests(bot)
    store(inbox, 1)
    Processor(engine, "test", requests, Texts(bot.renderer)).run()
    Processor(engine, "test", requests, Texts(bot.renderer), wall=lambda: datetime.now(UTC) + timedelta(hours=23)).run()
    assert count(engine, InboxRow) == 1
    Processor(engine, "test", requests, Texts(bot.renderer), wall=lambda: datetime.now(UTC) + timedelta(hours=25)).run()
    assert count(engine, InboxRow) == 0


def test_processors_side_by_side_apply_each_request_once_in_order(engine, bot):
    """Three processors (as three processes would: each its own claims) on 60 requests in 6 queues."""
    inbox, requests = Inbox(engine), Requests(bot)
    for n in range(60):
        store(inbox, n, queue=f"@q{n % 6}")
    processors = [Processor(engine, "test", requests, Texts(bot.renderer)) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda p: p.run(), processors))
    assert sum(p.run() for p in processors) == 0
    assert count(engine, CaseRow) == 60
    assert count(engine, AuditRow, AuditRow.action == "/casus nieuw", AuditRow.outcome == "ok") == 60
    assert {q: ns for q, ns in requests.applied.items()} == {f"@q{i}": list(range(i, 60, 6)) for i in range(6)}
    assert len(requests.sent) == 60 and len({p["n"] for p, _ in requests.sent}) == 60
