"""The platform port for Mattermost: the bot's messages as REST API v4 calls.

- Directory members are Mattermost users by the `mattermost` username in the directory, or by e-mail.
- Case channels are private (`type: "P"`). A name that is taken is looked up first: a channel of that
  name the bot is in and that is not archived is the bot's own (made just before a crash) and is used;
  otherwise the name gets a suffix.
- Cards are Markdown posts with attachment buttons whose `integration.context` the bot signs
  (`signing.py`); an update patches the post, clearing the buttons when none are left.
- Every post carries its idempotency key in its props; `find` recognises what this process sent, and
  `recover` finds it among a channel's latest posts after a crash or an attempt that timed out after
  Mattermost had the post.
- Files (a report) are uploaded to the channel first (`POST /files`), then posted with their ids; the post
  carries the key like any other, so `recover` finds it too.
- Membership changes are idempotent: adding someone already in or removing someone already gone is fine,
  and the bot never removes itself. Archiving posts the closing text, removes everyone but the bot and
  then archives; a retry after a crash picks up where the first attempt stopped.
- Deleting a channel for good needs a server setting (ServiceSettings.EnableAPIChannelDeletion); where
  the server refuses, the channel stays archived and `delete_channel` says so by returning False.
"""

from __future__ import annotations

from collections.abc import Callable

from models.directory import Directory

from ..port import Attachment, PlatformError, RenderedButton, opened
from .client import ALREADY_ARCHIVED, CHANNEL_EXISTS, NOT_A_MEMBER, MattermostClient, MattermostError, RateLimited
from .signing import Signer

KEY_PROP = "triagebot_key"
CLOSING_PROP = "triagebot_closing"    # marks the closing post, so a retried archive does not post it twice
REFUSED = frozenset({401, 403, 501})  # the server will not delete for good: disabled, or not allowed


class MattermostPlatform:
    def __init__(self, client: MattermostClient, directory: Directory, team_id: str, bot_user_id: str,
                 action_url: str, signer: Signer, channel_ids: Callable[[str], str | None],
                 remember: Callable[[str, str], None]):
        self.client, self.directory, self.team_id, self.bot_user_id = client, directory, team_id, bot_user_id
        self.action_url, self.signer = action_url, signer
        self.channel_id, self.remember = channel_ids, remember
        self._users: dict[str, str] = {}
        self._sent: dict[str, str] = {}

    # ---- people and channels ----------------------------------------------------------------------
    def user_id(self, member_id: str) -> str:
        if member_id not in self._users:
            m = self.directory.contact(member_id)     # also who left, to take them out of channels
            if m is None:
                raise PlatformError(f"unknown member {member_id}", permanent=True)
            if username := m.chat_ids.get("mattermost"):
                user = self._call(self.client.user_by_username, username)
            elif m.email:
                user = self._call(self.client.user_by_email, m.email)
            else:
                raise PlatformError(f"no Mattermost user for {member_id}", permanent=True)
            self._users[member_id] = user["id"]
        return self._users[member_id]

    def open_channel(self, name: str, members: list[str], topic: str) -> str:
        cid = self.channel_id(name) or self._create(name, topic)
        self._add(cid, members)
        return cid

    def add_members(self, channel: str, members: list[str]) -> None:
        self._add(opened(self.channel_id, channel), members)

    def remove_members(self, channel: str, members: list[str]) -> None:
        cid = opened(self.channel_id, channel)
        for member in members:
            self._remove(cid, self.user_id(member))

    def _add(self, cid: str, members: list[str]) -> None:
        if members:
            self._call(self.client.add_members, cid, [self.user_id(m) for m in members])

    def _remove(self, cid: str, user_id: str) -> None:
        if user_id == self.bot_user_id:
            return
        try:
            self.client.remove_member(cid, user_id)
        except MattermostError as exc:
            if exc.error_id != NOT_A_MEMBER:       # not (any more) in the channel: that is the goal
                raise _platform_error(exc) from None

    def _create(self, name: str, topic: str) -> str:
        for attempt in range(10):
            candidate = name if attempt == 0 else f"{name}-{attempt + 1}"
            try:
                channel = self._call(self.client.create_private_channel, self.team_id, candidate, candidate,
                                     topic[:1024])
            except PlatformError as exc:
                if CHANNEL_EXISTS not in str(exc):
                    raise
                channel = self._own(candidate)
                if channel is None:
                    continue
            self.remember(name, channel["id"])
            return channel["id"]
        raise PlatformError(f"no free channel name for {name}", permanent=True)

    def _own(self, name: str) -> dict | None:
        """The taken name's channel if it is the bot's own, live one (it can only see private channels it is in)."""
        try:
            channel = self.client.channel_by_name(self.team_id, name)
        except MattermostError:
            return None
        return channel if not channel.get("delete_at") else None

    # ---- the port -----------------------------------------------------------------------------------
    def post(self, channel: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        return self._post(opened(self.channel_id, channel), text, buttons, key)

    def dm(self, member: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        cid = self._call(self.client.direct_channel, self.bot_user_id, self.user_id(member))["id"]
        return self._post(cid, text, buttons, key)

    def _post(self, cid: str, text: str, buttons: list[RenderedButton], key: str) -> str:
        post = self._call(self.client.create_post, cid, text, {**self._props(buttons), KEY_PROP: key})
        self._sent[key] = post["id"]
        return post["id"]

    def upload(self, text: str, files: list[Attachment], key: str, *, member: str | None = None,
               channel_id: str | None = None) -> str:
        """The files uploaded to the channel (or the direct channel with `member`), then one post with them."""
        if key in self._sent:
            return self._sent[key]
        cid = channel_id or self._call(self.client.direct_channel, self.bot_user_id, self.user_id(member))["id"]
        ids = [self._call(self.client.upload_file, cid, f.name, f.content, f.mime) for f in files]
        post = self._call(self.client.create_post, cid, text, {KEY_PROP: key}, ids)
        self._sent[key] = post["id"]
        return post["id"]

    def update(self, channel: str, ref: str, text: str, buttons: list[RenderedButton]) -> None:
        self._call(self.client.patch_post, ref, text, self._props(buttons))

    def archive(self, channel: str, text: str) -> None:
        cid = opened(self.channel_id, channel)
        if self._call(self.client.channel, cid).get("delete_at"):
            return                                  # archived before: its members were removed first
        if not self._closing_posted(cid):
            self._call(self.client.create_post, cid, text, {CLOSING_PROP: True})
        for user_id in self._call(self.client.channel_members, cid):
            self._remove(cid, user_id)
        try:
            self.client.archive_channel(cid)
        except MattermostError as exc:
            if exc.error_id != ALREADY_ARCHIVED:
                raise _platform_error(exc) from None

    def _closing_posted(self, cid: str) -> bool:
        return any(p.get("user_id") == self.bot_user_id and (p.get("props") or {}).get(CLOSING_PROP)
                   for p in self._call(self.client.recent_posts, cid, 200))

    def delete_channel(self, channel: str) -> bool:
        """Deletes the channel and its posts for good; False when the server refuses (it stays archived)."""
        cid = self.channel_id(channel)
        if cid is None:
            return True                             # never opened: nothing to delete
        try:
            self.client.delete_channel_permanently(cid)
        except MattermostError as exc:
            if exc.status == 404:
                return True                         # gone already
            if exc.status in REFUSED:
                return False
            raise _platform_error(exc) from None
        return True

    def find(self, key: str) -> str | None:
        return self._sent.get(key)

    def recover(self, key: str, channel: str | None, member: str | None) -> str | None:
        """Among the latest posts where the message would be, the bot's own with this key in its props."""
        if channel is not None:
            cid = self.channel_id(channel)
            if cid is None:
                return None
        else:
            cid = self._call(self.client.direct_channel, self.bot_user_id, self.user_id(member))["id"]
        for post in self._call(self.client.recent_posts, cid):
            if post.get("user_id") == self.bot_user_id and (post.get("props") or {}).get(KEY_PROP) == key:
                self._sent[key] = post["id"]
                return post["id"]
        return None

    def _props(self, buttons: list[RenderedButton]) -> dict:
        if not buttons:
            return {"attachments": []}
        return {"attachments": [{"actions": [
            {"id": b.action, "type": "button", "name": b.label, "style": b.style,
             "integration": {"url": self.action_url, "context": self.signer.context(b.action, b.value)}}
            for b in buttons]}]}

    # ---- errors -------------------------------------------------------------------------------------
    @staticmethod
    def _call(method, *args):
        try:
            return method(*args)
        except MattermostError as exc:
            raise _platform_error(exc) from None


def _platform_error(exc: MattermostError) -> PlatformError:
    if isinstance(exc, RateLimited):
        return PlatformError("rate_limited", retry_after=exc.retry_after)
    return PlatformError(str(exc), permanent=exc.permanent)
