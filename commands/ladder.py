"""What each rung of the escalation ladder says, and to whom. Used for the notes of an accepted change
and by the clock's sweep alike, so a rung reads the same however it came."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.case import channel_name
from models.directory import Directory
from models.types import Role

from .model import Audience, Button, Message


def rung_messages(directory: Directory, number: str, *, deadline: int, kind: str, owner: str, due: datetime,
                  ref: str, rungsoort: str, naar: str, gemeenten: tuple[str, ...] = ()) -> list[Message]:
    context: dict[str, Any] = {"case": number, "soort": kind, "eigenaar": owner, "due": due.isoformat(),
                               "ref": ref, "naar": naar}
    channel = channel_name(number)
    out: list[Message] = []
    if rungsoort == "herinnering":
        return [Message("herinnering", context, Audience.CHANNEL, channel=channel)]
    if naar == "eigenaar":   # on lapse: the owner, in the case channel and by direct message
        out.append(Message("termijn_verlopen", context, Audience.CHANNEL, channel=channel))
        out += [Message("termijn_verlopen_dm", context, Audience.DM, to=m.id)
                for m in directory.members_of(owner, Role.MEDEWERKER)]
        return out
    if naar == "gemeente":   # 000 §8.2: bestuurlijk niveau
        return [Message("gemeente_melding", context, Audience.DM, to=m.id)
                for org in gemeenten for m in directory.members_of(org, Role.BESTUURLIJK_CONTACT)]
    role = Role(naar)
    people = directory.members_of(owner, role) or directory.members_of(owner, Role.LEIDINGGEVENDE)
    button = Button("oppakken", f"{number}:d{deadline}", "primary")
    out.append(Message("opgeschaald", context, Audience.CHANNEL, channel=channel))
    out += [Message("opschaling_dm", context, Audience.DM, to=m.id, buttons=(button,)) for m in people]
    return out
