"""The outbox: messages are written in the transaction of the change that caused them, and delivered
afterwards through the platform port.

Delivery guarantees:
- nothing is sent for a change that was rolled back (the row did not commit);
- order is kept per queue (a case channel, or one person's direct messages): only the oldest pending
  row of a queue may be sent, and a failing row holds back the rows behind it;
- failures are retried with exponential back-off, or after the platform's `Retry-After`;
- no visible duplicates: each row carries an idempotency key that the port checks against what the
  platform already has (`find`) before sending, so a crash between sending and marking the row sent
  leads to a check, not a second message;
- one delivery loop per process (a lock), and several processes may deliver at once: a queue's head row
  is *claimed* before it is sent — a compare-and-set on the row that names this claim and how long it
  holds — so one row is sent by one process at a time, on SQLite as on PostgreSQL. A claim of a process
  that died (same machine: its pid is gone) or that ran out is taken over; whoever takes over a row that
  was claimed before looks it up on the platform first (`recover`), as it may have arrived.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from commands.model import Audience, Kind, Message
from models.tables import OutboxRow

from ..port import PlatformError, PlatformPort, RenderedButton
from ..render import Renderer
from .claims import process_id, takeable

if TYPE_CHECKING:
    from ..report.chat import Reports

log = logging.getLogger("triagebot.outbox")

PENDING, SENT, FAILED = "nieuw", "verzonden", "mislukt"
RETRY = "later"        # what a delivery attempt came to, besides SENT and FAILED
COPY_FROM = 200          # rows from which the sweep's outbox rows go in by COPY on PostgreSQL (bench/sweep.py)
JSON_COLUMNS = frozenset({"context", "buttons"})
DELETED, STAYS_ARCHIVED = "verwijderd", "blijft_gearchiveerd"    # what a DELETE row's platform_ref says
CHANNEL_ENDS = frozenset({Kind.ARCHIVE.value, Kind.DELETE.value})


def queue_of(message: Message) -> str:
    return f"@{message.to}" if message.audience is Audience.DM else str(message.channel)


class OutboxWriter:
    def __init__(self, session: Session):
        self.session = session

    def add(self, message: Message, *, case: str | None, at: datetime, not_before: datetime | None = None) -> None:
        """Queue a message; `not_before` holds it back (e.g. until the receiver's office hours), as does the
        message's own `not_before` (the later of the two)."""
        self.session.add(OutboxRow(**values(message, case, at, _later(not_before, message.not_before))))

    def count_case(self, number: str) -> int:
        return self.session.execute(select(func.count()).select_from(OutboxRow)
                                    .where(OutboxRow.case_number == number)).scalar_one()

    def forget_case(self, number: str) -> int:
        """After a case's retention period: every message the bot queued or sent about it goes (their
        contexts hold what people wrote); returns how many."""
        return self.session.execute(delete(OutboxRow).where(OutboxRow.case_number == number)).rowcount

    def add_many(self, messages: list[tuple[Message, str | None, datetime | None]], at: datetime) -> None:
        """Queue many messages in one statement (a change, the sweep): (message, case, not before); each also
        waits for its own `not_before`."""
        if not messages:
            return
        rows = [values(m, case, at, _later(hold, m.not_before)) for m, case, hold in messages]
        if len(rows) >= COPY_FROM and self.session.get_bind().dialect.name == "postgresql":
            self._copy(rows)
        else:       # one executemany (pipelined on PostgreSQL)
            self.session.execute(insert(OutboxRow.__table__), rows)

    def _copy(self, rows: list[dict]) -> None:
        """Many rows at once (the sweep) with PostgreSQL's COPY, in the session's own transaction."""
        from psycopg.types.json import Json

        columns = list(rows[0])
        driver = self.session.connection().connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY outbox ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Json(row[c]) if c in JSON_COLUMNS else row[c] for c in columns])


def _later(*moments: datetime | None) -> datetime | None:
    held = [t for t in moments if t is not None]
    return max(held) if held else None


def backlog(engine, now: datetime) -> tuple[int, float]:
    """(how many messages are due and undelivered, how many seconds the oldest of them has been due)."""
    with Session(engine) as s:
        count, oldest = s.execute(select(func.count(), func.min(OutboxRow.next_attempt_at)).where(
            OutboxRow.state == PENDING, OutboxRow.next_attempt_at <= now)).one()
    return count, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def values(message: Message, case: str | None, at: datetime, not_before: datetime | None = None) -> dict:
    if message.audience is Audience.USER:
        raise ValueError("private answers are returned, not queued")
    context = dict(message.context)
    if message.kind in (Kind.INVITE, Kind.REMOVE):
        context["_members"] = list(message.members)
    return dict(
        created_at=at, idempotency_key=uuid.uuid4().hex, case_number=case, kind=message.kind.value,
        queue=queue_of(message), audience=message.audience.value, channel=message.channel,
        recipient=message.to, template=message.template, context=context, message_key=message.key,
        buttons=[{"action": b.action, "value": b.value, "style": b.style} for b in message.buttons],
        next_attempt_at=max(at, not_before) if not_before else at, state=PENDING, attempts=0,
    )


@dataclass(frozen=True)
class Backoff:
    first: float = 5.0           # seconds
    factor: float = 2.0
    maximum: float = 900.0
    give_up_after: int = 25      # attempts; then the row is marked failed and reported by the audit

    def delay(self, attempts: int, retry_after: float | None) -> timedelta:
        if retry_after is not None:
            return timedelta(seconds=max(retry_after, 0.0))
        return timedelta(seconds=min(self.first * self.factor ** max(attempts - 1, 0), self.maximum))


@dataclass(frozen=True)
class Claimed:
    """An outbox row this process claimed, as it was when claimed."""

    id: int
    token: str                  # this claim; the row is marked done only while it still carries it
    earlier_attempts: int       # attempts before this one: if any, it may have arrived already
    kind: str
    queue: str
    audience: str
    channel: str | None
    recipient: str | None
    template: str
    context: dict[str, Any]
    buttons: list[dict[str, Any]]
    message_key: str | None
    idempotency_key: str
    case_number: str | None = None


class Dispatcher:
    """Delivers pending outbox rows through a platform port: per queue, oldest first."""

    LEASE = timedelta(minutes=5)   # far longer than a platform call may take (its time-outs are 30 s and less)

    def __init__(self, engine, port: PlatformPort, renderer: Renderer, backoff: Backoff = Backoff(), batch: int = 200,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC),
                 channel_done: Callable[[str, str, datetime, str], None] | None = None,
                 failed: Callable[[PlatformError], None] | None = None,
                 delivered: Callable[[set[str]], None] | None = None, reports: Reports | None = None,
                 gave_up: Callable[[Claimed, PlatformError], None] | None = None):
        self.engine, self.port, self.renderer = engine, port, renderer
        self.reports = reports          # builds a report's files when its message is delivered
        self.gave_up = gave_up          # told of every row that failed for good (someone may have to know)
        # told when a case channel was archived (its members are gone) or deleted: (kind, case, when, ref)
        self.channel_done = channel_done
        self.failed = failed            # told of every attempt that failed (for the operators' counters)
        self.delivered = delivered      # told, after a round, of the cases whose messages went out (Home tabs)
        self.backoff, self.batch, self.wall = backoff, batch, wall
        self.me = process_id()
        self._claims = itertools.count(1)
        self._loop = threading.Lock()      # one delivery loop per process
        # the first pending row of each queue that is due: built once (building it per poll cost more than
        # running it, also when there is nothing to send)
        older = aliased(OutboxRow)
        first = (select(func.min(older.id)).where(older.state == PENDING, older.queue == OutboxRow.queue)
                 .scalar_subquery())
        self._heads = (select(OutboxRow).where(OutboxRow.state == PENDING, OutboxRow.id == first,
                                               OutboxRow.next_attempt_at <= bindparam("now"))
                       .order_by(OutboxRow.id).limit(bindparam("batch")))

    def deliver(self, now: datetime) -> int:
        """Send what is due; returns how many rows were sent. Safe to run in several processes."""
        with self._loop:
            sent = 0
            blocked: set[str] = set()
            cases: set[str] = set()
            while True:
                rows = self._claim(now, blocked)
                progressed = False
                for row in rows:
                    outcome = self._deliver_one(row, now)
                    if outcome == SENT:
                        sent += 1
                        if row.case_number:
                            cases.add(row.case_number)
                    if outcome == RETRY:
                        blocked.add(row.queue)   # keep order: nothing behind a failing row goes first
                    else:
                        progressed = True        # sent, or failed for good: what is behind it may go
                if not progressed:
                    break
            if cases and self.delivered is not None:
                self.delivered(cases)
            return sent

    # ---- claims -------------------------------------------------------------------------------------
    def _claim(self, now: datetime, blocked: set[str]) -> list[Claimed]:
        wall = self.wall()
        claimed = []
        with Session(self.engine) as session:
            heads = session.execute(self._heads, {"now": now, "batch": self.batch}).scalars().all()
            for row in heads:
                if row.queue in blocked or not takeable(self.me, row.claimed_by, row.claimed_until, wall):
                    continue
                token = f"{self.me}#{next(self._claims)}"
                seen = (OutboxRow.claimed_by.is_(None) if row.claimed_by is None
                        else OutboxRow.claimed_by == row.claimed_by)
                done = session.execute(
                    update(OutboxRow).where(OutboxRow.id == row.id, OutboxRow.state == PENDING, seen)
                    .values(claimed_by=token, claimed_until=wall + self.LEASE, attempts=OutboxRow.attempts + 1)
                    .execution_options(synchronize_session=False))
                if done.rowcount == 1:      # else another process was first
                    claimed.append(Claimed(
                        id=row.id, token=token, earlier_attempts=row.attempts, kind=row.kind, queue=row.queue,
                        audience=row.audience, channel=row.channel, recipient=row.recipient, template=row.template,
                        context=dict(row.context or {}), buttons=list(row.buttons or ()),
                        message_key=row.message_key, idempotency_key=row.idempotency_key,
                        case_number=row.case_number))
            session.commit()
        return claimed

    def _finish(self, row: Claimed, **values: Any) -> None:
        with Session(self.engine) as session:
            done = session.execute(update(OutboxRow).where(OutboxRow.id == row.id, OutboxRow.claimed_by == row.token)
                                   .values(**values, claimed_by=None, claimed_until=None))
            session.commit()
        if done.rowcount != 1:
            log.warning("outbox claim was lost before the row was marked", extra={"outbox_id": row.id})

    # ---- sending ------------------------------------------------------------------------------------
    def _deliver_one(self, row: Claimed, now: datetime) -> str:
        """SENT, FAILED (for good) or RETRY (later)."""
        attempts = row.earlier_attempts + 1
        try:
            ref = self._send(row)
        except Exception as exc:   # a platform's refusal, or anything else: the row waits, its queue with it
            error = exc if isinstance(exc, PlatformError) else PlatformError(type(exc).__name__)
            if self.failed is not None:
                self.failed(error)
            if not isinstance(exc, PlatformError):
                log.exception("outbox delivery broke off", extra={"outbox_id": row.id})
            if error.permanent or attempts >= self.backoff.give_up_after:
                self._finish(row, state=FAILED, last_error=str(error)[:500])
                log.error("outbox row failed for good", extra={"outbox_id": row.id, "queue": row.queue,
                                                               "attempts": attempts})
                if self.gave_up is not None:
                    try:
                        self.gave_up(row, error)
                    except Exception:       # telling someone must not stop the delivery of everything else
                        log.exception("could not record who must hear of a failed row", extra={"outbox_id": row.id})
                return FAILED
            self._finish(row, last_error=str(error)[:500],
                         next_attempt_at=now + self.backoff.delay(attempts, error.retry_after))
            log.warning("outbox delivery failed, will retry", extra={"outbox_id": row.id, "attempts": attempts})
            return RETRY
        self._finish(row, state=SENT, sent_at=now, platform_ref=ref)
        if row.kind in CHANNEL_ENDS and row.case_number and self.channel_done is not None:
            self.channel_done(row.kind, row.case_number, now, ref)
        return SENT

    def _report(self, row: Claimed, text: str) -> str:
        """A report's files, built now, and shared once: a share this process made is recognised, and one an
        earlier attempt made in a direct message where the platform keeps the key with it (Mattermost; Slack keeps
        none with a file share, so after a crash between the share and its mark it may be shared again)."""
        dm = row.audience == Audience.DM.value
        already = self.port.find(row.idempotency_key)
        if already is None and dm and row.earlier_attempts > 0:
            already = self.port.recover(row.idempotency_key, None, row.recipient)
        if already is not None:
            return already
        if self.reports is None:
            raise PlatformError("this process cannot build reports", permanent=True)
        files = self.reports.files(row.context)
        if dm:
            return self.port.upload(text, files, row.idempotency_key, member=row.recipient)
        return self.port.upload(text, files, row.idempotency_key,
                                channel_id=self.reports.channel(row.context["organisatie"]))

    def _buttons(self, row: Claimed) -> list[RenderedButton]:
        return [RenderedButton(b["action"], self.renderer.button_label(b["action"]), b["value"], b["style"])
                for b in row.buttons]

    def _send(self, row: Claimed) -> str:
        context = dict(row.context)
        members = context.pop("_members", [])
        text = self.renderer.render(row.template, context)
        if row.kind == Kind.OPEN_CHANNEL.value:
            return self.port.open_channel(row.channel, members, text)
        if row.kind == Kind.INVITE.value:
            self.port.add_members(row.channel, members)
            return row.channel
        if row.kind == Kind.REMOVE.value:
            self.port.remove_members(row.channel, members)
            return row.channel
        if row.kind == Kind.ARCHIVE.value:
            self.port.archive(row.channel, text)
            return row.channel
        if row.kind == Kind.DELETE.value:    # where the platform does not let the bot, it stays archived
            return DELETED if self.port.delete_channel(row.channel) else STAYS_ARCHIVED
        if row.kind == Kind.UPDATE.value:
            with Session(self.engine) as session:
                original = session.execute(
                    select(OutboxRow.platform_ref).where(OutboxRow.message_key == row.message_key,
                                                         OutboxRow.kind == Kind.POST.value, OutboxRow.state == SENT)
                ).scalars().first()
            if original is None:
                raise PlatformError("the card to update was not sent", permanent=True)
            self.port.update(row.channel, original, text, self._buttons(row))
            return original
        if row.kind == Kind.REPORT.value:
            return self._report(row, text)
        already = self.port.find(row.idempotency_key)   # sent by this process, but not marked: do not repeat
        if already is None and row.earlier_attempts > 0:
            dm = row.audience == Audience.DM.value       # an earlier attempt may have arrived after all
            already = self.port.recover(row.idempotency_key, None if dm else row.channel, row.recipient if dm else None)
        if already is not None:
            return already
        if row.audience == Audience.DM.value:
            return self.port.dm(row.recipient, text, self._buttons(row), row.idempotency_key)
        return self.port.post(row.channel, text, self._buttons(row), row.idempotency_key)
