"""Who may be in a case channel: need to know (AVG art. 5; NEN 7513). A pure function of the case, the
directory and the profile; `commands/membership.py` brings the channel in line with it.

A case channel holds:
- the worker each organisation assigned (the VT worker who registered the melding, until VT assigns another);
- the triagetafel's members of the organisations around the case, while the table still needs them: until
  the case left the table's agenda and every organisation that holds zicht op veiligheid or the casusregie
  assigned a worker (or until the channel is archived, where the profile says so);
- a leidinggevende or gedragswetenschapper who took up an escalation ("Ik pak dit op").
Nobody else: not the rest of an organisation, not a leidinggevende who was only asked. Who left an
organisation, moved to another or lost the role that let them in (the directory says so) is no longer wanted.
"""

from __future__ import annotations

from enum import StrEnum

from .case import CaseState
from .directory import Directory
from .profile import Profile, TableStays
from .types import DeadlineKind, HandoverState, Role, Route, Status


class Why(StrEnum):
    """Why someone is in a case channel (the order is the priority when more than one applies)."""

    TAFEL = "tafel"                  # sits at the triagetafel for their organisation
    OPGEPAKT = "opgepakt"            # took up an escalation of the case
    TOEGEWEZEN = "toegewezen"        # assigned by their organisation


ON_THE_AGENDA = frozenset({Status.TRIAGE, Status.TE_OVERDRAGEN, Status.OVERDRACHT})
TAKES_UP = frozenset({Role.LEIDINGGEVENDE, Role.GEDRAGSWETENSCHAPPER})


def involved(state: CaseState) -> set[str]:
    """The organisations that take part in a case: VT, its lokale teams, the GI when a gezinsvoogd is
    involved, the MDT when the table chose it."""
    if state.orgs is None:
        return set()
    orgs = {state.orgs.vt, *state.orgs.lts}
    if state.gezinsvoogd and state.orgs.gi:
        orgs.add(state.orgs.gi)
    if state.route is Route.MDT and state.orgs.mdt:
        orgs.add(state.orgs.mdt)
    return orgs


def refused_and_not_asked_again(state: CaseState, org: str) -> bool:
    """The organisation refused the last handover addressed to it, holds nothing of the case, and no
    stagnation it is party to is still open (while the refusal is escalated, its team stays to resolve it)."""
    last = next((h for h in reversed(state.handovers) if org in h.receivers), None)
    return (last is not None and last.state is HandoverState.GEWEIGERD and last.refusal is not None
            and last.refusal.org == org and org not in state.holders and org not in state.regie_holders
            and not any(d.kind is DeadlineKind.STAGNATIE and d.owner == org and d.is_active
                        for d in state.deadlines))


def table_needed(state: CaseState, profile: Profile) -> bool:
    if profile.privacy.table_stays is TableStays.TOT_SLUITING or state.status is Status.GESLOTEN:
        return True          # a closed case: nobody is added; who is in stays until the channel is archived
    if state.status in ON_THE_AGENDA:
        return True
    assigned = state.assigned
    return not all(org in assigned for org in (*state.holders, *state.regie_holders))


def wanted(state: CaseState, directory: Directory, profile: Profile) -> dict[str, Why]:
    """Who may be in the case channel now, and why."""
    out: dict[str, Why] = {}
    orgs = involved(state)
    if table_needed(state, profile):
        for org in sorted(orgs):
            if profile.privacy.refusing_team_leaves and refused_and_not_asked_again(state, org):
                continue
            for m in directory.at_table(org):
                out[m.id] = Why.TAFEL
    for r in state.records:
        if r.kind == "opgepakt":
            m = directory.member(r.by)
            if m is not None and m.org_id == r.org and m.role in TAKES_UP:
                out[m.id] = Why.OPGEPAKT
    for org, member_id in state.assigned.items():
        m = directory.member(member_id)
        if m is not None and m.org_id == org:
            out[m.id] = Why.TOEGEWEZEN
    return out


def at_most(state: CaseState, directory: Directory) -> int:
    """The most people a case channel may hold: every table member of the organisations around the case, one
    assigned worker per organisation, and who took up one of its escalations."""
    orgs = involved(state)
    taken_up = {r.by for r in state.records if r.kind == "opgepakt"}
    return sum(len(directory.at_table(o)) for o in orgs) + len(orgs) + len(taken_up)
