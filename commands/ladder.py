"""What each rung of the escalation ladder says, and to whom. Used for the notes of an accepted change
and by the clock's sweep alike, so a rung reads the same however it came.

Every message names the person it goes to by the part they play: a DM to a gedragswetenschapper says
"u bent als gedragswetenschapper van ... gevraagd", never "de leidinggevenden" (002 §5.5); one to a
bestuurlijk contact names their own gemeente; the organisation that failed a term is the one named as
failing, never the one that reported it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.case import channel_name
from models.directory import Directory, Member
from models.types import OrgKind, Role

from .model import Audience, Button, Message


@dataclass(frozen=True)
class Around:
    """What a rung needs to know of its case beyond the deadline: the organisations around it, and for a
    stagnation who raised it, between whom and why."""

    vt: str = ""
    lts: tuple[str, ...] = ()
    gemeenten: tuple[str, ...] = ()
    stagnation: dict[str, Any] = field(default_factory=dict)    # {tussen, door, reden, bron}
    answer_due: str | None = None        # the gemeente's answer term, when the profile has one (002 §5.5)
    assigned: dict[str, str] = field(default_factory=dict)   # per organisation, the worker it assigned


def workers(directory: Directory, org: str, assigned: dict[str, str]) -> list[Member]:
    """Who of an organisation hears of its case by direct message (need to know): the worker it assigned, or
    while it has none its members at the triagetafel, or when it has no table either its medewerkers."""
    member = directory.member(assigned.get(org, ""))
    if member is not None and member.org_id == org:
        return [member]
    return directory.at_table(org) or directory.members_of(org, Role.MEDEWERKER)


def rung_messages(directory: Directory, number: str, *, deadline: int, kind: str, owner: str, due: datetime,
                  ref: str, rungsoort: str, naar: str, around: Around = Around()) -> list[Message]:
    context: dict[str, Any] = {"case": number, "soort": kind, "eigenaar": owner, "due": due.isoformat(),
                               "ref": ref, "naar": naar, **({"stagnatie": around.stagnation}
                                                             if around.stagnation else {})}
    channel = channel_name(number)
    owner_is_gemeente = (org := directory.organisations.get(owner)) is not None and org.kind is OrgKind.GEMEENTE

    def dms(template: str, org: str, role: Role, **extra: Any) -> list[Message]:
        people = workers(directory, org, around.assigned) if role is Role.MEDEWERKER else directory.members_of(
            org, role)
        return [Message(template, {**context, "aan": org, "rol": m.role.value, **extra}, Audience.DM, to=m.id)
                for m in people]

    if rungsoort == "herinnering":
        if owner_is_gemeente:   # the gemeente is not in the case channel
            return dms("gemeente_herinnering", owner, Role.BESTUURLIJK_CONTACT)
        return [Message("herinnering", context, Audience.CHANNEL, channel=channel)]
    if naar == "eigenaar":   # on lapse: the owner, in the case channel and by direct message
        return [Message("termijn_verlopen", context, Audience.CHANNEL, channel=channel),
                *dms("termijn_verlopen_dm", owner, Role.MEDEWERKER)]
    if naar == "gemeente":   # 000 §8.2: bestuurlijk niveau, about the organisation that failed
        return [m for g in around.gemeenten
                for m in dms("gemeente_melding", g, Role.BESTUURLIJK_CONTACT, antwoord_tot=around.answer_due)]
    if naar == "melders":    # 002 §5.5: the gemeente did not answer; those who reported are told
        return [m for org in (around.vt, *around.lts) for m in dms("gemeente_antwoord_uit", org, Role.LEIDINGGEVENDE)]
    if naar == "afstemming":  # 002 bijlage 3b: not informed after 2 months: agree with VT who does it
        return [Message("afstemming", context, Audience.CHANNEL, channel=channel),
                *[m for org in (owner, around.vt) for m in dms("afstemming_dm", org, Role.MEDEWERKER)]]
    role = Role(naar)
    if not directory.members_of(owner, role):   # an organisation without that role: its leidinggevende
        role = Role.LEIDINGGEVENDE
    button = Button("oppakken", f"{number}:d{deadline}", "primary")
    context["naar"] = role.value
    return [Message("opgeschaald", context, Audience.CHANNEL, channel=channel),
            *[Message(m.template, m.context, m.audience, to=m.to, buttons=(button,))
              for m in dms("opschaling_dm", owner, role)]]
