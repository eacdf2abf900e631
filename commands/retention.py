"""Retention: closed cases whose period (`bewaartermijn.casus`) has passed are reduced, and their channels go.

`triagebot bewaartermijn` (a dry run unless `--uitvoeren`) and the worker (daily) run this. A case is reduced
through the lifecycle (`BewaartermijnVerstreken`, `models/retention.py`), audited like every change. In the same
transaction the messages the bot kept about it are removed from the outbox (their contexts hold what people
wrote), anyone still in its channel is taken out, and the channel's deletion is queued: Mattermost deletes it
where the server allows (`EnableAPIChannelDeletion`); Slack does not let a bot delete a channel, so there it stays
archived and empty. The audit log is not touched: it is kept, append-only, for its own longer period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from models.directory import Directory
from models.events import BewaartermijnVerstreken
from models.profile import Profile
from models.retention import audit_kept_from, due_after_closing
from models.rules import Context, Refused

from .membership import SYSTEM, write_after
from .messages import delete_message
from .unit import UowFactory, run

log = logging.getLogger("triagebot.retention")


@dataclass
class RetentionReport:
    reduced: list[str] = field(default_factory=list)      # cases reduced (in a dry run: that would be)
    waiting: int = 0                                       # closed cases whose period still runs
    next_due: tuple[str, datetime] | None = None           # the first of those, and when
    messages: int = 0                                      # outbox rows removed with them
    failed: list[str] = field(default_factory=list)        # cases that could not be reduced (logged)
    audit_older: int = 0                                   # audit entries past the audit log's own period
    audit_kept_from: datetime | None = None


def expire(uow_factory: UowFactory, directory: Directory, profile: Profile, profile_for, now: datetime, *,
           dry_run: bool = True, on_behalf_of: str | None = None) -> RetentionReport:
    report = RetentionReport(audit_kept_from=audit_kept_from(now, profile))
    with uow_factory() as uow:
        closed = uow.cases.closed_unreduced()
        report.audit_older = uow.audit.count_before(report.audit_kept_from)
    for number, profile_name, closed_at in closed:
        case_profile = profile_for(profile_name)
        due = due_after_closing(closed_at, case_profile)
        if now < due:
            report.waiting += 1
            if report.next_due is None or due < report.next_due[1]:
                report.next_due = (number, due)
            continue
        try:
            removed = _reduce(uow_factory, directory, case_profile, number, now, dry_run, on_behalf_of)
        except Exception:       # one broken case does not keep the others
            log.exception("reducing a case after its retention period failed", extra={"case": number})
            report.failed.append(number)
            continue
        if removed is not None:
            report.messages += removed
            report.reduced.append(number)
    return report


def _reduce(uow_factory: UowFactory, directory: Directory, profile: Profile, number: str, now: datetime,
            dry_run: bool, on_behalf_of: str | None) -> int | None:
    """Reduce one case; returns how many of its messages went from the outbox (in a dry run: would go), or
    None when another run was first."""
    if dry_run:
        with uow_factory() as uow:
            return uow.outbox.count_case(number)
    ctx = Context(now=now, actor=SYSTEM, actor_org=SYSTEM, profile=profile)
    removed = 0

    def after(uow, before, reduced, accepted) -> None:
        nonlocal removed
        removed = uow.outbox.forget_case(number)
        write_after(uow, directory, profile, before, reduced, accepted.notes, SYSTEM, now, by_clock=True)
        uow.outbox.add(delete_message(number), case=number, at=now)

    done = run(uow_factory, number, BewaartermijnVerstreken(), ctx, action="bewaartermijn",
               on_behalf_of=on_behalf_of, after=after)
    return None if isinstance(done.outcome, Refused) else removed   # refused: another run was first
