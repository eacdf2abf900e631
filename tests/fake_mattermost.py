"""A stateful fake of a Mattermost server (REST API v4) for tests: point the bot's httpx client at `fake.base_url`.

It keeps Mattermost's documented rules (its REST API v4 reference and documented limits) so that bugs in the
bot's Mattermost adapter show up as the 4xx answers a real server would give, with Mattermost's error shape
`{id, message, detailed_error, request_id, status_code}`. It also plays the server's part towards the bot: it
POSTs slash commands, button clicks and dialog submissions to the bot's URLs (`slash`, `click`, `submit_dialog`)
and applies the replies the way Mattermost does. Exceptions inside the fake land in `fake.server_errors` (HTTP 500).

It plays a server of one version (`server_version`, named in the `X-Version-Id` header of every API response
unless `send_version=False`): before 9.11 adding channel members takes one `user_id` per call, as it did then.
Deleting a channel for good (`?permanent=true`) works only with `allow_permanent_delete=True`, the server's
ServiceSettings.EnableAPIChannelDeletion. Files are uploaded (`POST /files`, multipart or raw) up to `max_file_size`
bytes (FileSettings.MaxFileSize) and attached to posts by `file_ids`; `files_in(channel)` shows what was shared.

    with FakeMattermost(bot_transport=httpx.WSGITransport(app=wsgi_app)) as fake:
        api = httpx.Client(base_url=fake.base_url + "/api/v4", headers={"Authorization": f"Bearer {fake.token}"})
"""

from __future__ import annotations

import base64
import copy
import json
import mimetypes
import re
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx

from tests.loopback import Loopback

ID_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"  # the base32 alphabet of Mattermost's 26-character ids
ID_FORMAT = re.compile(r"[a-z0-9]{26}")
CHANNEL_NAME = re.compile(r"^[a-z0-9]+([a-z\-\_0-9]+|(__)?)[a-z0-9]*$")
ACTION_ID = re.compile(r"[A-Za-z0-9]+")  # the click route is /posts/{post_id}/actions/{action_id:[A-Za-z0-9]+}
MAX_MESSAGE_RUNES = 16383
MAX_PROPS_RUNES = 800_000
MAX_CHANNEL_MEMBERS_PER_CALL = 1000
DIALOG_ELEMENT_TYPES = frozenset({"text", "textarea", "select", "bool", "radio"})
RESPONSE_URL_USES, RESPONSE_URL_TTL = 5, 30 * 60.0
COMMAND_TIMEOUT = 30.0
BULK_MEMBERS_SINCE = (9, 11, 0)  # the first server that takes {"user_ids": [...]} when adding channel members
DEFAULT_CHANNEL = "town-square"  # nobody can be removed from it
MAX_FILE_SIZE = 100 * 1024 * 1024  # FileSettings.MaxFileSize's default, 104857600 bytes
BODY_CAP_SLACK = 512  # an upload's whole request body is read up to MaxFileSize + bytes.MinRead
MAX_FORM_VALUE = 10 * 1024  # maxMultipartFormDataBytes: the text parts of an upload are read up to 10 KB
MAX_FILE_IDS_RUNES = 300  # model.PostFileidsMaxRunes, the length of file_ids as JSON: ten 26-character ids
# Go's mime.TypeByExtension, which names a file's mime_type: its built-in table, the rest from the system's
# mime.types (Python's table stands in for it), text types always with "; charset=utf-8"
GO_MIME_TYPES = {".avif": "image/avif", ".css": "text/css; charset=utf-8", ".gif": "image/gif",
                 ".htm": "text/html; charset=utf-8", ".html": "text/html; charset=utf-8", ".jpeg": "image/jpeg",
                 ".jpg": "image/jpeg", ".js": "text/javascript; charset=utf-8", ".json": "application/json",
                 ".mjs": "text/javascript; charset=utf-8", ".pdf": "application/pdf", ".png": "image/png",
                 ".svg": "image/svg+xml", ".wasm": "application/wasm", ".webp": "image/webp",
                 ".xml": "text/xml; charset=utf-8"}
SYSTEM_MIME_TYPES = mimetypes.MimeTypes().types_map[True]  # Python's own table, not this machine's files
# a download is served as text/plain when its type could run in a browser, and inline only when it is media
UNSAFE_CONTENT_TYPES = ("application/javascript", "application/ecmascript", "text/javascript", "text/ecmascript",
                        "application/x-javascript", "text/html")
MEDIA_CONTENT_TYPES = ("image/jpeg", "image/png", "image/bmp", "image/gif", "image/tiff", "video/avi", "video/mpeg",
                       "video/mp4", "audio/mpeg", "audio/wav")
T = TypeVar("T")


def new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(26))


class MMError(Exception):
    def __init__(self, status: int, error_id: str, message: str, detailed: str = ""):
        super().__init__(f"{status} {error_id}: {message}")
        self.status, self.error_id, self.message, self.detailed = status, error_id, message, detailed


def fail_if(condition: Any, status: int, error_id: str, message: str, detailed: str = "") -> None:
    if condition:
        raise MMError(status, error_id, message, detailed)


def found(value: T | None, status: int, error_id: str, message: str, detailed: str = "") -> T:
    if value is None:
        raise MMError(status, error_id, message, detailed)
    return value


def bad_body(name: str, detailed: str = "") -> MMError:
    return MMError(400, "api.context.invalid_body_param.app_error", f"Invalid or missing {name} in request body.",
                   detailed)


def bad_url(name: str) -> MMError:
    return MMError(400, "api.context.invalid_url_param.app_error",
                   f"Invalid or missing {name} parameter in request URL.")


def forbidden(detailed: str = "") -> MMError:
    return MMError(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.", detailed)


def unreadable_upload(detailed: str = "") -> MMError:
    return MMError(400, "api.file.upload_file.read_request.app_error",
                   "Unable to upload file(s). Error reading or parsing request data.", detailed)


def go_base(path: str) -> str:
    """Go's filepath.Base, which Mattermost applies to every uploaded file's name."""
    if not path:
        return "."
    path = path.rstrip("/")
    return path.rsplit("/", 1)[-1] if path else "/"


def file_extension(name: str) -> str:
    """Go's filepath.Ext, lowercased as model.NewInfo does: from the last dot on, "" without one."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def mime_type(name: str) -> str:
    extension = file_extension(name)
    if extension in GO_MIME_TYPES:
        return GO_MIME_TYPES[extension]
    guessed = SYSTEM_MIME_TYPES.get(extension, "")
    return guessed + "; charset=utf-8" if guessed.startswith("text/") else guessed  # unknown: ""


def file_api(info: dict[str, Any]) -> dict[str, Any]:
    """A FileInfo as the API shows it: post_id is left out until the file is attached (omitempty)."""
    return {k: v for k, v in info.items() if k != "post_id" or v}


def media_type(content_type: str | None) -> tuple[str, str]:
    """The media type of a Content-Type header and its boundary parameter."""
    header = Message()
    header["Content-Type"] = content_type or ""
    return header.get_content_type(), collapse_rfc2231_value(header.get_param("boundary", "", "content-type"))


@dataclass
class _Part:
    name: str      # the form field; "" when the part is not form-data (Mattermost skips it)
    filename: str  # "" for a text field
    data: bytes
    end: int       # where the part ends in the request body


def _form_names(head: bytes) -> tuple[str, str]:
    """A part's field name and file name, as Go's Part.FormName and Part.FileName read its Content-Disposition."""
    disposition = ""
    for line in head.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(":")
        if key.strip().lower() == "content-disposition":
            disposition = value.strip()
    header = Message()
    header["Content-Disposition"] = disposition
    if header.get_content_disposition() != "form-data":
        return "", ""
    name = collapse_rfc2231_value(header.get_param("name", "", "content-disposition"))
    filename = header.get_filename() or ""  # also filename*=UTF-8''...
    return name, go_base(filename) if filename else ""


def parse_multipart(raw: bytes, boundary: str) -> list[_Part]:
    """The parts of a multipart/form-data body; a body Go's mime/multipart cannot read is refused with a 400."""
    delimiter = b"--" + boundary.encode("utf-8")
    start = raw.find(delimiter)
    while start > 0 and raw[start - 1:start] != b"\n":  # the first boundary starts a line, after any preamble
        start = raw.find(delimiter, start + 1)
    if start < 0:
        raise unreadable_upload("multipart: NextPart: EOF")
    parts, pos = [], start + len(delimiter)
    while not raw.startswith(b"--", pos):  # "--boundary--" closes the body
        line_end = raw.find(b"\r\n", pos)
        if line_end < 0 or raw[pos:line_end].strip(b" \t"):
            raise unreadable_upload("multipart: boundary is not followed by a line break")
        pos = line_end + 2
        end = raw.find(b"\r\n" + delimiter, pos)
        if end < 0:
            raise unreadable_upload("multipart: NextPart: EOF")
        if raw.startswith(b"\r\n", pos):  # a part without headers
            head, body = b"", raw[pos + 2:end]
        else:
            head, blank, body = raw[pos:end].partition(b"\r\n\r\n")
            if not blank:
                raise unreadable_upload("multipart: a part's headers do not end")
        parts.append(_Part(*_form_names(head), body, end))
        pos = end + 2 + len(delimiter)
    return parts


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int
    at: float


@dataclass
class Reply:
    """What the bot answered the fake (the server's side of a slash command, click or dialog submission)."""
    status: int  # 0: the server did not call the bot (a cancelled dialog without notify_on_cancel)
    json: dict | None
    text: str
    hook: str | None = None     # a slash command's response_url id: `responded(hook)` is what came through it


@dataclass
class _Channel:
    id: str
    team_id: str
    type: str  # "O" public, "P" private, "D" direct
    name: str
    display_name: str
    creator_id: str = ""
    purpose: str = ""
    header: str = ""
    create_at: int = 0
    delete_at: int = 0
    members: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "create_at": self.create_at, "update_at": self.create_at, "delete_at": self.delete_at,
                "team_id": self.team_id, "type": self.type, "display_name": self.display_name, "name": self.name,
                "header": self.header, "purpose": self.purpose, "last_post_at": 0, "total_msg_count": 0,
                "creator_id": self.creator_id}


@dataclass
class _Request:
    verb: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: Any
    raw: bytes
    caller: str = ""  # the authenticated user id

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.raw)
        except ValueError:
            raise bad_body(name, "the request body is not valid JSON") from None


def _route(verb: str, pattern: str, handler: str, auth: bool = True) -> tuple[str, re.Pattern, str, bool]:
    return verb, re.compile(pattern.replace("{", "(?P<").replace("}", ">[^/]+)") + "$"), handler, auth


ROUTES = [
    _route("GET", "/api/v4/system/ping", "_ping", auth=False),
    _route("GET", "/api/v4/users/me", "_get_me"),
    _route("GET", "/api/v4/users/username/{username}", "_get_user_by_username"),
    _route("GET", "/api/v4/users/email/{email}", "_get_user_by_email"),
    _route("GET", "/api/v4/users/{user_id}", "_get_user"),
    _route("GET", "/api/v4/teams/name/{name}", "_get_team_by_name"),
    _route("GET", "/api/v4/teams/{team_id}/members/{user_id}", "_get_team_member"),
    _route("GET", "/api/v4/teams/{team_id}/channels/name/{name}", "_get_channel_by_name"),
    _route("POST", "/api/v4/channels", "_create_channel"),
    _route("POST", "/api/v4/channels/direct", "_create_direct"),
    _route("GET", "/api/v4/channels/{channel_id}", "_get_channel"),
    _route("DELETE", "/api/v4/channels/{channel_id}", "_delete_channel"),
    _route("GET", "/api/v4/channels/{channel_id}/members", "_get_members"),
    _route("GET", "/api/v4/channels/{channel_id}/posts", "_get_channel_posts"),
    _route("POST", "/api/v4/channels/{channel_id}/members", "_add_members"),
    _route("DELETE", "/api/v4/channels/{channel_id}/members/{user_id}", "_remove_member"),
    _route("POST", "/api/v4/files", "_upload_files"),
    _route("GET", "/api/v4/files/{file_id}", "_get_file"),
    _route("GET", "/api/v4/files/{file_id}/info", "_get_file_info"),
    _route("POST", "/api/v4/posts", "_create_post"),
    _route("POST", "/api/v4/posts/ephemeral", "_create_ephemeral"),
    _route("GET", "/api/v4/posts/{post_id}", "_get_post"),
    _route("PUT", "/api/v4/posts/{post_id}/patch", "_patch_post"),
    _route("POST", "/api/v4/actions/dialogs/open", "_open_dialog"),
    _route("POST", "/hooks/commands/{hook_id}", "_command_hook", auth=False),
]


def check_post_content(message: Any, props: Any) -> None:
    """Mattermost's checks on a post's message and props, plus the action-id rule that makes clicks work."""
    if not isinstance(message, str):
        raise bad_body("message")
    fail_if(len(message) > MAX_MESSAGE_RUNES, 400, "model.post.is_valid.msg.app_error", "Invalid message.",
            f"the message has {len(message)} characters, at most {MAX_MESSAGE_RUNES} are allowed")
    if not isinstance(props, dict):
        raise bad_body("props")

    def bad(detail: str) -> MMError:
        return MMError(400, "model.post.is_valid.props.app_error", f"Invalid props: {detail}", detail)

    if len(json.dumps(props)) > MAX_PROPS_RUNES:
        raise bad("props are too large")
    attachments = props.get("attachments")
    if attachments is None:
        return
    if not isinstance(attachments, list):
        raise bad("attachments must be a list")
    seen: set[str] = set()
    for i, attachment in enumerate(attachments):
        if not isinstance(attachment, dict):
            raise bad(f"attachments[{i}] must be an object")
        actions = attachment.get("actions") or []
        if not isinstance(actions, list):
            raise bad(f"attachments[{i}].actions must be a list")
        for j, action in enumerate(actions):
            where = f"attachments[{i}].actions[{j}]"
            if not isinstance(action, dict):
                raise bad(f"{where} must be an object")
            action_id = action.get("id")
            if not isinstance(action_id, str) or not ACTION_ID.fullmatch(action_id):
                raise bad(f"{where}.id {action_id!r} must be letters and digits only ('-' and '_' break clicks)")
            if action_id in seen:
                raise bad(f"{where}.id {action_id!r} is used twice in this post")
            seen.add(action_id)
            if action.get("type", "button") not in ("button", "select"):
                raise bad(f"{where}.type must be button or select")
            if not isinstance(action.get("name"), str) or not action["name"]:
                raise bad(f"{where}.name is required")
            integration = action.get("integration")
            if not isinstance(integration, dict) or not isinstance(integration.get("url"), str) \
                    or not integration["url"].startswith(("http://", "https://", "/")):
                raise bad(f"{where}.integration.url is required")
            if not isinstance(integration.get("context", {}), dict):
                raise bad(f"{where}.integration.context must be an object")


def client_view(post: dict[str, Any]) -> dict[str, Any]:
    """A post as clients see it: Mattermost strips every action's integration (url and context)."""
    out = copy.deepcopy(post)
    for attachment in out["props"].get("attachments") or []:
        for action in attachment.get("actions") or []:
            action.pop("integration", None)
    return out


class FakeMattermost:
    def __init__(self, *, bot_token: str = "mm-bot-token", team_name: str = "triagetafel",
                 bot_username: str = "triagebot", dialog_ttl: float = 30.0, bot_is_admin: bool = False,
                 bot_transport: httpx.BaseTransport | None = None, server_version: str = "10.5.0",
                 send_version: bool = True, allow_permanent_delete: bool = False, max_file_size: int = MAX_FILE_SIZE):
        self.token, self.dialog_ttl, self.team_name = bot_token, dialog_ttl, team_name
        self.server_version, self.send_version = server_version, send_version
        self.allow_permanent_delete = allow_permanent_delete  # ServiceSettings.EnableAPIChannelDeletion
        self.max_file_size = max_file_size  # FileSettings.MaxFileSize, in bytes, per uploaded file
        self.response_url_ttl = RESPONSE_URL_TTL  # seconds a command's response_url takes posts; tests may shorten
        self.team_id, self.bot_user_id = new_id(), new_id()
        self.calls: list[Call] = []
        self.server_errors: list[str] = []  # exceptions inside the fake; a test fixture should assert it empty
        self.integration_errors: list[str] = []  # replies of the bot that Mattermost would refuse to apply
        self.dialogs: list[dict[str, Any]] = []  # every successfully opened dialog request
        self.ephemerals: list[dict[str, Any]] = []  # {user_id, channel_id, message, props}
        self.dropped_file_ids: list[dict[str, str]] = []  # {post_id, file_id, reason}: the server's log warnings
        self._tokens: dict[str, str] = {bot_token: self.bot_user_id}
        self._users: dict[str, dict[str, Any]] = {}
        self._team_members: list[str] = []
        self._channels: dict[str, _Channel] = {}
        self._posts: dict[str, dict[str, Any]] = {}  # insertion order is creation order
        self._files: dict[str, dict[str, Any]] = {}  # file id -> FileInfo (post_id "" until attached), upload order
        self._file_bytes: dict[str, bytes] = {}
        self._commands: dict[str, dict[str, str]] = {}  # trigger without slash -> {url, token}
        self._hooks: dict[str, dict[str, Any]] = {}  # response_url id -> {user_id, channel_id, at, uses}
        self._triggers: dict[str, dict[str, Any]] = {}  # trigger id -> {user_id, channel_id, at}
        self._open_dialogs: dict[str, list[dict[str, Any]]] = {}  # user id -> opened dialogs, latest last
        self._rate_limits: list[list[Any]] = []  # [verb, path prefix, calls left to refuse, reset seconds]
        self._after: list[tuple[str, str, Callable[[Call], None]]] = []   # (verb, path prefix, hook)
        self._last_ms = 0
        self._lock = threading.RLock()
        self._transport = bot_transport
        self._http: httpx.Client | None = None
        self._loopback: Loopback | None = None
        self._add_user(self.bot_user_id, bot_username, f"{bot_username}@localhost", is_bot=True,
                       roles="system_user system_admin" if bot_is_admin else "system_user")
        self._team_members.append(self.bot_user_id)
        for name in ("town-square", "off-topic"):  # every Mattermost team has these; team members are in them
            self.add_channel(name, members=(self.bot_user_id,))

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> FakeMattermost:
        self._loopback = Loopback(_Handler, self, "fake-mattermost")
        self._http = httpx.Client(transport=self._transport, timeout=COMMAND_TIMEOUT)
        return self

    def stop(self) -> None:
        if self._loopback is not None:
            self._loopback.stop()
            self._loopback = None
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> FakeMattermost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._loopback is not None, "FakeMattermost is not started"
        return self._loopback.url

    # -- test helpers -----------------------------------------------------------------------------------
    def add_user(self, username: str, email: str | None = None, *, in_team: bool = True) -> str:
        with self._lock:
            user_id = new_id()
            self._add_user(user_id, username, email or f"{username}@example.org")
            if in_team:
                self._team_members.append(user_id)
                for ch in self._channels.values():
                    if ch.name in ("town-square", "off-topic") and ch.team_id == self.team_id:
                        ch.members.append(user_id)
            return user_id

    def add_channel(self, name: str, *, private: bool = False, members: tuple[str, ...] = ()) -> str:
        """A team channel made by someone else; the bot is a member only if listed."""
        with self._lock:
            self._check_channel_name(name)
            if self._channel_by_name(name) is not None:
                raise ValueError(f"channel name {name!r} is taken")
            members = tuple(self._user_id(u) for u in members)  # user ids (usernames work too)
            ch = _Channel(new_id(), self.team_id, "P" if private else "O", name, name,
                          creator_id=members[0] if members else "", create_at=self._now_ms(),
                          members=list(dict.fromkeys(members)))
            self._channels[ch.id] = ch
            return ch.id

    def register_command(self, trigger: str, url: str, token: str) -> None:
        with self._lock:
            self._commands[trigger.lower().removeprefix("/")] = {"url": url, "token": token}

    def rate_limit(self, method: str, path_prefix: str, times: int = 1, reset: int = 1) -> None:
        """The next `times` REST calls with this HTTP method and a path starting with `path_prefix` get 429."""
        with self._lock:
            self._rate_limits.append([method.upper(), path_prefix, times, reset])

    def after(self, verb: str, path_prefix: str, hook: Callable[[Call], None]) -> None:
        """Run `hook` after a REST call with this verb and path prefix took effect and before its answer goes
        out: a test's way to stop the caller between Mattermost's accepting something and its hearing of it."""
        with self._lock:
            self._after.append((verb.upper(), path_prefix, hook))

    def token_for(self, user: str) -> str:
        """A personal access token of another user, to call the API as that user."""
        with self._lock:
            token = "mm-user-" + secrets.token_hex(8)
            self._tokens[token] = self._user_id(user)
            return token

    def post_as(self, user: str, channel_id: str, message: str, props: dict | None = None) -> str:
        """A post someone else wrote (the bot may not patch it); returns its id."""
        with self._lock:
            return self._store_post(self._user_id(user), self._channels[channel_id], message, props or {})["id"]

    # -- inspection -------------------------------------------------------------------------------------
    def posts_in(self, channel_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(p) for p in self._posts.values() if p["channel_id"] == channel_id]

    def channel_named(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            ch = self._channel_by_name(name)
            return None if ch is None else ch.to_api()

    def members_of(self, channel_id: str) -> list[str]:
        with self._lock:
            return list(self._channels[channel_id].members)

    def ephemeral_for(self, user: str) -> list[str]:
        with self._lock:
            user_id = self._user_id(user)
            return [e["message"] for e in self.ephemerals if e["user_id"] == user_id]

    def file_content(self, file_id: str) -> bytes:
        """The bytes of an uploaded file, attached or not."""
        with self._lock:
            return self._file_bytes[file_id]

    def files_in(self, channel_id: str) -> list[dict[str, Any]]:
        """The files the posts of a channel carry, post after post, each post's files as clients list them: the
        FileInfo (with post_id) plus its bytes under "content". Uploads no post carries are not shared, and not here."""
        with self._lock:
            return [{**file_api(self._files[f["id"]]), "content": self._file_bytes[f["id"]]}
                    for p in self._posts.values() if p["channel_id"] == channel_id and not p["delete_at"]
                    for f in p["metadata"].get("files", [])]

    def direct_channel(self, a: str, b: str) -> str | None:
        with self._lock:
            ids = sorted(u if u in self._users else self._user_id(u) for u in (a, b))  # usernames work too
            ch = self._channel_by_name("__".join(ids), team_id="")
            return None if ch is None else ch.id

    # -- the server's part: calling the bot --------------------------------------------------------------
    def slash(self, user: str, command_line: str, channel_id: str, *, token: str | None = None) -> Reply:
        with self._lock:
            user_id = self._user_id(user)
            ch = self._channels[channel_id]
            if user_id not in ch.members:
                raise PermissionError(f"{user} is not in channel {ch.name}: the client would not send the command")
            word, _, text = command_line.strip().partition(" ")  # Mattermost splits at the first space
            command = self._commands.get(word.lower().removeprefix("/"))
            if command is None:
                raise LookupError(f"no command registered for {word!r}")
            hook_id = new_id()
            self._hooks[hook_id] = {"user_id": user_id, "channel_id": ch.id, "at": time.monotonic(), "uses": 0,
                                    "posted": []}
            secret = command["token"] if token is None else token
            form = {"token": secret, "team_id": self.team_id, "team_domain": self.team_name, "channel_id": ch.id,
                    "channel_name": ch.name, "user_id": user_id, "user_name": self._users[user_id]["username"],
                    "command": word.lower(), "text": text, "trigger_id": self._issue_trigger(user_id, ch.id),
                    "response_url": f"{self.base_url}/hooks/commands/{hook_id}", "root_id": ""}
        response = self._bot().post(command["url"], data=form, headers={"Authorization": f"Token {secret}",
                                                                         "Accept": "application/json"})
        reply = self._reply(response, json_only_if_declared=True)
        reply.hook = hook_id
        if response.status_code == 200:
            with self._lock:
                try:
                    self._command_response(user_id, ch.id, response.headers.get("Content-Type"), response.text)
                except MMError as e:
                    self.integration_errors.append(f"slash {word}: {e}")
        return reply

    def click(self, user: str, post_id: str, action_id: str, *, context: dict | None = None) -> Reply:
        with self._lock:
            user_id = self._user_id(user)
            post = self._posts[post_id]
            ch = self._channels[post["channel_id"]]
            if not self._can_read(user_id, ch):
                raise PermissionError(f"{user} cannot see post {post_id}")
            action = next((a for att in post["props"].get("attachments") or [] for a in att.get("actions") or []
                           if a.get("id") == action_id), None)
            if action is None:
                raise LookupError(f"post {post_id} has no action {action_id!r}")
            integration = action["integration"]
            payload = {"user_id": user_id, "user_name": self._users[user_id]["username"], "channel_id": ch.id,
                       "channel_name": ch.name, "team_id": self.team_id, "team_domain": self.team_name,
                       "post_id": post_id, "trigger_id": self._issue_trigger(user_id, ch.id),
                       "type": action.get("type", "button"), "data_source": action.get("data_source", ""),
                       "context": copy.deepcopy(integration.get("context") or {}) if context is None else context}
            url = integration["url"]
        response = self._bot().post(self._absolute(url), json=payload)
        reply = self._reply(response)
        if response.status_code != 200 or (response.content.strip() and reply.json is None):
            self.integration_errors.append(f"click {action_id}: HTTP {response.status_code}, {response.text[:200]!r}")
            return reply
        with self._lock:
            self._apply_action_reply(user_id, ch.id, post_id, reply.json or {})
        return reply

    def submit_dialog(self, user: str, submission: dict[str, str], *, cancelled: bool = False,
                      state: str | None = None) -> Reply:
        with self._lock:
            user_id = self._user_id(user)
            stack = self._open_dialogs.get(user_id)
            if not stack:
                raise LookupError(f"no dialog is open for {user}")
            opened = stack[-1]
            dialog = opened["dialog"]
            if cancelled:
                stack.pop()  # cancelling closes the dialog whatever the bot answers
                if not dialog.get("notify_on_cancel"):  # Mattermost tells the integration only when asked to
                    return Reply(0, None, "")
            payload = {"type": "dialog_submission", "callback_id": dialog.get("callback_id", ""),
                       "state": dialog.get("state", "") if state is None else state, "user_id": user_id,
                       "channel_id": opened.get("channel_id", ""), "team_id": self.team_id,
                       "submission": {} if cancelled else dict(submission), "cancelled": cancelled}
        response = self._bot().post(self._absolute(opened["url"]), json=payload)
        reply = self._reply(response)
        keep_open = response.status_code != 200 or (isinstance(reply.json, dict) and  # errors are shown in it
                                                     bool(reply.json.get("errors") or reply.json.get("error")))
        if not cancelled and not keep_open:
            with self._lock:
                if opened in stack:
                    stack.remove(opened)
        return reply

    def _bot(self) -> httpx.Client:
        assert self._http is not None, "FakeMattermost is not started"
        return self._http

    def _absolute(self, url: str) -> str:
        return self.base_url + url if url.startswith("/") else url  # Mattermost allows site-relative (plugin) URLs

    @staticmethod
    def _reply(response: httpx.Response, *, json_only_if_declared: bool = False) -> Reply:
        data = None
        declared = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower() == "application/json"
        if response.content.strip() and (declared or not json_only_if_declared):
            try:
                data = response.json()
            except ValueError:
                data = None
        return Reply(response.status_code, data if isinstance(data, dict) else None, response.text)

    def _command_response(self, user_id: str, channel_id: str, content_type: str | None, body: str) -> None:
        """A slash-command reply or a response_url post, as Mattermost's HandleCommandResponse applies it."""
        if (content_type or "").split(";")[0].strip().lower() == "application/json":
            try:
                data = json.loads(body) if body.strip() else {}
            except ValueError:
                raise bad_body("command response", "not valid JSON") from None
            if not isinstance(data, dict):
                raise bad_body("command response", "not a JSON object")
        else:
            data = {"text": body}  # any other content type: the body is the text
        for item in [data, *(data.get("extra_responses") or [])]:
            text, props = item.get("text") or "", dict(item.get("props") or {})
            if item.get("attachments"):
                props["attachments"] = item["attachments"]
            kind = item.get("response_type") or "ephemeral"
            if kind == "in_channel":  # posted as the user who ran the command, marked as coming from an integration
                ch = self._channels[channel_id]
                fail_if(ch.delete_at, 400, "api.post.create_post.can_not_post_to_deleted.error",
                        "Can not post to deleted channel.")
                self._store_post(user_id, ch, text, {**props, "from_webhook": "true"})
            elif kind == "ephemeral" and (text or props.get("attachments")):
                check_post_content(text, props)
                self.ephemerals.append({"user_id": user_id, "channel_id": channel_id, "message": text,
                                        "props": props})

    def _apply_action_reply(self, user_id: str, channel_id: str, post_id: str, data: dict[str, Any]) -> None:
        update = data.get("update")
        if isinstance(update, dict):
            post = self._posts[post_id]
            message = update.get("message", post["message"])
            props = (update.get("props") or {}) if "props" in update else post["props"]
            try:
                check_post_content(message, props)
            except MMError as e:
                self.integration_errors.append(f"update of post {post_id}: {e}")
            else:
                post["message"], post["props"] = message, copy.deepcopy(props)
                post["edit_at"] = post["update_at"] = self._now_ms()
        if isinstance(data.get("ephemeral_text"), str) and data["ephemeral_text"]:
            self.ephemerals.append({"user_id": user_id, "channel_id": channel_id, "message": data["ephemeral_text"],
                                    "props": {}})

    # -- HTTP -------------------------------------------------------------------------------------------
    def handle(self, verb: str, target: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            call = Call(verb, path, body, 0, time.time())
            self.calls.append(call)
            try:
                status, extra, payload = self._answer(verb, path, dict(parse_qsl(url.query)), headers, raw)
            except MMError as e:
                status, extra, payload = e.status, {}, self._error_body(e)
            call.status = status
            if self.send_version and path.startswith("/api/v4/"):
                # Mattermost's X-Version-Id: version, build number, config hash, licensed
                extra = {**extra, "X-Version-Id": f"{self.server_version}.{self.server_version}.0f1e2d3c.false"}
            if status < 400:
                for hook_verb, prefix, hook in self._after:
                    if hook_verb == verb and path.startswith(prefix):
                        hook(call)
            return status, extra, payload

    def _answer(self, verb: str, path: str, query: dict[str, str], headers: Any,
                raw: bytes) -> tuple[int, dict[str, str], Any]:
        matches = [(r, m) for r in ROUTES if (m := r[1].match(path))]
        if not matches:
            raise MMError(404, "api.context.404.app_error", "Sorry, we could not find the page.", path)
        found = next(((r, m) for r, m in matches if r[0] == verb), None)
        if found is None:
            raise MMError(405, "api.context.405.app_error", "Method not allowed.", f"{verb} {path}")
        (_, _, handler, auth), match = found
        for limit in self._rate_limits:
            if limit[2] > 0 and limit[0] == verb and path.startswith(limit[1]):
                limit[2] -= 1  # Mattermost's rate limiter answers in plain text, with X-Ratelimit-* headers
                return 429, {"X-Ratelimit-Limit": "10", "X-Ratelimit-Remaining": "0",
                             "X-Ratelimit-Reset": str(limit[3])}, "limit exceeded\n"
        request = _Request(verb, path, {k: unquote(v) for k, v in match.groupdict().items()}, query, headers, raw)
        if auth:
            request.caller = self._authenticate(headers)
        status, payload, *headers = getattr(self, handler)(request)  # a handler may add response headers
        return status, (headers[0] if headers else {}), payload

    def _authenticate(self, headers: Any) -> str:
        scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
        user_id = self._tokens.get(token.strip()) if scheme.lower() in ("bearer", "token") else None
        if user_id is None:
            raise MMError(401, "api.context.session_expired.app_error",
                          "Invalid or expired session, please login again.", "token is missing or unknown")
        return user_id

    @staticmethod
    def _error_body(e: MMError) -> dict[str, Any]:
        return {"id": e.error_id, "message": e.message, "detailed_error": e.detailed, "request_id": new_id(),
                "status_code": e.status}

    # -- the server -------------------------------------------------------------------------------------
    def _ping(self, r: _Request) -> tuple[int, Any]:
        return 200, {"status": "OK"}

    def _version(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.server_version.split(".")[:3])

    # -- users and teams --------------------------------------------------------------------------------
    def _get_me(self, r: _Request) -> tuple[int, Any]:
        return 200, self._user_api(r.caller)

    def _get_user(self, r: _Request) -> tuple[int, Any]:
        user_id = self._id_param(r, "user_id")
        fail_if(user_id not in self._users, 404, "app.user.missing_account.const", "Unable to find the user.")
        return 200, self._user_api(user_id)

    def _get_user_by_username(self, r: _Request) -> tuple[int, Any]:
        name = r.params["username"].lower()
        user = found(next((u for u in self._users.values() if u["username"] == name), None), 404,
                     "app.user.get_by_username.app_error", "Unable to find an existing account matching your "
                     "username for this team. This team may require an invite from the team owner to join.")
        return 200, self._user_api(user["id"])

    def _get_user_by_email(self, r: _Request) -> tuple[int, Any]:
        email = r.params["email"].strip().lower()
        user = found(next((u for u in self._users.values() if u["email"] == email), None), 404,
                     "app.user.missing_account.const", "Unable to find the user.")
        return 200, self._user_api(user["id"])

    def _get_team_by_name(self, r: _Request) -> tuple[int, Any]:
        fail_if(r.params["name"] != self.team_name, 404, "app.team.get_by_name.missing.app_error",
                "Unable to find the existing team.")
        return 200, self._team_api()

    def _get_team_member(self, r: _Request) -> tuple[int, Any]:
        team_id, user_id = self._id_param(r, "team_id"), self._id_param(r, "user_id")
        fail_if(team_id != self.team_id or r.caller not in self._team_members, 403, "api.context.permissions.app_error",
                "You do not have the appropriate permissions.")
        fail_if(user_id not in self._team_members, 404, "app.team.get_member.missing.app_error",
                "No team member found for that user ID and team ID.")
        return 200, {"team_id": team_id, "user_id": user_id, "roles": "team_user", "delete_at": 0,
                     "scheme_user": True, "scheme_admin": False}

    # -- channels ---------------------------------------------------------------------------------------
    def _create_channel(self, r: _Request) -> tuple[int, Any]:
        body = r.json("channel")
        if not isinstance(body, dict):
            raise bad_body("channel")
        team_id = body.get("team_id")
        if not isinstance(team_id, str) or not ID_FORMAT.fullmatch(team_id):
            raise bad_body("team_id")
        channel_type = body.get("type")
        if channel_type not in ("O", "P"):
            raise MMError(400, "model.channel.is_valid.type.app_error", "Invalid type.")
        if team_id != self.team_id or r.caller not in self._team_members:
            raise forbidden("the caller must be a member of the team")
        name, display_name = body.get("name"), body.get("display_name")
        purpose, header = body.get("purpose", ""), body.get("header", "")
        if not isinstance(display_name, str) or not 1 <= len(display_name) <= 64:
            raise MMError(400, "model.channel.is_valid.display_name.app_error", "Invalid display name.")
        name = self._check_channel_name(name)
        fail_if(not isinstance(purpose, str) or len(purpose) > 250, 400, "model.channel.is_valid.purpose.app_error",
                "Invalid purpose.")
        fail_if(not isinstance(header, str) or len(header) > 1024, 400, "model.channel.is_valid.header.app_error",
                "Invalid header.")
        fail_if(self._channel_by_name(name) is not None, 400, "store.sql_channel.save_channel.exists.app_error",
                "A channel with that name already exists on the same team.")  # archived channels keep their names
        ch = _Channel(new_id(), self.team_id, channel_type, name, display_name, creator_id=r.caller,
                      purpose=purpose, header=header, create_at=self._now_ms(), members=[r.caller])
        self._channels[ch.id] = ch
        return 201, ch.to_api()

    def _get_channel_by_name(self, r: _Request) -> tuple[int, Any]:
        self._id_param(r, "team_id")
        if r.params["team_id"] != self.team_id or r.caller not in self._team_members:
            raise forbidden("the caller must be a member of the team")
        ch = self._channel_by_name(r.params["name"])
        deleted_ok = r.query.get("include_deleted", "").lower() == "true"
        if ch is None or not self._can_read(r.caller, ch) or (ch.delete_at and not deleted_ok):
            raise MMError(404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.",
                          f"name={r.params['name']}")  # private channels of others do not exist for the caller
        return 200, ch.to_api()

    def _get_channel(self, r: _Request) -> tuple[int, Any]:
        return 200, self._readable_channel(r).to_api()

    def _delete_channel(self, r: _Request) -> tuple[int, Any]:
        ch = self._readable_channel(r)
        fail_if(ch.type == "D", 400, "api.channel.delete_channel.type.invalid", "Unable to delete direct or group "
                "message channels")
        if r.caller not in ch.members:
            raise forbidden("only channel members may archive a channel")
        if r.query.get("permanent", "").lower() == "true":  # also for an archived channel
            fail_if(not self.allow_permanent_delete, 401, "api.user.delete_channel.not_enabled.app_error",
                    "Permanent channel deletion feature is not enabled. Please contact your System Administrator.",
                    f"channelId={ch.id}")
            del self._channels[ch.id]
            for post_id in [p["id"] for p in self._posts.values() if p["channel_id"] == ch.id]:
                del self._posts[post_id]
            return 200, {"status": "OK"}
        fail_if(ch.delete_at, 400, "api.channel.delete_channel.deleted.app_error",
                "The channel has been archived or deleted.")
        ch.delete_at = self._now_ms()
        return 200, {"status": "OK"}

    def _get_members(self, r: _Request) -> tuple[int, Any]:
        ch = self._readable_channel(r)
        try:
            page, per_page = int(r.query.get("page", 0)), int(r.query.get("per_page", 60))
        except ValueError:
            raise bad_url("page") from None
        per_page = min(max(per_page, 1), 200)  # Mattermost pages members, 60 by default, at most 200
        chunk = ch.members[page * per_page:(page + 1) * per_page]
        return 200, [self._member_api(ch, u) for u in chunk]

    def _get_channel_posts(self, r: _Request) -> tuple[int, Any]:
        """A page of a channel's posts, newest first, as clients see them: {order, posts, next/prev_post_id}."""
        ch = self._readable_channel(r)
        try:
            page, per_page = int(r.query.get("page", 0)), int(r.query.get("per_page", 60))
        except ValueError:
            raise bad_url("page") from None
        per_page = min(max(per_page, 1), 200)  # 60 by default, at most 200
        newest_first = [p for p in reversed(self._posts.values()) if p["channel_id"] == ch.id and not p["delete_at"]]
        chunk = newest_first[page * per_page:(page + 1) * per_page]
        return 200, {"order": [p["id"] for p in chunk], "posts": {p["id"]: client_view(p) for p in chunk},
                     "next_post_id": "", "prev_post_id": ""}

    def _add_members(self, r: _Request) -> tuple[int, Any]:
        channel_id = self._id_param(r, "channel_id")
        body = r.json("user_id")
        if not isinstance(body, dict):
            raise bad_body("user_id")
        single = "user_ids" not in body or self._version() < BULK_MEMBERS_SINCE  # older servers read user_id only
        user_ids = [body.get("user_id")] if single else body.get("user_ids")
        if single and not isinstance(body.get("user_id"), str):
            raise bad_body("user_id")
        if not isinstance(user_ids, list) or not user_ids:
            raise bad_body("user_ids")
        fail_if(len(user_ids) > MAX_CHANNEL_MEMBERS_PER_CALL, 400, "api.channel.add_members.user_limit.app_error",
                f"Unable to add more than {MAX_CHANNEL_MEMBERS_PER_CALL} users to a channel at once.")
        for user_id in user_ids:
            if not isinstance(user_id, str) or not ID_FORMAT.fullmatch(user_id):
                raise bad_body("user_id", f"{user_id!r} is not a user id")
        ch = found(self._channels.get(channel_id), 404, "app.channel.get.existing.app_error",
                   "Unable to find the existing channel.")
        if not self._can_read(r.caller, ch):
            raise forbidden("the caller cannot see this channel")
        fail_if(ch.type == "D", 400, "api.channel.add_user_to_channel.type.app_error",
                "Can not add user to this channel type.")
        self_join = ch.type == "O" and user_ids == [r.caller]
        if r.caller not in ch.members and not self_join:
            raise forbidden("only members of the channel may add others to it")
        fail_if(ch.delete_at, 400, "api.channel.add_user.to.channel.failed.deleted.app_error",
                "Failed to add user to channel because channel has been archived.")
        for user_id in user_ids:
            fail_if(user_id not in self._users, 400, "api.channel.add_user.to.channel.failed.app_error",
                    "Failed to add user to channel.", f"user {user_id} does not exist")
            fail_if(user_id not in self._team_members, 403, "api.channel.add_members.user_denied",
                    "Channel membership denied to the following users because they are not a member of the team.",
                    f"user {user_id} is not a member of the team")
        for user_id in user_ids:
            if user_id not in ch.members:  # adding an existing member is fine
                ch.members.append(user_id)
        members = [self._member_api(ch, u) for u in user_ids]
        return 201, members[0] if single else members

    def _remove_member(self, r: _Request) -> tuple[int, Any]:
        channel_id, user_id = self._id_param(r, "channel_id"), self._id_param(r, "user_id")
        ch = found(self._channels.get(channel_id), 404, "app.channel.get.existing.app_error",
                   "Unable to find the existing channel.")
        fail_if(user_id not in self._users, 404, "app.user.missing_account.const", "Unable to find the user.")
        fail_if(ch.type not in ("O", "P"), 400, "api.channel.remove_channel_member.type.app_error",
                "Unable to remove user from a channel.")
        if user_id != r.caller and r.caller not in ch.members:  # managing members: channel members may
            raise forbidden("only members of the channel may remove others from it")
        fail_if(ch.delete_at, 400, "api.channel.remove_user_from_channel.deleted.app_error",
                "Unable to remove user from a channel that has been archived.")
        fail_if(ch.name == DEFAULT_CHANNEL, 400, "api.channel.remove.default.app_error",
                f"Unable to remove user from the default channel {DEFAULT_CHANNEL}.")
        fail_if(user_id not in ch.members, 404, "app.channel.get_member.missing.app_error",
                "No channel member found for that user ID and channel ID.")
        ch.members.remove(user_id)
        return 200, {"status": "OK"}

    def _create_direct(self, r: _Request) -> tuple[int, Any]:
        ids = r.json("user_ids")
        if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(u, str) and ID_FORMAT.fullmatch(u)
                                                                for u in ids):
            raise bad_body("user_ids", "a list of two user ids is required")
        if r.caller not in ids and "system_admin" not in self._users[r.caller]["roles"]:
            raise forbidden("the caller must be one of the two users")
        for user_id in ids:
            fail_if(user_id not in self._users, 400, "api.channel.create_direct_channel.invalid_user.app_error",
                    "Invalid user ID for direct channel creation.", f"user {user_id} does not exist")
        name = "__".join(sorted(ids))
        ch = self._channel_by_name(name, team_id="")
        if ch is None:
            ch = _Channel(new_id(), "", "D", name, "", creator_id=r.caller, create_at=self._now_ms(),
                          members=list(dict.fromkeys(ids)))
            self._channels[ch.id] = ch
        return 201, ch.to_api()

    # -- files ------------------------------------------------------------------------------------------
    def _upload_files(self, r: _Request) -> tuple[int, Any]:
        """POST /files (uploadFileStream): a multipart/form-data body with a `channel_id` field and `files` parts,
        or one file's raw bytes with `channel_id` and `filename` in the URL. Files are checked one by one: those
        before a refused one stay uploaded (and unattached), as on the server."""
        if not r.raw:  # Mattermost refuses a request without a body before it looks at anything else
            raise unreadable_upload("Content-Length should not be 0")
        kind, boundary = media_type(r.headers.get("Content-Type"))
        now = self._now_ms()  # one timestamp for the files of a request
        if kind != "multipart/form-data":
            chunked = "chunked" in (r.headers.get("Transfer-Encoding") or "").lower()
            return 201, self._upload_raw(r, now, -1 if chunked else len(r.raw))
        if not boundary:
            raise unreadable_upload("no multipart boundary param in Content-Type")
        parts = parse_multipart(r.raw, boundary)
        channel_id = r.query.get("channel_id", "")
        # The server reads up to the first channel_id field or the first file. A file first, with no channel_id
        # in the URL either, sends the whole body to the old buffered reader (uploadFileMultipartLegacy), which
        # takes files from `files` fields only; otherwise every part is taken as it comes (uploadFileMultipart).
        for part in parts:
            if not part.name:
                continue
            if part.filename and not channel_id:
                return 201, self._upload_buffered(r, parts, now)
            if part.filename or part.name == "channel_id":
                break
            if part.name != "client_ids":
                raise bad_body(part.name, "an upload takes the fields channel_id and client_ids besides its files")
        return 201, self._upload_streamed(r, parts, channel_id, now)

    def _upload_raw(self, r: _Request, now: int, length: int) -> dict[str, Any]:
        """uploadFileSimple: the body is the file. Without client_id the answer's client_ids is null."""
        channel_id, name, client_id = (r.query.get(k, "") for k in ("channel_id", "filename", "client_id"))
        if not ID_FORMAT.fullmatch(channel_id):
            raise bad_url("channel_id")
        if not name:
            raise bad_url("filename")
        self._check_upload(r.caller, channel_id)
        info = self._store_file(r.caller, channel_id, name, r.raw, now, length)
        return {"file_infos": [info], "client_ids": [client_id] if client_id else None}

    def _upload_streamed(self, r: _Request, parts: list[_Part], channel_id: str, now: int) -> dict[str, Any]:
        """uploadFileMultipart: fields and files in order. client_ids, when sent, come before the files, one each;
        any part with a file name is a file, whatever its field name."""
        infos: list[dict[str, Any]] = []
        client_ids: list[str] = []
        expect_ids = True
        for part in parts:
            if not part.name:
                continue
            if not part.filename:
                value = part.data[:MAX_FORM_VALUE].decode("utf-8", "replace")
                if part.name == "channel_id":
                    fail_if(channel_id and value != channel_id, 400,
                            "api.file.upload_file.multiple_channel_ids.app_error",
                            "Unable to upload file(s). Multiple conflicting channel_ids.")
                    channel_id = value or channel_id
                elif part.name == "client_ids" and expect_ids:
                    client_ids.append(value)
                else:
                    raise bad_body(part.name)
                continue
            if not ID_FORMAT.fullmatch(channel_id):
                raise bad_url("channel_id")
            self._check_upload(r.caller, channel_id)
            if not infos and not client_ids:
                expect_ids = False  # no client_ids before the first file: none are taken after it
            if expect_ids and len(infos) >= len(client_ids):
                raise bad_body("client_ids", "one client_id for each file")
            # the body is read up to MaxFileSize + 512 bytes: a file that fits but ends past that cannot be read
            fail_if(len(part.data) <= self.max_file_size and part.end > self.max_file_size + BODY_CAP_SLACK, 413,
                    "api.context.request_body_too_large.app_error",
                    "Unable to process request. Request body too large.")
            # a part has no Content-Length: the server names the length -1 in its 413
            infos.append(self._store_file(r.caller, channel_id, part.filename, part.data, now, -1))
        fail_if(expect_ids and len(client_ids) != len(infos), 400,
                "api.file.upload_file.incorrect_number_of_client_ids.app_error",
                f"Unable to upload file(s). Have {len(client_ids)} client_ids for {len(infos)} files.")
        # a body with a channel_id and no file is answered 201 with no file_infos (and nothing is checked)
        return {"file_infos": infos, "client_ids": client_ids if expect_ids else []}

    def _upload_buffered(self, r: _Request, parts: list[_Part], now: int) -> dict[str, Any]:
        """uploadFileMultipartLegacy: the whole form is read first, then the files of the `files` fields."""
        fail_if(len(r.raw) > self.max_file_size + BODY_CAP_SLACK, 500, "api.file.upload_file.read_request.app_error",
                "Unable to upload file(s). Error reading or parsing request data.", "http: request body too large")
        values: dict[str, list[str]] = {}
        for part in parts:
            if part.name and not part.filename:
                values.setdefault(part.name, []).append(part.data.decode("utf-8", "replace"))
        if not values.get("channel_id"):
            raise bad_body("channel_id")
        channel_id = values["channel_id"][0]
        if not ID_FORMAT.fullmatch(channel_id):
            raise bad_url("channel_id")
        self._check_upload(r.caller, channel_id)
        files = [p for p in parts if p.name == "files" and p.filename]
        client_ids = values.get("client_ids", [])
        fail_if(client_ids and len(client_ids) != len(files), 400,
                "api.file.upload_file.incorrect_number_of_client_ids.app_error",
                f"Unable to upload file(s). Have {len(client_ids)} client_ids for {len(files)} files.")
        infos = [self._store_file(r.caller, channel_id, p.filename, p.data, now, -1) for p in files]
        return {"file_infos": infos, "client_ids": [c for c in client_ids if c]}

    def _check_upload(self, user_id: str, channel_id: str) -> None:
        """The upload_file permission, which channel members have. Mattermost does not look at delete_at here:
        uploading into an archived channel works, posting the file there is what is refused."""
        ch = self._channels.get(channel_id)
        if ch is None or user_id not in ch.members:
            raise forbidden(f"userId={user_id}, permission=upload_file")

    def _store_file(self, user_id: str, channel_id: str, name: str, data: bytes, now: int,
                    length: int) -> dict[str, Any]:
        name = go_base(name)
        fail_if(len(data) > self.max_file_size, 413, "api.file.upload_file.too_large_detailed.app_error",
                f"Unable to upload file {name}. {length} bytes exceeds the maximum allowed {self.max_file_size} "
                "bytes.")  # an empty file is no error: it is stored with size 0
        info = {"id": new_id(), "user_id": user_id, "post_id": "", "channel_id": channel_id, "create_at": now,
                "update_at": now, "delete_at": 0, "name": name, "extension": file_extension(name).removeprefix("."),
                "size": len(data), "mime_type": mime_type(name), "archived": False}
        self._files[info["id"]] = info
        self._file_bytes[info["id"]] = bytes(data)
        return file_api(info)

    def _readable_file(self, r: _Request) -> dict[str, Any]:
        """A file its uploader may always fetch, and everyone who can read its channel (the post's, once attached)."""
        info = found(self._files.get(self._id_param(r, "file_id")), 404, "app.file_info.get.app_error",
                     "Unable to get the file info.")
        ch = self._channels.get(info["channel_id"])
        if info["user_id"] != r.caller and (ch is None or not self._can_read(r.caller, ch)):
            raise forbidden(f"userId={r.caller}, permission=read_channel_content")
        return info

    def _get_file(self, r: _Request) -> tuple[int, Any, dict[str, str]]:
        info = self._readable_file(r)
        content_type = info["mime_type"] or "application/octet-stream"
        if content_type.startswith(UNSAFE_CONTENT_TYPES):
            content_type = "text/plain"
        inline = content_type.startswith(MEDIA_CONTENT_TYPES) and \
            r.query.get("download", "").lower() not in ("1", "t", "true")
        escaped = quote(info["name"], safe="$&+=:@")  # url.PathEscape
        disposition = f"{'inline' if inline else 'attachment'};filename=\"{escaped}\"; filename*=UTF-8''{escaped}"
        return 200, self._file_bytes[info["id"]], {"Content-Type": content_type, "Content-Disposition": disposition,
                                                   "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}

    def _get_file_info(self, r: _Request) -> tuple[int, Any, dict[str, str]]:
        return 200, file_api(self._readable_file(r)), {"Cache-Control": "max-age=2592000, private"}

    def _attach_files(self, post: dict[str, Any], file_ids: list[str]) -> None:
        """Mattermost's attachFilesToPost. FileInfoStore.AttachToPost takes a file only if the poster uploaded it
        and no post has it yet (`WHERE Id = ? AND PostId = '' AND CreatorId = ?`); it sets the file's ChannelId to
        the post's without comparing them, so a file uploaded to another channel moves to this one. An id that
        does not attach is dropped without an error -- the server logs a warning, the post (201) keeps only the
        ids that attached. metadata.files lists the attached files by create_at (GetFileInfosForPost)."""
        attached: list[str] = []
        for file_id in file_ids:
            info = self._files.get(file_id)
            reason = ("no such file" if info is None else f"already attached to post {info['post_id']}"
                      if info["post_id"] else "uploaded by another user" if info["user_id"] != post["user_id"]
                      else "")
            if reason:
                self.dropped_file_ids.append({"post_id": post["id"], "file_id": file_id, "reason": reason})
                continue
            info.update(post_id=post["id"], channel_id=post["channel_id"])
            attached.append(file_id)
        if attached:
            post["file_ids"] = attached
            post["metadata"]["files"] = [file_api(info) for info in self._files.values() if info["id"] in attached]

    # -- posts ------------------------------------------------------------------------------------------
    def _create_post(self, r: _Request) -> tuple[int, Any]:
        body = r.json("post")
        if not isinstance(body, dict):
            raise bad_body("post")
        channel_id, root_id = body.get("channel_id"), body.get("root_id", "")
        file_ids = body.get("file_ids") or []
        if not isinstance(file_ids, list) or not all(isinstance(f, str) for f in file_ids):
            raise bad_body("post", "file_ids must be a list of strings")
        if not isinstance(channel_id, str) or not ID_FORMAT.fullmatch(channel_id):
            raise bad_body("channel_id")
        if not isinstance(root_id, str):
            raise bad_body("root_id")
        ch = self._channels.get(channel_id)
        if ch is None or r.caller not in ch.members:
            raise forbidden("only channel members may post")
        fail_if(ch.delete_at, 400, "api.post.create_post.can_not_post_to_deleted.error",
                "Can not post to deleted channel.")
        if root_id:
            root = self._posts.get(root_id)
            fail_if(root is None or root["channel_id"] != channel_id or root["root_id"], 400,
                    "api.post.create_post.root_id.app_error", "Invalid RootId parameter.")
        # Post.IsValid limits file_ids by its length as JSON, which lets ten ids through and refuses eleven; a
        # post with files may have an empty message, as any post may
        fail_if(len(json.dumps(file_ids, separators=(",", ":"), ensure_ascii=False)) > MAX_FILE_IDS_RUNES, 400,
                "model.post.is_valid.file_ids.app_error", "Invalid file ids. Note that uploads are limited to 10 "
                "files maximum. Please use additional posts for more files.", f"{len(file_ids)} file ids")
        post = self._store_post(r.caller, ch, body.get("message", ""), body.get("props", {}), root_id)
        if file_ids:
            self._attach_files(post, file_ids)
        return 201, client_view(post)

    def _create_ephemeral(self, r: _Request) -> tuple[int, Any]:
        if "system_admin" not in self._users[r.caller]["roles"]:
            raise forbidden("creating ephemeral posts needs the create_post_ephemeral permission (system admins)")
        body = r.json("ephemeral_post")
        post = body.get("post") if isinstance(body, dict) else None
        if not isinstance(post, dict) or not isinstance(post.get("channel_id"), str):
            raise bad_body("post")
        user_id = body.get("user_id")
        if user_id not in self._users:
            raise bad_body("user_id")
        message, props = post.get("message", ""), post.get("props", {})
        check_post_content(message, props)
        fail_if(post["channel_id"] not in self._channels, 400, "api.post.create_ephemeral.channel.app_error",
                "Unknown channel.")
        self.ephemerals.append({"user_id": user_id, "channel_id": post["channel_id"], "message": message,
                                "props": props})
        return 201, {"id": new_id(), "create_at": self._now_ms(), "user_id": r.caller, "type": "system_ephemeral",
                     "channel_id": post["channel_id"], "message": message, "props": props}

    def _get_post(self, r: _Request) -> tuple[int, Any]:
        post = self._post(r)
        if not self._can_read(r.caller, self._channels[post["channel_id"]]):
            raise forbidden("the caller cannot read this channel")
        return 200, client_view(post)

    def _patch_post(self, r: _Request) -> tuple[int, Any]:
        post = self._post(r)
        if post["user_id"] != r.caller:
            raise forbidden("only the author may edit a post (edit_others_posts is not granted)")
        body = r.json("patch")
        if not isinstance(body, dict):
            raise bad_body("patch")
        fail_if(self._channels[post["channel_id"]].delete_at, 400,
                "api.post.update_post.can_not_update_post_in_deleted.error",
                "Can not update a post in a deleted channel.")
        message, props = body.get("message", post["message"]), body.get("props", post["props"])  # patch: kept
        check_post_content(message, props)
        post.update(message=message, props=copy.deepcopy(props))
        post["edit_at"] = post["update_at"] = self._now_ms()
        return 200, client_view(post)

    # -- interactive dialogs and command webhooks --------------------------------------------------------
    def _open_dialog(self, r: _Request) -> tuple[int, Any]:
        body = r.json("dialog")
        if not isinstance(body, dict):
            raise bad_body("dialog")
        trigger_id, url, dialog = body.get("trigger_id"), body.get("url"), body.get("dialog")
        if not isinstance(trigger_id, str) or not trigger_id:
            raise bad_body("trigger_id")
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "/")):
            raise bad_body("url")
        trigger = found(self._triggers.get(trigger_id), 400,
                        "interactive_message.decode_trigger_id.verify_signature_failed",
                        "Signature verification failed of trigger ID for interactive dialog.")
        fail_if(time.monotonic() - trigger["at"] > self.dialog_ttl, 400,
                "interactive_message.decode_trigger_id.expired",
                f"Trigger ID for interactive dialog is expired. Trigger IDs live for a maximum of {self.dialog_ttl}s.")
        self._check_dialog(dialog)
        opened = {"trigger_id": trigger_id, "url": url, "dialog": copy.deepcopy(dialog),
                  "user_id": trigger["user_id"], "channel_id": trigger["channel_id"]}
        self.dialogs.append(opened)
        self._open_dialogs.setdefault(opened["user_id"], []).append(opened)
        return 200, {"status": "OK"}

    @staticmethod
    def _check_dialog(dialog: Any) -> None:
        def bad(detail: str) -> MMError:
            return MMError(400, "api.context.invalid_body_param.app_error", f"Invalid dialog: {detail}", detail)

        if not isinstance(dialog, dict):
            raise bad("dialog must be an object")
        title = dialog.get("title")
        if not isinstance(title, str) or not 1 <= len(title) <= 24:
            raise bad("title must be 1 to 24 characters")
        for key in ("callback_id", "state", "submit_label", "introduction_text"):
            if not isinstance(dialog.get(key, ""), str):
                raise bad(f"{key} must be a string")
        elements = dialog.get("elements", [])
        if not isinstance(elements, list):  # no elements: the dialog is a simple confirmation
            raise bad("elements must be a list")
        names: set[str] = set()
        for i, element in enumerate(elements):
            if not isinstance(element, dict):
                raise bad(f"elements[{i}] must be an object")
            display_name, name = element.get("display_name"), element.get("name")
            if not isinstance(display_name, str) or not 1 <= len(display_name) <= 24:
                raise bad(f"elements[{i}].display_name must be 1 to 24 characters")
            if not isinstance(name, str) or not 1 <= len(name) <= 300:
                raise bad(f"elements[{i}].name must be 1 to 300 characters")
            if name in names:
                raise bad(f"elements[{i}].name {name!r} is used twice")
            names.add(name)
            if element.get("type") not in DIALOG_ELEMENT_TYPES:
                raise bad(f"elements[{i}].type must be one of {sorted(DIALOG_ELEMENT_TYPES)}")
            if element["type"] in ("select", "radio") and not element.get("data_source") \
                    and not isinstance(element.get("options"), list):
                raise bad(f"elements[{i}] needs options or a data_source")

    def _command_hook(self, r: _Request) -> tuple[int, Any]:
        hook = found(self._hooks.get(r.params["hook_id"]), 404, "app.command_webhook.get.missing.app_error",
                     "Unable to find the webhook.")
        fail_if(time.monotonic() - hook["at"] > self.response_url_ttl, 400,
                "app.command_webhook.try_use.invalid.app_error", "Invalid webhook.", "the response_url has expired")
        fail_if(hook["uses"] >= RESPONSE_URL_USES, 400, "app.command_webhook.try_use.invalid.app_error",
                "Invalid webhook.", f"a response_url takes at most {RESPONSE_URL_USES} posts")
        hook["uses"] += 1
        before = len(self.ephemerals)
        self._command_response(hook["user_id"], hook["channel_id"], r.headers.get("Content-Type"),
                               r.raw.decode("utf-8", "replace"))
        hook["posted"] += [e["message"] for e in self.ephemerals[before:]]
        return 200, {"status": "OK"}

    def responded(self, hook_id: str) -> list[str]:
        """The ephemeral texts the bot posted through a slash command's response_url so far."""
        with self._lock:
            return list(self._hooks.get(hook_id, {}).get("posted", []))

    # -- state helpers ----------------------------------------------------------------------------------
    def _now_ms(self) -> int:
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return self._last_ms

    def _add_user(self, user_id: str, username: str, email: str, *, is_bot: bool = False,
                  roles: str = "system_user") -> None:
        username, email = username.lower(), email.lower()
        if any(u["username"] == username or u["email"] == email for u in self._users.values()):
            raise ValueError(f"username {username!r} or email {email!r} is taken")
        self._users[user_id] = {"id": user_id, "username": username, "email": email, "is_bot": is_bot,
                                "roles": roles, "delete_at": 0, "create_at": self._now_ms(), "first_name": "",
                                "last_name": "", "nickname": "", "locale": "nl"}

    def _user_api(self, user_id: str) -> dict[str, Any]:
        user = dict(self._users[user_id])
        if not user["is_bot"]:
            user.pop("is_bot")
        return user

    def _user_id(self, user: str) -> str:
        if user in self._users:
            return user
        found = next((u["id"] for u in self._users.values() if u["username"] == user.lower()), None)
        if found is None:
            raise LookupError(f"unknown user {user!r}")
        return found

    def _team_api(self) -> dict[str, Any]:
        return {"id": self.team_id, "name": self.team_name, "display_name": self.team_name.title(), "type": "O",
                "delete_at": 0, "allow_open_invite": False}

    @staticmethod
    def _member_api(ch: _Channel, user_id: str) -> dict[str, Any]:
        return {"channel_id": ch.id, "user_id": user_id, "roles": "channel_user", "msg_count": 0,
                "mention_count": 0, "scheme_user": True, "scheme_admin": False,
                "notify_props": {"desktop": "default", "mark_unread": "all"}}

    @staticmethod
    def _id_param(r: _Request, name: str) -> str:
        value = r.params[name]
        if not ID_FORMAT.fullmatch(value):
            raise bad_url(name)
        return value

    @staticmethod
    def _check_channel_name(name: Any) -> str:
        def bad(detail: str) -> MMError:
            return MMError(400, "model.channel.is_valid.name.app_error", "Invalid channel name.", detail)

        if not isinstance(name, str) or not 1 <= len(name) <= 64:
            raise bad("a name has 1 to 64 characters")
        if not CHANNEL_NAME.fullmatch(name):
            raise bad("lowercase letters, digits, '-' and '_' only, starting and ending with a letter or digit")
        parts = name.split("__")
        if ID_FORMAT.fullmatch(name) or (len(parts) == 2 and all(ID_FORMAT.fullmatch(p) for p in parts)):
            raise bad("user ids are not permitted in channel names for non-direct message channels")
        return name

    def _channel_by_name(self, name: str, *, team_id: str | None = None) -> _Channel | None:
        team_id = self.team_id if team_id is None else team_id
        return next((c for c in self._channels.values() if c.name == name and c.team_id == team_id), None)

    def _can_read(self, user_id: str, ch: _Channel) -> bool:
        return user_id in ch.members or (ch.type == "O" and user_id in self._team_members)

    def _readable_channel(self, r: _Request) -> _Channel:
        ch = found(self._channels.get(self._id_param(r, "channel_id")), 404, "app.channel.get.existing.app_error",
                   "Unable to find the existing channel.")
        if not self._can_read(r.caller, ch):
            raise forbidden("the caller cannot see this channel")
        return ch

    def _post(self, r: _Request) -> dict[str, Any]:
        post = self._posts.get(self._id_param(r, "post_id"))
        if post is None or post["delete_at"]:
            raise MMError(404, "app.post.get.app_error", "Unable to get the post.")
        return post

    def _issue_trigger(self, user_id: str, channel_id: str) -> str:
        raw = f"{new_id()}:{user_id}:{int(time.time() * 1000)}:{secrets.token_hex(16)}"
        trigger = base64.b64encode(raw.encode()).decode()  # looks like Mattermost's signed, base64 trigger ids
        self._triggers[trigger] = {"user_id": user_id, "channel_id": channel_id, "at": time.monotonic()}
        return trigger

    def _store_post(self, user_id: str, ch: _Channel, message: Any, props: Any, root_id: str = "") -> dict:
        check_post_content(message, props)
        now = self._now_ms()
        post = {"id": new_id(), "create_at": now, "update_at": now, "edit_at": 0, "delete_at": 0,
                "is_pinned": False, "user_id": user_id, "channel_id": ch.id, "root_id": root_id, "original_id": "",
                "message": message, "type": "", "props": copy.deepcopy(props), "hashtags": "", "pending_post_id": "",
                "reply_count": 0, "metadata": {}}
        self._posts[post["id"]] = post
        return post


class _Handler(BaseHTTPRequestHandler):
    def _body(self) -> bytes:
        if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []  # a streamed upload comes chunked
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(chunks)

    def _serve(self) -> None:
        raw = self._body()
        fake: FakeMattermost = self.server.fake  # type: ignore[attr-defined]
        try:
            status, headers, payload = fake.handle(self.command, self.path, self.headers, raw)
        except Exception:
            fake.server_errors.append(traceback.format_exc())
            status, headers = 500, {}
            payload = fake._error_body(MMError(500, "api.context.500.app_error", "An internal error occurred."))
        headers = dict(headers)
        if isinstance(payload, bytes):  # a file's content, its Content-Type among the headers
            data, content_type = payload, headers.pop("Content-Type", "application/octet-stream")
        elif isinstance(payload, str):
            data, content_type = payload.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", new_id())
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass
