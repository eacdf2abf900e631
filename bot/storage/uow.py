"""The SQL unit of work: one session, one transaction; commits only when told to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from commands.ports import ConcurrentChange, Disconnected
from models.profile import Profile
from models.tables import AuditRow

from ..delivery.outbox import OutboxWriter
from .applying import mark_in, marked
from .audit_chain import GENESIS, content, link
from .members import ChannelMembers
from .monthly import MonthlyReports
from .repository import CaseRepository


class AuditLog:
    """Append-only: entries are added, never changed (the database refuses UPDATE and DELETE), and chained: each
    carries a hash over its content and the previous entry's hash (`audit_chain.py`). Writers take turns for
    their link: SQLite's write lock at BEGIN already makes them; on PostgreSQL a transaction-scoped advisory lock."""

    CHAIN_LOCK = 7513     # NEN 7513

    def __init__(self, session: Session):
        self.session = session
        self._last: str | None = None      # the hash of this transaction's previous entry

    def add(self, *, at: datetime, actor: str, action: str, outcome: str, case_number: str | None = None,
            on_behalf_of: str | None = None, detail: dict[str, Any] | None = None) -> None:
        # what a person typed can be longer than a column: shortened, never refused (the entry must be written)
        row = dict(at=at, actor=_fit("actor", actor), on_behalf_of=_fit("on_behalf_of", on_behalf_of),
                   case_number=_fit("case_number", case_number), action=_fit("action", action),
                   outcome=_fit("outcome", outcome), detail=detail or {})
        prev = self._previous()
        row["prev_hash"] = prev
        row["hash"] = link(prev, content(row["at"], row["actor"], row["on_behalf_of"], row["case_number"],
                                         row["action"], row["outcome"], row["detail"]))
        self.session.execute(insert(AuditRow.__table__).values(**row))    # as a plain insert: no ORM object
        self._last = row["hash"]

    def _previous(self) -> str:
        if self._last is not None:
            return self._last
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.CHAIN_LOCK})
        last = self.session.execute(select(AuditRow.hash).where(AuditRow.hash.is_not(None))
                                    .order_by(AuditRow.id.desc()).limit(1)).scalar_one_or_none()
        return last or GENESIS

    def for_case(self, number: str) -> list[AuditRow]:
        stmt = select(AuditRow).where(AuditRow.case_number == number).order_by(AuditRow.id)
        return list(self.session.execute(stmt).scalars())

    def count_before(self, moment: datetime) -> int:
        return self.session.execute(select(func.count()).select_from(AuditRow)
                                    .where(AuditRow.at < moment)).scalar_one()

    def all(self) -> list[AuditRow]:
        return list(self.session.execute(select(AuditRow).order_by(AuditRow.id)).scalars())


# PostgreSQL: serialization failure, deadlock detected, lock not available
CONTENDED_STATES = frozenset({"40001", "40P01", "55P03"})


def contended(exc: DBAPIError) -> bool:
    """Whether a database error means "another change got in the way" (worth trying again), not a fault."""
    if getattr(exc.orig, "sqlstate", None) in CONTENDED_STATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message or "busy" in message


def _fit(column: str, value: str | None) -> str | None:
    limit = AuditRow.__table__.c[column].type.length
    return value if value is None or len(value) <= limit else value[:limit - 1] + "…"


class SqlUnitOfWork:
    def __init__(self, engine: Engine, profile_for: Callable[[str], Profile]):
        self.engine = engine
        self.profile_for = profile_for
        self.session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False)
        self.cases = CaseRepository(self.session, self.profile_for)
        self.audit = AuditLog(self.session)
        self.outbox = OutboxWriter(self.session)
        self.members = ChannelMembers(self.session)
        self.reports = MonthlyReports(self.session)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.session is not None:
            self.session.rollback()   # a no-op after commit; undoes everything otherwise
            self.session.close()
            self.session = None
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # a connection the pool handed out was dead (no ping before every use: that is a round trip per
            # request); the pool has let it go, and the unit of work is tried again on a fresh one
            raise Disconnected("the database connection was gone") from exc
        if isinstance(exc, DBAPIError) and contended(exc):
            raise ConcurrentChange("the database was busy with another change") from exc

    def commit(self) -> None:
        assert self.session is not None
        inbox_row = mark_in(self.session)     # a request from the inbox: applied in this same transaction
        self.session.commit()
        if inbox_row is not None:
            marked()


def uow_factory(engine: Engine, profile_for: Callable[[str], Profile]) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine, profile_for)
