"""Exactly once, for a request from the inbox (`bot/delivery/inbox.py`): while the processor applies inbox row
`n`, the first transaction of the request that commits also marks row `n` applied (`nieuw` → `verwerkt`), in the
same transaction. If another processor got there first, nothing of this attempt commits."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import update
from sqlmodel import Session

from models.tables import InboxRow

NEW, APPLIED = "nieuw", "verwerkt"
_applying: ContextVar[int | None] = ContextVar("applying", default=None)


class AlreadyApplied(BaseException):
    """The inbox row was applied by another processor. A BaseException, like a cancellation: it must pass every
    `except Exception` of the commands (which would otherwise audit it as a failure and commit that) and roll
    back what this attempt wrote."""


@contextmanager
def applying(row_id: int):
    """Apply inbox row `row_id` in this block: the request's first commit marks it."""
    token = _applying.set(row_id)
    try:
        yield
    finally:
        _applying.reset(token)


def mark_in(session: Session) -> int | None:
    """Called before a unit of work commits: mark the inbox row being applied, if any (once per request).
    Returns the row id marked, for `marked` after the commit succeeded."""
    row_id = _applying.get()
    if row_id is None:
        return None
    done = session.execute(update(InboxRow).where(InboxRow.id == row_id, InboxRow.state == NEW)
                           .values(state=APPLIED).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise AlreadyApplied(row_id)
    return row_id


def marked() -> None:
    """The commit that marked the row succeeded: later commits of the same request do not mark again."""
    _applying.set(None)
