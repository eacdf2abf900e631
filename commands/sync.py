"""Joiners, movers and leavers: the case channels brought in line with the directory as it is now.

`triagebot adressen synchroniseer` and the worker (periodically) run this. For every case whose channel still has
members: who may no longer see it (left the organisation, moved to another, lost the table seat or the role
that let them in) is removed; who newly sits at the table of a case still at the table joins. An assignment of
someone who left lapses through the lifecycle (`ToewijzingVervallen`), which tells the organisation's
leidinggevende: nobody is assigned in their place without a person deciding it. Everything is audited, by the
bot, on whose behalf the run was asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from models.case import CaseState
from models.directory import Directory
from models.events import ToewijzingVervallen
from models.membership import wanted
from models.rules import Context
from models.types import Status

from .membership import SYSTEM, bring_in_line, write_after
from .unit import UowFactory, run

log = logging.getLogger("triagebot.sync")


@dataclass
class SyncReport:
    joined: list[tuple[str, str]] = field(default_factory=list)       # (case, member)
    left: list[tuple[str, str]] = field(default_factory=list)
    lapsed: list[tuple[str, str, str]] = field(default_factory=list)  # (case, organisation, member)
    failed: list[str] = field(default_factory=list)                   # cases that could not be handled (logged)


def lapsed_assignments(state: CaseState, directory: Directory) -> list[tuple[str, str]]:
    """(organisation, member) of every assignment whose worker is no longer of that organisation."""
    if state.status is Status.GESLOTEN:
        return []
    return [(org, m) for org, m in state.assigned.items()
            if (member := directory.member(m)) is None or member.org_id != org]


def synchronise(uow_factory: UowFactory, directory: Directory, profile_for, now: datetime, *,
                dry_run: bool = False, on_behalf_of: str | None = None) -> SyncReport:
    report = SyncReport()
    with uow_factory() as uow:
        numbers = sorted(set(uow.members.cases_with_members()) | {s.number for s in uow.cases.open_cases()})
    for number in numbers:
        try:
            _one(uow_factory, directory, profile_for, now, number, report, dry_run, on_behalf_of)
        except Exception:          # one broken case does not keep the others from being brought in line
            log.exception("synchronisation of a case failed", extra={"case": number})
            report.failed.append(number)
    return report


def _one(uow_factory: UowFactory, directory: Directory, profile_for, now: datetime, number: str,
         report: SyncReport, dry_run: bool, on_behalf_of: str | None) -> None:
    with uow_factory() as uow:
        state = uow.cases.get(number)
        current = uow.members.of_case(number)
    if state is None:
        return
    profile = profile_for(state.profile)
    for org, member in lapsed_assignments(state, directory):
        report.lapsed.append((number, org, member))
        if not dry_run:
            _lapse(uow_factory, directory, profile, number, org, member, now, on_behalf_of)
    want = wanted(state, directory, profile)
    if state.status is Status.GESLOTEN:
        want = {m: w for m, w in want.items() if m in current}
    if dry_run:
        report.joined += [(number, m) for m in want if m not in current]
        report.left += [(number, m) for m in sorted(current) if m not in want]
        return
    if want == current and not lapsed_assignments(state, directory):
        return              # in line already: no lock, no write (the hourly run over every case stays cheap)
    with uow_factory() as uow:
        state = uow.cases.get(number, lock=True)      # one change of a case at a time
        if state is None:
            return
        before = uow.members.of_case(number)
        messages = bring_in_line(uow, directory, profile, state, now, SYSTEM)
        after = uow.members.of_case(number)
        for message in messages:
            uow.outbox.add(message, case=number, at=now)
        uow.commit()
    report.joined += [(number, m) for m in after if m not in before]
    report.left += [(number, m) for m in sorted(before) if m not in after]




def _lapse(uow_factory: UowFactory, directory: Directory, profile, number: str, org: str, member: str,
           now: datetime, on_behalf_of: str | None) -> None:
    ctx = Context(now=now, actor=SYSTEM, actor_org=SYSTEM, profile=profile)

    def outbox(uow, before, after, accepted) -> None:
        write_after(uow, directory, profile, before, after, accepted.notes, SYSTEM, now, by_clock=True)

    # refused only when another run was first (`geen_toewijzing`): then there is nothing left to do
    run(uow_factory, number, ToewijzingVervallen(member, org), ctx, action="adressen synchroniseer",
        on_behalf_of=on_behalf_of, after=outbox)
