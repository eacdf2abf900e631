"""A thin, typed client for the Mattermost REST API v4 endpoints the bot needs, over httpx.

Errors become `MattermostError` (with Mattermost's error id and HTTP status); a 429 becomes
`RateLimited` with the seconds to wait (`Retry-After`, else `X-Ratelimit-Reset`); a connection failure
becomes `Unreachable`. Nothing here knows about cases.

The client remembers the server's version from the `X-Version-Id` header Mattermost puts on every API
response ("9.11.0.9.11.0.<config hash>.<licensed>": the first three parts are the version) and adds channel
members in bulk only where the server takes that.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

CHANNEL_EXISTS = "store.sql_channel.save_channel.exists.app_error"
NOT_A_MEMBER = "app.channel.get_member.missing.app_error"
ALREADY_ARCHIVED = "api.channel.delete_channel.deleted.app_error"
INVALID_BODY = "api.context.invalid_body_param.app_error"

Version = tuple[int, int, int]

# The oldest server the bot runs against at all: the 7.8 Extended Support Release. Everything the bot calls
# is older than that (the newest piece, permanent channel deletion, came in 5.28 according to the API
# reference of DELETE /channels/{channel_id}); servers before 7.8 have been without security fixes for
# years, and a bot that keeps case data of families has no business on them.
MINIMUM_SERVER: Version = (7, 8, 0)
# `POST /channels/{id}/members` with `{"user_ids": [...]}` (mattermost/mattermost PR #25128) shipped in
# 9.11: its changelog's API changes say "Updated AddChannelMember to accept a list of userIds", and a 9.9.1
# server still answered 400 "Invalid or missing user_id" (mattermost/mattermost issue #28210). Older servers
# take one `{"user_id": ...}` per call.
BULK_MEMBERS_SINCE: Version = (9, 11, 0)
MEMBERS_PER_CALL = 1000     # the bulk call's limit
MEMBERS_PER_PAGE = 200      # GET /channels/{id}/members gives at most 200 a page


def parse_version(header: str | None) -> Version | None:
    """The server version in an `X-Version-Id` header, or None when there is none to read."""
    parts = (header or "").split(".")[:3]
    if len(parts) < 3 or not all(p.isdigit() for p in parts):
        return None
    major, minor, patch = (int(p) for p in parts)
    return major, minor, patch


def version_text(version: Version) -> str:
    return ".".join(str(n) for n in version)


class MattermostError(RuntimeError):
    def __init__(self, status: int, error_id: str, message: str):
        super().__init__(f"{status} {error_id}: {message}")
        self.status, self.error_id, self.message = status, error_id, message

    @property
    def permanent(self) -> bool:
        """A 4xx will not get better by trying again (a 429 is a RateLimited)."""
        return 400 <= self.status < 500


class RateLimited(MattermostError):
    def __init__(self, retry_after: float):
        super().__init__(429, "rate_limited", f"try again in {retry_after:g} s")
        self.retry_after = retry_after


class Unreachable(MattermostError):
    def __init__(self, message: str):
        super().__init__(0, "unreachable", message)


class MattermostClient:
    def __init__(self, url: str, token: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0):
        self.http = httpx.Client(base_url=url.rstrip("/") + "/api/v4", transport=transport, timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"})
        self.version: Version | None = None   # from the latest response that named it
        self._bulk_refused = False            # a server without a version header refused a bulk add

    def close(self) -> None:
        self.http.close()

    # ---- the server ---------------------------------------------------------------------------------
    def server_version(self) -> str:
        """The server's version ("9.11.0"), or "" when the server does not say."""
        self._call("GET", "/system/ping")
        return version_text(self.version) if self.version else ""

    @property
    def bulk_members(self) -> bool | None:
        """Whether the server adds several members in one call; None while that is not known."""
        if self._bulk_refused:
            return False
        return None if self.version is None else self.version >= BULK_MEMBERS_SINCE

    # ---- users and teams ----------------------------------------------------------------------------
    def me(self) -> dict:
        return self._call("GET", "/users/me")

    def user(self, user_id: str) -> dict:
        return self._call("GET", f"/users/{quote(user_id)}")

    def user_by_username(self, username: str) -> dict:
        return self._call("GET", f"/users/username/{quote(username)}")

    def user_by_email(self, email: str) -> dict:
        return self._call("GET", f"/users/email/{quote(email)}")

    def team_by_name(self, name: str) -> dict:
        return self._call("GET", f"/teams/name/{quote(name)}")

    def team_member(self, team_id: str, user_id: str) -> dict:
        return self._call("GET", f"/teams/{quote(team_id)}/members/{quote(user_id)}")

    # ---- channels -----------------------------------------------------------------------------------
    def create_private_channel(self, team_id: str, name: str, display_name: str, header: str = "") -> dict:
        return self._call("POST", "/channels", json={"team_id": team_id, "name": name, "display_name": display_name,
                                                      "type": "P", "header": header})

    def channel_by_name(self, team_id: str, name: str) -> dict:
        """Also an archived channel: its name stays taken."""
        return self._call("GET", f"/teams/{quote(team_id)}/channels/name/{quote(name)}",
                          params={"include_deleted": "true"})

    def channel(self, channel_id: str) -> dict:
        return self._call("GET", f"/channels/{quote(channel_id)}")

    def add_members(self, channel_id: str, user_ids: list[str], *, bulk: bool | None = None) -> None:
        """Adds the users (someone already in is fine): in bulk on servers that take it, else one by one.
        `bulk` None: decide by the server's version; unknown, try bulk and fall back when it is refused."""
        bulk = self.bulk_members if bulk is None else bulk
        path = f"/channels/{quote(channel_id)}/members"
        if bulk is not False:
            try:
                for start in range(0, len(user_ids), MEMBERS_PER_CALL):
                    self._call("POST", path, json={"user_ids": user_ids[start:start + MEMBERS_PER_CALL]})
                return
            except MattermostError as exc:
                if bulk or not _bulk_refused(exc):
                    raise
                self._bulk_refused = True
        for user_id in user_ids:
            self._call("POST", path, json={"user_id": user_id})

    def remove_member(self, channel_id: str, user_id: str) -> None:
        self._call("DELETE", f"/channels/{quote(channel_id)}/members/{quote(user_id)}")

    def channel_members(self, channel_id: str) -> list[str]:
        """The user ids of everyone in the channel, all pages."""
        out: list[str] = []
        page = 0
        while True:
            chunk = self._call("GET", f"/channels/{quote(channel_id)}/members",
                               params={"page": str(page), "per_page": str(MEMBERS_PER_PAGE)})
            out += [m["user_id"] for m in chunk]
            if len(chunk) < MEMBERS_PER_PAGE:
                return out
            page += 1

    def direct_channel(self, user_a: str, user_b: str) -> dict:
        return self._call("POST", "/channels/direct", json=[user_a, user_b])

    def archive_channel(self, channel_id: str) -> None:
        self._call("DELETE", f"/channels/{quote(channel_id)}")

    def delete_channel_permanently(self, channel_id: str) -> None:
        """Needs ServiceSettings.EnableAPIChannelDeletion on the server (else 401) and the right to archive."""
        self._call("DELETE", f"/channels/{quote(channel_id)}", params={"permanent": "true"})

    # ---- posts and dialogs --------------------------------------------------------------------------
    def create_post(self, channel_id: str, message: str, props: dict[str, Any] | None = None,
                    file_ids: list[str] | None = None) -> dict:
        body = {"channel_id": channel_id, "message": message, "props": props or {}}
        if file_ids:
            body["file_ids"] = file_ids
        return self._call("POST", "/posts", json=body)

    def upload_file(self, channel_id: str, name: str, content: bytes, mime: str) -> str:
        """A file for a post in this channel (multipart, as `POST /files` takes it); its id."""
        got = self._call("POST", "/files", data={"channel_id": channel_id}, files={"files": (name, content, mime)})
        return got["file_infos"][0]["id"]

    def recent_posts(self, channel_id: str, count: int = 100) -> list[dict]:
        """A channel's latest posts, newest first."""
        page = self._call("GET", f"/channels/{quote(channel_id)}/posts", params={"per_page": str(count)})
        return [page["posts"][post_id] for post_id in page["order"]]

    def patch_post(self, post_id: str, message: str, props: dict[str, Any]) -> dict:
        return self._call("PUT", f"/posts/{quote(post_id)}/patch", json={"message": message, "props": props})

    def open_dialog(self, trigger_id: str, url: str, dialog: dict[str, Any]) -> None:
        self._call("POST", "/actions/dialogs/open", json={"trigger_id": trigger_id, "url": url, "dialog": dialog})

    # ---- the wire -----------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise Unreachable(_unreachable(exc)) from None
        self.version = parse_version(response.headers.get("X-Version-Id")) or self.version
        if response.status_code == 429:
            raise RateLimited(_wait(response.headers))
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            raise MattermostError(response.status_code, str(body.get("id", "unknown")),
                                  str(body.get("message", response.reason_phrase)))
        return response.json() if response.content else None


def _bulk_refused(exc: MattermostError) -> bool:
    """A server before bulk adding reads only `user_id` and says it is missing."""
    return exc.status == 400 and exc.error_id == INVALID_BODY and "user_id" in exc.message


def _unreachable(exc: httpx.HTTPError) -> str:
    """Why the server could not be reached, in Dutch for the administrator, with the technical cause after it."""
    if isinstance(exc, httpx.TimeoutException):
        why = "geen antwoord binnen de wachttijd"
    elif isinstance(exc, httpx.ConnectError):
        why = "geen verbinding: controleer het adres, de poort en of de server draait"
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        why = "het adres is geen geldige http(s)-URL"
    else:
        why = "de verbinding brak af"
    return f"{why}; technisch: {type(exc).__name__}: {exc}"


def _wait(headers: httpx.Headers) -> float:
    for name in ("Retry-After", "X-Ratelimit-Reset"):
        try:
            return max(float(headers[name]), 0.0)
        except (KeyError, ValueError):
            continue
    return 1.0
