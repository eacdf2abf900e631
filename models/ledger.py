"""The responsibility ledgers: who holds zicht op veiligheid, and who holds the casusregie, from when to
when, and why.

Invariant of both (000 §1, §7.3; 003 §2.1): once started, at every moment until closure exactly one party
holds it — one organisation, or both lokale teams of a case for two gemeenten (002 §5.2.4).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .case import CaseState, LedgerEntry


class LedgerError(AssertionError):
    """A programming error: the domain tried to write a ledger that breaks the invariant."""


def transfer(ledger: tuple[LedgerEntry, ...], holders: tuple[str, ...], at: datetime,
             reason: str) -> tuple[LedgerEntry, ...]:
    """`holders` hold from `at`. Starts the ledger, or ends the current entry at `at` and opens one.

    A handover to the same holders changes nothing; an entry that would last zero time is replaced.
    """
    if not holders:
        raise LedgerError("a ledger entry needs at least one holder")
    if not ledger:
        return (LedgerEntry(holders, at, reason),)
    current = ledger[-1]
    if current.end is not None:
        raise LedgerError("the ledger was closed")
    if at < current.start:
        raise LedgerError("the ledger cannot move back in time")
    if current.holders == holders:
        return ledger
    if at == current.start:
        rest = ledger[:-1]
        if rest and rest[-1].holders == holders and rest[-1].end == at:
            return rest[:-1] + (replace(rest[-1], end=None, end_reason=None),)
        return rest + (LedgerEntry(holders, at, reason),)
    return ledger[:-1] + (replace(current, end=at, end_reason=reason), LedgerEntry(holders, at, reason))


def close(ledger: tuple[LedgerEntry, ...], at: datetime, reason: str) -> tuple[LedgerEntry, ...]:
    if not ledger or ledger[-1].end is not None:
        return ledger
    current = ledger[-1]
    if at < current.start:
        raise LedgerError("the ledger cannot close before its last entry started")
    if at == current.start:   # an entry of zero length never held anything
        return ledger[:-1]
    return ledger[:-1] + (replace(current, end=at, end_reason=reason),)


def allowed_holder_sets(state: CaseState) -> set[tuple[str, ...]]:
    """The holder sets the rules allow for this case: VT, one receiver, or both lokale teams."""
    if state.orgs is None:
        return set()
    o = state.orgs
    sets = {(o.vt,)} | {(lt,) for lt in o.lts}
    if len(o.lts) == 2:
        sets.add(tuple(o.lts))
    if o.gi:
        sets.add((o.gi,))
    if o.mdt:
        sets.add((o.mdt,))
    return sets


def violations(state: CaseState) -> list[str]:
    """Everything wrong with a case's ledgers; empty when the invariant holds for both."""
    allowed = allowed_holder_sets(state)
    return (_violations(state.ledger, allowed, state.closed_at, "zicht op veiligheid")
            + _violations(state.regie, allowed, state.closed_at, "casusregie"))


def _violations(ledger: tuple[LedgerEntry, ...], allowed: set[tuple[str, ...]], closed_at: datetime | None,
                what: str) -> list[str]:
    problems: list[str] = []
    for i, entry in enumerate(ledger):
        if entry.holders not in allowed:
            problems.append(f"{what} entry {i}: holders {entry.holders} not allowed by the rules")
        if entry.end is not None and entry.end <= entry.start:
            problems.append(f"{what} entry {i}: ends at or before its start")
        if i + 1 < len(ledger):
            nxt = ledger[i + 1]
            if entry.end is None:
                problems.append(f"{what} entry {i}: open but followed by another entry")
            elif entry.end < nxt.start:
                problems.append(f"{what}: gap between entry {i} and {i + 1}")
            elif entry.end > nxt.start:
                problems.append(f"{what}: overlap between entry {i} and {i + 1}")
            if entry.holders == nxt.holders:
                problems.append(f"{what}: entries {i} and {i + 1} have the same holders")
    if ledger:
        last = ledger[-1]
        if closed_at is None and last.end is not None:
            problems.append(f"nobody holds {what} in an open case")
        if closed_at is not None and last.end != closed_at:
            problems.append(f"the {what} ledger does not end at closure")
    return problems
