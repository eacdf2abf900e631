"""Who may do what: the member behind an invocation, their organisation, and its part in a case."""

from __future__ import annotations

from models.case import CaseState
from models.directory import Directory, Member
from models.membership import involved
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


def colleague(directory: Directory, actor: Member, word: str) -> Member:
    """The member someone names for their own organisation: by directory id, `@name` or a chat mention
    (`<@U0123>`, `<@U0123|naam>`), or e-mail address."""
    ref = word.strip().removeprefix("<").removesuffix(">").partition("|")[0].removeprefix("@")
    found = directory.member(ref.lower()) or (directory.by_email(ref) if "@" in ref else None) or next(
        (m for m in directory.members.values() if ref and ref in m.chat_ids.values()), None)
    if found is None:
        raise Denied("lid_onbekend", lid=word)
    if found.org_id != actor.org_id:
        raise Denied("lid_andere_organisatie", lid=found.id)
    return found


def require_involved(state: CaseState, m: Member) -> None:
    if m.org_id not in involved(state):
        raise Denied("geen_toegang", casus=state.number)


def require_case_vt(state: CaseState, m: Member, action: str) -> None:
    """Only the VT that holds the case's melding may decide on it."""
    if state.orgs is None or m.org_id != state.orgs.vt:
        raise Denied("alleen_vt", handeling=action)
