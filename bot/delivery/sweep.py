"""The sweep: the clock's job that lets deadlines lapse and the escalation ladder climb.

It claims the deadline rows whose `next_action_at` has come (an indexed query: the cost grows with what
is due, not with the number of cases), with their case rows, `FOR UPDATE SKIP LOCKED` on PostgreSQL —
so two bot processes never handle one item twice, and a case a person is changing right now is left
for the next sweep. For each row the domain (`models.escalation.advance`) says what lapses and which
rungs fire; the rows are updated and the rungs' messages written to the outbox in the same transaction.

Where a rung changes the case itself — the triage term overrun makes VT hold zicht op veiligheid, a rung
to the gemeente starts its answer term — the case goes through the lifecycle as a whole
(`TijdVerstreken`) in a unit of work of its own, after the batch has committed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, bindparam, cast, func, select, text, update
from sqlmodel import Session

from commands.ladder import Around, rung_messages
from commands.membership import write_after
from commands.model import Audience, Message
from commands.office import not_before
from commands.unit import run
from models.directory import Directory
from models.escalation import Target, advance, next_action
from models.events import GemeenteGeinformeerd, TijdVerstreken
from models.membership import Why
from models.profile import Profile
from models.rules import Context
from models.tables import AuditRow, CaseRow, ChannelMemberRow, DeadlineRow
from models.types import NOT_A_FAILURE, DeadlineKind, DeadlineState, Role, Status

from ..storage.repository import deadline_from
from .outbox import OutboxWriter

log = logging.getLogger("triagebot.sweep")
SYSTEM = "triagebot"
WHOLE_CASE_TARGETS = frozenset({Target.GEMEENTE, Target.MELDERS, Target.AFSTEMMING})


@dataclass
class SweepResult:
    rows: int = 0
    fired: int = 0
    cases: set[str] = field(default_factory=set)      # handled through the lifecycle as a whole
    rungs: Counter[str] = field(default_factory=Counter)        # the rungs that fired, by kind or target
    lapsed: Counter[str] = field(default_factory=Counter)       # the deadlines that lapsed, by kind


class Sweeper:
    def __init__(self, engine, directory: Directory, profile: Profile, profile_for: Callable[[str], Profile],
                 uow, batch: int = 2000):
        self.engine, self.directory, self.uow, self.batch = engine, directory, uow, batch
        self.profile = profile            # the region this bot serves: its thresholds for repeated lapses
        self.profile_for = profile_for    # a case's own profile (the one it was registered under)

    def _assigned(self, session: Session, numbers: set[str]) -> dict[str, dict[str, str]]:
        """Per case of a batch, the worker each organisation assigned (whom a lapse is told by DM): the
        channel's members that are in it because they were assigned, one query for the batch."""
        out: dict[str, dict[str, str]] = {}
        if not numbers:
            return out
        rows = session.execute(select(ChannelMemberRow.case_number, ChannelMemberRow.member_id).where(
            ChannelMemberRow.case_number.in_(sorted(numbers)), ChannelMemberRow.reason == Why.TOEGEWEZEN.value))
        for number, member_id in rows.all():
            if (m := self.directory.member(member_id)) is not None:
                out.setdefault(number, {})[m.org_id] = m.id
        return out

    def run(self, now: datetime) -> SweepResult:
        result = SweepResult()
        d, c = DeadlineRow.__table__, CaseRow.__table__
        with Session(self.engine) as session:
            columns = [col for col in d.c if col.name != "ladder"]   # the ladder as text: parsed once per kind
            stmt = (select(*columns, cast(d.c.ladder, Text).label("ladder_text"), c.c.number,
                           c.c.profile.label("case_profile"))
                    .join(c, c.c.id == d.c.case_id)
                    .where(d.c.next_action_at <= now)
                    .order_by(d.c.next_action_at).limit(self.batch)
                    .with_for_update(skip_locked=True, of=(d, c)))
            rows = session.execute(stmt).mappings().all()
            assigned = self._assigned(session, {row["number"] for row in rows})
            updates, messages = [], []
            lapsed: Counter[str] = Counter()
            lapse_case: dict[str, str] = {}
            for row in rows:
                result.rows += 1
                profile = self.profile_for(row["case_profile"])
                before = deadline_from(row, ladder_text=row["ladder_text"])
                after, fired = advance(before, now, row["vt_org"], profile, row["acute"])
                result.rungs.update(_rung_name(f.rung) for f in fired)
                if before.state is DeadlineState.OPEN and after.state is DeadlineState.VERLOPEN:
                    result.lapsed[after.kind.value] += 1
                # the whole case: where a rung changes it (the triage overrun, a report to the gemeente) or must
                # tell more than its deadline knows (a stagnation's parties and reason; who reported to the
                # gemeente; VT and the lokaal team who must agree)
                needs_case = (before.kind is DeadlineKind.TRIAGE and after.state is not before.state) or (
                    before.kind is DeadlineKind.STAGNATIE and fired) or any(
                    f.rung.target in WHOLE_CASE_TARGETS for f in fired)
                if needs_case:
                    result.cases.add(row["number"])
                    continue
                updates.append({"row_id": row["id"], "state": after.state.value, "lapsed_at": after.lapsed_at,
                                "met_at": after.met_at, "closed_reason": after.closed_reason,
                                "next_rung": after.next_rung,
                                "next_action_at": next_action(after, row["vt_org"], profile, row["acute"])})
                if (before.state is DeadlineState.OPEN and after.state is DeadlineState.VERLOPEN
                        and after.kind not in NOT_A_FAILURE):
                    lapsed[after.owner] += 1
                    lapse_case[after.owner] = row["number"]
                for f in fired:
                    result.fired += 1
                    messages += [(m, row["number"], not_before(m, self.directory, profile, now, acute=row["acute"],
                                                               by_clock=True))
                                 for m in rung_messages(
                        self.directory, row["number"], deadline=after.seq, kind=after.kind.value, owner=after.owner,
                        due=after.due, ref=after.ref, rungsoort=f.rung.kind.value, naar=f.rung.target.value,
                        around=Around(assigned=assigned.get(row["number"], {})))]
            _update_deadlines(session, updates)
            OutboxWriter(session).add_many(messages, now)
            repeated = self._repeated(session, now, lapsed)
            session.commit()
        for number in sorted(result.cases):
            self._whole_case(number, now, TijdVerstreken())
        for owner in repeated:   # 000 §8.2: an organisation that fails the agreements repeatedly
            if not self._first_report_of_repeats(owner, now):
                continue
            number = lapse_case[owner]
            with self.uow() as uow:
                state = uow.cases.get(number)
            for gemeente in state.orgs.gemeenten if state and state.orgs else ():
                self._whole_case(number, now, GemeenteGeinformeerd(gemeente, owner), repeated_owner=owner)
        return result

    def _first_report_of_repeats(self, owner: str, now: datetime) -> bool:
        """Claim the report of an owner's repeated lapses: once per period, also with several processes
        (an advisory lock on PostgreSQL serialises the check and the claim; SQLite has one process)."""
        esc = self.profile.escalation
        since = self.profile.calendar.shift(now, esc.herhaling_periode, before=True)
        with self.uow() as uow:
            session = uow.session
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"herhaling:{owner}"})
            done = session.execute(select(AuditRow.id).where(
                AuditRow.action == "klok:herhaling", AuditRow.on_behalf_of == owner, AuditRow.at >= since)).first()
            if done is not None:
                return False
            uow.audit.add(at=now, actor=SYSTEM, on_behalf_of=owner, action="klok:herhaling", outcome="gemeld")
            uow.commit()
        return True

    def _repeated(self, session: Session, now: datetime, lapsed: Counter[str]) -> list[str]:
        """Owners whose number of lapses within the profile's period reaches its threshold with this sweep:
        the gemeente is told once, when the threshold is crossed, not at every lapse after it."""
        if not lapsed:
            return []
        session.flush()
        esc = self.profile.escalation
        since = self.profile.calendar.shift(now, esc.herhaling_periode, before=True)
        counts = dict(session.execute(
            select(DeadlineRow.owner, func.count()).where(
                DeadlineRow.owner.in_(list(lapsed)), DeadlineRow.lapsed_at >= since,
                DeadlineRow.kind.notin_([k.value for k in NOT_A_FAILURE]))
            .group_by(DeadlineRow.owner)).all())
        return [owner for owner, new in lapsed.items()
                if counts.get(owner, 0) - new < esc.gemeente_bij_herhaling <= counts.get(owner, 0)]

    def _whole_case(self, number: str, now: datetime, event, repeated_owner: str | None = None) -> None:
        with self.uow() as uow:
            state = uow.cases.get(number)
        if state is None or state.status is Status.GESLOTEN:
            return
        profile = self.profile_for(state.profile)
        ctx = Context(now=now, actor=SYSTEM, actor_org=SYSTEM, profile=profile)

        def outbox(uow, before, after, accepted) -> None:
            write_after(uow, self.directory, profile, before, after, accepted.notes, SYSTEM, now, by_clock=True)
            if repeated_owner is None:
                return
            # 000 §8.2: the organisation that failed, repeatedly
            messages = [Message("gemeente_herhaling", {"case": number, "eigenaar": repeated_owner,
                                                       "aan": event.gemeente_org}, Audience.DM, to=m.id)
                        for m in self.directory.members_of(event.gemeente_org, Role.BESTUURLIJK_CONTACT)]
            for message in messages:
                uow.outbox.add(message, case=after.number, at=now, not_before=not_before(
                    message, self.directory, profile, now, acute=after.acute, by_clock=True))

        run(self.uow, number, event, ctx, action="klok", after=outbox)


def _rung_name(rung) -> str:
    """A reminder is a reminder, whoever gets it; every other rung is named by whom it reaches."""
    return rung.kind.value if rung.kind.value == "herinnering" else rung.target.value


def _update_deadlines(session: Session, updates: list[dict]) -> None:
    """Write the sweep's changes to many deadline rows at once: on PostgreSQL as one statement over arrays,
    elsewhere as one executemany."""
    if not updates:
        return
    d = DeadlineRow.__table__
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(
            "UPDATE deadlines AS d SET state = v.state, lapsed_at = v.lapsed_at, met_at = v.met_at, "
            "closed_reason = v.closed_reason, next_rung = v.next_rung, next_action_at = v.next_action_at "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:states AS varchar[]), CAST(:lapsed AS timestamptz[]), "
            "CAST(:met AS timestamptz[]), CAST(:reasons AS varchar[]), CAST(:rungs AS integer[]), "
            "CAST(:next AS timestamptz[])) "
            "AS v(id, state, lapsed_at, met_at, closed_reason, next_rung, next_action_at) WHERE d.id = v.id"),
            {"ids": [u["row_id"] for u in updates], "states": [u["state"] for u in updates],
             "lapsed": [u["lapsed_at"] for u in updates], "met": [u["met_at"] for u in updates],
             "reasons": [u["closed_reason"] for u in updates], "rungs": [u["next_rung"] for u in updates],
             "next": [u["next_action_at"] for u in updates]})
        return
    session.execute(update(d).where(d.c.id == bindparam("row_id")).values(
        state=bindparam("state"), lapsed_at=bindparam("lapsed_at"), met_at=bindparam("met_at"),
        closed_reason=bindparam("closed_reason"), next_rung=bindparam("next_rung"),
        next_action_at=bindparam("next_action_at")), updates)
