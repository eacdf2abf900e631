"""The platform port for Slack: the bot's messages as Web API calls (slack_sdk's WebClient).

- Directory members are Slack users by the `slack` id in the directory, or looked up by e-mail.
- Case channels are private (`conversations.create` with `is_private`); their ids are kept in the
  database by the caller (`ChannelMap`). A name that is taken (archived channels too) gets a suffix.
- Every message carries its idempotency key in Slack's message metadata; `find` recognises what this
  process already sent. Across a crash, the methods this app is allowed to call offer no lookup by
  metadata, so a crash exactly between Slack's answer and the outbox commit can repeat one message.
- A 429 becomes a `PlatformError` with Slack's `Retry-After`, for the outbox's back-off.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from models.directory import Directory

from ..port import PlatformError, RenderedButton, opened
from .blocks import message_blocks

PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found",
             "invalid_blocks", "msg_too_long", "message_not_found", "cant_update_message", "missing_scope",
             "invalid_auth", "not_authed", "account_inactive"}
EVENT_TYPE = "triagebot_message"


class SlackPlatform:
    def __init__(self, client: WebClient, directory: Directory,
                 channel_ids: Callable[[str], str | None], remember: Callable[[str, str], None]):
        self.client, self.directory = client, directory
        self.channel_id, self.remember = channel_ids, remember
        self._users: dict[str, str] = {}
        self._sent: dict[str, str] = {}     # idempotency key → "channel:ts" of messages this process sent

    # ---- people and channels ----------------------------------------------------------------------
    def user_id(self, member_id: str) -> str:
        if member_id in self._users:
            return self._users[member_id]
        m = self.directory.member(member_id)
        if m is None:
            raise PlatformError(f"unknown member {member_id}", permanent=True)
        uid = m.chat_ids.get("slack")
        if uid is None and m.email:
            uid = self._call(self.client.users_lookupByEmail, email=m.email)["user"]["id"]
        if uid is None:
            raise PlatformError(f"no Slack user for {member_id}", permanent=True)
        self._users[member_id] = uid
        return uid

    # ---- the port -----------------------------------------------------------------------------------
    def open_channel(self, name: str, members: list[str], topic: str) -> str:
        cid = self.channel_id(name)
        if cid is None:
            for attempt in range(10):
                candidate = name if attempt == 0 else f"{name}-{attempt + 1}"
                try:
                    cid = self._call(self.client.conversations_create, name=candidate, is_private=True)["channel"]["id"]
                    break
                except PlatformError as exc:
                    if "name_taken" not in str(exc):
                        raise
            else:
                raise PlatformError(f"no free channel name for {name}", permanent=True)
            self.remember(name, cid)
            self._call(self.client.conversations_setTopic, channel=cid, topic=topic[:250])
        users = [self.user_id(m) for m in members]
        for start in range(0, len(users), 100):   # at most 100 users per invite
            try:
                self._call(self.client.conversations_invite, channel=cid, users=",".join(users[start:start + 100]))
            except PlatformError as exc:
                if "already_in_channel" not in str(exc):
                    raise
        return cid

    def post(self, channel: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        return self._post(opened(self.channel_id, channel), text, buttons, key)

    def dm(self, member: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        cid = self._call(self.client.conversations_open, users=self.user_id(member))["channel"]["id"]
        return self._post(cid, text, buttons, key)

    def _post(self, cid: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        response = self._call(self.client.chat_postMessage, channel=cid, text=text,
                              blocks=message_blocks(text, buttons),
                              metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}})
        ref = f"{cid}:{response['ts']}"
        self._sent[key] = ref
        return ref

    def update(self, channel: str, ref: str, text: str, buttons: list[RenderedButton]) -> None:
        cid, _, ts = ref.partition(":")
        self._call(self.client.chat_update, channel=cid, ts=ts, text=text, blocks=message_blocks(text, buttons))

    def archive(self, channel: str, text: str) -> None:
        cid = opened(self.channel_id, channel)
        self._call(self.client.chat_postMessage, channel=cid, text=text, blocks=message_blocks(text, []))
        try:
            self._call(self.client.conversations_archive, channel=cid)
        except PlatformError as exc:
            if "already_archived" not in str(exc):
                raise

    def find(self, key: str) -> str | None:
        return self._sent.get(key)

    def recover(self, key: str, channel: str | None, member: str | None) -> str | None:
        return None     # no method this app may call finds a message by its metadata (see the module's note)

    # ---- errors -------------------------------------------------------------------------------------
    @staticmethod
    def _call(method, **kwargs):
        try:
            return method(**kwargs)
        except SlackApiError as exc:
            response = exc.response
            if response.status_code == 429:
                raise PlatformError("ratelimited", retry_after=float(response.headers.get("Retry-After", 1))) from None
            error = response.get("error", "unknown_error") if hasattr(response, "get") else "unknown_error"
            raise PlatformError(error, permanent=error in PERMANENT) from None
