"""One unit of work per command, on SQLite and PostgreSQL: all or nothing, audited, append-only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.config import load_directory, load_profile
from bot.storage.repository import CaseRepository
from commands import dispatch
from commands.model import Click, Env, Invocation
from commands.unit import Failed, run
from models.events import (
    DienstAfgerond,
    EersteContact,
    HuisverbodGestart,
    HuisverbodVerlengd,
    OverdrachtBevestigd,
    OverdrachtGevraagd,
    TijdVerstreken,
    TriageBesluit,
)
from models.rules import Context, Refused
from models.tables import AuditRow, CaseRow, DeadlineRow, LedgerRow
from models.types import Route, Status, Weight
from tests.factories import MEMBER_OF, Driver, ams, melding

GM = load_profile("gelderland-midden")


def ctx(at, actor="vt-medewerker", profile=GM) -> Context:
    return Context(now=at, actor=actor, actor_org=MEMBER_OF[actor], profile=profile)


def counts(engine) -> dict[str, int]:
    with engine.connect() as c:
        return {t: c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("cases", "ledger_entries", "deadlines", "handovers", "audit_log", "case_counters")}


def test_a_case_survives_the_database_unchanged(uow):
    """Every event through a unit of work gives the same state as applying it in memory."""
    steps = [
        (melding(ams(2025, 5, 26, 10), gemeenten=("Arnhem", "Ede")), ams(2025, 5, 26, 11), "vt-medewerker"),
        (TriageBesluit(Route.VV, Weight.ZWAAR, "structureel onveilig"), ams(2025, 5, 27, 9), "vt-medewerker"),
        (HuisverbodGestart(ams(2025, 5, 27).date()), ams(2025, 5, 27, 10), "vt-medewerker"),
        (HuisverbodVerlengd(ams(2025, 6, 2).date()), ams(2025, 6, 2, 10), "vt-medewerker"),
        (DienstAfgerond(), ams(2025, 7, 1, 10), "vt-medewerker"),
        (OverdrachtGevraagd(), ams(2025, 7, 1, 10), "vt-medewerker"),
        (OverdrachtBevestigd(1, "lt-ede"), ams(2025, 7, 2, 10), "lt-ede-medewerker"),
        (OverdrachtBevestigd(1, "lt-arnhem"), ams(2025, 7, 3, 10), "lt-arnhem-medewerker"),
        (EersteContact(ams(2025, 7, 4).date(), "lt-arnhem"), ams(2025, 7, 4, 10), "lt-arnhem-medewerker"),
        (TijdVerstreken(), ams(2025, 8, 1, 10), "vt-medewerker"),
    ]
    memory = Driver(GM)
    memory.state = memory.state.with_changes(profile=GM.name)
    number = None
    for event, at, actor in steps:
        done = run(uow, number, event, ctx(at, actor), action=event.name)
        number = done.number
        memory.do(event, at, actor)
    assert number == "VT-2025-0001"
    with uow() as u:
        stored = u.cases.get(number)
    expected = memory.state.with_changes(number=number, version=len(steps))
    assert stored == expected
    assert stored.status is Status.OVERGEDRAGEN and stored.holders == ("lt-arnhem", "lt-ede")


def test_a_refused_event_is_audited_and_changes_nothing(uow, engine):
    done = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    before = counts(engine)
    refused = run(uow, done.number, TriageBesluit(Route.GI), ctx(ams(2025, 5, 26, 12)), action="besluit")
    assert isinstance(refused.outcome, Refused) and refused.outcome.key == "gi_zonder_gezinsvoogd"
    after = counts(engine)
    assert after == {**before, "audit_log": before["audit_log"] + 1}
    with uow() as u:
        last = u.audit.for_case(done.number)[-1]
        assert (last.actor, last.action) == ("vt-medewerker", "besluit")
        assert last.outcome == "geweigerd:gi_zonder_gezinsvoogd"
        assert u.cases.get(done.number).version == 1


def test_a_refused_melding_gives_out_no_number(uow, engine):
    run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 9)), action="nieuw")   # future receipt
    assert counts(engine)["cases"] == 0
    done = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    assert done.number == "VT-2025-0001"


def test_a_failure_in_the_middle_of_a_command_leaves_no_partial_write(uow, engine):
    done = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    before = counts(engine)

    def explode(u, before, state, accepted):   # after the case, its ledger and deadlines were flushed
        with u.session.no_autoflush:
            assert u.session.execute(sa.select(sa.func.count()).select_from(LedgerRow)).scalar_one() == 1
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run(uow, done.number, TriageBesluit(Route.VV, Weight.MIDDELZWAAR, "x"), ctx(ams(2025, 5, 27, 9)),
            action="besluit", after=explode)
    after = counts(engine)
    assert after == {**before, "audit_log": before["audit_log"] + 1}   # only the failure is audited
    with uow() as u:
        state = u.cases.get(done.number)
        assert state.status is Status.TRIAGE and state.ledger == () and state.version == 1
        assert u.audit.for_case(done.number)[-1].outcome == "fout"


def test_a_failure_while_saving_the_children_rolls_back_the_case_row(uow, engine, monkeypatch):
    done = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    original = CaseRepository._upsert
    calls = []

    def failing_upsert(self, model, case_id, existing, wanted):
        calls.append(model)
        if model is DeadlineRow:
            raise OSError("connection lost")
        return original(self, model, case_id, existing, wanted)

    monkeypatch.setattr(CaseRepository, "_upsert", failing_upsert)
    with pytest.raises(Failed) as failed:
        run(uow, done.number, TriageBesluit(Route.VV, Weight.MIDDELZWAAR, "x"), ctx(ams(2025, 5, 27, 9)),
            action="besluit")
    assert isinstance(failed.value.__cause__, OSError)
    assert LedgerRow in calls
    monkeypatch.setattr(CaseRepository, "_upsert", original)
    with uow() as u:
        state = u.cases.get(done.number)
    assert state.status is Status.TRIAGE and state.decision is None and state.ledger == ()
    with engine.connect() as c:
        assert c.execute(sa.select(CaseRow.version)).scalar_one() == 1


def test_the_audit_log_is_append_only_in_the_database(uow, engine):
    run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    for statement in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError):
            with engine.begin() as c:
                c.execute(sa.text(statement))
    with engine.connect() as c:
        assert c.execute(sa.select(AuditRow.outcome)).scalars().all() == ["ok"]


def test_deadlines_carry_the_moment_the_sweep_must_look_at_them(uow, engine):
    done = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    with engine.connect() as c:
        row = c.execute(sa.select(DeadlineRow.kind, DeadlineRow.due, DeadlineRow.next_action_at)).one()
    kind, due, next_action = row
    assert kind == "triage"
    # the herinnering rung: one werkdag before the due moment (Wed 4 June 00:00 → Tue 3 June 00:00)
    # the reminder the werkdag before, at the start of VT's working day (not at midnight)
    assert due == ams(2025, 6, 4) and next_action == ams(2025, 6, 3, 8, 30)
    run(uow, done.number, TriageBesluit(Route.VV, Weight.MIDDELZWAAR, "x"), ctx(ams(2025, 5, 27, 9)), action="b")
    with engine.connect() as c:
        assert c.execute(sa.select(DeadlineRow.next_action_at).where(DeadlineRow.kind == "triage")
                         ).scalar_one() is None   # met: nothing to do


def test_migrating_again_keeps_the_data(uow, engine):
    from bot.storage.db import migrate

    done = run(uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw")
    migrate(engine)
    with uow() as u:
        assert u.cases.get(done.number).status is Status.TRIAGE


def test_the_migrations_build_exactly_the_schema_of_the_tables(engine):
    """A table change without a migration (or a migration that differs) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401

    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
    assert [d for d in diff if not (isinstance(d, tuple) and d[0] == "modify_type")] == []


def test_overlong_input_is_audited_shortened_and_answered(uow):
    """On PostgreSQL a too long value would fail the audit insert, and with it the answer."""
    env = Env(load_directory(), GM, uow, ams(2025, 5, 26, 10))
    reply = dispatch.handle(env, Invocation("x" * 200, "/casus", "y" * 300, "casus-2025-0001"))
    assert reply.private[0].template == "weigering/onbekend_lid"
    reply = dispatch.handle_click(env, Click("vt-medewerker", "bevestig", "VT-2025-" + "1" * 100 + ":1"))
    assert reply.private[0].template.startswith("weigering/")
    with uow() as u:
        rows = [(r.actor, r.action, r.case_number) for r in u.audit.all()]
    assert [len(actor) for actor, _, _ in rows] == [64, len("vt-medewerker")]
    assert rows[0][1].startswith("/casus") and len(rows[1][2]) == 16
