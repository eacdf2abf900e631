"""The neutral shapes that flow between the adapters and the commands: no platform knows more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.directory import Directory
from models.profile import Profile

from .ports import UnitOfWork


@dataclass(frozen=True)
class Invocation:
    """A slash command as typed: who (a directory member id), where (a channel name), what."""

    user: str
    command: str            # "/casus" or "/tafel"
    text: str
    channel: str | None = None


@dataclass(frozen=True)
class Click:
    """A button pressed: its action id and the value the button carried."""

    user: str
    action: str             # "bevestig" | "weiger"
    value: str              # "<casusnummer>:<verzoek>"
    reason: str = ""
    channel: str | None = None


class Audience(StrEnum):
    CHANNEL = "channel"     # the case channel, for everybody in it
    USER = "user"           # only the person who acted (ephemeral)
    DM = "dm"               # a direct message from the bot


class Kind(StrEnum):
    OPEN_CHANNEL = "open_channel"
    ARCHIVE = "archive"     # the case channel is archived (after the profile's grace period)
    POST = "post"
    UPDATE = "update"       # replaces the earlier message with the same key (a card)
    INVITE = "invite"       # people join the case channel
    REMOVE = "remove"       # people leave the case channel
    DELETE = "delete"       # after the retention period: the channel goes, where the platform lets a bot
    REPORT = "report"       # a month's report as files (`bot/report/chat.py`), to a person or an organisation's
                            # report channel (`channel` is then "rapport:<organisation id>")


@dataclass(frozen=True)
class Button:
    action: str             # action id: letters and digits only (both platforms accept that)
    value: str
    style: str = "primary"  # primary | danger


@dataclass(frozen=True)
class Message:
    """What to say, as data: a template and its context; `templates/` makes the Dutch text."""

    template: str
    context: dict[str, Any]
    audience: Audience
    kind: Kind = Kind.POST
    channel: str | None = None          # a case channel name, for CHANNEL
    to: str | None = None               # a member id, for USER and DM
    buttons: tuple[Button, ...] = ()
    key: str | None = None              # a stable id, so an UPDATE can find the message it replaces
    members: tuple[str, ...] = ()       # for INVITE and REMOVE: who joins or leaves
    not_before: datetime | None = None  # held back until then (e.g. archiving after a grace period)


@dataclass
class Reply:
    """The answer to one invocation or click: private answers now, the rest through the outbox."""

    private: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class Env:
    directory: Directory
    profile: Profile
    uow: Any                # () -> UnitOfWork
    now: datetime

    def unit(self) -> UnitOfWork:
        return self.uow()
