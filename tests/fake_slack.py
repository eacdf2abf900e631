"""A stateful fake of the Slack Web API for tests: point `slack_sdk.WebClient(base_url=fake.base_url)` at it.

Rules come from Slack's per-method reference, kept in the repository as `tests/specs/slack-methods/*.json` (bot
scopes, required arguments, documented errors), and from the limits Slack documents for Block Kit blocks and modals.
The fake takes every method by GET or POST, as Slack takes these methods, whatever `http_method` a file names.
The fake answers only errors the method's spec documents, or one of Slack's common errors (`COMMON_ERRORS`);
anything else is a bug in the fake and shows up in `fake.server_errors` (and as HTTP 500).

    with FakeSlack() as fake:
        client = WebClient(token=fake.token, base_url=fake.base_url)
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import json
import mimetypes
import re
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.loopback import Loopback

SPEC_DIR = Path(__file__).resolve().parent / "specs" / "slack-methods"

# Slack's "common errors", which any method may answer; the per-method specs list only the method's own.
COMMON_ERRORS = frozenset({"not_authed", "invalid_auth", "missing_scope", "invalid_arguments", "invalid_json",
                           "json_not_object", "ratelimited", "internal_error"})
# A missing required argument is answered with the method's own error for it, if the spec documents one.
MISSING_ARG_ERRORS = {"name": "invalid_name_required", "users": "no_user", "channel": "channel_not_found",
                      "user": "user_not_found", "email": "users_not_found", "ts": "message_not_found",
                      "length": "missing_argument"}
BLOCK_TYPES = frozenset({"actions", "context", "context_actions", "divider", "file", "header", "image", "input",
                         "markdown", "rich_text", "section", "table", "video"})
TRIGGER_FORMAT = re.compile(r"\d+\.\d+\.[0-9a-f]+")
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
TIMESTAMP = re.compile(r"\d+(\.\d+)?")  # a message ts ("1512085950.000216") or whole Unix seconds
# conversations.list `types` -> the scope prefix (Channel.kind) of that type of conversation
LIST_TYPES = {"public_channel": "channels", "private_channel": "groups", "mpim": "mpim", "im": "im"}
# files.completeUploadExternal takes a conversation id only (no user id, no name): Slack's own pattern for it
SHARE_CHANNEL_ID = re.compile(r"[CGDZ][A-Z0-9]{8,}")


class SlackError(Exception):
    def __init__(self, error: str, **extra: Any):
        super().__init__(error)
        self.error, self.extra = error, extra


def fail_if(condition: Any, error: str, **extra: Any) -> None:
    if condition:
        raise SlackError(error, **extra)


def _invalid(*messages: str) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": list(messages)})


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _int(value: Any, default: int) -> int | None:
    """An integer argument; the default when left out or empty, None when it is not an integer."""
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cursor(raw: Any, prefix: str) -> str | None:
    """What a cursor of ours (base64 of `prefix` + value) points at; None without a cursor."""
    if raw in (None, ""):
        return None
    try:
        decoded = base64.b64decode(str(raw), validate=True).decode()
    except ValueError:
        raise SlackError("invalid_cursor") from None
    fail_if(not decoded.startswith(prefix) or not decoded[len(prefix):], "invalid_cursor")
    return decoded[len(prefix):]


def _make_cursor(prefix: str, value: str) -> str:
    return base64.b64encode(f"{prefix}{value}".encode()).decode()


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [u.strip() for u in items if u and u.strip()]


class _Check:
    """Collects Block Kit problems as Slack words them: `[ERROR] ... [json-pointer:/blocks/0/text]`."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, ptr: str, message: str) -> None:
        self.problems.append(f"[ERROR] {message} [json-pointer:{ptr}]")

    def fail_if(self, condition: Any, ptr: str, message: str) -> None:
        if condition:
            self.fail(ptr, message)

    def length(self, value: Any, ptr: str, max_len: int) -> None:
        if value is not None and (not isinstance(value, str) or len(value) > max_len):
            self.fail(ptr, f"must be a string of at most {max_len} characters")

    def text(self, obj: Any, ptr: str, max_len: int, *, plain: bool = False, required: bool = True) -> None:
        if obj is None:
            self.fail_if(required, ptr, "missing required field")
            return
        allowed = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if not isinstance(obj, dict) or obj.get("type") not in allowed:
            self.fail(ptr, f"must be a text object of type {' or '.join(allowed)}")
        elif not isinstance(obj.get("text"), str) or not obj["text"]:
            self.fail(f"{ptr}/text", "must be more than 0 characters")
        elif len(obj["text"]) > max_len:
            self.fail(f"{ptr}/text", f"must be less than {max_len + 1} characters")

    def element(self, e: Any, ptr: str, action_ids: set[str]) -> None:
        if not isinstance(e, dict) or not isinstance(e.get("type"), str):
            self.fail(ptr, "must be an element object with a type")
            return
        action_id = e.get("action_id")
        if action_id is not None:
            self.length(action_id, f"{ptr}/action_id", 255)
            self.fail_if(action_id in action_ids, f"{ptr}/action_id", "action_id must be unique within its block")
            action_ids.add(action_id)
        self.text(e.get("placeholder"), f"{ptr}/placeholder", 150, plain=True, required=False)
        if e["type"] == "button":
            self.text(e.get("text"), f"{ptr}/text", 75, plain=True)
            self.length(e.get("value"), f"{ptr}/value", 2000)
            self.length(e.get("url"), f"{ptr}/url", 3000)
            self.fail_if(e.get("style") not in (None, "primary", "danger"), f"{ptr}/style", "must be primary or danger")
        if isinstance(e.get("options"), list) and len(e["options"]) > 100:
            self.fail(f"{ptr}/options", "no more than 100 items allowed")

    def elements(self, block: dict, ptr: str, max_items: int) -> list:
        items = block.get("elements")
        if not isinstance(items, list) or not items:
            self.fail(f"{ptr}/elements", "must provide at least 1 item")
            return []
        self.fail_if(len(items) > max_items, f"{ptr}/elements", f"no more than {max_items} items allowed")
        return items

    def blocks(self, blocks: Any, max_blocks: int, ptr: str = "/blocks") -> None:
        if not isinstance(blocks, list):
            self.fail(ptr, "must be an array")
            return
        self.fail_if(len(blocks) > max_blocks, ptr, f"no more than {max_blocks} items allowed")
        block_ids: set[str] = set()
        for i, b in enumerate(blocks):
            p = f"{ptr}/{i}"
            if not isinstance(b, dict) or b.get("type") not in BLOCK_TYPES:
                self.fail(f"{p}/type", "must be a known block type")
                continue
            if (block_id := b.get("block_id")) is not None:
                self.length(block_id, f"{p}/block_id", 255)
                if block_id in block_ids:
                    self.fail(f"{p}/block_id", "block_id must be unique within the message or view")
                block_ids.add(block_id)
            self._block(b, p)

    def _block(self, b: dict, p: str) -> None:
        kind = b["type"]
        if kind == "section":
            self.fail_if("text" not in b and "fields" not in b, p, "must provide text or fields")
            self.text(b.get("text"), f"{p}/text", 3000, required=False)
            fields = b.get("fields") or []
            self.fail_if(len(fields) > 10, f"{p}/fields", "no more than 10 items allowed")
            for j, f in enumerate(fields):
                self.text(f, f"{p}/fields/{j}", 2000)
            if "accessory" in b:
                self.element(b["accessory"], f"{p}/accessory", set())
        elif kind == "header":
            self.text(b.get("text"), f"{p}/text", 150, plain=True)
        elif kind == "actions":
            action_ids: set[str] = set()
            for j, e in enumerate(self.elements(b, p, 25)):
                self.element(e, f"{p}/elements/{j}", action_ids)
        elif kind == "context":
            for j, e in enumerate(self.elements(b, p, 10)):
                if not isinstance(e, dict) or e.get("type") not in ("plain_text", "mrkdwn", "image"):
                    self.fail(f"{p}/elements/{j}", "must be a text object or an image element")
                elif e["type"] != "image":
                    self.text(e, f"{p}/elements/{j}", 3000)
        elif kind == "input":
            self.text(b.get("label"), f"{p}/label", 2000, plain=True)
            self.text(b.get("hint"), f"{p}/hint", 2000, plain=True, required=False)
            self.element(b.get("element"), f"{p}/element", set())
        elif kind == "image":
            self.fail_if(not b.get("image_url") and not b.get("slack_file"), p, "must provide image_url or slack_file")
            self.length(b.get("image_url"), f"{p}/image_url", 3000)
            if not isinstance(b.get("alt_text"), str) or not 0 < len(b["alt_text"]) <= 2000:
                self.fail(f"{p}/alt_text", "must be 1 to 2000 characters")


def block_problems(blocks: Any, max_blocks: int = 50) -> list[str]:
    check = _Check()
    check.blocks(blocks, max_blocks)
    return check.problems


def view_problems(view: Any) -> list[str]:
    check = _Check()
    if not isinstance(view, dict):
        return ["[ERROR] must be a view object [json-pointer:/view]"]
    if view.get("type") not in ("modal", "home"):
        check.fail("/view/type", "must be modal or home")
    if view.get("type") == "modal":
        check.text(view.get("title"), "/view/title", 24, plain=True)
        for button in ("submit", "close"):
            check.text(view.get(button), f"/view/{button}", 24, plain=True, required=False)
    elif any(key in view for key in ("title", "submit", "close")):
        check.fail("/view", "a home view has no title, submit or close")
    check.blocks(view.get("blocks"), 100, "/view/blocks")
    blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
    if view.get("submit") is None and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
        check.fail("/view/submit", "submit is required when the view has input blocks")
    check.length(view.get("private_metadata"), "/view/private_metadata", 3000)
    check.length(view.get("callback_id"), "/view/callback_id", 255)
    check.length(view.get("external_id"), "/view/external_id", 255)
    return check.problems


@dataclass
class Token:
    user: str
    scopes: frozenset[str]
    is_bot: bool


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    time: float
    token: str | None
    status: int = 0
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    creator: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    members: list[str] = field(default_factory=list)
    topic: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    user: str | None = None  # the other party of an IM

    @property
    def kind(self) -> str:  # the scope prefix for this type of conversation
        return "im" if self.is_im else "mpim" if self.is_mpim else "groups" if self.is_private else "channels"

    def visible_to(self, user: str) -> bool:
        return self.kind == "channels" or user in self.members

    def to_api(self, viewer: str, num_members: bool = False) -> dict[str, Any]:
        if self.is_im:
            return {"id": self.id, "created": self.created, "is_im": True, "is_org_shared": False,
                    "user": self.user, "is_open": True, "is_archived": self.is_archived}
        out = {"id": self.id, "name": self.name, "name_normalized": self.name, "is_channel": not self.is_mpim,
               "is_group": False, "is_im": False, "is_mpim": self.is_mpim, "is_private": self.is_private,
               "is_archived": self.is_archived, "is_general": False, "is_shared": False, "is_ext_shared": False,
               "is_org_shared": False, "created": self.created, "creator": self.creator,
               "is_member": viewer in self.members, "topic": dict(self.topic),
               "purpose": {"value": "", "creator": "", "last_set": 0}}
        if num_members:
            out["num_members"] = len(self.members)
        return out


class FakeSlack:
    def __init__(self, *, token: str = "xoxb-fake-bot-token", scopes: set[str] | None = None,
                 trigger_ttl: float = 3.0, team_id: str = "T0FAKE0001", bot_user_id: str = "U0FAKEBOT1",
                 bot_id: str = "B0FAKEBOT1", app_id: str = "A0FAKEAPP1", bot_name: str = "triagebot",
                 spec_dir: Path = SPEC_DIR):
        self.specs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(spec_dir.glob("*.json"))}
        if not self.specs:
            raise FileNotFoundError(f"no Slack method specs in {spec_dir}")
        if scopes is None:  # by default the bot has every bot scope any specced method asks for
            scopes = {s for spec in self.specs.values() for s in spec["scope"].get("bot", [])}
        self.token, self.trigger_ttl, self.team_id = token, trigger_ttl, team_id
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.tokens: dict[str, Token] = {token: Token(bot_user_id, frozenset(scopes), True)}
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> messages, oldest first
        self.ephemeral: list[dict[str, Any]] = []
        # a command's or a click's response_url: id -> {user, channel, at, uses}; Slack takes up to 5 posts to
        # it within 30 minutes
        self.responses: dict[str, dict[str, Any]] = {}
        self.response_url_ttl = 30 * 60.0
        self.views: dict[str, dict[str, Any]] = {}
        self.home_tab_enabled = True                     # the app's manifest has features.app_home
        self.homes: dict[str, dict[str, Any]] = {}       # user id -> the view published on their Home tab
        self.home_history: list[tuple[str, dict[str, Any]]] = []    # every views.publish that took effect
        self.triggers: dict[str, dict[str, Any]] = {}  # trigger id -> {"expires": monotonic, "used": bool}
        # the external file upload: file id -> {id, name, title, length, user, content, completed, ...}, and the
        # secret of each upload_url not yet used -> its file id
        self.files: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, str] = {}
        self.calls: list[Call] = []
        self.server_errors: list[str] = []  # exceptions inside the fake; a test fixture should assert it empty
        self._dms: dict[frozenset[str], str] = {}
        self._rate_limits: dict[str, list[int]] = {}  # method -> [calls left to refuse, retry_after]
        self._after: dict[str, list[Callable[[Call], None]]] = {}  # method -> hooks after it took effect
        self._seq, self._last_us = 0, 0
        self._lock = threading.RLock()
        self._loopback: Loopback | None = None
        self.add_user(bot_user_id, None, bot_name, is_bot=True)

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._loopback = Loopback(_Handler, self, "fake-slack")
        return self

    def stop(self) -> None:
        if self._loopback is not None:
            self._loopback.stop()
            self._loopback = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._loopback is not None, "FakeSlack is not started"
        return self._loopback.url + "/api/"

    # -- test helpers -----------------------------------------------------------------------------------
    def add_user(self, user_id: str, email: str | None, name: str, *, real_name: str | None = None,
                 is_bot: bool = False, deleted: bool = False) -> dict[str, Any]:
        with self._lock:
            profile = {"real_name": real_name or name, "display_name": name, "email": email}
            self.users[user_id] = {"id": user_id, "team_id": self.team_id, "name": name, "deleted": deleted,
                                   "real_name": real_name or name, "is_bot": is_bot, "is_app_user": False,
                                   "profile": {k: v for k, v in profile.items() if v is not None}}
            return self.users[user_id]

    def add_token(self, token: str, scopes: set[str], *, user: str | None = None) -> str:
        """Another token for the bot user (or, given `user`, a user token) with exactly these scopes."""
        with self._lock:
            self.tokens[token] = Token(user or self.bot_user_id, frozenset(scopes), user is None)
            return token

    def add_channel(self, name: str, *, is_private: bool = False, members: tuple[str, ...] = (),
                    archived: bool = False, creator: str = "U0ADMIN001") -> str:
        """A channel made by someone else; the bot is a member only if listed."""
        with self._lock:
            ch = Channel(self._new_id("C"), name, is_private=is_private, is_archived=archived, creator=creator,
                         members=list(members))
            self.channels[ch.id] = ch
            return ch.id

    def post_as_user(self, channel: str, user: str, text: str) -> str:
        """A message a person wrote (the bot may not edit it); returns its ts."""
        with self._lock:
            msg = {"type": "message", "ts": self._new_ts(), "user": user, "text": text}
            self.messages.setdefault(channel, []).append(msg)
            return msg["ts"]

    def new_trigger_id(self, ttl: float | None = None) -> str:
        with self._lock:
            trigger = f"{self._next()}.{int(time.time())}.{secrets.token_hex(8)}"
            self.triggers[trigger] = {"expires": time.monotonic() + (self.trigger_ttl if ttl is None else ttl),
                                      "used": False}
            return trigger

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` authenticated calls to `method` answer HTTP 429 with `Retry-After`."""
        with self._lock:
            self._rate_limits[method] = [times, retry_after]

    def after(self, method: str, hook: Callable[[Call], None]) -> None:
        """Run `hook` after a call to `method` took effect and before its answer goes out: a test's way to
        stop the caller between Slack's accepting something and the caller's hearing of it."""
        with self._lock:
            self._after.setdefault(method, []).append(hook)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        return self.messages.get(channel, [])

    def channel_named(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def file_content(self, file_id: str) -> bytes:
        """The bytes posted to a file's upload_url (b"" before any were)."""
        with self._lock:
            return self.files[file_id]["content"] or b""

    def files_in(self, channel: str) -> list[dict[str, Any]]:
        """The files shared in a channel, in the order of their messages, each with its `content` bytes."""
        with self._lock:
            return [{**f, "content": self.file_content(f["id"])}
                    for m in self.messages_in(channel) for f in m.get("files", [])]

    # -- HTTP -------------------------------------------------------------------------------------------
    # -- response_url -----------------------------------------------------------------------------------
    def new_response_url(self, user: str, channel: str) -> str:
        """The response_url Slack puts in a slash command's or a click's request."""
        assert self._loopback is not None, "FakeSlack is not started"
        with self._lock:
            hook = f"R{self._next():09d}"
            self.responses[hook] = {"user": user, "channel": channel, "at": time.monotonic(), "uses": 0}
        return f"{self._loopback.url}/respond/{hook}"

    def responded(self, url: str) -> list[str]:
        """The texts posted (ephemerally) to a response_url so far."""
        hook = url.rsplit("/", 1)[-1]
        with self._lock:
            return [e["text"] for e in self.ephemeral if e.get("response_url") == hook]

    def _respond(self, hook_id: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], dict]:
        """A post to a response_url: JSON (`text`, `response_type`), ephemeral unless said otherwise."""
        with self._lock:
            hook = self.responses.get(hook_id)
            if hook is None or time.monotonic() - hook["at"] > self.response_url_ttl:
                return 404, {}, {"ok": False, "error": "expired_url"}
            if hook["uses"] >= 5:
                return 404, {}, {"ok": False, "error": "used_url"}
            if (headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
                return 400, {}, {"ok": False, "error": "invalid_payload"}
            try:
                data = json.loads(body)
            except ValueError:
                return 400, {}, {"ok": False, "error": "invalid_payload"}
            if not isinstance(data, dict) or not (data.get("text") or data.get("blocks")):
                return 400, {}, {"ok": False, "error": "no_text"}
            hook["uses"] += 1
            if data.get("response_type") == "in_channel":
                self.messages.setdefault(hook["channel"], []).append(
                    {"type": "message", "user": hook["user"], "text": data.get("text", ""), "ts": self._new_ts()})
            else:
                self.ephemeral.append({"channel": hook["channel"], "user": hook["user"], "text": data.get("text", ""),
                                       "blocks": data.get("blocks"), "message_ts": self._new_ts(), "thread_ts": None,
                                       "response_url": hook_id})
            return 200, {}, {"ok": True}

    # -- upload_url ---------------------------------------------------------------------------------------
    def _upload(self, secret: str, verb: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], str]:
        """Step 2 of the external upload: the file's bytes POSTed to the upload_url of files.getUploadURLExternal,
        raw or as multipart/form-data with one file. Slack's upload service answers in plain text, "OK - <bytes
        received>", whether or not that is the `length` promised: a mismatch shows at files.completeUploadExternal.
        Each upload_url takes one upload; another POST to it is a 404."""
        with self._lock:
            file_id = self._uploads.get(secret)
            if file_id is None:
                return 404, {}, "Not Found"
            if verb != "POST":
                return 405, {"Allow": "POST"}, "Method Not Allowed"
            content = _upload_content(headers, body)
            if content is None:
                return 400, {}, "Bad Request: a multipart upload holds exactly one file"
            del self._uploads[secret]
            self.files[file_id]["content"] = content
            return 200, {}, f"OK - {len(content)}"

    def handle(self, path: str, query: str, headers: Any, body: bytes,
               verb: str = "POST") -> tuple[int, dict[str, str], dict | str]:
        if path.startswith("/respond/"):
            return self._respond(path.removeprefix("/respond/"), headers, body)
        if path.startswith("/upload/v1/"):
            return self._upload(path.removeprefix("/upload/v1/"), verb, headers, body)
        method = path.removeprefix("/api/")
        args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body_error, payload = None, None
        if body and content_type == "application/json":
            try:
                payload = json.loads(body)
                body_error = None if isinstance(payload, dict) else "json_not_object"
            except ValueError:
                body_error = "invalid_json"
        elif body and content_type in ("", "application/x-www-form-urlencoded"):
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif body:
            raise NotImplementedError(f"FakeSlack does not read {content_type} bodies")
        form_token = args.pop("token", None)
        spec = self.specs.get(method)
        if isinstance(payload, dict) and spec and spec.get("json_input_supported"):  # else Slack ignores it
            args.update({k: v for k, v in payload.items() if k != "token"})  # never a token in a JSON body
        auth = headers.get("Authorization") or ""
        token = auth[len("Bearer "):].strip() if auth.startswith("Bearer ") else form_token
        with self._lock:
            call = Call(method, dict(args), time.time(), token)
            self.calls.append(call)
            call.status, extra_headers, call.response = self._answer(method, spec, token, args, body_error)
            if call.response.get("ok"):
                for hook in self._after.get(method, []):
                    hook(call)
            return call.status, extra_headers, call.response

    def _answer(self, method: str, spec: dict | None, token: str | None, args: dict[str, Any],
                body_error: str | None) -> tuple[int, dict[str, str], dict]:
        if spec is None:
            return 200, {}, {"ok": False, "error": "unknown_method", "req_method": method}
        try:
            fail_if(body_error, body_error)
            grant = self._authorize(spec, token)
            if (limit := self._rate_limits.get(method)) and limit[0] > 0:
                limit[0] -= 1
                return 429, {"Retry-After": str(limit[1])}, {"ok": False, "error": "ratelimited"}
            for name in spec["args"].get("required", []):
                value = args.get(name)  # an empty topic clears the topic
                if name != "token" and (value is None or (value in ("", []) and name != "topic")):
                    specific = MISSING_ARG_ERRORS.get(name)
                    fail_if(specific in spec["errors"], specific)
                    raise _invalid(f"[ERROR] missing required field: {name}")
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                raise NotImplementedError(f"FakeSlack does not implement {method}")
            return 200, {}, {"ok": True, **handler(grant, args, spec)}
        except SlackError as e:  # anything else reaches _Handler: HTTP 500 and fake.server_errors
            if e.error not in spec["errors"] and e.error not in COMMON_ERRORS:
                raise AssertionError(f"{method} answered undocumented error {e.error!r}") from e
            return 200, {}, {"ok": False, "error": e.error, **e.extra}

    def _authorize(self, spec: dict, token: str | None) -> Token:
        fail_if(not token, "not_authed")
        fail_if((grant := self.tokens.get(token)) is None, "invalid_auth")
        if not spec.get("no_scope_required"):
            self._need_scope(grant, spec, None)
        return grant

    def _need_scope(self, grant: Token, spec: dict, kind: str | None) -> None:
        """One of the method's bot scopes; with `kind`, one for that type of conversation (groups:* for private)."""
        wanted = [s for s in spec["scope"].get("bot", []) if kind is None or s.split(":")[0] == kind]
        if wanted and not grant.scopes & set(wanted):
            raise SlackError("missing_scope", needed=",".join(wanted), provided=",".join(sorted(grant.scopes)))

    # -- state helpers ----------------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{self._next():08X}"

    def _new_ts(self) -> str:
        self._last_us = max(int(time.time() * 1_000_000), self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def _channel(self, grant: Token, ref: str, spec: dict, *, scope: bool = True) -> Channel:
        ch = self.channels.get(ref)
        fail_if(ch is None or not ch.visible_to(grant.user), "channel_not_found")
        if scope:
            self._need_scope(grant, spec, ch.kind)
        return ch

    @staticmethod
    def _ts_arg(raw: Any, error: str) -> Decimal | None:
        """A timestamp argument (`oldest`, `latest`): None when left out, `error` when it is not a timestamp."""
        if raw in (None, ""):
            return None
        fail_if(not TIMESTAMP.fullmatch(str(raw).strip()), error)
        return Decimal(str(raw).strip())

    def _conversation(self, grant: Token, ref: str, spec: dict) -> Channel:
        """A channel (not a DM) the caller can see, with the scope for its type."""
        ch = self._channel(grant, ref, spec)
        fail_if(ch.is_im or ch.is_mpim, "method_not_supported_for_channel_type")
        return ch

    def _dm(self, user: str, others: list[str]) -> tuple[Channel, bool]:
        key = frozenset([user, *others])
        if key in self._dms:
            return self.channels[self._dms[key]], False
        if len(key) <= 2:
            other = others[0] if others else user
            ch = Channel(self._new_id("D"), other, is_im=True, user=other, creator=user, members=sorted(key))
        else:
            ch = Channel(self._new_id("C"), "mpdm-" + "--".join(sorted(key)), is_mpim=True, is_private=True,
                         creator=user, members=sorted(key))
        self.channels[ch.id], self._dms[key] = ch, ch.id
        return ch, True

    def _postable(self, grant: Token, ref: str) -> Channel:
        if ref in self.users and ref not in self.channels:  # posting to a user id means the app's DM
            return self._dm(grant.user, [ref])[0]
        ch = self.channels.get(ref) or self.channel_named(ref.removeprefix("#"))
        fail_if(ch is None or not ch.visible_to(grant.user), "channel_not_found")
        fail_if(ch.is_archived, "is_archived")
        fail_if(grant.user not in ch.members and "chat:write.public" not in grant.scopes, "not_in_channel")
        return ch

    def _content(self, args: dict[str, Any], *, require: bool = True) -> tuple[Any, Any]:
        text, blocks, markdown = args.get("text"), args.get("blocks"), args.get("markdown_text")
        fail_if(markdown and (text or blocks), "markdown_text_conflict")
        if isinstance(blocks, str) and blocks:
            try:
                blocks = json.loads(blocks)
            except ValueError:
                raise SlackError("invalid_blocks_format") from None
        fail_if(blocks is not None and not isinstance(blocks, list), "invalid_blocks_format")
        if blocks and (problems := block_problems(blocks, 50)):
            raise SlackError("invalid_blocks", response_metadata={"messages": problems})
        fail_if(require and not (text or blocks or markdown or args.get("attachments")), "no_text")
        return text if text is not None else markdown, blocks

    @staticmethod
    def _metadata(raw: Any) -> dict[str, Any] | None:
        if raw in (None, ""):
            return None
        try:
            meta = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise SlackError("invalid_metadata_format") from None
        fail_if(not isinstance(meta, dict), "invalid_metadata_format")
        if meta and not ((isinstance(meta.get("event_type"), str) and isinstance(meta.get("event_payload"), dict))
                         or isinstance(meta.get("entities"), list)):
            raise SlackError("invalid_metadata_schema")
        return meta

    def _view(self, raw: Any, view_id: str | None) -> dict[str, Any]:
        try:
            view = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise _invalid("[ERROR] view must be a JSON object [json-pointer:/view]") from None
        fail_if(len(json.dumps(view)) > 250_000, "view_too_large")
        if problems := view_problems(view):
            raise _invalid(*problems)
        external_id = view.get("external_id")
        if external_id and any(v["external_id"] == external_id and v["id"] != view_id for v in self.views.values()):
            raise SlackError("duplicate_external_id")
        view_id = view_id or self._new_id("V")
        return {"id": view_id, "team_id": self.team_id, "type": view["type"], "title": view.get("title"),
                "blocks": view["blocks"], "close": view.get("close"), "submit": view.get("submit"),
                "private_metadata": view.get("private_metadata", ""), "callback_id": view.get("callback_id", ""),
                "external_id": external_id or "", "state": {"values": {}},
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}", "clear_on_close": False,
                "notify_on_close": _flag(view.get("notify_on_close")), "root_view_id": view_id,
                "previous_view_id": None, "app_id": self.app_id, "bot_id": self.bot_id}

    # -- methods (each gets the token's grant, the arguments and the method's spec) ------------------------
    def _m_auth_test(self, grant: Token, a: dict, spec: dict) -> dict:
        out = {"url": "https://fake.slack.com/", "team": "Fake workspace", "user": self.users[grant.user]["name"]
               if grant.user in self.users else grant.user, "team_id": self.team_id, "user_id": grant.user,
               "is_enterprise_install": False}
        return {**out, "bot_id": self.bot_id, "app_id": self.app_id} if grant.is_bot else out

    def _m_conversations_create(self, grant: Token, a: dict, spec: dict) -> dict:
        name, private = str(a["name"]), _flag(a.get("is_private"))
        self._need_scope(grant, spec, "groups" if private else "channels")
        fail_if(len(name) > 80, "invalid_name_maxlength")
        fail_if(not name.strip("-_"), "invalid_name_punctuation")
        fail_if(not CHANNEL_NAME.fullmatch(name), "invalid_name_specials")
        if self.channel_named(name) is not None:  # archived channels keep their name
            raise SlackError("name_taken")
        ch = Channel(self._new_id("C"), name, is_private=private, creator=grant.user, members=[grant.user])
        self.channels[ch.id] = ch
        return {"channel": ch.to_api(grant.user)}

    def _m_conversations_invite(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._conversation(grant, a["channel"], spec)
        users = _ids(a["users"])
        fail_if(not users, "no_user")
        if len(users) > 100:
            raise _invalid("[ERROR] no more than 100 users may be invited at once [json-pointer:/users]")
        fail_if(ch.is_archived, "is_archived")
        fail_if(grant.user not in ch.members, "not_in_channel")
        errors = []
        for user in users:
            error = ("cant_invite_self" if user == grant.user else "user_not_found" if user not in self.users
                     else "already_in_channel" if user in ch.members else None)
            if error:
                errors.append({"user": user, "ok": False, "error": error})
        valid = [u for u in dict.fromkeys(users) if u not in {e["user"] for e in errors}]
        if errors and (not _flag(a.get("force")) or not valid):
            raise SlackError(errors[0]["error"], errors=errors)
        ch.members.extend(valid)
        return {"channel": ch.to_api(grant.user), **({"errors": errors} if errors else {})}

    def _m_conversations_kick(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._conversation(grant, a["channel"], spec)
        user = a.get("user")
        fail_if(not user or user not in self.users, "user_not_found")
        fail_if(user == grant.user, "cant_kick_self")
        fail_if(user not in ch.members, "not_in_channel")
        ch.members.remove(user)
        return {"errors": {}}

    def _m_conversations_setTopic(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._channel(grant, a["channel"], spec)
        fail_if(ch.is_archived, "is_archived")
        fail_if(grant.user not in ch.members, "not_in_channel")
        fail_if(len(a["topic"]) > 250, "too_long")
        ch.topic = {"value": a["topic"], "creator": grant.user, "last_set": int(time.time())}
        return {"channel": ch.to_api(grant.user)}

    def _m_conversations_archive(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._conversation(grant, a["channel"], spec)
        fail_if(ch.is_archived, "already_archived")
        fail_if(grant.user not in ch.members, "not_in_channel")
        ch.is_archived = True
        return {}

    def _m_conversations_info(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._channel(grant, a["channel"], spec)
        return {"channel": ch.to_api(grant.user, _flag(a.get("include_num_members")))}

    def _m_conversations_members(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._channel(grant, a["channel"], spec)
        try:
            limit = int(a.get("limit") or 100)
        except ValueError:
            raise SlackError("invalid_limit") from None
        fail_if(not 1 <= limit <= 1000, "invalid_limit")
        try:
            start = int(base64.b64decode(a["cursor"]).decode().removeprefix("offset:")) if a.get("cursor") else 0
        except ValueError:
            raise SlackError("invalid_cursor") from None
        fail_if(not 0 <= start <= len(ch.members), "invalid_cursor")
        end = start + limit
        cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(ch.members) else ""
        return {"members": ch.members[start:end], "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_history(self, grant: Token, a: dict, spec: dict) -> dict:
        """Only conversations the caller is in; newest first; parent messages only (replies are in threads)."""
        ch = self._channel(grant, a["channel"], spec)  # needs the *:history scope of the conversation's type
        fail_if(grant.user not in ch.members, "not_in_channel")
        limit = _int(a.get("limit"), 100)
        if limit is None:
            raise _invalid("[ERROR] limit must be an integer [json-pointer:/limit]")
        limit = 100 if limit < 1 else min(limit, 999)  # "maximum of 999"; no invalid_limit is documented
        oldest = self._ts_arg(a.get("oldest"), "invalid_ts_oldest")
        latest = self._ts_arg(a.get("latest"), "invalid_ts_latest")
        inclusive = _flag(a.get("inclusive"))
        low, high = oldest if oldest is not None else Decimal(0), latest

        def in_range(ts: Decimal) -> bool:
            above = ts >= low if inclusive else ts > low
            below = high is None or (ts <= high if inclusive else ts < high)
            return above and below

        stored = self.messages.get(ch.id, [])
        parents = [m for m in stored if m.get("thread_ts") in (None, m["ts"])]
        matching = sorted((m for m in parents if in_range(Decimal(m["ts"]))), key=lambda m: Decimal(m["ts"]),
                          reverse=True)
        if (start := _cursor(a.get("cursor"), "next_ts:")) is not None:
            fail_if(not start.isdigit() or len(start) < 7, "invalid_cursor")
            start_ts = Decimal(f"{start[:-6]}.{start[-6:]}")
            matching = [m for m in matching if Decimal(m["ts"]) <= start_ts]
        page, rest = matching[:limit], matching[limit:]
        with_metadata = _flag(a.get("include_all_metadata"))
        messages = []
        for m in page:
            out = copy.deepcopy({k: v for k, v in m.items() if k != "metadata" or with_metadata})
            replies = [r for r in stored if r.get("thread_ts") == m["ts"] and r["ts"] != m["ts"]]
            if replies:
                users = sorted({r["user"] for r in replies if r.get("user")})
                out.update({"thread_ts": m["ts"], "reply_count": len(replies), "reply_users": users,
                            "reply_users_count": len(users), "latest_reply": max(r["ts"] for r in replies)})
            messages.append(out)
        answer: dict[str, Any] = {"messages": messages, "has_more": bool(rest), "pin_count": 0}
        if rest:
            answer["response_metadata"] = {"next_cursor": _make_cursor("next_ts:", rest[0]["ts"].replace(".", ""))}
        return answer

    def _m_conversations_list(self, grant: Token, a: dict, spec: dict) -> dict:
        """The conversations the caller can see: every public channel, the private ones and DMs it is in.

        As Slack documents, filters (`exclude_archived`) apply after a page of `limit` conversations is taken,
        so a page may hold fewer than `limit` (even none) while a `next_cursor` follows."""
        types = _ids(a.get("types")) or ["public_channel"]
        fail_if(any(t not in LIST_TYPES for t in types), "invalid_types")
        for kind in dict.fromkeys(LIST_TYPES[t] for t in types):  # channels:read, groups:read, ... per type asked
            self._need_scope(grant, spec, kind)
        limit = _int(a.get("limit"), 100)
        fail_if(limit is None or not 1 <= limit <= 1000, "invalid_limit")
        kinds = {LIST_TYPES[t] for t in types}
        visible = sorted((c for c in self.channels.values() if c.kind in kinds and c.visible_to(grant.user)),
                         key=lambda c: c.id)
        if (start := _cursor(a.get("cursor"), "team:")) is not None:
            visible = [c for c in visible if c.id >= start]
        page, rest = visible[:limit], visible[limit:]
        if _flag(a.get("exclude_archived")):
            page = [c for c in page if not c.is_archived]
        channels = [c.to_api(grant.user, num_members=not c.is_im) for c in page]
        return {"channels": channels, "response_metadata": {"next_cursor": _make_cursor("team:", rest[0].id)
                                                            if rest else ""}}

    def _m_conversations_open(self, grant: Token, a: dict, spec: dict) -> dict:
        if a.get("channel"):
            ch, created = self._channel(grant, a["channel"], spec, scope=False), False
            fail_if(not (ch.is_im or ch.is_mpim), "method_not_supported_for_channel_type")
            self._need_scope(grant, spec, ch.kind)
        else:
            users = _ids(a.get("users"))
            fail_if(not users, "users_list_not_supplied")
            fail_if(len(users) > 8, "too_many_users")
            fail_if(any(u not in self.users for u in users), "user_not_found")
            others = [u for u in users if u != grant.user]
            self._need_scope(grant, spec, "mpim" if len(set(others)) > 1 else "im")
            ch, created = self._dm(grant.user, others)
        full = _flag(a.get("return_im"))
        out = {"channel": ch.to_api(grant.user) if full else {"id": ch.id}}
        return out if created else {"no_op": True, "already_open": True, **out}

    def _m_chat_postMessage(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._postable(grant, a["channel"])
        text, blocks = self._content(a)
        msg = {"type": "message", "ts": self._new_ts(), "user": grant.user, "text": text or "",
               "team": self.team_id, **({"bot_id": self.bot_id, "app_id": self.app_id} if grant.is_bot else {})}
        if blocks:
            msg["blocks"] = blocks
        if (metadata := self._metadata(a.get("metadata"))) is not None:
            msg["metadata"] = metadata
        if a.get("thread_ts"):
            msg["thread_ts"] = a["thread_ts"]
        self.messages.setdefault(ch.id, []).append(msg)
        return {"channel": ch.id, "ts": msg["ts"], "message": msg}

    def _m_chat_update(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._channel(grant, a["channel"], spec)
        msg = next((m for m in self.messages.get(ch.id, []) if m["ts"] == a["ts"]), None)
        fail_if(msg is None, "message_not_found")
        fail_if(msg.get("user") != grant.user, "cant_update_message")
        fail_if(ch.is_archived, "is_inactive")
        fail_if(len(a.get("text") or "") > 4000, "msg_too_long")
        text, blocks = self._content(a)
        if text is not None:
            msg["text"] = text
        if "blocks" in a:  # left out: the previous blocks stay; an empty list removes them
            msg.pop("blocks", None)
            msg.update({"blocks": blocks} if blocks else {})
        if (metadata := self._metadata(a.get("metadata"))) is not None:  # {} removes it
            msg.pop("metadata", None)
            msg.update({"metadata": metadata} if metadata else {})
        msg["edited"] = {"user": grant.user, "ts": self._new_ts()}
        return {"channel": ch.id, "ts": msg["ts"], "text": msg["text"], "message": msg}

    def _m_chat_postEphemeral(self, grant: Token, a: dict, spec: dict) -> dict:
        ch = self._postable(grant, a["channel"])
        fail_if(a["user"] not in ch.members, "user_not_in_channel")
        text, blocks = self._content(a)
        ts = self._new_ts()
        self.ephemeral.append({"channel": ch.id, "user": a["user"], "text": text, "blocks": blocks,
                               "message_ts": ts, "thread_ts": a.get("thread_ts")})
        return {"message_ts": ts}

    def _m_views_open(self, grant: Token, a: dict, spec: dict) -> dict:
        trigger_id = a.get("trigger_id") or a.get("interactivity_pointer")
        if not trigger_id:
            raise _invalid("[ERROR] missing required field: trigger_id")
        trigger = self.triggers.get(trigger_id) if TRIGGER_FORMAT.fullmatch(trigger_id) else None
        fail_if(trigger is None, "invalid_trigger_id")
        fail_if(trigger["used"], "exchanged_trigger_id")
        fail_if(time.monotonic() > trigger["expires"], "expired_trigger_id")
        view = self._view(a["view"], None)
        trigger["used"] = True
        self.views[view["id"]] = view
        return {"view": view}

    def _m_views_publish(self, grant: Token, a: dict, spec: dict) -> dict:
        """A user's Home tab: a `home` view (at most 100 blocks, 250 kB), for a user of the workspace, when the
        app has its Home tab enabled; replaces what the user's tab showed."""
        user = a.get("user_id")
        if not isinstance(user, str) or user not in self.users:
            raise _invalid("invalid `user_id`")
        raw = json.loads(a["view"]) if isinstance(a["view"], str) else a["view"]
        fail_if(not isinstance(raw, dict) or raw.get("type") != "home", "invalid_arguments")
        fail_if(not self.home_tab_enabled, "not_enabled")
        old = self.homes.get(user)
        fail_if(a.get("hash") and (old is None or a["hash"] != old["hash"]), "hash_conflict")
        view = self._view(raw, old["id"] if old else None)
        self.homes[user] = view
        self.home_history.append((user, view))
        return {"view": view}

    def _m_views_update(self, grant: Token, a: dict, spec: dict) -> dict:
        if not a.get("view_id") and not a.get("external_id"):
            raise _invalid("[ERROR] view_id or external_id is required")
        old = self.views.get(a.get("view_id") or "") or next(
            (v for v in self.views.values() if a.get("external_id") and v["external_id"] == a["external_id"]), None)
        fail_if(old is None, "not_found")
        fail_if(a.get("hash") and a["hash"] != old["hash"], "hash_conflict")
        self.views[old["id"]] = view = self._view(a["view"], old["id"])
        return {"view": view}

    def _m_files_getUploadURLExternal(self, grant: Token, a: dict, spec: dict) -> dict:
        """Step 1 of Slack's external upload: a file id and a one-time upload_url on this server (`_upload`, step 2)
        for `length` bytes; files.completeUploadExternal (step 3) shares the file."""
        length = _int(a["length"], 0)
        if length is None:
            raise _invalid("[ERROR] length must be an integer [json-pointer:/length]")
        fail_if(length == 0, "missing_argument")  # Slack: "Typically only occurs when the `length` provided is 0"
        if length < 0:
            raise _invalid("[ERROR] length must be at least 1 [json-pointer:/length]")
        fail_if(len(str(a.get("alt_txt") or "")) > 1000, "alt_txt_too_large")
        assert self._loopback is not None, "FakeSlack is not started"
        file_id, secret = self._new_id("F"), secrets.token_urlsafe(16)
        self.files[file_id] = {"id": file_id, "name": str(a["filename"]), "title": None, "length": length,
                               "alt_txt": a.get("alt_txt"), "user": grant.user, "created": int(time.time()),
                               "content": None, "completed": False}
        self._uploads[secret] = file_id
        return {"upload_url": f"{self._loopback.url}/upload/v1/{secret}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, grant: Token, a: dict, spec: dict) -> dict:
        """Step 3: finish uploads and, with `channel_id`, share them in one message there (the bot must be a
        member); without it the files stay private. Slack posts that message once its upload job is done; the
        fake posts it at once. Nothing changes when any file or the channel is refused."""
        try:
            items = json.loads(a["files"]) if isinstance(a["files"], str) else a["files"]
        except ValueError:
            raise _invalid("[ERROR] files must be a JSON array [json-pointer:/files]") from None
        if not isinstance(items, list) or not items or not all(
                isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
            raise _invalid("[ERROR] files must be an array of objects with an id [json-pointer:/files]")
        if len({i["id"] for i in items}) != len(items):
            raise _invalid("[ERROR] a file may be listed once [json-pointer:/files]")
        if a.get("channels"):
            raise NotImplementedError("FakeSlack shares files in one `channel_id`, not in `channels`")
        for item in items:
            f = self.files.get(item["id"])
            fail_if(f is None, "file_not_found")
            fail_if(f["user"] != grant.user, "access_denied")  # "User is not the owner of the file."
            # Slack finds a file "from the upload ticket" only once the upload service has the bytes; a ticket
            # is completed once. An upload that did not bring the `length` bytes promised is no finished file
            # either: file_not_found is the documented error closest to that (file_update_failed is about
            # updating a file that exists).
            fail_if(f["completed"] or f["content"] is None or len(f["content"]) != f["length"], "file_not_found")
        ch = None
        if a.get("channel_id"):
            if not SHARE_CHANNEL_ID.fullmatch(str(a["channel_id"])):  # a user id is refused, as Slack does
                raise _invalid("[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ "
                               "[json-pointer:/channel_id]")
            ch = self.channels.get(str(a["channel_id"]))
            fail_if(ch is None, "channel_not_found")
            # sharing a file takes membership, in a public channel too (chat:write.public does not help)
            fail_if(grant.user not in ch.members, "not_in_channel")
            fail_if(ch.is_archived, "invalid_channel")  # is_archived is not among this method's errors
        comment, blocks = a.get("initial_comment") or "", None
        if not comment and a.get("blocks"):  # "If the initial_comment field is provided, blocks is ignored"
            try:
                blocks = json.loads(a["blocks"]) if isinstance(a["blocks"], str) else a["blocks"]
            except ValueError:
                raise SlackError("invalid_blocks") from None
            fail_if(not isinstance(blocks, list), "invalid_blocks")
            if problems := block_problems(blocks, 50):
                raise SlackError("invalid_blocks", response_metadata={"messages": problems})
        files = [self.files[i["id"]] for i in items]
        for f, item in zip(files, items, strict=True):
            f.update(completed=True, title=str(item.get("title") or f["name"]))
        if ch is not None:
            msg = {"type": "message", "ts": self._new_ts(), "user": grant.user, "text": comment,
                   "team": self.team_id, "upload": True, "files": [_file_object(f) for f in files],
                   **({"bot_id": self.bot_id, "app_id": self.app_id} if grant.is_bot else {})}
            if blocks:
                msg["blocks"] = blocks
            if a.get("thread_ts"):
                msg["thread_ts"] = a["thread_ts"]
            self.messages.setdefault(ch.id, []).append(msg)
        return {"files": [{"id": f["id"], "title": f["title"]} for f in files]}

    def _m_users_info(self, grant: Token, a: dict, spec: dict) -> dict:
        fail_if(a["user"] not in self.users, "user_not_found")
        return {"user": self.users[a["user"]]}

    def _m_users_lookupByEmail(self, grant: Token, a: dict, spec: dict) -> dict:
        email = a["email"].strip().lower()
        user = next((u for u in self.users.values() if (u["profile"].get("email") or "").lower() == email), None)
        fail_if(user is None or user["deleted"], "users_not_found")
        return {"user": user}


def _upload_content(headers: Any, body: bytes) -> bytes | None:
    """The file in a POST to an upload_url: the body itself, or the one file part of a multipart/form-data body
    (Slack takes both); None for a multipart body without exactly one file."""
    content_type = headers.get("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        return body
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    parts = [p for p in form.iter_parts() if p.get_filename() is not None] if form.is_multipart() else []
    return parts[0].get_payload(decode=True) if len(parts) == 1 else None


def _file_object(f: dict[str, Any]) -> dict[str, Any]:
    """A shared file as a message carries it; the mimetype is Slack's guess from the name."""
    return {"id": f["id"], "created": f["created"], "name": f["name"], "title": f["title"],
            "mimetype": mimetypes.guess_type(f["name"])[0] or "application/octet-stream",
            "size": len(f["content"]), "user": f["user"]}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        try:
            status, headers, payload = fake.handle(url.path, url.query, self.headers, body, self.command)
        except Exception:
            fake.server_errors.append(traceback.format_exc())
            status, headers, payload = 500, {}, {"ok": False, "error": "internal_error"}
        if isinstance(payload, str):  # the upload service answers in plain text
            data, content_type = payload.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass
