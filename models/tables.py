"""The SQLModel tables that persist cases, their ledger and deadlines, the audit log and the outbox.

Only table definitions here; mapping to and from the domain's values lives in `bot/repository.py`.
Times are stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dt(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True, unique=True, max_length=16)
    profile: str = Field(max_length=64)
    status: str = Field(index=True, max_length=32)
    gemeenten: list[str] | None = _json()
    received_at: datetime | None = _dt()
    registered_at: datetime | None = _dt()
    spoed: bool = False
    anoniem: bool = False
    gezinsvoogd: bool = False
    signals: list[str] | None = _json()
    orgs: dict | None = _json()
    decision: dict | None = _json()
    service_done_at: datetime | None = _dt()
    oordeel: str | None = None
    house_ban: dict | None = _json()
    records: list | None = _json()
    regie: list | None = _json()         # who holds the casusregie, when and why (as the zicht ledger)
    closed_at: datetime | None = _dt()
    closed_reason: str | None = None
    version: int = 0
    reduced_at: datetime | None = _dt()  # after the retention period: only what audit and statistics need is left


class HandoverRow(SQLModel, table=True):
    __tablename__ = "handovers"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    seq: int
    kind: str = Field(max_length=16)
    receivers: list[str] | None = _json()
    requested_at: datetime | None = _dt()
    requested_by: str = Field(max_length=64)
    checklist: list[str] | None = _json()
    state: str = Field(max_length=16)
    confirmations: list | None = _json()
    refusal: dict | None = _json()


class LedgerRow(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    seq: int
    holders: str = Field(max_length=255)      # organisation ids, comma-separated
    start: datetime | None = _dt(nullable=False)
    end: datetime | None = _dt()
    reason: str = Field(max_length=64)
    end_reason: str | None = Field(default=None, max_length=64)


class DeadlineRow(SQLModel, table=True):
    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    seq: int
    kind: str = Field(max_length=48)
    owner: str = Field(max_length=64, index=True)
    due: datetime | None = _dt(nullable=False)
    created_at: datetime | None = _dt(nullable=False)
    ladder: list | None = _json()
    ladder_len: int = 0                         # rungs in the ladder, so SQL can tell an exhausted one
    ref: str = Field(default="", max_length=64)
    state: str = Field(max_length=16)
    met_at: datetime | None = _dt()
    lapsed_at: datetime | None = _dt()
    closed_reason: str | None = Field(default=None, max_length=64)
    next_rung: int = 0
    paused_at: datetime | None = _dt()
    # denormalised from the case, so the sweep can act on a deadline without loading its case
    vt_org: str = Field(default="", max_length=64)
    acute: bool = False
    # when the sweep must next look at this deadline (next rung, or the due moment); NULL: never.
    # The sweep's cost grows with the number of due rows, not of cases, through this index.
    next_action_at: datetime | None = _dt(index=True)


class AuditRow(SQLModel, table=True):
    """Append-only: who, on whose behalf, when, which case, which action, with what outcome.

    The migration adds database triggers that refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_case_at", "case_number", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _dt(nullable=False)
    actor: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    case_number: str | None = Field(default=None, max_length=16)
    action: str = Field(max_length=64)
    outcome: str = Field(max_length=64)
    detail: dict | None = _json()
    prev_hash: str | None = Field(default=None, max_length=64)   # the previous entry's hash (NEN 7513: tamper-evident)
    hash: str | None = Field(default=None, max_length=64)        # sha256 over this entry's content and prev_hash


class OutboxRow(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "state", "queue", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime | None = _dt(nullable=False)
    idempotency_key: str = Field(max_length=128, unique=True)
    case_number: str | None = Field(default=None, max_length=16, index=True)
    kind: str = Field(default="post", max_length=16)    # commands.model.Kind: post, open_channel, delete, ...
    queue: str = Field(max_length=96)                   # delivery order is kept per queue: a channel, or @member
    audience: str = Field(max_length=16)                # channel | dm
    message_key: str | None = Field(default=None, max_length=128, index=True)   # a card that can be updated
    platform_ref: str | None = Field(default=None, max_length=128)             # the platform's id once sent
    channel: str | None = Field(default=None, max_length=80)
    recipient: str | None = Field(default=None, max_length=64)
    template: str = Field(max_length=64)
    context: dict | None = _json()
    buttons: list | None = _json()
    state: str = Field(default="nieuw", max_length=16)     # indexed with the queue: ix_outbox_pending
    attempts: int = 0
    next_attempt_at: datetime | None = _dt(index=True)
    sent_at: datetime | None = _dt()
    last_error: str | None = None
    # who is sending it now (one claim of one process), and until when (wall-clock time) the claim holds
    claimed_by: str | None = Field(default=None, max_length=96)
    claimed_until: datetime | None = _dt()


class PlatformChannel(SQLModel, table=True):
    """A case channel's id on a chat platform (Slack, Mattermost), kept so a restart finds it again."""

    __tablename__ = "platform_channels"

    __table_args__ = (Index("ix_platform_channels_channel_id", "platform", "channel_id"),)

    platform: str = Field(primary_key=True, max_length=16)
    name: str = Field(primary_key=True, max_length=80)
    channel_id: str = Field(max_length=64)


class ChannelMemberRow(SQLModel, table=True):
    """Who the bot let into a case channel, and why: what it has asked the platform, through the outbox."""

    __tablename__ = "channel_members"

    case_number: str = Field(primary_key=True, max_length=16)
    member_id: str = Field(primary_key=True, max_length=64, index=True)
    reason: str = Field(max_length=16)
    since: datetime | None = _dt(nullable=False)
    # how the platforms know them (chat ids, e-mail), kept so they can still be removed after they left the
    # directory; nothing of a family
    contact: dict | None = _json()


class CaseCounter(SQLModel, table=True):
    """The last volgnummer handed out per year, for the pseudonymous case numbers."""

    __tablename__ = "case_counters"

    year: int = Field(primary_key=True)
    last: int = 0


class SpentState(SQLModel, table=True):
    """A form's signed state that was submitted: the same state again is a replay. Kept until the state
    expires, in the database, so that a restart or a second bot process still refuses it."""

    __tablename__ = "spent_states"

    nonce: str = Field(primary_key=True, max_length=32)
    until: datetime | None = _dt(nullable=False, index=True)


class InboxRow(SQLModel, table=True):
    """A request the platform was told was received (`bot/delivery/inbox.py`): applied once, in order per queue,
    then answered privately. `nieuw` → `verwerkt` (the change committed, in its own transaction) → `beantwoord`.
    What a person typed is in `payload` only until the answer is sent."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_open", "state", "queue", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_key: str = Field(max_length=128, unique=True)    # one platform delivery: retried, it is the same row
    platform: str = Field(max_length=16)
    kind: str = Field(max_length=16)                         # opdracht | knop
    queue: str = Field(max_length=96)                        # order is kept per case (or per person)
    payload: dict | None = _json()
    received_at: datetime | None = _dt(nullable=False)
    state: str = Field(default="nieuw", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = _dt(nullable=False)
    answered_at: datetime | None = _dt(index=True)
    claimed_by: str | None = Field(default=None, max_length=96)
    claimed_until: datetime | None = _dt()


class HomeTabRow(SQLModel, table=True):
    """Who opened the bot's Home tab in Slack (`bot/slack/home.py`): their tab is published again when something
    changes in a case of theirs."""

    __tablename__ = "home_tabs"

    member_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    opened_at: datetime | None = _dt(nullable=False)


class MonthlyReportRow(SQLModel, table=True):
    """Which organisation got which month's report from the clock (`commands/reports.py`): each once."""

    __tablename__ = "monthly_reports"

    month: str = Field(primary_key=True, max_length=7)        # JJJJ-MM
    org_id: str = Field(primary_key=True, max_length=64)
    queued_at: datetime | None = _dt(nullable=False)
