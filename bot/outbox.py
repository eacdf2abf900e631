"""The outbox: messages are written in the transaction of the change that caused them, and delivered
afterwards through the platform port, in order, each marked sent once delivered.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from commands.model import Audience, Kind, Message
from models.tables import OutboxRow

from .port import PlatformError, PlatformPort, RenderedButton
from .render import Renderer

log = logging.getLogger("triagebot.outbox")


class OutboxWriter:
    def __init__(self, session: Session):
        self.session = session

    def add(self, message: Message, *, case: str | None, at: datetime) -> None:
        if message.audience is Audience.USER:
            raise ValueError("private answers are returned, not queued")
        context = dict(message.context)
        if message.kind is Kind.OPEN_CHANNEL:
            context["_members"] = list(message.members)
        self.session.add(OutboxRow(
            created_at=at, idempotency_key=uuid.uuid4().hex, case_number=case, kind=message.kind.value,
            audience=message.audience.value, channel=message.channel, recipient=message.to,
            template=message.template, context=context, message_key=message.key,
            buttons=[{"action": b.action, "value": b.value, "style": b.style} for b in message.buttons],
            next_attempt_at=at,
        ))


class Dispatcher:
    """Delivers pending outbox rows through a platform port, oldest first."""

    def __init__(self, engine, port: PlatformPort, renderer: Renderer):
        self.engine = engine
        self.port = port
        self.renderer = renderer

    def deliver(self, now: datetime) -> int:
        sent = 0
        with Session(self.engine) as session:
            rows = session.execute(select(OutboxRow).where(OutboxRow.state == "nieuw")
                                   .order_by(OutboxRow.id)).scalars().all()
            for row in rows:
                try:
                    row.platform_ref = self._send(session, row)
                except PlatformError as exc:
                    row.attempts += 1
                    row.last_error = str(exc)[:500]
                    log.warning("delivery failed", extra={"outbox_id": row.id, "attempts": row.attempts})
                    session.commit()
                    break
                row.state, row.sent_at = "verzonden", now
                session.commit()
                sent += 1
        return sent

    def _buttons(self, row: OutboxRow) -> list[RenderedButton]:
        return [RenderedButton(b["action"], self.renderer.button_label(b["action"]), b["value"], b["style"])
                for b in row.buttons or ()]

    def _send(self, session: Session, row: OutboxRow) -> str:
        context = dict(row.context or {})
        members = context.pop("_members", [])
        text = self.renderer.render(row.template, context)
        key = row.idempotency_key
        if row.kind == Kind.OPEN_CHANNEL.value:
            return self.port.open_channel(row.channel, members, text)
        if row.kind == Kind.UPDATE.value:
            original = session.execute(
                select(OutboxRow).where(OutboxRow.message_key == row.message_key, OutboxRow.kind == "post",
                                        OutboxRow.state == "verzonden")).scalars().first()
            if original is None or original.platform_ref is None:
                raise PlatformError("the card to update was not sent yet")
            self.port.update(row.channel, original.platform_ref, text, self._buttons(row))
            return original.platform_ref
        if row.audience == Audience.DM.value:
            return self.port.dm(row.recipient, text, self._buttons(row), key)
        return self.port.post(row.channel, text, self._buttons(row), key)
