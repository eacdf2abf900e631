"""Mapping between the domain's case values and the database rows, inside one session.

No rule lives here: the repository stores what `lifecycle.apply` produced and gives it back unchanged.
Concurrent changes to one case are serialised twice over: the row is locked when loaded for a change
(`SELECT ... FOR UPDATE` on PostgreSQL), and the save checks the version it loaded (optimistic check).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from commands.ports import ConcurrentChange
from models.case import (
    CaseOrgs,
    CaseState,
    Confirmation,
    Deadline,
    Decision,
    Handover,
    HouseBan,
    LedgerEntry,
    Record,
    Refusal,
    case_number,
)
from models.escalation import Ladder, ladder_from_data, ladder_to_data, next_action
from models.profile import Profile
from models.tables import CaseCounter, CaseRow, DeadlineRow, HandoverRow, LedgerRow
from models.types import (
    DeadlineKind,
    DeadlineState,
    HandoverKind,
    HandoverState,
    Route,
    Signal,
    Status,
    Weight,
)


def _iso(v: datetime | date | None) -> str | None:
    return v.isoformat() if v is not None else None


def _dt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def _d(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


DEADLINE_FIELDS = ("seq", "kind", "owner", "due", "created_at", "ladder", "ref", "state", "met_at", "lapsed_at",
                   "closed_reason", "next_rung", "paused_at")
_LADDERS: dict[str, Ladder] = {}


def deadline_from(x: Mapping[str, Any], ladder_text: str | None = None) -> Deadline:
    """A deadline from its stored values (an ORM row's attributes or a Core row's mapping); the sweep
    passes the ladder as its JSON text, which is parsed once per distinct ladder."""
    key = ladder_text if ladder_text is not None else repr(x["ladder"])
    ladder = _LADDERS.get(key)
    if ladder is None:   # a handful of distinct ladders exist: parse each once
        data = json.loads(ladder_text) if ladder_text is not None else x["ladder"]
        ladder = _LADDERS[key] = ladder_from_data(data or [])
    return Deadline(
        seq=x["seq"], kind=DeadlineKind(x["kind"]), owner=x["owner"], due=x["due"], created_at=x["created_at"],
        ladder=ladder, ref=x["ref"], state=DeadlineState(x["state"]), met_at=x["met_at"],
        lapsed_at=x["lapsed_at"], closed_reason=x["closed_reason"], next_rung=x["next_rung"],
        paused_at=x["paused_at"],
    )


CHILDREN = (HandoverRow, LedgerRow, DeadlineRow)
Children = dict[Any, dict[int, Any]]      # per child table, its rows of one case by seq (plain rows)


class CaseRepository:
    def __init__(self, session: Session, profile_for: Callable[[str], Profile]):
        self.session = session
        self.profile_for = profile_for   # a case's regional profile, for when the clock must look again
        # what this unit of work read of a case it locked to change: its row id and child rows, so that saving
        # it neither looks the row up again nor reads its children again to see what changed
        self._locked: dict[str, tuple[int, Children]] = {}

    # ---- numbers ------------------------------------------------------------------------------
    def next_number(self, year: int) -> str:
        """The next pseudonymous case number of a year; atomic, also with concurrent registrations."""
        dialect = self.session.get_bind().dialect.name
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CaseCounter)
        stmt = ins.values(year=year, last=1).on_conflict_do_update(
            index_elements=["year"], set_={"last": CaseCounter.last + 1}).returning(CaseCounter.last)
        seq = self.session.execute(stmt).scalar_one()
        return case_number(year, seq)

    # ---- loading ------------------------------------------------------------------------------
    def _row(self, number: str, lock: bool) -> Any:
        """The case's row as a plain row (no ORM object: its bookkeeping cost more than the query)."""
        cases = CaseRow.__table__
        stmt = select(cases).where(cases.c.number == number)
        return self.session.execute(stmt.with_for_update() if lock else stmt).one_or_none()

    def _version(self, row_id: int) -> int | None:
        return self.session.execute(select(CaseRow.version).where(CaseRow.id == row_id)).scalar_one_or_none()

    def get(self, number: str, *, lock: bool = False) -> CaseState | None:
        """A case is its row and its child rows, read in several statements. To change it, the row is locked
        (FOR UPDATE on PostgreSQL). To look at it, nothing is locked — a look never holds up a change — but
        the read is checked: every change raises the row's version in the transaction that changes the child
        rows, so a version that is the same after the children were read proves that no change committed in
        between (PostgreSQL's READ COMMITTED would otherwise show a deadline newer than its record). If one
        did, the case is read again. (SQLite takes its write lock at BEGIN: one transaction at a time.)"""
        while True:
            row = self._row(number, lock)
            if row is None:
                return None
            children = self._children_of(row.id)
            state = self._to_state(row, children)
            if lock:
                self._locked[number] = (row.id, children)
                return state
            if self._version(row.id) == state.version:
                return state

    def open_cases(self) -> list[CaseState]:
        # by id: the order in which the numbers were given out (as text, VT-2026-10000 sorts before -2000)
        stmt = select(CaseRow.number).where(CaseRow.status != Status.GESLOTEN.value).order_by(CaseRow.id)
        return [s for n in self.session.execute(stmt).scalars() if (s := self.get(n)) is not None]

    def received_between(self, start: datetime, end: datetime) -> list[CaseState]:
        """The cases whose melding was received from `start` up to `end` (the reports, `models/report.py`)."""
        stmt = (select(CaseRow.number).where(CaseRow.received_at >= start, CaseRow.received_at < end)
                .order_by(CaseRow.id))
        return [s for n in self.session.execute(stmt).scalars() if (s := self.get(n)) is not None]

    def closed_unreduced(self) -> list[tuple[str, str, datetime]]:
        """(number, profile, closed at) of every closed case whose retention has not yet reduced it."""
        stmt = (select(CaseRow.number, CaseRow.profile, CaseRow.closed_at)
                .where(CaseRow.status == Status.GESLOTEN.value, CaseRow.reduced_at.is_(None),
                       CaseRow.closed_at.is_not(None)).order_by(CaseRow.id))
        return [tuple(r) for r in self.session.execute(stmt).all()]

    def numbers(self) -> list[str]:
        return list(self.session.execute(select(CaseRow.number).order_by(CaseRow.id)).scalars())

    def _read(self, model: Any, case_id: int) -> list[Any]:
        """The same as plain rows, to read only: without the ORM's bookkeeping, which was half the cost of
        loading a case (and every command loads one)."""
        table = model.__table__
        return list(self.session.execute(select(table).where(table.c.case_id == case_id).order_by(table.c.seq)))

    def _children_of(self, case_id: int) -> Children:
        return {model: {r.seq: r for r in self._read(model, case_id)} for model in CHILDREN}

    def _to_state(self, row: Any, children: Children) -> CaseState:
        d = row.decision
        hb = row.house_ban
        return CaseState(
            number=row.number, profile=row.profile, status=Status(row.status),
            gemeenten=tuple(row.gemeenten or ()), received_at=row.received_at, registered_at=row.registered_at,
            spoed=row.spoed, anoniem=row.anoniem, gezinsvoogd=row.gezinsvoogd,
            signals=frozenset(Signal(s) for s in row.signals or ()),
            orgs=CaseOrgs(vt=row.orgs["vt"], lts=tuple(row.orgs["lts"]), gi=row.orgs.get("gi"),
                          mdt=row.orgs.get("mdt"), gemeenten=tuple(row.orgs.get("gemeenten", ())))
            if row.orgs else None,
            decision=Decision(
                route=Route(d["route"]), weight=Weight(d["weight"]) if d.get("weight") else None,
                reasoning=d["reasoning"], decided_at=_dt(d["decided_at"]), decided_by=d["decided_by"],
                override_reason=d.get("override_reason"), overridden=tuple(d.get("overridden", ())),
            ) if d else None,
            service_done_at=row.service_done_at, oordeel=row.oordeel,
            handovers=tuple(self._handover(h) for h in children[HandoverRow].values()),
            ledger=tuple(LedgerEntry(tuple(e.holders.split(",")), e.start, e.reason, e.end, e.end_reason)
                         for e in children[LedgerRow].values()),
            deadlines=tuple(self._deadline(x) for x in children[DeadlineRow].values()),
            house_ban=HouseBan(start=_d(hb["start"]), extended=hb["extended"], ended=_d(hb.get("ended")),
                               advised=hb.get("advised", False)) if hb else None,
            records=tuple(Record(kind=r["kind"], at=_dt(r["at"]), by=r["by"], org=r["org"], text=r["text"],
                                 day=_d(r.get("day")), positive=r.get("positive"), source=r.get("bron", ""))
                          for r in row.records or ()),
            regie=tuple(LedgerEntry(tuple(e["holders"]), _dt(e["start"]), e["reason"], _dt(e.get("end")),
                                    e.get("end_reason")) for e in row.regie or ()),
            closed_at=row.closed_at, closed_reason=row.closed_reason, reduced_at=row.reduced_at, version=row.version,
        )

    @staticmethod
    def _handover(h: Any) -> Handover:          # a plain row of handovers
        ref = h.refusal
        return Handover(
            seq=h.seq, kind=HandoverKind(h.kind), receivers=tuple(h.receivers or ()),
            requested_at=h.requested_at, requested_by=h.requested_by, checklist=tuple(h.checklist or ()),
            state=HandoverState(h.state),
            confirmations=tuple(Confirmation(c["org"], c["by"], _dt(c["at"]), _d(c.get("afspraak")))
                                for c in h.confirmations or ()),
            refusal=Refusal(ref["org"], ref["by"], _dt(ref["at"]), ref["reason"]) if ref else None,
        )

    @staticmethod
    def _deadline(x: Any) -> Deadline:          # a plain row of deadlines
        return deadline_from({k: getattr(x, k) for k in DEADLINE_FIELDS})

    # ---- saving -------------------------------------------------------------------------------
    def save(self, state: CaseState) -> CaseState:
        """Store a new or changed case; returns it with its new version. Raises ConcurrentChange."""
        values = self._case_values(state)
        locked = self._locked.get(state.number)
        if locked is not None:
            case_id, children = locked
        else:
            row = self._row(state.number, lock=False)
            if row is None and state.version != 0:
                raise ConcurrentChange(state.number)
            if row is None:
                case_id = self.session.execute(insert(CaseRow.__table__).values(**values, version=1)
                                               .returning(CaseRow.__table__.c.id)).scalar_one()
            else:
                case_id = row.id
            children = self._children_of(case_id) if state.version else {model: {} for model in CHILDREN}
        if state.version:
            result = self.session.execute(
                update(CaseRow).where(CaseRow.id == case_id, CaseRow.version == state.version)
                .values(**values, version=state.version + 1))
            if result.rowcount != 1:
                raise ConcurrentChange(state.number)
        self._locked[state.number] = (case_id, self._save_children(case_id, state, children))
        return replace(state, version=state.version + 1)

    @staticmethod
    def _case_values(s: CaseState) -> dict[str, Any]:
        d, hb = s.decision, s.house_ban
        return dict(
            number=s.number, profile=s.profile, status=s.status.value, gemeenten=list(s.gemeenten),
            received_at=s.received_at, registered_at=s.registered_at, spoed=s.spoed, anoniem=s.anoniem,
            gezinsvoogd=s.gezinsvoogd, signals=sorted(x.value for x in s.signals),
            orgs={"vt": s.orgs.vt, "lts": list(s.orgs.lts), "gi": s.orgs.gi, "mdt": s.orgs.mdt,
                  "gemeenten": list(s.orgs.gemeenten)} if s.orgs else None,
            decision={"route": d.route.value, "weight": d.weight.value if d.weight else None,
                      "reasoning": d.reasoning, "decided_at": _iso(d.decided_at), "decided_by": d.decided_by,
                      "override_reason": d.override_reason, "overridden": list(d.overridden)} if d else None,
            service_done_at=s.service_done_at, oordeel=s.oordeel,
            house_ban={"start": _iso(hb.start), "extended": hb.extended, "ended": _iso(hb.ended),
                       "advised": hb.advised} if hb else None,
            records=[{"kind": r.kind, "at": _iso(r.at), "by": r.by, "org": r.org, "text": r.text,
                      "day": _iso(r.day), "positive": r.positive, **({"bron": r.source} if r.source else {})}
                     for r in s.records],
            regie=[{"holders": list(e.holders), "start": _iso(e.start), "reason": e.reason, "end": _iso(e.end),
                    "end_reason": e.end_reason} for e in s.regie],
            closed_at=s.closed_at, closed_reason=s.closed_reason, reduced_at=s.reduced_at,
        )

    def _save_children(self, case_id: int, s: CaseState, children: Children) -> Children:
        """Write what changed in the child rows (as core statements: inserts in one, updates of what changed,
        deletes of what went); returns the rows as they now are."""
        profile = self.profile_for(s.profile)
        vt, acute = (s.orgs.vt if s.orgs else ""), s.acute
        now: Children = {}
        now[HandoverRow] = self._upsert(HandoverRow, case_id, children[HandoverRow], {h.seq: dict(
            kind=h.kind.value, receivers=list(h.receivers), requested_at=h.requested_at,
            requested_by=h.requested_by, checklist=list(h.checklist), state=h.state.value,
            confirmations=[{"org": c.org, "by": c.by, "at": _iso(c.at),
                            **({"afspraak": _iso(c.appointment)} if c.appointment else {})} for c in h.confirmations],
            refusal={"org": h.refusal.org, "by": h.refusal.by, "at": _iso(h.refusal.at),
                     "reason": h.refusal.reason} if h.refusal else None,
        ) for h in s.handovers})
        now[LedgerRow] = self._upsert(LedgerRow, case_id, children[LedgerRow], {i + 1: dict(
            holders=",".join(e.holders), start=e.start, end=e.end, reason=e.reason, end_reason=e.end_reason,
        ) for i, e in enumerate(s.ledger)})
        now[DeadlineRow] = self._upsert(DeadlineRow, case_id, children[DeadlineRow], {x.seq: dict(
            kind=x.kind.value, owner=x.owner, due=x.due, created_at=x.created_at,
            ladder=ladder_to_data(x.ladder), ladder_len=len(x.ladder), ref=x.ref, state=x.state.value,
            met_at=x.met_at,
            lapsed_at=x.lapsed_at, closed_reason=x.closed_reason, next_rung=x.next_rung,
            paused_at=x.paused_at, vt_org=vt, acute=acute,
            next_action_at=next_action(x, vt, profile, acute) if s.status is not Status.GESLOTEN else None,
        ) for x in s.deadlines})
        return now

    def _upsert(self, model: Any, case_id: int, existing: dict[int, Any],
                wanted: dict[int, dict[str, Any]]) -> dict[int, Any]:
        table = model.__table__
        new = [{"case_id": case_id, "seq": seq, **values} for seq, values in wanted.items() if seq not in existing]
        if new:
            self.session.execute(insert(table), new)
        for seq, values in wanted.items():
            old = existing.get(seq)
            changed = {k: v for k, v in values.items() if getattr(old, k) != v} if old is not None else None
            if changed:
                self.session.execute(update(table).where(table.c.case_id == case_id, table.c.seq == seq)
                                     .values(**changed))
        stale = [seq for seq in existing if seq not in wanted]     # a ledger entry of zero length can be replaced
        if stale:
            self.session.execute(delete(table).where(table.c.case_id == case_id, table.c.seq.in_(stale)))
        return {seq: SimpleNamespace(seq=seq, **values) for seq, values in wanted.items()}
