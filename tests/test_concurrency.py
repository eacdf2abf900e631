"""Concurrency on PostgreSQL, the production database: what SQLite cannot show."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.config import load_profile
from bot.storage.uow import uow_factory
from commands.ports import ConcurrentChange
from commands.unit import run
from models.events import GezinGeinformeerd, OverdrachtBevestigd, OverdrachtGevraagd, StagnatieGemeld, TriageBesluit
from models.lifecycle import Accepted
from models.rules import Context, Refused
from models.types import Route, Status, Weight
from tests.conftest import profile_for
from tests.factories import MEMBER_OF, ams, melding

pytestmark = pytest.mark.postgres
GM = load_profile("gelderland-midden")


def ctx(at, actor="vt-medewerker") -> Context:
    return Context(now=at, actor=actor, actor_org=MEMBER_OF[actor], profile=GM)


@pytest.fixture
def pg_uow(pg_engine):
    return uow_factory(pg_engine, profile_for)


def test_concurrent_registrations_get_distinct_consecutive_numbers(pg_uow):
    def register(i: int) -> str:
        return run(pg_uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(register, range(40)))
    assert sorted(numbers) == [f"VT-2025-{i:04d}" for i in range(1, 41)]


def test_a_double_confirmation_at_the_same_moment_confirms_once(pg_uow):
    number = run(pg_uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number
    run(pg_uow, number, TriageBesluit(Route.LT, Weight.LICHT, "licht"), ctx(ams(2025, 5, 27, 9)), action="b")
    run(pg_uow, number, [GezinGeinformeerd(), OverdrachtGevraagd()], ctx(ams(2025, 5, 27, 9)), action="o")
    barrier = threading.Barrier(2)

    def click(actor: str):
        barrier.wait()
        return run(pg_uow, number, OverdrachtBevestigd(1, "lt-arnhem"), ctx(ams(2025, 5, 27, 10), actor),
                   action="bevestig").outcome

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(click, ["lt-arnhem-medewerker", "lt-arnhem-leidinggevende"]))
    assert sorted(type(o).__name__ for o in outcomes) == ["Accepted", "Refused"]
    refused = next(o for o in outcomes if isinstance(o, Refused))
    assert refused.key == "al_bevestigd"
    with pg_uow() as u:
        state = u.cases.get(number)
        assert state.status is Status.OVERGEDRAGEN
        assert len(state.handovers[0].confirmations) == 1
        assert [a.outcome for a in u.audit.for_case(number)][-2:] in (
            ["ok", "geweigerd:al_bevestigd"], ["geweigerd:al_bevestigd", "ok"])


def test_many_concurrent_changes_to_one_case_are_all_kept(pg_uow):
    number = run(pg_uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number

    def report(i: int):
        return run(pg_uow, number, StagnatieGemeld(f"melding {i}"), ctx(ams(2025, 5, 26, 12)), action="s").outcome

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(report, range(24)))
    assert all(isinstance(o, Accepted) for o in outcomes)
    with pg_uow() as u:
        state = u.cases.get(number)
    assert sorted(r.text for r in state.records if r.kind == "stagnatie") == sorted(f"melding {i}" for i in range(24))
    assert state.version == 25


def test_a_stale_save_is_refused_not_lost(pg_uow):
    number = run(pg_uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number
    with pg_uow() as first, pg_uow() as second:
        a = first.cases.get(number)
        b = second.cases.get(number)
        first.cases.save(a.with_changes(closed_reason="a"))
        first.commit()
        with pytest.raises(ConcurrentChange):
            second.cases.save(b.with_changes(closed_reason="b"))


def test_a_look_at_a_case_never_mixes_two_versions_and_never_holds_up_a_change(pg_uow, monkeypatch):
    # A change commits after the look read the case's row and before it read the deadlines: the look must
    # not show the new deadlines beside the old row (it reads again), and the change must not wait for it.
    from bot.storage import repository

    number = run(pg_uow, None, melding(ams(2025, 5, 26, 10)), ctx(ams(2025, 5, 26, 11)), action="nieuw").number
    original = repository.CaseRepository._read
    changed = []

    def read_then_change(self, model, case_id):
        if not changed:
            changed.append(1)
            with ThreadPoolExecutor(max_workers=1) as pool:   # another connection; must not block on the look
                pool.submit(run, pg_uow, number, TriageBesluit(Route.LT, Weight.LICHT, "licht"),
                            ctx(ams(2025, 5, 27, 9)), action="b").result(timeout=10)
        return original(self, model, case_id)

    monkeypatch.setattr(repository.CaseRepository, "_read", read_then_change)
    with pg_uow() as u:
        state = u.cases.get(number)
    assert changed and state.decision is not None and state.version == 2
    assert [d.kind for d in state.deadlines] == [d.kind for d in _fresh(pg_uow, number).deadlines]


def _fresh(pg_uow, number):
    with pg_uow() as u:
        return u.cases.get(number)
