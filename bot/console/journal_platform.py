"""A platform that writes every message to a journal file (JSON lines) instead of a chat: for a dry run
of the clock's jobs (`triagebot worker --journaal`), and for the crash and multi-process tests, where
several processes append to one journal. `find` reads the journal, so a message whose delivery was not
marked before a crash is recognised, not sent twice."""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from ..port import Attachment, RenderedButton


class JournalPlatform:
    def __init__(self, path: str | Path, slow_send_ms: int = 0, crash_after_sends: int = 0):
        self.path = Path(path)
        self.slow = slow_send_ms / 1000
        self.crash_after = crash_after_sends
        self.sent = 0

    def _append(self, record: dict[str, Any]) -> str:
        line = (json.dumps({**record, "pid": os.getpid()}, ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)          # one write of one line: whole lines, also from several processes
        finally:
            os.close(fd)
        self.sent += 1
        if self.crash_after and self.sent >= self.crash_after:
            os.kill(os.getpid(), 9)     # a crash right after the platform has the message, before it is marked
        if self.slow:
            time.sleep(self.slow)       # widens the window between sending and marking, for the crash tests
        return record["key"]

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]

    def find(self, key: str) -> str | None:
        return key if any(r["key"] == key for r in self.records()) else None

    def recover(self, key: str, channel: str | None, member: str | None) -> str | None:
        return self.find(key)       # the journal is the platform: what it holds survives any process

    def open_channel(self, name: str, members: list[str], topic: str) -> str:
        if self.find(f"#{name}"):     # like a real platform: the name exists, the channel is reused
            return f"#{name}"
        return self._append({"kind": "channel_created", "channel": name, "members": members, "key": f"#{name}"})

    def post(self, channel: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        return self._append({"kind": "post", "channel": channel, "text": text, "key": key,
                             "buttons": [b.action for b in buttons]})

    def update(self, channel: str, ref: str, text: str, buttons: list[RenderedButton]) -> None:
        key = f"{ref}@{hashlib.sha256(text.encode()).hexdigest()[:16]}"
        if not self.find(key):        # an edit to the same text is no news
            self._append({"kind": "update", "channel": channel, "ref": ref, "text": text, "key": key,
                          "buttons": [b.action for b in buttons]})

    def archive(self, channel: str, text: str) -> None:
        if not self.find(f"archief:{channel}"):
            self._append({"kind": "archived", "channel": channel, "text": text, "key": f"archief:{channel}"})

    def add_members(self, channel: str, members: list[str]) -> None:
        inside = self._members(channel)
        for m in members:
            if m not in inside:           # like a platform: who is in already is not added twice
                self._append({"kind": "member_added", "channel": channel, "member": m,
                              "key": f"lid:{channel}:{m}:{uuid.uuid4().hex[:8]}"})

    def remove_members(self, channel: str, members: list[str]) -> None:
        inside = self._members(channel)
        for m in members:
            if m in inside:
                self._append({"kind": "member_removed", "channel": channel, "member": m,
                              "key": f"weg:{channel}:{m}:{uuid.uuid4().hex[:8]}"})

    def _members(self, channel: str) -> set[str]:
        inside: set[str] = set()
        for r in self.records():
            if r.get("channel") != channel:
                continue
            if r["kind"] == "channel_created":
                inside |= set(r["members"])
            elif r["kind"] == "member_added":
                inside.add(r["member"])
            elif r["kind"] in ("member_removed",):
                inside.discard(r["member"])
            elif r["kind"] == "archived":
                inside.clear()
        return inside

    def delete_channel(self, channel: str) -> bool:
        if not self.find(f"verwijderd:{channel}"):
            self._append({"kind": "channel_deleted", "channel": channel, "key": f"verwijderd:{channel}"})
        return True

    def upload(self, text: str, files: list[Attachment], key: str, *, member: str | None = None,
               channel_id: str | None = None) -> str:
        """The files' names, types, sizes and digests go in the journal, not their bytes."""
        return self._append({"kind": "files", "to": member, "channel": channel_id, "text": text, "key": key,
                             "files": [{"name": f.name, "mime": f.mime, "size": len(f.content),
                                        "sha256": hashlib.sha256(f.content).hexdigest()} for f in files]})

    def dm(self, member: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        return self._append({"kind": "dm", "to": member, "text": text, "key": key,
                             "buttons": [b.action for b in buttons]})
