"""What the sweep changes in a deadline is written whole, on SQLite and PostgreSQL: a milestone that came is met at
its moment (the report counts it as on time), not left met without a moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import load_directory, load_profile
from bot.console.console import Console
from models.calendar import AMS
from models.types import DeadlineKind, DeadlineState


def test_a_milestone_the_sweep_passes_is_stored_as_met_at_its_moment(engine):
    console = Console.on(engine, load_directory(), load_profile("gelderland-midden"),
                         datetime(2025, 5, 26, 9, tzinfo=AMS))
    console.run(["vt-medewerker: /casus nieuw Arnhem", "vt-medewerker: /casus huisverbod VT-2025-0001 start"])
    with console.bot.uow() as uow:
        end = next(d for d in uow.cases.get("VT-2025-0001").deadlines if d.kind is DeadlineKind.THV_EINDE)
    console.clock.now = end.due + timedelta(hours=1)
    console.bot.sweep_now()                       # the sweep, not a command, passes the milestone
    with console.bot.uow() as uow:
        stored = next(d for d in uow.cases.get("VT-2025-0001").deadlines if d.kind is DeadlineKind.THV_EINDE)
    assert stored.state is DeadlineState.GEHAALD and stored.met_at == end.due and stored.lapsed_at is None
