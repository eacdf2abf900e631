"""What may be used once, in the database: Mattermost's signed dialog states and Slack's request
signatures. A replay is refused also after a restart of the bot or by a second bot process, and two
requests racing each other get one winner (the primary key). Kept until it expires."""

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
        """Mark `nonce` (at most 32 characters) as used until `until` (epoch seconds); False if it was
        used before."""
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
        """A dialog submission that was refused may be corrected and sent again with the same state."""
        with Session(self.engine) as session:
            session.execute(delete(SpentState).where(SpentState.nonce == nonce))
            session.commit()
