"""The door of the Slack app over HTTP: what arrives is checked before Bolt reads it.

- Only `POST /slack/events`. The HTTP server has already refused a body over its limit (413), from the
  Content-Length, before reading it.
- The signature: `X-Slack-Request-Timestamp` is a number within five minutes of now and
  `X-Slack-Signature` is Slack's HMAC over it and the body. Otherwise 401 and nothing else: such a request
  is nobody's, so it is neither answered in Dutch nor written to the audit log (a flood of forgeries must
  not fill an append-only log); a log line says it happened.
- Each signature counts once, kept in the database until it expires: a replay is refused also after a
  restart or by a second bot process (401).
- The shape: a slash command of the app with the fields the bot reads, an interaction whose `payload`
  is a JSON object of a kind the bot handles, with the fields it reads and of the right types, or an event the
  bot subscribes to (the Home tab) or Slack's check of the request URL. A signed
  request of any other shape is answered in Dutch (200) and audited, and changes nothing.

Only then does Bolt see the request (it checks the signature once more; that costs little).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs

from ..serving import MAX_BODY
from ..storage.spent import SpentStates
from .spec import COMMANDS, EVENTS

PATH = "/slack/events"
WINDOW = 300                                    # seconds: Slack's signatures are good for five minutes
ACTIONS = frozenset({"bevestig", "weiger", "oppakken", "akkoord", "document", "toewijzen"})
log = logging.getLogger("triagebot.slack")

Refuse = Callable[[str | None], str]            # claimed Slack user id → the Dutch answer (audited)


class Garbage(ValueError):
    """A signed request of a shape the bot does not handle; `user` is the Slack user it names, if any."""

    def __init__(self, why: str, user: str | None = None):
        super().__init__(why)
        self.user = user


class SlackGate:
    def __init__(self, bolt_wsgi, signing_secret: str, spent: SpentStates, refuse: Refuse,
                 forms: Iterable[str], clock: Callable[[], float] = time.time):
        self.bolt, self.secret, self.spent, self.refuse = bolt_wsgi, signing_secret.encode(), spent, refuse
        self.forms, self.clock = frozenset(forms), clock

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return _reply(start_response, 404, "Niet gevonden.")
        if environ.get("REQUEST_METHOD") != "POST":
            return _reply(start_response, 405, "Alleen POST.")
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            return _reply(start_response, 413 if length.isdigit() else 400, "Ongeldige lengte.")
        body = environ["wsgi.input"].read(int(length))
        why = self._unsigned(environ, body)
        if why is not None:
            log.warning("request refused before reading it", extra={"why": why})
            return _reply(start_response, 401, "Niet ondertekend door Slack.")
        try:
            self._check_shape(environ.get("CONTENT_TYPE", ""), body)
        except Garbage as exc:
            log.warning("signed request of an unknown shape", extra={"why": str(exc)})
            text = self.refuse(exc.user)
            return _reply(start_response, 200, json.dumps({"response_type": "ephemeral", "text": text}),
                          "application/json")
        environ["wsgi.input"] = BytesIO(body)
        return self.bolt(environ, start_response)

    # ---- the signature --------------------------------------------------------------------------------
    def _unsigned(self, environ: dict, body: bytes) -> str | None:
        """Why the request is not Slack's, or None."""
        ts = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not (ts.isascii() and ts.isdigit()) or len(ts) > 12:
            return "timestamp"
        if abs(self.clock() - int(ts)) > WINDOW:
            return "stale"
        expected = "v0=" + hmac.new(self.secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return "signature"
        if not self.spent.spend("slack:" + hashlib.sha256(signature.encode()).hexdigest()[:26], int(ts) + WINDOW):
            return "replayed"
        return None

    # ---- the shape ------------------------------------------------------------------------------------
    def _check_shape(self, content_type: str, body: bytes) -> None:
        if content_type.startswith("application/json"):
            return self._check_event(body)
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise Garbage("content type")
        try:
            text = body.decode("utf-8")
            fields = parse_qs(text, keep_blank_values=True, strict_parsing=True, max_num_fields=64)
        except (UnicodeDecodeError, ValueError):
            raise Garbage("not a form") from None
        if any(len(values) != 1 for values in fields.values()):
            raise Garbage("a field twice")
        form = {k: v[0] for k, v in fields.items()}
        if "payload" in form:
            self._check_payload(form["payload"])
        else:
            self._check_command(form)

    @staticmethod
    def _check_command(form: dict[str, str]) -> None:
        user = form.get("user_id") or None
        if not _slack_id(user):
            raise Garbage("command without user")
        if form.get("command") not in COMMANDS:
            raise Garbage("unknown command", user)
        if not _slack_id(form.get("channel_id"), optional=True) or "text" not in form:
            raise Garbage("command fields", user)

    def _check_payload(self, raw: str) -> None:
        try:
            payload = json.loads(raw)
        except ValueError:
            raise Garbage("payload is no JSON") from None
        if not isinstance(payload, dict):
            raise Garbage("payload is no object")
        user = _get(payload, "user", dict).get("id")
        user = user if isinstance(user, str) and _slack_id(user) else None
        if user is None:
            raise Garbage("interaction without user")
        kind = payload.get("type")
        if kind == "block_actions":
            actions = _get(payload, "actions", list)
            if not actions or not all(isinstance(a, dict) and a.get("action_id") in ACTIONS
                                      and isinstance(a.get("value"), str) for a in actions):
                raise Garbage("actions", user)
            channel = payload.get("channel", {})
            if not isinstance(channel, dict) or not _slack_id(channel.get("id"), optional=True):
                raise Garbage("channel", user)
            if not isinstance(payload.get("trigger_id", ""), str):
                raise Garbage("trigger", user)
        elif kind == "view_submission":
            view = _get(payload, "view", dict)
            values = _get(_get(view, "state", dict), "values", dict)
            if (view.get("callback_id") not in self.forms or not isinstance(view.get("private_metadata"), str)
                    or not all(isinstance(v, dict) and all(isinstance(e, dict) for e in v.values())
                               for v in values.values())):
                raise Garbage("view", user)
        else:
            raise Garbage("interaction type", user)


    @staticmethod
    def _check_event(body: bytes) -> None:
        """The Events API: Slack's check of the request URL, or an event the bot subscribes to (EVENTS)."""
        try:
            data = json.loads(body)
        except ValueError:
            raise Garbage("event is no JSON") from None
        if not isinstance(data, dict):
            raise Garbage("event is no object")
        if data.get("type") == "url_verification" and isinstance(data.get("challenge"), str):
            return
        event = _get(data, "event", dict)
        user = event.get("user") if _slack_id(event.get("user")) else None
        if data.get("type") != "event_callback" or event.get("type") not in EVENTS or user is None:
            raise Garbage("event", user)


def _get(data: dict, key: str, kind: type) -> Any:
    value = data.get(key)
    return value if isinstance(value, kind) else kind()


def _slack_id(value: Any, optional: bool = False) -> bool:
    if value in (None, ""):
        return optional
    return isinstance(value, str) and len(value) <= 32 and value.isascii() and value.isalnum()


def _reply(start_response, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> list[bytes]:
    data = text.encode()
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
              413: "Content Too Large"}[status]
    start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]
