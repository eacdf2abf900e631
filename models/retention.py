"""Retention: how long after closing the bot keeps what it knows of a case, and what is left after that.

After the profile's `bewaartermijn.casus` (counted from the closing, as a calendar term) a case is reduced
to what the audit log and anonymous statistics need: its number, gemeente(n), organisations, route, signals,
dates, terms and who held zicht op veiligheid and the casusregie, as organisations. Everything a person wrote
(a reason, a stagnation, a refusal, the triage reasoning) and every worker's id goes. The audit log keeps
who did what, for its own longer period.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .case import CaseState, Confirmation, Handover, Record
from .profile import Profile
from .types import Status

BOTS_CLOSING_REASONS = frozenset({"gezamenlijke_weging", "stabiele_veiligheid"})


def reduction_due(state: CaseState, profile: Profile) -> datetime | None:
    """When a closed case is to be reduced (None: it is not closed)."""
    if state.status is not Status.GESLOTEN or state.closed_at is None:
        return None
    return due_after_closing(state.closed_at, profile)


def due_after_closing(closed_at: datetime, profile: Profile) -> datetime:
    """The end of the retention period of a case closed at `closed_at` (the end of its last day)."""
    return profile.calendar.due(closed_at, profile.privacy.keep_case)


def audit_kept_from(now: datetime, profile: Profile) -> datetime:
    """Audit entries from before this moment are past the audit log's own period (`bewaartermijn.auditlog`)."""
    return profile.calendar.shift(now, profile.privacy.keep_audit, before=True)


def reduced(state: CaseState, at: datetime) -> CaseState:
    """The case as kept after its retention period: facts about organisations and moments, no words, no
    workers."""
    decision = state.decision and replace(
        state.decision, reasoning="", decided_by="",
        override_reason="" if state.decision.override_reason is not None else None)
    return replace(
        state,
        decision=decision,
        oordeel=None,
        handovers=tuple(_handover(h) for h in state.handovers),
        records=tuple(_record(r) for r in state.records),
        closed_reason=_closing(state.closed_reason),
        reduced_at=at,
    )


def _closing(reason: str | None) -> str | None:
    """Why a case closed, as a kind: the bot's own reasons stay, a reason a person wrote does not."""
    if reason is None or reason.startswith("triagebesluit_") or reason in BOTS_CLOSING_REASONS:
        return reason
    return "met_reden_gesloten"


def _record(r: Record) -> Record:
    return replace(r, by="", text="")


def _handover(h: Handover) -> Handover:
    return replace(h, requested_by="",
                   confirmations=tuple(Confirmation(c.org, "", c.at) for c in h.confirmations),
                   refusal=h.refusal and replace(h.refusal, by="", reason=""))
