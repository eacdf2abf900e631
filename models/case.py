"""The state of one case, as immutable values. Only `lifecycle.apply` makes a new one."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from .escalation import Ladder
from .types import (
    DeadlineKind,
    DeadlineState,
    HandoverKind,
    HandoverState,
    Route,
    Signal,
    Status,
    Weight,
)

# The volgnummer has at least four digits (0001 … 9999) and grows past them in a large region
# (10000 … 999999); written one way only: no leading zeros beyond the four.
_SEQ = r"(\d{4}|[1-9]\d{4,5})"
MAX_SEQ = 999_999
CASE_NUMBER = re.compile(rf"^VT-(\d{{4}})-{_SEQ}$")
CHANNEL_NAME = re.compile(rf"^casus-(\d{{4}})-{_SEQ}$")


def case_number(year: int, seq: int) -> str:
    """Pseudonymous case number `VT-<jaar>-<volgnummer>`: it never carries anything of the family."""
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"volgnummer moet tussen 1 en {MAX_SEQ} liggen")
    return f"VT-{year:04d}-{seq:04d}"


def case_order(number: str) -> tuple[int, int]:
    """Sort key: by year, then volgnummer (as text, `VT-2026-10000` would come before `VT-2026-2000`)."""
    m = CASE_NUMBER.match(number)
    if not m:
        raise ValueError(f"geen casusnummer: {number!r}")
    return int(m.group(1)), int(m.group(2))


def channel_name(number: str) -> str:
    """`VT-2025-0042` → `casus-2025-0042`: lowercase letters, digits and '-' only, valid on both platforms."""
    m = CASE_NUMBER.match(number)
    if not m:
        raise ValueError(f"geen casusnummer: {number!r}")
    return f"casus-{m.group(1)}-{m.group(2)}"


def case_of_channel(name: str | None) -> str | None:
    """`casus-2025-0042` → `VT-2025-0042`; None for any other channel."""
    m = CHANNEL_NAME.match(name or "")
    return f"VT-{m.group(1)}-{m.group(2)}" if m else None


@dataclass(frozen=True)
class CaseOrgs:
    """The organisations around a case, resolved from the directory when the melding is registered."""

    vt: str
    lts: tuple[str, ...]               # one lokaal team per gemeente, in the order of the gemeenten
    gi: str | None = None
    mdt: str | None = None
    gemeenten: tuple[str, ...] = ()    # the gemeente organisations (bestuurlijk contact)


@dataclass(frozen=True)
class LedgerEntry:
    """Who holds zicht op veiligheid from `start` until `end` (None: still holding), and why."""

    holders: tuple[str, ...]
    start: datetime
    reason: str
    end: datetime | None = None
    end_reason: str | None = None

    def covers(self, t: datetime) -> bool:
        return self.start <= t and (self.end is None or t < self.end)


@dataclass(frozen=True)
class Deadline:
    seq: int
    kind: DeadlineKind
    owner: str                      # organisation id
    due: datetime
    created_at: datetime
    ladder: Ladder                  # snapshot of the profile's ladder at creation
    ref: str = ""                   # what it is about: a handover seq, a monitoring month, a gemeente
    state: DeadlineState = DeadlineState.OPEN
    met_at: datetime | None = None
    lapsed_at: datetime | None = None
    closed_reason: str | None = None
    next_rung: int = 0              # index into `ladder` of the next rung to act on
    paused_at: datetime | None = None   # the clock is paused (e.g. waiting for the Raad), since then

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_active(self) -> bool:
        return self.state in (DeadlineState.OPEN, DeadlineState.VERLOPEN)


@dataclass(frozen=True)
class Confirmation:
    org: str
    by: str
    at: datetime
    appointment: date | None = None     # the receiver's appointment with the family, where asked (001 §1)


@dataclass(frozen=True)
class Refusal:
    org: str
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class Handover:
    seq: int
    kind: HandoverKind
    receivers: tuple[str, ...]
    requested_at: datetime
    requested_by: str
    checklist: tuple[str, ...]       # what the overdrachtsdocument must contain; never its contents
    state: HandoverState = HandoverState.OPEN
    confirmations: tuple[Confirmation, ...] = ()
    refusal: Refusal | None = None

    def confirmation_by(self, org: str) -> Confirmation | None:
        return next((c for c in self.confirmations if c.org == org), None)

    @property
    def waiting_for(self) -> tuple[str, ...]:
        done = {c.org for c in self.confirmations}
        return tuple(r for r in self.receivers if r not in done)


@dataclass(frozen=True)
class Decision:
    route: Route
    weight: Weight | None
    reasoning: str
    decided_at: datetime
    decided_by: str
    override_reason: str | None = None
    overridden: tuple[str, ...] = ()     # the refusal keys VT overrode, recorded with the reason


@dataclass(frozen=True)
class HouseBan:
    start: date
    extended: bool = False
    ended: date | None = None
    advised: bool = False

    @property
    def active(self) -> bool:
        return self.ended is None


@dataclass(frozen=True)
class Note:
    """Something that happened that people must be told; commands turn notes into messages."""

    key: str
    params: tuple[tuple[str, object], ...] = ()

    def get(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class Record:
    """A dated fact kept with the case: a stagnation, a monitoring moment, a contact."""

    kind: str
    at: datetime
    by: str
    org: str
    text: str = ""
    day: date | None = None
    positive: bool | None = None
    source: str = ""        # of a stagnation: "melding" (reported) or "weigering" (a refused handover)


@dataclass(frozen=True)
class CaseState:
    number: str
    profile: str
    status: Status = Status.NIEUW
    gemeenten: tuple[str, ...] = ()
    received_at: datetime | None = None
    registered_at: datetime | None = None
    spoed: bool = False
    anoniem: bool = False
    gezinsvoogd: bool = False
    signals: frozenset[Signal] = frozenset()
    orgs: CaseOrgs | None = None
    decision: Decision | None = None
    service_done_at: datetime | None = None
    oordeel: str | None = None
    handovers: tuple[Handover, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()
    regie: tuple[LedgerEntry, ...] = ()          # who holds the casusregie (000 §7.3), the same kind of ledger
    deadlines: tuple[Deadline, ...] = ()
    house_ban: HouseBan | None = None
    records: tuple[Record, ...] = ()
    closed_at: datetime | None = None
    closed_reason: str | None = None
    reduced_at: datetime | None = None      # after the retention period (models/retention.py)
    version: int = 0

    # ---- derived views ----------------------------------------------------------------------
    @property
    def route(self) -> Route | None:
        return self.decision.route if self.decision else None

    @property
    def weight(self) -> Weight | None:
        return self.decision.weight if self.decision else None

    @property
    def acute(self) -> bool:
        return self.spoed or Signal.ACUUT in self.signals

    @property
    def open_handover(self) -> Handover | None:
        return next((h for h in self.handovers if h.state is HandoverState.OPEN), None)

    @property
    def holders(self) -> tuple[str, ...]:
        if self.ledger and self.ledger[-1].end is None:
            return self.ledger[-1].holders
        return ()

    @property
    def regie_holders(self) -> tuple[str, ...]:
        if self.regie and self.regie[-1].end is None:
            return self.regie[-1].holders
        return ()

    @property
    def closing_proposal_number(self) -> int | None:
        """The record number (1-based) of the proposal to close that waits for Veilig Thuis's answer, if any."""
        for i in range(len(self.records), 0, -1):
            kind = self.records[i - 1].kind
            if kind in ("afsluiting_akkoord", "afsluiting_niet_akkoord"):
                return None
            if kind == "afsluiting_voorstel":
                return i
        return None

    @property
    def closing_proposal(self) -> Record | None:
        number = self.closing_proposal_number
        return self.records[number - 1] if number else None

    @property
    def assigned(self) -> dict[str, str]:
        """Per organisation, the worker it assigned to the case (the VT worker who registered it, until VT
        assigns another); an assignment that lapsed (the worker left) is gone until someone is assigned again."""
        out: dict[str, str] = {}
        for r in self.records:
            if r.kind == "toewijzing" and r.text:      # (no text: the case was reduced after its retention)
                out[r.org] = r.text
            elif r.kind == "toewijzing_vervallen" and out.get(r.org) == r.text:
                del out[r.org]
        return out

    def document_sent(self, handover: int) -> Record | None:
        """When and by whom the overdrachtsdocument of a handover was sent, if it was."""
        return next((r for r in self.records if r.kind == "document_verstuurd" and r.text == str(handover)), None)

    def holders_at(self, t: datetime) -> tuple[str, ...]:
        """Who held zicht op veiligheid at moment `t` (empty: nobody, before the start or after closure)."""
        for entry in self.ledger:
            if entry.covers(t):
                return entry.holders
        return ()

    def active_deadlines(self) -> tuple[Deadline, ...]:
        return tuple(d for d in self.deadlines if d.is_active)

    def with_changes(self, **changes: object) -> CaseState:
        return replace(self, **changes)


