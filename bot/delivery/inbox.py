"""The inbox: a request the platform has been told was received is durably recorded first, and applied once.

The front (an HTTP or Socket Mode request) checks the request's proof (signature, token, signed context),
stores it here in one short transaction and answers the platform at once. A processor — in the same process,
woken at once, or in another (`triagebot verwerker`, woken by PostgreSQL's NOTIFY) — then takes the requests:

- in order per queue (a case, else the person), oldest first; a queue's head is *claimed* (as in the outbox:
  a compare-and-set naming this claim and how long it holds; on PostgreSQL the heads are read with
  `FOR UPDATE SKIP LOCKED`, so processors pass each other by), so one processor works on a row at a time;
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
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
    token: str
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
    """Applies and answers the stored requests of one platform."""

    LEASE = timedelta(seconds=60)    # far longer than a request takes; a dead process's claim on this host is
    #                                  taken over at once (its pid is gone)
    TRIES = 5                        # a request that keeps failing is answered with "storing" after this many

    def __init__(self, engine: Engine, platform: str, requests: Requests, texts: Texts,
                 wall: Callable[[], datetime] = _utc, batch: int = 50, applied: Callable[[], None] = lambda: None):
        self.engine, self.platform, self.requests, self.texts = engine, platform, requests, texts
        self.wall, self.batch = wall, batch
        self.applied = applied      # told after a request's change committed, before it is answered (the tests)
        self.me = process_id()
        self._claims = itertools.count(1)
        self._loop = threading.Lock()     # one processing loop per process
        self._pruned: datetime | None = None
        older = aliased(InboxRow)
        first = (select(func.min(older.id)).where(older.state.in_(OPEN), older.queue == InboxRow.queue)
                 .scalar_subquery())
        heads = (select(InboxRow).where(InboxRow.platform == platform, InboxRow.state.in_(OPEN),
                                        InboxRow.id == first, InboxRow.next_attempt_at <= bindparam("now"))
                 .order_by(InboxRow.id).limit(bindparam("batch")))
        self._heads = heads.with_for_update(skip_locked=True) if engine.dialect.name == "postgresql" else heads

    def run(self) -> int:
        """Apply and answer what is waiting; returns how many requests were answered."""
        with self._loop:
            done = 0
            while rows := self._claim():
                for row in rows:
                    done += self._one(row)
            self._prune()
            return done

    # ---- claims -------------------------------------------------------------------------------------
    def _claim(self) -> list[Claimed]:
        wall, claimed = self.wall(), []
        with Session(self.engine) as session:
            for row in session.execute(self._heads, {"now": wall, "batch": self.batch}).scalars().all():
                if not takeable(self.me, row.claimed_by, row.claimed_until, wall):
                    continue
                token = f"{self.me}#{next(self._claims)}"
                seen = (InboxRow.claimed_by.is_(None) if row.claimed_by is None
                        else InboxRow.claimed_by == row.claimed_by)
                won = session.execute(update(InboxRow).where(InboxRow.id == row.id, InboxRow.state == row.state,
                                                             seen)
                                      .values(claimed_by=token, claimed_until=wall + self.LEASE,
                                              attempts=InboxRow.attempts + 1)
                                      .execution_options(synchronize_session=False)).rowcount == 1
                if won:
                    claimed.append(Claimed(row.id, token, row.state, row.kind, dict(row.payload or {}),
                                           row.attempts + 1))
            session.commit()
        return claimed

    def _update(self, row: Claimed, **values: Any) -> bool:
        """Change the row while this claim holds it; False if the claim was lost (another processor has it)."""
        with Session(self.engine) as session:
            done = session.execute(update(InboxRow).where(InboxRow.id == row.id, InboxRow.claimed_by == row.token)
                                   .values(**values).execution_options(synchronize_session=False))
            session.commit()
        return done.rowcount == 1

    # ---- one request --------------------------------------------------------------------------------
    def _one(self, row: Claimed) -> int:
        if row.state == APPLIED:      # applied before the process was killed; the answer did not go out
            answer = self.texts.lost()
        else:
            try:
                with applying(row.id):
                    answer = self.requests.apply(row.kind, row.payload)
                self.applied()
            except AlreadyApplied:    # another processor applied it (this claim had run out): it answers
                self._update(row, claimed_by=None, claimed_until=None)
                return 0
            except Exception:
                log.exception("inbox request failed", extra={"inbox_id": row.id, "attempts": row.attempts})
                if row.attempts < self.TRIES:
                    self._update(row, claimed_by=None, claimed_until=None,
                                 next_attempt_at=self.wall() + timedelta(seconds=2 ** row.attempts))
                    return 0
                answer = self.texts.failed()
        # what was typed goes with the answer; the key stays a day, against a late repeat of the same delivery
        if not self._update(row, state=ANSWERED, payload=None, answered_at=self.wall(), claimed_by=None,
                            claimed_until=None):
            log.warning("inbox claim lost before the answer", extra={"inbox_id": row.id})
            return 0
        try:
            self.requests.send(row.kind, row.payload, answer)
        except Exception:             # the request stands; the person can look with /casus status
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
