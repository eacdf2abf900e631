"""What may be used once, in the database: Mattermost's signed dialog states and Slack's request
signatures. A replay is refused also after a restart of the bot or by a second bot process, and two
requests racing each other get one winner (the primary key). Kept until it expires.

Written on every request, so written cheaply: the commit survives the bot being killed, but is not
flushed to disk before the answer (SQLite: synchronous=NORMAL on a connection of its own; PostgreSQL:
synchronous_commit off for the transaction). Only a power failure in the same moment could lose one,
and then a replay within its five minutes would count once more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.tables import SpentState

from .db import make_engine

PRUNE_EVERY = 60.0     # seconds between removals of expired entries, per process


class SpentStates:
    def __init__(self, engine: Engine, clock: Callable[[], float]):
        self.clock = clock
        self.sqlite = engine.dialect.name == "sqlite"
        self.engine = make_engine(engine.url.render_as_string(hide_password=False), durable=False) \
            if self.sqlite and engine.url.database not in (None, "", ":memory:") else engine
        self._pruned = float("-inf")     # when this process last removed what expired

    def spend(self, nonce: str, until: float) -> bool:
        """Mark `nonce` (at most 32 characters) as used until `until` (epoch seconds); False if it was
        used before."""
        moment = self.clock()
        with Session(self.engine) as session:
            if not self.sqlite:
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            if moment - self._pruned >= PRUNE_EVERY:      # what expired is no replay (it is refused before this)
                session.execute(delete(SpentState).where(SpentState.until < datetime.fromtimestamp(moment, UTC)))
                self._pruned = moment
            try:
                session.execute(insert(SpentState.__table__).values(nonce=nonce,
                                                                    until=datetime.fromtimestamp(until, UTC)))
                session.commit()
            except IntegrityError:
                return False
        return True

    def unspend(self, nonce: str) -> None:
        """A dialog submission that was refused may be corrected and sent again with the same state."""
        with Session(self.engine) as session:
            session.execute(delete(SpentState).where(SpentState.nonce == nonce))
            session.commit()
