"""The inbox: a request the platform has been told was received is durably recorded first, and applied once.

The front (an HTTP or Socket Mode request) checks the request's proof (signature, token, signed context),
stores it here in one short transaction and answers the platform at once. A processor — in the same process,
woken at once, or in another (`triagebot verwerker`, woken by PostgreSQL's NOTIFY) — then takes the requests:

- in order per queue (a case, else the person), oldest first; the front rows of the queues are *claimed* (as in
  the outbox: a compare-and-set naming this claim and how long it holds), so one processor works on a row at a
  time, and a queue's rows are worked on by one processor in order (`Processor`);
- exactly once: the request's first transaction that commits also marks the row applied (`bot/storage/
  applying.py`); a second processor that applied it too has its transaction rolled back;
- then the private answer goes out the platform's own way (`Requests.send`), and the row keeps no more of what
  was typed. A row applied but not answered (the process was killed in between) gets a note that it was
  applied and its answer lost, never a second application.

A request that is stored twice (the platform delivering it again) is one row: its `request_key` is unique.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.tables import InboxRow

from ..render import Renderer
from ..storage.applying import APPLIED, NEW, AlreadyApplied, applying
from .claims import process_id, takeable

log = logging.getLogger("triagebot.inbox")

ANSWERED = "beantwoord"
OPEN = (NEW, APPLIED)
CHANNEL = "triagebot_inbox"      # PostgreSQL's NOTIFY channel: a request was stored
KEEP = timedelta(days=1)         # an answered row's key (against a platform's late repeat), then it goes


class Requests(Protocol):
    """A platform's side of processing: apply a stored request (returns the private answer), send the answer."""

    def apply(self, kind: str, payload: dict[str, Any]) -> str: ...

    def send(self, kind: str, payload: dict[str, Any], text: str) -> None: ...


class AnswerPoster:
    """Posts a private answer to the URL the platform gave with the request (Slack's and Mattermost's
    response_url), over one client kept for the process: a new client per answer builds its TLS context anew,
    which costs more CPU than the whole request."""

    def __init__(self, timeout: float = 10.0):
        import httpx

        self.client = httpx.Client(timeout=timeout)

    def __call__(self, url: str, body: dict) -> None:
        self.client.post(url, json=body).raise_for_status()


class Texts:
    """The processor's own answers, in the bot's words."""

    def __init__(self, renderer: Renderer):
        self.renderer = renderer

    def lost(self) -> str:
        return self.renderer.render("antwoord_verloren", {})

    def failed(self) -> str:
        return self.renderer.render("weigering/storing", {"case": None})


def _utc() -> datetime:
    return datetime.now(UTC)


class Inbox:
    """The front's side: store a request."""

    def __init__(self, engine: Engine, wall: Callable[[], datetime] = _utc):
        self.engine, self.wall = engine, wall
        self.postgres = engine.dialect.name == "postgresql"
        self.stored: Callable[[], None] = lambda: None      # wakes this process's processor (`bot/serving.py`)

    def put(self, platform: str, key: str, kind: str, queue: str, payload: dict[str, Any]) -> bool:
        """Store a request, durably; False if it was stored before (the same platform delivery again)."""
        now = self.wall()
        with Session(self.engine) as session:
            try:
                session.execute(insert(InboxRow.__table__).values(
                    request_key=f"{platform}:{key}"[:128], platform=platform, kind=kind, queue=queue[:96],
                    payload=payload, received_at=now, state=NEW, attempts=0, next_attempt_at=now))
                if self.postgres:
                    session.execute(text(f"NOTIFY {CHANNEL}"))
                session.commit()
            except IntegrityError:
                return False
        self.stored()
        return True


@dataclass(frozen=True)
class Claimed:
    id: int
    queue: str
    state: str
    kind: str
    payload: dict[str, Any]
    attempts: int          # including this one


def backlog(engine: Engine, now: datetime) -> tuple[int, float]:
    """(how many requests wait to be applied or answered, how many seconds the oldest has waited)."""
    with Session(engine) as s:
        count, oldest = s.execute(select(func.count(), func.min(InboxRow.received_at))
                                  .where(InboxRow.state.in_(OPEN))).one()
    return count, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


class Processor:
    """Applies and answers the stored requests of one platform.

    A round claims, oldest first, the rows at the front of each queue that are due and free (at most `PER_QUEUE`
    of one queue, `batch` in all) in one transaction, with one claim for all of them; then applies them in order,
    marking each answered and sending its answer. The claim is a compare-and-set on the rows, not a
    `FOR UPDATE SKIP LOCKED`: skipping a locked row would let a processor take the row behind a queue's head, out
    of order."""

    LEASE = timedelta(seconds=60)    # far longer than a round takes; a dead process's claim on this host is
    #                                  taken over at once (its pid is gone)
    TRIES = 5                        # a request that keeps failing is answered with "storing" after this many
    PER_QUEUE = 10

    def __init__(self, engine: Engine, platform: str, requests: Requests, texts: Texts,
                 wall: Callable[[], datetime] = _utc, batch: int = 50, applied: Callable[[], None] = lambda: None):
        self.engine, self.platform, self.requests, self.texts = engine, platform, requests, texts
        self.wall, self.batch = wall, batch
        self.applied = applied      # told after a request's change committed, before it is answered (the tests)
        self.me = process_id()
        self._claims = itertools.count(1)
        self._loop = threading.Lock()     # one processing loop per process
        self._pruned: datetime | None = None
        self._open = (select(InboxRow.id, InboxRow.queue, InboxRow.state, InboxRow.kind, InboxRow.payload,
                             InboxRow.attempts, InboxRow.next_attempt_at, InboxRow.claimed_by, InboxRow.claimed_until)
                      .where(InboxRow.platform == platform, InboxRow.state.in_(OPEN))
                      .order_by(InboxRow.id).limit(bindparam("scan")))

    def run(self) -> int:
        """Apply and answer what is waiting; returns how many requests were answered."""
        with self._loop:
            done = 0
            while claim := self._claim():
                done += self._round(*claim)
            self._prune()
            return done

    # ---- claims -------------------------------------------------------------------------------------
    def _claim(self) -> tuple[str, list[Claimed]] | None:
        """Claim the due, free rows at the front of the queues: (this claim, the rows in order), or None."""
        wall = self.wall()
        token = f"{self.me}#{next(self._claims)}"
        with Session(self.engine) as session:
            rows = session.execute(self._open, {"scan": self.batch * 4}).all()
            wanted, held_up, per_queue = [], set(), Counter()
            for r in rows:
                if r.queue in held_up:
                    continue
                if (r.next_attempt_at > wall or per_queue[r.queue] >= self.PER_QUEUE
                        or not takeable(self.me, r.claimed_by, r.claimed_until, wall)):
                    held_up.add(r.queue)    # nothing behind it goes first
                    continue
                wanted.append(r)
                per_queue[r.queue] += 1
                if len(wanted) >= self.batch:
                    break
            if not wanted:
                return None
            claim = dict(claimed_by=token, claimed_until=wall + self.LEASE, attempts=InboxRow.attempts + 1)
            free = [r.id for r in wanted if r.claimed_by is None]
            won = set(session.execute(update(InboxRow).where(InboxRow.id.in_(free), InboxRow.claimed_by.is_(None))
                                      .values(**claim).returning(InboxRow.id)).scalars()) if free else set()
            for r in wanted:        # a claim that ran out, or of a process that died: taken over one by one
                if r.claimed_by is not None and session.execute(
                        update(InboxRow).where(InboxRow.id == r.id, InboxRow.claimed_by == r.claimed_by)
                        .values(**claim).execution_options(synchronize_session=False)).rowcount == 1:
                    won.add(r.id)
            session.commit()
        # per queue, only the unbroken front: a row behind one that another processor holds must wait for it
        claimed, lost = [], set()
        for r in wanted:
            if r.id in won and r.queue not in lost:
                claimed.append(Claimed(r.id, r.queue, r.state, r.kind, dict(r.payload or {}), r.attempts + 1))
            else:
                lost.add(r.queue)
        self._release(token, [r.id for r in wanted if r.id in won and r.queue in lost
                              and r.id not in {c.id for c in claimed}])
        return (token, claimed) if claimed else None

    def _release(self, token: str, ids: list[int], **values: Any) -> None:
        """Give up this claim on rows not worked on (their attempt does not count)."""
        if not ids:
            return
        with Session(self.engine) as session:
            session.execute(update(InboxRow).where(InboxRow.id.in_(ids), InboxRow.claimed_by == token)
                            .values(claimed_by=None, claimed_until=None, attempts=InboxRow.attempts - 1, **values)
                            .execution_options(synchronize_session=False))
            session.commit()

    # ---- a round ------------------------------------------------------------------------------------
    def _round(self, token: str, rows: list[Claimed]) -> int:
        done, stopped = 0, set()            # stopped: queues whose row failed; what is behind it waits
        for i, row in enumerate(rows):
            if row.queue in stopped:
                continue
            answer = self._apply(token, row)
            if answer is None:
                stopped.add(row.queue)
                self._release(token, [r.id for r in rows[i + 1:] if r.queue == row.queue])
            else:
                done += self._answer(token, row, answer)
        return done

    def _apply(self, token: str, row: Claimed) -> str | None:
        """Apply one request; its answer, or None if it is not to be answered now (it failed and is tried again
        later, or another processor applied it)."""
        if row.state == APPLIED:      # applied before the process was killed; the answer did not go out
            return self.texts.lost()
        try:
            with applying(row.id):
                answer = self.requests.apply(row.kind, row.payload)
            self.applied()
            return answer
        except AlreadyApplied:        # another processor applied it (this claim had run out): it answers
            self._release(token, [row.id])
            return None
        except Exception:
            log.exception("inbox request failed", extra={"inbox_id": row.id, "attempts": row.attempts})
            if row.attempts < self.TRIES:
                with Session(self.engine) as session:
                    session.execute(update(InboxRow).where(InboxRow.id == row.id, InboxRow.claimed_by == token)
                                    .values(claimed_by=None, claimed_until=None,
                                            next_attempt_at=self.wall() + timedelta(seconds=2 ** row.attempts)))
                    session.commit()
                return None
            return self.texts.failed()

    def _answer(self, token: str, row: Claimed, answer: str) -> int:
        """Mark the row answered — what was typed goes; the key stays a day, against a late repeat of the same
        delivery — and then, if this claim still held it, send the answer. (Each on its own: a crash between
        marking and sending can lose one answer, never more; a row applied and not marked gets the note that
        its answer was lost.)"""
        with Session(self.engine) as session:
            held = session.execute(
                update(InboxRow).where(InboxRow.id == row.id, InboxRow.claimed_by == token)
                .values(state=ANSWERED, payload=None, answered_at=self.wall(), claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)).rowcount == 1
            session.commit()
        if not held:
            log.warning("inbox claim lost before the answer", extra={"inbox_id": row.id})
            return 0
        try:
            self.requests.send(row.kind, row.payload, answer)
        except Exception:         # the request stands; the person can look with /casus status
            log.exception("private answer not delivered", extra={"inbox_id": row.id})
        return 1

    def _prune(self) -> None:
        wall = self.wall()
        if self._pruned is not None and wall - self._pruned < timedelta(minutes=10):
            return
        self._pruned = wall
        with Session(self.engine) as session:
            session.execute(delete(InboxRow).where(InboxRow.state == ANSWERED, InboxRow.answered_at < wall - KEEP))
            session.commit()


class Listener:
    """On PostgreSQL: wakes this process's processor when any process stored a request (LISTEN/NOTIFY)."""

    def __init__(self, url: str, wake: Callable[[], None], timeout: float = 5.0):
        self.url, self.wake, self.timeout = url, wake, timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inbox-listen", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.wake()      # what was stored while not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=self.timeout, stop_after=1):
                            self.wake()
            except Exception:    # the database went away: listen again when it is back (the poll still runs)
                log.warning("inbox listener lost the database; listening again")
                self._stop.wait(self.timeout)
