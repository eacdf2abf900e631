"""A thin, typed client for the Mattermost REST API v4 endpoints the bot needs, over httpx.

Errors become `MattermostError` (with Mattermost's error id and HTTP status); a 429 becomes
`RateLimited` with the seconds to wait (`Retry-After`, else `X-Ratelimit-Reset`); a connection failure
becomes `Unreachable`. Nothing here knows about cases.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

CHANNEL_EXISTS = "store.sql_channel.save_channel.exists.app_error"


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

    def close(self) -> None:
        self.http.close()

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

    def add_members(self, channel_id: str, user_ids: list[str]) -> None:
        for start in range(0, len(user_ids), 1000):   # at most 1000 per call
            batch = user_ids[start:start + 1000]
            self._call("POST", f"/channels/{quote(channel_id)}/members", json={"user_ids": batch})

    def direct_channel(self, user_a: str, user_b: str) -> dict:
        return self._call("POST", "/channels/direct", json=[user_a, user_b])

    def archive_channel(self, channel_id: str) -> None:
        self._call("DELETE", f"/channels/{quote(channel_id)}")

    # ---- posts and dialogs --------------------------------------------------------------------------
    def create_post(self, channel_id: str, message: str, props: dict[str, Any] | None = None) -> dict:
        return self._call("POST", "/posts", json={"channel_id": channel_id, "message": message, "props": props or {}})

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
