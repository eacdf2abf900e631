"""What may be used once (`bot/storage/spent.py`): a second use is refused, and what expired is removed — at most
once a minute per process, not at every request."""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.spent import PRUNE_EVERY, SpentStates
from models.tables import SpentState


def kept(engine) -> set[str]:
    with engine.connect() as c:
        return set(c.execute(sa.select(SpentState.nonce)).scalars())


def test_a_second_use_is_refused_and_what_expired_goes_once_a_minute(engine):
    now = [1_000_000.0]
    spent = SpentStates(engine, lambda: now[0])
    assert spent.spend("a", now[0] + 10) is True
    assert spent.spend("a", now[0] + 10) is False            # a replay
    assert spent.spend("b", now[0] + 300) is True
    now[0] += 20                                             # "a" expired, but the last removal was 20 s ago
    assert spent.spend("c", now[0] + 300) is True
    assert kept(spent.engine) == {"a", "b", "c"}
    now[0] += PRUNE_EVERY
    assert spent.spend("d", now[0] + 300) is True
    assert kept(spent.engine) == {"b", "c", "d"}
