"""The stuck-work audit: a periodic job that finds what should have happened and did not, puts it
right, and says what it did (logs and the audit log).

- a deadline that is active but not scheduled (no `next_action_at`, e.g. after a crash between two
  writes of an older version) is scheduled again;
- an outbox row that should long have gone out is put back in front of the dispatcher, and rows that
  failed for good are reported;
- the safety net of the central invariant: an open case in which, by the ledger, nobody holds zicht op
  veiligheid although someone should, is reported at once to the leidinggevenden of VT and of the last
  holder (once per case). With a correct domain this never fires.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session

from commands.model import Audience, Message
from models.case import CaseState
from models.tables import AuditRow, CaseRow, DeadlineRow, LedgerRow, OutboxRow
from models.types import Role, Status

log = logging.getLogger("triagebot.janitor")
STUCK_AFTER = timedelta(minutes=15)


@dataclass
class JanitorReport:
    rescheduled: list[str] = field(default_factory=list)     # case numbers
    nudged: int = 0
    failed: int = 0
    gaps: list[str] = field(default_factory=list)


class Janitor:
    def __init__(self, engine, directory, uow):
        self.engine, self.directory, self.uow = engine, directory, uow

    def run(self, now: datetime) -> JanitorReport:
        report = JanitorReport()
        self._reschedule(now, report)
        self._outbox(now, report)
        self._gaps(now, report)
        return report

    def _reschedule(self, now: datetime, report: JanitorReport) -> None:
        with Session(self.engine) as session:
            stmt = (select(CaseRow.number).join(DeadlineRow, DeadlineRow.case_id == CaseRow.id)
                    .where(CaseRow.status != Status.GESLOTEN.value, DeadlineRow.next_action_at.is_(None),
                           DeadlineRow.paused_at.is_(None),
                           or_(DeadlineRow.state == "open",
                               and_(DeadlineRow.state == "verlopen", DeadlineRow.next_rung < DeadlineRow.ladder_len)))
                    .distinct())
            candidates = list(session.execute(stmt).scalars())
        for number in candidates:
            with self.uow() as uow:
                state = uow.cases.get(number, lock=True)
                if state is None:
                    continue
                before = self._scheduled(uow.session, state)
                uow.cases.save(state)           # the repository computes when each deadline is due again
                if self._scheduled(uow.session, state) != before:
                    uow.audit.add(at=now, actor="triagebot", action="janitor:herplannen", outcome="ok",
                                  case_number=number)
                    uow.commit()
                    report.rescheduled.append(number)
                    log.warning("rescheduled deadlines that had dropped out of the sweep", extra={"case": number})

    @staticmethod
    def _scheduled(session: Session, state: CaseState) -> list:
        stmt = (select(DeadlineRow.seq, DeadlineRow.next_action_at).join(CaseRow, CaseRow.id == DeadlineRow.case_id)
                .where(CaseRow.number == state.number).order_by(DeadlineRow.seq))
        return session.execute(stmt).all()

    def _outbox(self, now: datetime, report: JanitorReport) -> None:
        with Session(self.engine) as session:
            stuck = session.execute(select(OutboxRow).where(
                OutboxRow.state == "nieuw", OutboxRow.next_attempt_at < now - STUCK_AFTER,
                OutboxRow.attempts == 0)).scalars().all()
            for row in stuck:   # never tried although due long ago: the dispatcher did not run or crashed
                row.next_attempt_at = now
                report.nudged += 1
            report.failed = len(session.execute(select(OutboxRow.id).where(OutboxRow.state == "mislukt")).all())
            session.commit()
        if report.nudged:
            log.warning("outbox rows were stuck and are queued again", extra={"rows": report.nudged})
        if report.failed:
            log.error("outbox rows failed for good and need attention", extra={"rows": report.failed})

    def _gaps(self, now: datetime, report: JanitorReport) -> None:
        open_entry = exists().where(and_(LedgerRow.case_id == CaseRow.id, LedgerRow.end.is_(None)))
        started = exists().where(LedgerRow.case_id == CaseRow.id)
        reported = exists().where(and_(AuditRow.case_number == CaseRow.number, AuditRow.action == "janitor:gat"))
        with Session(self.engine) as session:
            numbers = list(session.execute(select(CaseRow.number).where(
                CaseRow.status.notin_((Status.GESLOTEN.value, Status.NIEUW.value)), started, ~open_entry,
                ~reported)).scalars())
        for number in numbers:
            with self.uow() as uow:
                state = uow.cases.get(number)
                assert state is not None and state.orgs is not None
                last = state.ledger[-1].holders if state.ledger else ()
                for org in dict.fromkeys((state.orgs.vt, *last)):
                    for m in self.directory.members_of(org, Role.LEIDINGGEVENDE):
                        uow.outbox.add(Message("gat_in_zicht", {"case": number}, Audience.DM, to=m.id),
                                       case=number, at=now)
                uow.audit.add(at=now, actor="triagebot", action="janitor:gat", outcome="gemeld", case_number=number)
                uow.commit()
            report.gaps.append(number)
            log.error("a case has nobody holding zicht op veiligheid", extra={"case": number})
