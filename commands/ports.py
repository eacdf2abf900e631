"""What the commands need from the outside world, as protocols; `bot/` provides the real ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from models.case import CaseState


class ConcurrentChange(RuntimeError):
    """Someone else changed the case between load and save; the unit of work is retried."""


class Disconnected(ConcurrentChange):
    """The database connection was gone (the server restarted, the network broke): nothing was written, and the
    unit of work is retried on a new connection."""


class Cases(Protocol):
    def next_number(self, year: int) -> str: ...
    def get(self, number: str, *, lock: bool = False) -> CaseState | None: ...
    def save(self, state: CaseState) -> CaseState: ...


class Audit(Protocol):
    def add(self, *, at: datetime, actor: str, action: str, outcome: str, case_number: str | None = None,
            on_behalf_of: str | None = None, detail: dict[str, Any] | None = None) -> None: ...


class Members(Protocol):
    """Who the bot let into each case channel, and why."""

    def of_case(self, number: str) -> dict[str, str]: ...
    def cases_of(self, member: str) -> set[str]: ...
    def add(self, number: str, member: str, reason: str, at: datetime, contact: dict | None = None) -> None: ...
    def set_reason(self, number: str, member: str, reason: str) -> None: ...
    def remove(self, number: str, member: str) -> None: ...


class Outbox(Protocol):
    """What a change sends, written in its transaction (bot/delivery/outbox.py delivers it)."""

    def add(self, message: Any, *, case: str | None, at: datetime, not_before: datetime | None = None) -> None: ...
    def add_many(self, messages: list[tuple[Any, str | None, datetime | None]], at: datetime) -> None: ...
    def count_case(self, number: str) -> int: ...
    def forget_case(self, number: str) -> int: ...


class MonthlyReports(Protocol):
    """Which organisation got which month's report from the clock."""

    def mark(self, month: str, org_id: str, at: datetime) -> bool: ...


class UnitOfWork(Protocol):
    cases: Cases
    audit: Audit
    members: Members
    outbox: Outbox
    reports: MonthlyReports

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
