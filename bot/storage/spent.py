"""Which signed dialog states were submitted already, in the database: a replay is refused also after a
restart of the bot, and two submissions of one state racing each other get one winner (the primary key)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.tables import SpentState


class SpentStates:
    def __init__(self, engine: Engine, clock: Callable[[], float]):
        self.engine, self.clock = engine, clock

    def spend(self, nonce: str, until: float) -> bool:
        """Mark a state as used until it expires; False if it was used before."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        with Session(self.engine) as session:
            session.execute(delete(SpentState).where(SpentState.until < now))    # what expired is no replay
            session.add(SpentState(nonce=nonce, until=datetime.fromtimestamp(until, UTC)))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def unspend(self, nonce: str) -> None:
        """A submission that was refused may be corrected and sent again with the same state."""
        with Session(self.engine) as session:
            session.execute(delete(SpentState).where(SpentState.nonce == nonce))
            session.commit()
