"""The console's chat platform: an in-memory workspace that keeps state and refuses what a real
platform would refuse (posting in a channel that does not exist, updating an unknown message,
writing to someone who is not in the directory). Every event is recorded with its time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from models.directory import Directory

from ..port import Attachment, PlatformError, RenderedButton


@dataclass
class Channel:
    name: str
    topic: str
    members: set[str] = field(default_factory=set)
    private: bool = True
    archived: bool = False


class ConsolePlatform:
    def __init__(self, directory: Directory, clock: Callable[[], datetime], files_dir: Path | None = None):
        self.directory = directory
        self.clock = clock
        self.files_dir = files_dir          # where shared files are written, so they can be opened; else kept here
        self.files: dict[str, bytes] = {}   # every file shared, by name
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.shown: list[tuple[str, RenderedButton]] = []   # every button ever shown, also replaced ones
        self._last_ref = 0                                  # messages are m1, m2, ...

    def _emit(self, kind: str, channel: str | None = None, to: str | None = None, text: str = "",
              buttons: list[RenderedButton] | None = None, files: list[str] | None = None) -> None:
        event = {"at": self.clock().isoformat(), "kind": kind, "channel": channel, "to": to, "text": text,
                 "buttons": [{"action": b.action, "label": b.label, "value": b.value} for b in buttons or ()]}
        if files is not None:
            event["files"] = files
        self.events.append(event)
        for listener in self.listeners:
            listener(event)

    def _check_member(self, member: str) -> None:
        if self.directory.member(member) is None:
            raise PlatformError(f"user_not_found: {member}", permanent=True)

    # ---- the port ---------------------------------------------------------------------------------
    def open_channel(self, name: str, members: list[str], topic: str) -> str:
        channel = self.channels.get(name)
        if channel is None:
            channel = self.channels[name] = Channel(name, topic)
            self._emit("channel_created", channel=name, text=topic)
        self._add(channel, members)
        return name

    def _add(self, channel: Channel, members: list[str]) -> None:
        for m in members:
            self._check_member(m)
            if m not in channel.members:
                channel.members.add(m)
                self._emit("member_added", channel=channel.name, to=m)

    def _live(self, name: str) -> Channel:
        channel = self.channels.get(name)
        if channel is None:
            raise PlatformError(f"channel_not_found: {name}")
        if channel.archived:
            raise PlatformError(f"is_archived: {name}", permanent=True)
        return channel

    def add_members(self, channel: str, members: list[str]) -> None:
        self._add(self._live(channel), members)

    def remove_members(self, channel: str, members: list[str]) -> None:
        ch = self._live(channel)
        for m in members:
            if m in ch.members:             # someone not in the channel: nothing to do
                ch.members.discard(m)
                self._emit("member_removed", channel=channel, to=m)

    def post(self, channel: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        if channel not in self.channels:
            raise PlatformError(f"channel_not_found: {channel}")
        if key in self.by_key:               # idempotent: the same outbox row never shows twice
            return self.by_key[key]
        ref = self._new_ref()
        self.messages[ref] = {"channel": channel, "text": text, "buttons": list(buttons)}
        self.by_key[key] = ref
        self.shown += [(channel, b) for b in buttons]
        self._emit("post", channel=channel, text=text, buttons=buttons)
        return ref

    def update(self, channel: str, ref: str, text: str, buttons: list[RenderedButton]) -> None:
        message = self.messages.get(ref)
        if message is None or message["channel"] != channel:
            raise PlatformError(f"message_not_found: {ref}", permanent=True)
        if message["text"] == text and message["buttons"] == list(buttons):
            return                    # an edit to the same content shows nothing new
        message.update(text=text, buttons=list(buttons))
        self.shown += [(channel, b) for b in buttons]
        self._emit("update", channel=channel, text=text, buttons=buttons)

    def dm(self, member: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        self._check_member(member)
        if key in self.by_key:
            return self.by_key[key]
        ref = self._new_ref()
        self.messages[ref] = {"channel": f"@{member}", "text": text, "buttons": list(buttons)}
        self.by_key[key] = ref
        self.shown += [(f"@{member}", b) for b in buttons]
        self._emit("dm", to=member, text=text, buttons=buttons)
        return ref

    def upload(self, text: str, files: list[Attachment], key: str, *, member: str | None = None,
               channel_id: str | None = None) -> str:
        """Files with a text, to a person or a channel; written to `files_dir` when there is one."""
        if key in self.by_key:
            return self.by_key[key]
        if member is not None:
            self._check_member(member)
        elif channel_id not in self.channels:
            raise PlatformError(f"channel_not_found: {channel_id}", permanent=True)
        names = []
        for f in files:
            self.files[f.name] = f.content
            if self.files_dir is not None:
                self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)   # only for whoever runs it
                (self.files_dir / f.name).write_bytes(f.content)
                names.append(str(self.files_dir / f.name))
            else:
                names.append(f.name)
        ref = self._new_ref()
        where = f"@{member}" if member is not None else channel_id
        self.messages[ref] = {"channel": where, "text": text, "buttons": [], "files": [f.name for f in files]}
        self.by_key[key] = ref
        self._emit("files", channel=channel_id, to=member, text=text, files=names)
        return ref

    def archive(self, channel: str, text: str) -> None:
        ch = self.channels.get(channel)
        if ch is None:
            raise PlatformError(f"channel_not_found: {channel}", permanent=True)
        if not ch.archived:   # archiving twice shows nothing new
            for m in sorted(ch.members):
                ch.members.discard(m)
                self._emit("member_removed", channel=channel, to=m)
            ch.archived = True
            self._emit("archived", channel=channel, text=text)

    def delete_channel(self, channel: str) -> bool:
        if self.channels.pop(channel, None) is not None:
            self._emit("channel_deleted", channel=channel)
        return True

    def find(self, key: str) -> str | None:
        return self.by_key.get(key)

    def recover(self, key: str, channel: str | None, member: str | None) -> str | None:
        return self.find(key)       # the console keeps everything it showed

    # ---- what an earlier session showed (bot/console/resume.py), put back without showing it again -----
    def restore_channel(self, name: str, members: list[str], topic: str) -> None:
        channel = self.channels.setdefault(name, Channel(name, topic))
        channel.members.update(members)

    def restore_members(self, name: str, members: list[str], joined: bool) -> None:
        if name in self.channels:
            (self.channels[name].members.update if joined else self.channels[name].members.difference_update)(members)

    def restore_archived(self, name: str) -> None:
        if name in self.channels:
            self.channels[name].archived = True
            self.channels[name].members.clear()

    def restore_deleted(self, name: str) -> None:
        self.channels.pop(name, None)

    def restore_message(self, where: str, text: str, buttons: list[RenderedButton], ref: str | None,
                        key: str) -> None:
        if ref is None:
            return
        self.messages[ref] = {"channel": where, "text": text, "buttons": list(buttons)}
        self.by_key[key] = ref
        self.shown += [(where, b) for b in buttons]
        number = re.fullmatch(r"m(\d+)", ref)
        if number:
            self._last_ref = max(self._last_ref, int(number.group(1)))

    def restore_update(self, ref: str | None, text: str, buttons: list[RenderedButton]) -> None:
        message = self.messages.get(ref or "")
        if message is not None:
            message.update(text=text, buttons=list(buttons))
            self.shown += [(message["channel"], b) for b in buttons]

    def _new_ref(self) -> str:
        self._last_ref += 1
        return f"m{self._last_ref}"

    # ---- console only -------------------------------------------------------------------------------
    def ephemeral(self, member: str, channel: str | None, text: str) -> None:
        self._emit("ephemeral", channel=channel, to=member, text=text)

    def latest_button(self, channel: str, action: str, case: str | None = None,
                      user: str | None = None) -> str | None:
        """The value of the latest button with this action shown in a channel — or, for a case, in a
        direct message (to `user`, when named) — even if since replaced: a screen that was not refreshed
        still shows it."""
        for where, button in reversed(self.shown):
            if button.action == action and (where == channel or (
                    case and where.startswith("@") and where == f"@{user or where[1:]}"
                    and button.value.startswith(case + ":"))):
                return button.value
        return None

    def latest_value_of(self, action: str) -> str | None:
        """The value of the latest button with this action anywhere (it starts with the case number)."""
        for _, button in reversed(self.shown):
            if button.action == action:
                return button.value
        return None
