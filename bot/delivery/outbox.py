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
- several processes may deliver at once: a queue's head row is claimed with `FOR UPDATE SKIP LOCKED`
  (PostgreSQL) for the length of the send, so one queue is served by one process at a time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from commands.model import Audience, Kind, Message
from models.tables import OutboxRow

from ..port import PlatformError, PlatformPort, RenderedButton
from ..render import Renderer

log = logging.getLogger("triagebot.outbox")

PENDING, SENT, FAILED = "nieuw", "verzonden", "mislukt"


def queue_of(message: Message) -> str:
    return f"@{message.to}" if message.audience is Audience.DM else str(message.channel)


class OutboxWriter:
    def __init__(self, session: Session):
        self.session = session

    def add(self, message: Message, *, case: str | None, at: datetime, not_before: datetime | None = None) -> None:
        """Queue a message; `not_before` holds it back (e.g. until the receiver's office hours)."""
        self.session.add(OutboxRow(**values(message, case, at, not_before or message.not_before)))

    def add_many(self, messages: list[tuple[Message, str | None]], at: datetime) -> None:
        """Queue many messages in one statement (the sweep)."""
        if not messages:
            return
        # one executemany (pipelined on PostgreSQL: measured faster here than COPY for these rows)
        self.session.execute(insert(OutboxRow.__table__), [values(m, case, at) for m, case in messages])


def values(message: Message, case: str | None, at: datetime, not_before: datetime | None = None) -> dict:
    if message.audience is Audience.USER:
        raise ValueError("private answers are returned, not queued")
    context = dict(message.context)
    if message.kind is Kind.OPEN_CHANNEL:
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


class Dispatcher:
    """Delivers pending outbox rows through a platform port: per queue, oldest first."""

    def __init__(self, engine, port: PlatformPort, renderer: Renderer, started: datetime,
                 backoff: Backoff = Backoff(), batch: int = 200):
        self.engine, self.port, self.renderer = engine, port, renderer
        self.backoff, self.batch = backoff, batch
        self.started = started      # rows written before this process started may have been sent by another

    def _heads(self, session: Session, now: datetime, skip: set[str]) -> list[OutboxRow]:
        older = aliased(OutboxRow)
        first = (select(func.min(older.id)).where(older.state == PENDING, older.queue == OutboxRow.queue)
                 .scalar_subquery())
        stmt = (select(OutboxRow)
                .where(and_(OutboxRow.state == PENDING, OutboxRow.id == first, OutboxRow.next_attempt_at <= now))
                .order_by(OutboxRow.id).limit(self.batch)
                .with_for_update(skip_locked=True, of=OutboxRow))
        return [r for r in session.execute(stmt).scalars() if r.queue not in skip]

    def deliver(self, now: datetime) -> int:
        """Send what is due; returns how many rows were sent. Safe to run in several processes."""
        sent = 0
        blocked: set[str] = set()
        while True:
            progressed = False
            with Session(self.engine) as session:
                rows = self._heads(session, now, blocked)
                if not rows:
                    return sent
                for row in rows:
                    if self._deliver_one(session, row, now):
                        sent += 1
                        progressed = True
                    else:
                        blocked.add(row.queue)   # keep order: nothing behind a failing row goes first
                session.commit()
            if not progressed:
                return sent

    def _deliver_one(self, session: Session, row: OutboxRow, now: datetime) -> bool:
        try:
            row.platform_ref = self._send(session, row)
        except PlatformError as exc:
            row.attempts += 1
            row.last_error = str(exc)[:500]
            if exc.permanent or row.attempts >= self.backoff.give_up_after:
                row.state = FAILED
                log.error("outbox row failed for good", extra={"outbox_id": row.id, "queue": row.queue,
                                                               "attempts": row.attempts})
            else:
                row.next_attempt_at = now + self.backoff.delay(row.attempts, exc.retry_after)
                log.warning("outbox delivery failed, will retry",
                            extra={"outbox_id": row.id, "attempts": row.attempts})
            return False
        row.state, row.sent_at = SENT, now
        return True

    def _buttons(self, row: OutboxRow) -> list[RenderedButton]:
        return [RenderedButton(b["action"], self.renderer.button_label(b["action"]), b["value"], b["style"])
                for b in row.buttons or ()]

    def _send(self, session: Session, row: OutboxRow) -> str:
        context = dict(row.context or {})
        members = context.pop("_members", [])
        text = self.renderer.render(row.template, context)
        if row.kind == Kind.OPEN_CHANNEL.value:
            return self.port.open_channel(row.channel, members, text)
        if row.kind == Kind.ARCHIVE.value:
            self.port.archive(row.channel, text)
            return row.channel
        if row.kind == Kind.UPDATE.value:
            original = session.execute(
                select(OutboxRow).where(OutboxRow.message_key == row.message_key,
                                        OutboxRow.kind == Kind.POST.value, OutboxRow.state == SENT)
            ).scalars().first()
            if original is None or original.platform_ref is None:
                raise PlatformError("the card to update was not sent", permanent=True)
            self.port.update(row.channel, original.platform_ref, text, self._buttons(row))
            return original.platform_ref
        already = self.port.find(row.idempotency_key)   # sent, but not marked: do not repeat
        if already is None and (row.attempts > 0 or row.created_at < self.started):
            dm = row.audience == Audience.DM.value       # an attempt that failed may have arrived after all
            already = self.port.recover(row.idempotency_key, None if dm else row.channel, row.recipient if dm else None)
        if already is not None:
            return already
        if row.audience == Audience.DM.value:
            return self.port.dm(row.recipient, text, self._buttons(row), row.idempotency_key)
        return self.port.post(row.channel, text, self._buttons(row), row.idempotency_key)
