"""Who may do what: the member behind an invocation, their organisation, and its part in a case."""

from __future__ import annotations

from models.case import CaseState
from models.directory import Directory, Member
from models.types import OrgKind

from .parse import ParseError


class Denied(ParseError):
    """The member may not do this (wrong organisation, wrong role, not involved in the case)."""


def member(directory: Directory, user: str) -> Member:
    m = directory.member(user)
    if m is None:
        raise Denied("onbekend_lid")
    return m


def kind_of(directory: Directory, m: Member) -> OrgKind:
    return directory.org(m.org_id).kind


def require_vt(directory: Directory, m: Member, action: str) -> None:
    if kind_of(directory, m) is not OrgKind.VT:
        raise Denied("alleen_vt", handeling=action)


def involved(state: CaseState) -> set[str]:
    """The organisations that take part in a case: VT, its lokale teams, and the GI when involved."""
    if state.orgs is None:
        return set()
    orgs = {state.orgs.vt, *state.orgs.lts}
    if state.gezinsvoogd and state.orgs.gi:
        orgs.add(state.orgs.gi)
    if state.route is not None and state.route.value == "mdt" and state.orgs.mdt:
        orgs.add(state.orgs.mdt)
    return orgs


def require_involved(state: CaseState, m: Member) -> None:
    if m.org_id not in involved(state):
        raise Denied("geen_toegang", casus=state.number)


def require_case_vt(state: CaseState, m: Member, action: str) -> None:
    """Only the VT that holds the case's melding may decide on it."""
    if state.orgs is None or m.org_id != state.orgs.vt:
        raise Denied("alleen_vt", handeling=action)


def channel_members(directory: Directory, state: CaseState) -> tuple[str, ...]:
    """Who is invited to the case channel: VT, the lokale team(s), the GI when a gezinsvoogd is involved."""
    return tuple(m.id for org in sorted(involved(state)) for m in directory.members_of(org))
