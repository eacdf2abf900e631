"""The platform port: what the bot asks of a chat platform. Console, Slack and Mattermost implement it.

Everyone is named by directory member id; the adapter maps to its platform's user ids. Texts arrive
rendered for the platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class PlatformError(RuntimeError):
    """A delivery failed; `retry_after` (seconds) when the platform said when to try again."""

    def __init__(self, message: str, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


def opened(channel_id: Callable[[str], str | None], name: str) -> str:
    """The platform id of a case channel the outbox opened earlier; until then the message waits."""
    cid = channel_id(name)
    if cid is None:
        raise PlatformError(f"channel {name} not opened yet")
    return cid


@dataclass(frozen=True)
class RenderedButton:
    action: str
    label: str
    value: str
    style: str = "primary"


@dataclass(frozen=True)
class Attachment:
    """A file the bot shares (a report): its name, what it is (a MIME type), a title people see, the bytes."""

    name: str
    mime: str
    title: str
    content: bytes


class PlatformPort(Protocol):
    def open_channel(self, name: str, members: list[str], topic: str) -> str: ...
    def post(self, channel: str, text: str, buttons: list[RenderedButton], key: str) -> str: ...
    def update(self, channel: str, ref: str, text: str, buttons: list[RenderedButton]) -> None: ...
    def dm(self, member: str, text: str, buttons: list[RenderedButton], key: str) -> str: ...
    def add_members(self, channel: str, members: list[str]) -> None:
        """Let these people into the case channel; who is in already stays (idempotent)."""
        ...

    def remove_members(self, channel: str, members: list[str]) -> None:
        """Take these people out of the case channel; who is not in it is fine (idempotent). Never the bot."""
        ...

    def archive(self, channel: str, text: str) -> None:
        """Post `text`, take every member but the bot out of the channel, and archive it (idempotent)."""
        ...

    def delete_channel(self, channel: str) -> bool:
        """After the retention period: delete the case channel where the platform lets the bot; False when
        it stays archived (Slack: a bot cannot delete a channel)."""
        ...

    def upload(self, text: str, files: list[Attachment], key: str, *, member: str | None = None,
               channel_id: str | None = None) -> str:
        """Share files with `text`: in a direct message to `member`, or in the platform channel `channel_id` (a
        channel the functional administrator set up and added the bot to, not a case channel)."""
        ...

    def find(self, key: str) -> str | None:
        """The platform's id of a message with this idempotency key that this process sent, or None."""
        ...

    def recover(self, key: str, channel: str | None, member: str | None) -> str | None:
        """The same, looked up on the platform itself (in `channel`, or the direct messages with `member`):
        for a message an earlier process, or an attempt that timed out after sending, may have delivered."""
        ...
