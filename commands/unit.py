"""One unit of work per command: the state change, its ledger, deadlines and audit entry commit together.

A refused event is audited and changes nothing. An unexpected failure rolls everything back and is
audited in a transaction of its own, so the audit log still shows that something was tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from models.calendar import AMS
from models.case import CaseState
from models.events import Event, MeldingOntvangen
from models.lifecycle import Accepted, apply
from models.rules import Context, Refused

from .ports import ConcurrentChange, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
RETRIES = 3
PROVISIONAL = "VT-0000-0000"


@dataclass(frozen=True)
class Done:
    outcome: Accepted | Refused
    number: str


def _detail(event: Event, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {"event": event.name, **(extra or {})}


def run(uow_factory: UowFactory, number: str | None, event: Event, ctx: Context, *,
        action: str, on_behalf_of: str | None = None, detail: dict[str, Any] | None = None,
        year: int | None = None, after: Callable[[UnitOfWork, CaseState, Accepted], None] | None = None) -> Done:
    """Apply `event` to case `number` (or to a new case for a melding) in one transaction.

    `after` runs inside the same transaction on success, for what the command writes besides the case
    (the outbox, in later issues): it commits with the change or not at all.
    """
    for attempt in range(RETRIES):
        try:
            return _once(uow_factory, number, event, ctx, action, on_behalf_of, detail, year, after)
        except ConcurrentChange:
            if attempt == RETRIES - 1:
                raise
        except Exception as exc:
            with uow_factory() as uow:
                uow.audit.add(at=ctx.now, actor=ctx.actor, on_behalf_of=on_behalf_of, case_number=number,
                              action=action, outcome="fout",
                              detail={**_detail(event, detail), "error": type(exc).__name__})
                uow.commit()
            raise
    raise AssertionError("unreachable")


def _once(uow_factory: UowFactory, number: str | None, event: Event, ctx: Context, action: str,
          on_behalf_of: str | None, detail: dict[str, Any] | None, year: int | None,
          after: Callable[[UnitOfWork, CaseState, Accepted], None] | None) -> Done:
    with uow_factory() as uow:
        new_case = isinstance(event, MeldingOntvangen)
        if new_case:   # the number is given out only when the melding is accepted
            state: CaseState | None = CaseState(number=PROVISIONAL, profile=ctx.profile.name)
            number = None
        else:
            assert number is not None
            state = uow.cases.get(number, lock=True)
        if state is None:
            outcome: Accepted | Refused = Refused.of("casus_onbekend", nummer=number)
        else:
            outcome = apply(state, event, ctx)
        audit = dict(at=ctx.now, actor=ctx.actor, on_behalf_of=on_behalf_of, action=action,
                     detail=_detail(event, detail))
        if isinstance(outcome, Refused):
            uow.audit.add(**audit, case_number=number, outcome=f"geweigerd:{outcome.key}")
            uow.commit()
            return Done(outcome, number or "")
        changed = outcome.state
        if new_case:
            number = uow.cases.next_number(year or ctx.now.astimezone(AMS).year)
            changed = replace(changed, number=number)
        saved = uow.cases.save(changed)
        outcome = Accepted(saved, outcome.notes)
        uow.audit.add(**audit, case_number=number, outcome="ok")
        if after is not None:
            after(uow, saved, outcome)
        uow.commit()
        return Done(outcome, saved.number)
