"""Bringing a case channel in line with who may be in it (`models/membership.py`): the difference with who
the bot let in before is written, audited per person, and sent to the platform through the outbox — in the
transaction of the change that caused it, so the channel never lags behind a committed change for good.

The order in the channel's queue: a new channel is opened first; then who may no longer see the case is
taken out, before anything else is said there; then people are added; then what is said. Joining and leaving
happen at once, at any hour (`office.not_before`).
"""

from __future__ import annotations

from datetime import datetime

from models.case import CaseState, Note, channel_name
from models.directory import Directory
from models.membership import wanted
from models.profile import Profile
from models.types import Status

from .messages import for_notes
from .model import Audience, Kind, Message
from .office import not_before
from .ports import UnitOfWork

SYSTEM = "triagebot"


def bring_in_line(uow: UnitOfWork, directory: Directory, profile: Profile, state: CaseState, now: datetime,
                  actor: str) -> list[Message]:
    """Write who joins and who leaves the case channel; return the outbox messages that make it so."""
    number = state.number
    current = uow.members.of_case(number)
    want = wanted(state, directory, profile)
    if state.status is Status.GESLOTEN:      # a closed case: nobody new; the archive removes the rest
        want = {m: why for m, why in want.items() if m in current}
    added = [m for m in want if m not in current]
    removed = sorted(m for m in current if m not in want)
    for m in added:
        uow.members.add(number, m, want[m].value, now, _contact(directory, m))
    for m, why in want.items():
        if m in current and current[m] != why.value:
            uow.members.set_reason(number, m, why.value)
    for m in removed:
        uow.members.remove(number, m)
    for m in added:
        uow.audit.add(at=now, actor=actor, action="kanaal_lid_toegevoegd", outcome="ok", case_number=number,
                      detail={"lid": m, "reden": want[m].value})
    for m in removed:
        uow.audit.add(at=now, actor=actor, action="kanaal_lid_verwijderd", outcome="ok", case_number=number,
                      detail={"lid": m, "reden": _why_gone(directory, m, current[m])})
    channel = channel_name(number)
    out = []
    if added:
        out.append(Message("kanaal_leden", {"case": number, "toegevoegd": added, "verwijderd": []}, Audience.CHANNEL,
                           kind=Kind.INVITE, channel=channel, members=tuple(added)))
    if removed:
        out.append(Message("kanaal_leden", {"case": number, "toegevoegd": [], "verwijderd": removed}, Audience.CHANNEL,
                           kind=Kind.REMOVE, channel=channel, members=tuple(removed)))
    return out


def _contact(directory: Directory, member: str) -> dict:
    m = directory.member(member)
    return {"org": m.org_id, "chat": dict(m.chat_ids), "email": m.email} if m else {}


def _why_gone(directory: Directory, member: str, was: str) -> str:
    m = directory.member(member)
    if m is None:
        return "niet meer in de adressenlijst"
    return f"niet meer nodig (was: {was})"


def messages_after(uow: UnitOfWork, directory: Directory, profile: Profile, before: CaseState | None,
                   after: CaseState, notes: tuple[Note, ...], actor: str, now: datetime) -> list[Message]:
    """Everything an accepted change sends, in the order the channel must see it."""
    said = for_notes(directory, before, after, notes, actor)
    moves = bring_in_line(uow, directory, profile, after, now, actor)
    opening = [m for m in said if m.kind is Kind.OPEN_CHANNEL]
    rest = [m for m in said if m.kind is not Kind.OPEN_CHANNEL]
    return (opening + [m for m in moves if m.kind is Kind.REMOVE] + [m for m in moves if m.kind is Kind.INVITE]
            + rest)


def write_after(uow, directory: Directory, profile: Profile, before: CaseState | None, after: CaseState,
                notes: tuple[Note, ...], actor: str, now: datetime, *, by_clock: bool) -> list[Message]:
    """Queue everything an accepted change sends, each held back until its receiver's hours where it must be;
    returns what was queued."""
    messages = messages_after(uow, directory, profile, before, after, notes, actor, now)
    uow.outbox.add_many([(m, after.number, not_before(m, directory, profile, now, acute=after.acute,
                                                      by_clock=by_clock)) for m in messages], now)
    return messages
