"""The bot's Mattermost endpoints, as a WSGI app: slash commands, button clicks and dialog submissions,
translated into the bot's invocations and clicks. Like the Slack adapter it only translates.

- Slash commands: the command's token (`Authorization: Token` and the form field, both checked in
  constant time) must be the one Mattermost gave that command. On a server, a command is then stored in the
  inbox and answered at once; the inbox's processor applies it and answers through its response_url.
- Buttons: the context must carry the bot's signature (`signing.py`); the domain refuses a button whose
  request is no longer open. The answer is the click's ephemeral text.
- Dialogs: the state must be signed, unexpired, unspent, of a form the bot makes and made for the user who
  submits it (the submission itself is unsigned: without that, someone could send their form as a
  colleague); a refusal keeps the dialog open with the reason; on success the private answer goes to the
  slash command's `response_url` (or, for a dialog opened by a button, which has none, as a direct message).

A request without that proof (a wrong token, a context or state the bot did not sign) is nobody's: 401, a
log line, and nothing else — no Dutch answer and no audit entry, so that forgeries cannot fill the
append-only log. A request with the proof that is still wrong (expired, replayed, someone else's form, a
mistake in what was typed) gets a Dutch answer and an audit entry, and changes nothing. A body larger than
the limit is refused from its Content-Length (413), before it is read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import httpx

from commands.model import Click, Invocation
from commands.parse import ParseError, case_from_channel

from .. import forms
from ..app import Bot, Private
from ..channel_map import ChannelMap
from ..delivery.inbox import AnswerPoster, Inbox
from ..serving import MAX_BODY
from ..storage.spent import SpentStates
from .client import MattermostClient, MattermostError
from .dialogs import dialog, values
from .signing import Expired, Forged, Malformed, Replayed, Signer

COMMAND_PATH, ACTION_PATH, DIALOG_PATH = "/mattermost/opdracht", "/mattermost/knop", "/mattermost/formulier"
USER_ID = re.compile(r"[a-z0-9]{26}")      # Mattermost's ids
# what each form's signed state holds (the bot makes them in `command` and `action`)
STATE_KEYS = {**{f: {"formulier", "voor", "kanaal", "nummer", "antwoord", "nonce", "tot"} for f in forms.COMMAND_FORMS},
              **{f: {"formulier", "voor", "kanaal", "waarde", "antwoord", "nonce", "tot"}
                 for f in (forms.REFUSE, *forms.LINE_FORMS)}}
COMMAND = "opdracht"     # what the inbox holds
KINDS = {COMMAND_PATH: "opdracht", ACTION_PATH: "knop", DIALOG_PATH: "formulier"}   # for the counters (bot/ops.py)
log = logging.getLogger("triagebot.mattermost")
Response = tuple[int, dict[str, Any]]


class Unsigned(ValueError):
    """A request that does not carry the bot's or Mattermost's proof: a wrong command token, a button
    context or a dialog state the bot did not sign."""


def request_kind(environ: dict, body: bytes) -> str:
    return KINDS.get(environ.get("PATH_INFO", ""), "anders")


class MattermostApp:
    def __init__(self, bot: Bot, client: MattermostClient, bot_user_id: str, signer: Signer, tokens: dict[str, str],
                 channels: ChannelMap, public_url: str, post_answer: Callable[[str, dict], None] | None = None,
                 inbox: Inbox | None = None):
        self.bot, self.client, self.bot_user_id, self.signer, self.channels = bot, client, bot_user_id, signer, channels
        self.inbox = inbox      # with one, a slash command is stored and answered at once (`bot/delivery/inbox.py`)
        self.spent = SpentStates(bot.engine, signer.clock)
        self.words = bot.renderer.words
        self.tokens = {command: token.encode() for command, token in tokens.items()}
        self.dialog_url = public_url.rstrip("/") + DIALOG_PATH
        self.post_answer = post_answer or AnswerPoster()
        self._members: dict[str, str] = {}
        self.routes: dict[str, Callable[[dict[str, str], bytes], Response]] = {
            COMMAND_PATH: self.command, ACTION_PATH: self.action, DIALOG_PATH: self.dialog}

    # ---- WSGI ---------------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        length = environ.get("CONTENT_LENGTH") or "0"
        if route is None or environ.get("REQUEST_METHOD") != "POST":
            status, body = 404, {"text": "Niet gevonden."}
        elif not length.isdigit() or int(length) > MAX_BODY:
            status, body = (413 if length.isdigit() else 400), {"text": "Ongeldige lengte."}
        else:
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            headers["content-type"] = environ.get("CONTENT_TYPE", "")
            try:
                status, body = route(headers, environ["wsgi.input"].read(int(length)))
            except Unsigned as exc:     # nobody's request: refused, and nothing else (no audit entry to fill)
                log.warning("unsigned request refused", extra={"path": environ.get("PATH_INFO"), "why": str(exc)})
                status, body = 401, {"text": "Niet ondertekend."}
            except Exception:   # never a stack trace to a person; the log names no case data
                log.exception("request failed", extra={"path": environ.get("PATH_INFO")})
                # 200, because Mattermost shows only its own English error for anything else; the one body
                # fits all three routes (a command's text, a button's ephemeral text, a dialog's error)
                text = self._refuse("mattermost:?", "mattermost:verzoek", ParseError("storing"))
                status, body = 200, {"response_type": "ephemeral", "text": text, "ephemeral_text": text, "error": text}
        data = json.dumps(body).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    # ---- slash commands -----------------------------------------------------------------------------
    def command(self, headers: dict[str, str], raw: bytes) -> Response:
        form = _form(headers, raw)
        command, text = form.get("command", ""), form.get("text", "").strip()
        if not self._token_ok(command, headers.get("authorization", ""), form.get("token", "")):
            raise Unsigned("command token")
        user_id, channel_id = form.get("user_id", ""), form.get("channel_id", "")
        channel = self.channels.name_of(channel_id)
        number = case_from_channel(channel)
        form_ = forms.for_command(text, number, self.bot.directory, self.words) if command == "/casus" else None
        if form_ is not None:
            state = self.signer.state(formulier=form_.callback, voor=user_id, kanaal=channel_id,
                                      nummer=number or "", antwoord=form.get("response_url", ""))
            if self._open(form.get("trigger_id", ""), form_, state):
                return 200, {}
            return 200, {"response_type": "ephemeral", "text": self._refuse(
                self.member_of(user_id), f"{command} {text}", ParseError("formulier_niet_geopend"))}
        if self.inbox is not None and form.get("response_url") and USER_ID.fullmatch(user_id):
            # applied by the inbox's processor (who sent it is looked up there), answered through the response_url;
            # a request without one is applied here, so that its answer is this response
            key = form.get("trigger_id") or hashlib.sha256(raw).hexdigest()
            self.inbox.put("mattermost", key, COMMAND, number or f"@{user_id}",
                           {"user": user_id, "command": command, "text": text, "channel": channel_id,
                            "url": form["response_url"]})
            return 200, {}
        invocation = Invocation(self.member_of(user_id), command, text, channel)
        return 200, {"response_type": "ephemeral", "text": _joined(self.bot.command(invocation))}

    # ---- the inbox's processor ----------------------------------------------------------------------
    def apply(self, kind: str, p: dict) -> str:
        """A slash command the front stored (the only kind it stores: a button's answer is its own response,
        as the bot may not post ephemeral messages later)."""
        invocation = Invocation(self.member_of(p["user"]), p["command"], p["text"], self.channels.name_of(p["channel"]))
        return _joined(self.bot.command(invocation))

    def send(self, kind: str, p: dict, text: str) -> None:
        self._tell(p["user"], p.get("url", ""), text)

    def _token_ok(self, command: str, authorization: str, field: str) -> bool:
        expected = self.tokens.get(command, b"\0unknown command")
        scheme, _, header = authorization.partition(" ")
        given = [t for t in (field, header.strip() if scheme.lower() == "token" else "") if t]
        matches = [hmac.compare_digest(t.encode(), expected) for t in given]   # every given token must match
        return bool(matches) and all(matches)

    # ---- buttons ------------------------------------------------------------------------------------
    def action(self, headers: dict[str, str], raw: bytes) -> Response:
        body = _json(raw)
        user_id, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        try:
            action, value = self.signer.check_context(body.get("context"))
        except Forged:
            raise Unsigned("button context") from None
        member = self.member_of(user_id)
        form = forms.for_button(action, self.bot.profile, self.words)   # a reason, an appointment: ask first
        if form is not None:
            state = self.signer.state(formulier=form.callback, voor=user_id, kanaal=channel_id, waarde=value,
                                      antwoord="")
            if self._open(str(body.get("trigger_id", "")), form, state):
                return 200, {}
            return 200, {"ephemeral_text": self._refuse(member, f"klik:{action}",
                                                        ParseError("formulier_niet_geopend"))}
        answers = self.bot.click(Click(member, action, value, "", self.channels.name_of(channel_id)))
        return 200, {"ephemeral_text": _joined(answers)}

    # ---- dialogs ------------------------------------------------------------------------------------
    def dialog(self, headers: dict[str, str], raw: bytes) -> Response:
        body = _json(raw)
        if body.get("cancelled"):
            return 200, {}
        user_id = str(body.get("user_id", ""))
        try:
            state = self.signer.open_state(body.get("state"))
        except Forged:
            raise Unsigned("dialog state") from None
        except (Expired, Malformed) as exc:
            key = "formulier_verlopen" if isinstance(exc, Expired) else "formulier_vervalst"
            return 200, {"error": self._refuse(_claimed(user_id), "formulier", ParseError(key))}
        try:     # a state this bot signed: for this person, of a form it makes, and not used before
            if state.get("voor") != user_id or not STATE_KEYS.get(state.get("formulier"), set()) <= state.keys():
                raise Forged("state of another user, or not of a form of this bot")
            if not self.spent.spend(state["nonce"], state["tot"]):
                raise Replayed("state used before")
        except Replayed:
            return 200, {"error": self._refuse(_claimed(user_id), "formulier", ParseError("formulier_verlopen"))}
        except Forged:
            return 200, {"error": self._refuse(_claimed(user_id), "formulier", ParseError("formulier_vervalst"))}
        member = self.member_of(user_id)
        answers = self._submit(member, state, values(_form_named(state["formulier"], self.bot, state),
                                                     body.get("submission")))
        if any(a.refused for a in answers):     # the dialog stays open with the reason; it may be sent again
            self.spent.unspend(state["nonce"])
            return 200, {"error": _joined(answers)}
        self._tell(user_id, state["antwoord"], _joined(answers))
        return 200, {}

    def _submit(self, member: str, state: dict, filled: forms.Values) -> list[Private]:
        channel = self.channels.name_of(state.get("kanaal", ""))
        if state["formulier"] == forms.REFUSE:
            return self.bot.click(Click(member, "weiger", state["waarde"], forms.reason_of(filled), channel))
        if state["formulier"] in forms.LINE_FORMS:
            line = forms.button_line(state["formulier"], state["waarde"], filled)
            return self.bot.command(Invocation(member, "/casus", line, channel))
        line = forms.line_of(state["formulier"], state["nummer"], filled)
        return self.bot.command(Invocation(member, "/casus", line, channel))

    def _tell(self, user_id: str, response_url: str, text: str) -> None:
        """The private answer after a dialog: to the command's response_url, else a direct message."""
        try:
            if response_url:
                self.post_answer(response_url, {"response_type": "ephemeral", "text": text})
            else:
                dm = self.client.direct_channel(self.bot_user_id, user_id)
                self.client.create_post(dm["id"], text)
        except (httpx.HTTPError, MattermostError) as exc:   # the action itself stands
            log.warning("private answer not delivered", extra={"error": type(exc).__name__})

    # ---- helpers ------------------------------------------------------------------------------------
    def _open(self, trigger_id: str, form: forms.Form, state: str) -> bool:
        try:
            self.client.open_dialog(trigger_id, self.dialog_url, dialog(form, state))
            return True
        except MattermostError as exc:
            log.warning("dialog not opened", extra={"error": exc.error_id})
            return False

    def _refuse(self, member: str, action: str, exc: ParseError) -> str:
        """A refusal found by the adapter: answered in Dutch and audited, like the commands' own."""
        return _joined(self.bot.command_error(member, action, exc))

    def member_of(self, user_id: str) -> str:
        """The directory member behind a Mattermost user id: by username, else by e-mail."""
        if not USER_ID.fullmatch(user_id):
            return _claimed(user_id)
        if user_id not in self._members:
            try:
                user = self.client.user(user_id)
            except MattermostError:
                return f"mattermost:{user_id}"      # the directory answers 'onbekend_lid'
            m = self.bot.directory.by_chat_id("mattermost", user.get("username", ""))
            if m is None and user.get("email"):
                m = self.bot.directory.by_email(user["email"])
            if m is None:
                return f"mattermost:{user_id}"
            self._members[user_id] = m.id
        return self._members[user_id]


def _claimed(user_id: str) -> str:
    """A Mattermost user id as the audit log names someone not (yet) looked up; never other words."""
    return f"mattermost:{user_id if USER_ID.fullmatch(user_id) else '?'}"


def _form_named(callback: Any, bot: Bot, state: dict) -> forms.Form:
    if callback in (forms.REFUSE, *forms.LINE_FORMS):
        return forms.button_form(callback, bot.renderer.words)
    return forms.named(callback, state["nummer"], bot.directory, bot.renderer.words)


def _joined(answers: list[Private]) -> str:
    return "\n\n".join(a.text for a in answers) or " "


def _form(headers: dict[str, str], raw: bytes) -> dict[str, str]:
    if headers.get("content-type", "").startswith("application/json"):
        data = _json(raw)
        return {k: str(v) for k, v in data.items()}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
