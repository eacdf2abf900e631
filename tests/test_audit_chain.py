"""The audit log is tamper-evident (NEN 7513): every entry carries a hash over its content and the previous
entry's hash; `triagebot audit controleer` finds the first entry that was changed or removed behind the bot's back
— on SQLite and on PostgreSQL — and `triagebot audit` gives the functionaris gegevensbescherming the log."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session

from bot.config import load_profile
from bot.storage.audit_chain import GENESIS, first_break
from commands.unit import run
from models.events import StagnatieGemeld
from models.rules import Context
from models.tables import AuditRow
from tests.factories import MEMBER_OF, ams, melding
from tests.harness import clean_env, triagebot

GM = load_profile("gelderland-midden")


def ctx(at, actor="vt-medewerker") -> Context:
    return Context(now=at, actor=actor, actor_org=MEMBER_OF[actor], profile=GM)


def some_history(uow) -> str:
    number = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number
    for i in range(4):
        run(uow, number, StagnatieGemeld(f"loopt vast {i}"), ctx(ams(2025, 5, 26, 12), "lt-arnhem-medewerker"),
            action="/casus stagnatie")
    run(uow, number, StagnatieGemeld(""), ctx(ams(2025, 5, 26, 13)), action="/casus stagnatie")     # refused
    return number


def check(engine):
    with Session(engine) as s:
        return first_break(s.execute(select(AuditRow).order_by(AuditRow.id)).scalars())


def behind_the_bots_back(engine, statement: str) -> None:
    """What someone with direct database access could do: switch off the append-only triggers and change it."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"))
            conn.execute(sa.text(statement))
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(sa.text(statement))


def test_every_entry_is_chained_to_the_one_before(engine, uow):
    some_history(uow)
    with Session(engine) as s:
        rows = list(s.execute(select(AuditRow).order_by(AuditRow.id)).scalars())
    assert len(rows) == 6 and rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert check(engine) == (None, 6, rows[-1].hash)


def test_a_changed_entry_is_found(engine, uow):
    some_history(uow)
    behind_the_bots_back(engine, "UPDATE audit_log SET outcome = 'ok' WHERE id = 6")    # hide the refusal
    broken, checked, _ = check(engine)
    assert (broken.id, broken.why, checked) == (6, "inhoud", 5)


def test_a_removed_entry_is_found(engine, uow):
    some_history(uow)
    behind_the_bots_back(engine, "DELETE FROM audit_log WHERE id = 3")
    broken, checked, _ = check(engine)
    assert (broken.id, broken.why, checked) == (4, "schakel", 2)


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain(pg_engine):
    from bot.storage.uow import uow_factory
    from tests.conftest import profile_for

    uow = uow_factory(pg_engine, profile_for)
    number = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number

    def report(i: int):
        return run(uow, number, StagnatieGemeld(f"melding {i}"), ctx(ams(2025, 5, 26, 12)), action="s")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(report, range(40)))
    broken, checked, _ = check(pg_engine)
    assert broken is None and checked == 41


def test_the_privacy_officer_reads_and_verifies_the_log_from_the_command_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert triagebot("demo", "--db", db).returncode == 0
    table = triagebot("audit", "--db", db, "--casus", "VT-2025-0002", env=clean_env())
    assert table.returncode == 0 and table.english() == []
    assert table.stdout.splitlines()[0].split() == ["tijd", "wie", "namens", "casus", "handeling", "uitkomst", "lid",
                                                  "kanaal"]
    assert "klik:weiger" in table.stdout and "VT-2025-0001" not in table.stdout
    csv = triagebot("audit", "--db", db, "--lid", "lt-ede-medewerker", "--csv")
    assert csv.stdout.splitlines()[0] == "tijd,wie,namens,casus,handeling,uitkomst,lid,kanaal"
    assert all(",lt-ede-medewerker," in line for line in csv.stdout.splitlines()[1:])
    # also when someone else's action concerned them: the bot let them into a case channel, or out of it
    moved = [line.split(",") for line in csv.stdout.splitlines()[1:] if ",kanaal_lid_" in line]
    assert moved and all(r[1] != "lt-ede-medewerker" and r[6] == "lt-ede-medewerker" for r in moved)
    ok = triagebot("audit", "controleer", "--db", db)
    assert ok.returncode == 0 and "ongeschonden" in ok.stdout
    engine = sa.create_engine(db)
    with engine.connect() as conn:                                  # the privacy officer's look is logged too
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'audit rapport'")).scalar() == 2
    behind_the_bots_back(engine, "UPDATE audit_log SET actor = 'iemand-anders' WHERE id = 2")
    engine.dispose()
    bad = triagebot("audit", "verify", "--db", db)
    assert bad.returncode == 1 and "breekt bij regel 2" in bad.stderr and "inhoud is veranderd" in bad.stderr
