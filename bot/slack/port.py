"""The platform port for Slack: the bot's messages as Web API calls (slack_sdk's WebClient).

- Directory members are Slack users by the `slack` id in the directory, or looked up by e-mail.
- Case channels are private (`conversations.create` with `is_private`); their ids are kept in the
  database by the caller (`ChannelMap`). Opening is idempotent: a name that is taken by a live private
  channel the bot made itself (before a crash, say) is that case's channel and is used again; a name taken
  otherwise (archived channels too) gets a suffix. The topic and the invitations are set on every attempt,
  so a failure of either is retried with the outbox row.
- Every message carries its idempotency key in Slack's message metadata; `find` recognises what this
  process already sent, and `recover` finds it in the channel's (or the direct messages') history
  (`conversations.history` with `include_all_metadata`) after a crash or an attempt that timed out.
- Files (a report) are shared the way Slack asks since 2024: an upload address per file, the bytes, then one
  `files.completeUploadExternal` with the text. No metadata goes with a file share, so only `find` (this process)
  recognises one that was sent.
- A 429 becomes a `PlatformError` with Slack's `Retry-After`, for the outbox's back-off.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from models.directory import Directory

from ..port import Attachment, PlatformError, RenderedButton, opened
from .blocks import message_blocks

PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found",
             "invalid_blocks", "msg_too_long", "message_not_found", "cant_update_message", "missing_scope",
             "invalid_auth", "not_authed", "account_inactive"}
EVENT_TYPE = "triagebot_message"
UPLOAD_TIMEOUT = 30     # seconds, for a file's bytes (a report: a few hundred kB)
HISTORY_PAGES = 5       # of 200 messages: a message to recover was sent shortly before (a crash, a time-out)


class SlackPlatform:
    def __init__(self, client: WebClient, directory: Directory,
                 channel_ids: Callable[[str], str | None], remember: Callable[[str, str], None]):
        self.client, self.directory = client, directory
        self.channel_id, self.remember = channel_ids, remember
        self._users: dict[str, str] = {}
        self._sent: dict[str, str] = {}     # idempotency key → "channel:ts" of messages this process sent
        self._me: str | None = None         # the bot's own Slack user id, once asked

    # ---- people and channels ----------------------------------------------------------------------
    def user_id(self, member_id: str) -> str:
        if member_id in self._users:
            return self._users[member_id]
        m = self.directory.contact(member_id)
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
            cid = self._create(name)
            self.remember(name, cid)
        self._call(self.client.conversations_setTopic, channel=cid, topic=topic[:250])
        self._invite(cid, members)
        return cid

    def add_members(self, channel: str, members: list[str]) -> None:
        self._invite(opened(self.channel_id, channel), members)

    def _invite(self, cid: str, members: list[str]) -> None:
        users = [self.user_id(m) for m in members]
        for start in range(0, len(users), 100):   # at most 100 users per invite
            try:
                self._call(self.client.conversations_invite, channel=cid, users=",".join(users[start:start + 100]))
            except PlatformError as exc:
                if "already_in_channel" not in str(exc):
                    raise

    def remove_members(self, channel: str, members: list[str]) -> None:
        cid = opened(self.channel_id, channel)
        me = self._bot_user()
        for uid in (self.user_id(m) for m in members):
            if uid != me:
                self._kick(cid, uid)

    def _kick(self, cid: str, uid: str) -> None:
        try:
            self._call(self.client.conversations_kick, channel=cid, user=uid)
        except PlatformError as exc:
            if "not_in_channel" not in str(exc):   # gone already (a retry, or someone left): what we wanted
                raise

    def _bot_user(self) -> str:
        if self._me is None:
            self._me = self._call(self.client.auth_test)["user_id"]
        return self._me

    def _channel_users(self, cid: str) -> list[str]:
        users, cursor = [], None
        while True:
            page = self._call(self.client.conversations_members, channel=cid, limit=200,
                              **({"cursor": cursor} if cursor else {}))
            users += page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return users

    def _create(self, name: str) -> str:
        for attempt in range(10):
            candidate = name if attempt == 0 else f"{name}-{attempt + 1}"
            try:
                return self._call(self.client.conversations_create, name=candidate, is_private=True)["channel"]["id"]
            except PlatformError as exc:
                if "name_taken" not in str(exc):
                    raise
            own = self._own_channel(candidate)
            if own is not None:
                return own
        raise PlatformError(f"no free channel name for {name}", permanent=True)

    def _own_channel(self, name: str) -> str | None:
        """The live private channel of this name that the bot itself created, if any (a bot sees only the
        private channels it is in)."""
        me = self._bot_user()
        cursor = None
        while True:
            page = self._call(self.client.conversations_list, types="private_channel", exclude_archived=True,
                              limit=200, **({"cursor": cursor} if cursor else {}))
            for channel in page.get("channels", []):
                if channel.get("name") == name and channel.get("creator") == me:
                    return channel["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

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

    def upload(self, text: str, files: list[Attachment], key: str, *, member: str | None = None,
               channel_id: str | None = None) -> str:
        """Slack's external upload: per file an upload address (`files.getUploadURLExternal`), the bytes sent
        there, then all files shared at once with the text (`files.completeUploadExternal`)."""
        if key in self._sent:
            return self._sent[key]
        cid = channel_id or self._call(self.client.conversations_open, users=self.user_id(member))["channel"]["id"]
        shared = []
        for f in files:
            got = self._call(self.client.files_getUploadURLExternal, filename=f.name, length=len(f.content),
                             alt_txt=f.title[:1000])
            self._send_bytes(got["upload_url"], f)
            shared.append({"id": got["file_id"], "title": f.title})
        self._call(self.client.files_completeUploadExternal, files=shared, channel_id=cid, initial_comment=text)
        self._sent[key] = f"{cid}:{shared[0]['id']}"
        return self._sent[key]

    def _send_bytes(self, url: str, f: Attachment) -> None:
        try:
            response = httpx.post(url, content=f.content, headers={"Content-Type": "application/octet-stream"},
                                  timeout=UPLOAD_TIMEOUT)
        except httpx.HTTPError as exc:
            raise PlatformError(f"upload of {f.name} failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise PlatformError(f"upload of {f.name} refused: HTTP {response.status_code}")

    def update(self, channel: str, ref: str, text: str, buttons: list[RenderedButton]) -> None:
        cid, _, ts = ref.partition(":")
        self._call(self.client.chat_update, channel=cid, ts=ts, text=text, blocks=message_blocks(text, buttons))

    def archive(self, channel: str, text: str) -> None:
        """The closing word, then everyone but the bot out, then archived: an archived channel keeps its
        history for whoever is still in it, so nobody is."""
        cid = opened(self.channel_id, channel)
        try:
            info = self._call(self.client.conversations_info, channel=cid)["channel"]
        except PlatformError:
            info = {}
        if info.get("is_archived"):
            return                      # a retry after the archive went through
        self._call(self.client.chat_postMessage, channel=cid, text=text, blocks=message_blocks(text, []))
        me = self._bot_user()
        for uid in self._channel_users(cid):
            if uid != me:
                self._kick(cid, uid)
        try:
            self._call(self.client.conversations_archive, channel=cid)
        except PlatformError as exc:
            if "already_archived" not in str(exc):
                raise

    def delete_channel(self, channel: str) -> bool:
        """Slack lets no bot delete a channel (only an Enterprise Grid admin API can): it stays archived,
        without members."""
        return False

    def find(self, key: str) -> str | None:
        return self._sent.get(key)

    def recover(self, key: str, channel: str | None, member: str | None) -> str | None:
        """Among the latest messages where this one would be, the bot's own with this key in its metadata."""
        if channel is not None:
            cid = self.channel_id(channel)
            if cid is None:
                return None
        else:
            cid = self._call(self.client.conversations_open, users=self.user_id(member))["channel"]["id"]
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = self._call(self.client.conversations_history, channel=cid, include_all_metadata=True, limit=200,
                              **({"cursor": cursor} if cursor else {}))
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == key:
                    self._sent[key] = f"{cid}:{message['ts']}"
                    return self._sent[key]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        return None

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
