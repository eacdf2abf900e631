"""One unit of work per command: the state change, its ledger, deadlines, audit entry and outgoing
messages commit together or not at all.

A refused command is audited and changes nothing. An unexpected failure rolls everything back and is
audited in a transaction of its own, so the audit log still shows that something was tried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from models.calendar import AMS
from models.case import CaseState
from models.events import Event, MeldingOntvangen
from models.lifecycle import Accepted, apply
from models.rules import Context, Refused

from .parse import ParseError
from .ports import ConcurrentChange, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
After = Callable[[UnitOfWork, CaseState | None, CaseState, Accepted], None]
RETRIES = 5
PROVISIONAL = "VT-0000-0000"


class Failed(RuntimeError):
    """An unexpected failure, rolled back and already audited (raised from the original exception)."""


@dataclass(frozen=True)
class Done:
    outcome: Accepted | Refused
    number: str


def run(uow_factory: UowFactory, number: str | None, events: Event | Sequence[Event], ctx: Context, *,
        action: str, on_behalf_of: str | None = None, detail: dict[str, Any] | None = None,
        after: After | None = None, check: Callable[[CaseState], None] | None = None) -> Done:
    """Apply `events` in order to case `number` (a new case for a melding) in one transaction.

    `after` runs inside the same transaction when all were accepted, to write what the command
    sends (the outbox): it commits with the change or not at all. `check` (who may do this to this case) runs
    on the case as locked for the change, in the same transaction: a refusal (`Denied`) goes to the caller with
    nothing written, and costs no second look at the case.
    """
    batch = (events,) if isinstance(events, Event) else tuple(events)
    info = {"events": [e.name for e in batch], **(detail or {})}
    for attempt in range(RETRIES):
        try:
            return _once(uow_factory, number, batch, ctx, action, on_behalf_of, info, after, check)
        except ParseError:          # `check` refused (or found no case): the caller answers and audits it
            raise
        except ConcurrentChange:
            if attempt == RETRIES - 1:
                raise           # still in the way after all tries: the caller says "try again"
            time.sleep(random.uniform(0.005, 0.02) * 2 ** attempt)   # let the other change finish first
        except Exception as exc:
            with uow_factory() as uow:
                uow.audit.add(at=ctx.now, actor=ctx.actor, on_behalf_of=on_behalf_of, case_number=number,
                              action=action, outcome="fout", detail={**info, "error": type(exc).__name__})
                uow.commit()
            raise Failed(type(exc).__name__) from exc
    raise AssertionError("unreachable")


def _once(uow_factory: UowFactory, number: str | None, batch: tuple[Event, ...], ctx: Context, action: str,
          on_behalf_of: str | None, info: dict[str, Any], after: After | None,
          check: Callable[[CaseState], None] | None = None) -> Done:
    with uow_factory() as uow:
        new_case = isinstance(batch[0], MeldingOntvangen)
        if new_case:   # the number is given out only when the melding is accepted
            before: CaseState | None = None
            state: CaseState | None = CaseState(number=PROVISIONAL, profile=ctx.profile.name)
            number = None
        else:
            assert number is not None
            state = before = uow.cases.get(number, lock=True)
            if check is not None:
                if state is None:
                    raise ParseError("casus_onbekend", nummer=number)
                check(state)
        outcome: Accepted | Refused = Refused.of("casus_onbekend", nummer=number)
        notes: list = []
        if state is not None:
            for event in batch:
                outcome = apply(state, event, ctx)
                if isinstance(outcome, Refused):
                    break
                state, notes = outcome.state, notes + list(outcome.notes)
        audit = dict(at=ctx.now, actor=ctx.actor, on_behalf_of=on_behalf_of, action=action, detail=info)
        if isinstance(outcome, Refused):
            uow.audit.add(**audit, case_number=number, outcome=f"geweigerd:{outcome.key}")
            uow.commit()
            return Done(outcome, number or "")
        assert state is not None
        if new_case:
            number = uow.cases.next_number(ctx.now.astimezone(AMS).year)
            state = replace(state, number=number)
        saved = uow.cases.save(state)
        accepted = Accepted(saved, tuple(notes))
        uow.audit.add(**audit, case_number=saved.number, outcome="ok")
        if after is not None:
            after(uow, before, saved, accepted)
        uow.commit()
        return Done(accepted, saved.number)
