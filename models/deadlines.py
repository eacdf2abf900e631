"""Deadlines: each with an owner organisation and a due moment computed from the profile.

A deadline is met, lapses (and stays active for escalation until met), or is withdrawn when the case
moves on. The profile's escalation ladder is snapshotted onto it at creation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from .calendar import Term
from .case import CaseState, Deadline
from .escalation import Ladder
from .profile import Profile
from .types import DeadlineKind, DeadlineState

Match = Callable[[Deadline], bool]


def ladder_of(state: CaseState, profile: Profile) -> Ladder:
    """The profile's ladder for this case: in hours for an acute case, which cannot wait werkdagen."""
    return profile.escalation.acute_ladder if state.acute else profile.escalation.ladder


def add(state: CaseState, profile: Profile, kind: DeadlineKind, owner: str, start: datetime,
        term: Term, now: datetime, ref: str = "", ladder: Ladder | None = None, first_rung: int = 0) -> CaseState:
    """A new deadline, with the case's ladder snapshotted onto it (or a ladder derived from it)."""
    seq = max((d.seq for d in state.deadlines), default=0) + 1
    deadline = Deadline(seq=seq, kind=kind, owner=owner, due=profile.calendar.due(start, term),
                        created_at=now, ladder=ladder_of(state, profile) if ladder is None else ladder,
                        ref=ref, next_rung=first_rung)
    return replace(state, deadlines=state.deadlines + (deadline,))


def _update(state: CaseState, match: Match, change: Callable[[Deadline], Deadline]) -> CaseState:
    return replace(state, deadlines=tuple(
        change(d) if d.is_active and match(d) else d for d in state.deadlines))


def of(kind: DeadlineKind, owner: str | None = None, ref: str | None = None) -> Match:
    return lambda d: d.kind is kind and (owner is None or d.owner == owner) and (ref is None or d.ref == ref)


def meet(state: CaseState, match: Match, now: datetime) -> CaseState:
    return _update(state, match, lambda d: replace(d, state=DeadlineState.GEHAALD, met_at=now))


def withdraw(state: CaseState, match: Match, reason: str) -> CaseState:
    return _update(state, match, lambda d: replace(d, state=DeadlineState.VERVALLEN, closed_reason=reason))


def first_active(state: CaseState, match: Match) -> Deadline | None:
    candidates = [d for d in state.deadlines if d.is_active and match(d)]
    return min(candidates, key=lambda d: (d.due, d.seq)) if candidates else None
