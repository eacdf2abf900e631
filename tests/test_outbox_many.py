"""Many outbox rows at once (the sweep): one executemany, or on PostgreSQL from `COPY_FROM` rows a COPY — the
rows the same either way, in the writer's own transaction (rolled back with it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from bot.delivery.outbox import COPY_FROM, OutboxWriter
from commands.model import Audience, Button, Message
from models.tables import OutboxRow

AT = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def messages(n: int) -> list[tuple[Message, str, datetime | None]]:
    return [(Message("herinnering", {"case": f"VT-2025-{i + 1:04d}", "soort": "bevestiging", "n": i},
                     Audience.CHANNEL, channel=f"casus-2025-{i + 1:04d}",
                     buttons=(Button("oppakken", f"VT-2025-{i + 1:04d}:d1"),)),
             f"VT-2025-{i + 1:04d}", AT + timedelta(hours=1) if i % 2 else None) for i in range(n)]


def stored(engine) -> list[tuple]:
    with Session(engine) as s:
        return [(r.case_number, r.queue, r.template, r.context, r.buttons, r.next_attempt_at, r.state, r.attempts)
                for r in s.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars()]


def test_many_rows_at_once_are_the_rows_one_by_one_would_be(engine):
    n = COPY_FROM + 50
    with Session(engine) as s:
        OutboxWriter(s).add_many(messages(n), AT)
        s.rollback()                       # not committed: nothing stays
    assert stored(engine) == []
    with Session(engine) as s:
        OutboxWriter(s).add_many(messages(n), AT)
        s.commit()
    rows = stored(engine)
    assert len(rows) == n
    assert rows[1] == ("VT-2025-0002", "casus-2025-0002", "herinnering",
                       {"case": "VT-2025-0002", "soort": "bevestiging", "n": 1},
                       [{"action": "oppakken", "value": "VT-2025-0002:d1", "style": "primary"}],
                       AT + timedelta(hours=1), "nieuw", 0)
    assert rows[0][5] == AT                # not held back: due at once
