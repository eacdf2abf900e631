"""No ping before every use of a database connection (a round trip per request, issue 15): when the server
dropped the connections — a restart, a failover, a network break — the first use of a dead one fails, the pool
lets it go, and the change is applied on a fresh connection: once, with its audit entry (PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.storage.uow import uow_factory
from commands.unit import run
from models.events import StagnatieGemeld
from tests.conftest import PG_URL, profile_for
from tests.factories import ams, melding
from tests.test_audit_chain import ctx


@pytest.mark.postgres
def test_a_change_after_the_server_dropped_its_connections_is_applied_once(pg_engine):
    uow = uow_factory(pg_engine, profile_for)
    number = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number
    pids = set()
    for _ in range(3):
        with pg_engine.connect() as c:
            pids.add(c.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
    admin = sa.create_engine(PG_URL)
    with admin.connect() as c:        # what a restart of the server does to the bot's connections
        for pid in pids:
            assert c.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()

    done = run(uow, number, StagnatieGemeld("loopt vast"), ctx(ams(2025, 5, 26, 12), "lt-arnhem-medewerker"),
               action="/casus stagnatie")
    assert done.outcome.__class__.__name__ == "Accepted"
    with uow() as u:
        state = u.cases.get(number)
        audit = [(a.action, a.outcome) for a in u.audit.for_case(number)]
    assert [r.kind for r in state.records].count("stagnatie") == 1
    assert audit.count(("/casus stagnatie", "ok")) == 1 and not any(o == "fout" for _, o in audit)
