"""A console session on a database that was used before continues where the last one stopped.

- The clock: the latest moment the database records of the case world — an audit entry (also the console's
  own `klok` entries, so a clock moved on without anything happening is not lost), an outbox message
  written or sent, a case registered. An administrator's look (`casus toon`) is left out: it happens in
  real time, outside the simulation, and must not move the simulated clock years on.
- The console's chat (its channels, messages and buttons live in memory): replayed, silently, from the
  outbox rows that were sent, in the order they were sent. That is exactly what the console showed: the
  channels the outbox opened (`open_channel`) and archived, every post and direct message with its buttons,
  and every card update. Buttons of handovers and escalations that are still open come back with it; a
  click on one that is no longer open gets the bot's own answer, as on Slack.
"""

from __future__ import annotations

from datetime import datetime

from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from commands.model import Kind
from models.calendar import AMS
from models.tables import AuditRow, CaseRow, OutboxRow

from ..delivery.outbox import SENT
from ..port import RenderedButton
from ..render import Renderer
from .console_platform import ConsolePlatform

ADMIN_LOOK = "casus show"       # the audit action of `triagebot casus toon`


def latest_moment(engine: Engine) -> datetime | None:
    """The latest moment the database holds of the (simulated) world, in local time; None when empty."""
    with Session(engine) as session:
        moments = [
            session.execute(select(func.max(AuditRow.at)).where(AuditRow.action != ADMIN_LOOK)).scalar_one(),
            session.execute(select(func.max(OutboxRow.created_at))).scalar_one(),
            session.execute(select(func.max(OutboxRow.sent_at))).scalar_one(),
            session.execute(select(func.max(CaseRow.registered_at))).scalar_one(),
        ]
    found = [m for m in moments if m is not None]
    return max(found).astimezone(AMS) if found else None


def restore(platform: ConsolePlatform, engine: Engine, renderer: Renderer) -> int:
    """Replay what the outbox sent into the console's chat; returns how many messages were replayed."""
    with Session(engine) as session:
        rows = session.execute(select(OutboxRow).where(OutboxRow.state == SENT)
                               .order_by(OutboxRow.sent_at, OutboxRow.id)).scalars().all()
        for row in rows:
            context = dict(row.context or {})
            members = context.pop("_members", [])
            text = _text(renderer, row.template, context)
            buttons = [RenderedButton(b["action"], renderer.words.knoppen.get(b["action"], b["action"]), b["value"],
                                      b.get("style", "primary")) for b in row.buttons or ()]
            if row.kind == Kind.OPEN_CHANNEL.value:
                platform.restore_channel(row.channel, members, text)
            elif row.kind == Kind.INVITE.value:
                platform.restore_members(row.channel, members, joined=True)
            elif row.kind == Kind.REMOVE.value:
                platform.restore_members(row.channel, members, joined=False)
            elif row.kind == Kind.ARCHIVE.value:
                platform.restore_archived(row.channel)
            elif row.kind == Kind.DELETE.value:
                platform.restore_deleted(row.channel)
            elif row.kind == Kind.UPDATE.value:
                platform.restore_update(row.platform_ref, text, buttons)
            else:
                where = f"@{row.recipient}" if row.audience == "dm" else row.channel
                platform.restore_message(where, text, buttons, row.platform_ref, row.idempotency_key)
    return len(rows)


def _text(renderer: Renderer, template: str, context: dict) -> str:
    """The text a message had. A message whose template has changed since (a newer version of the bot) still
    counts, with its buttons: its text only tells whether a later edit shows anything new."""
    try:
        return renderer.render(template, context)
    except TemplateError:
        return ""
