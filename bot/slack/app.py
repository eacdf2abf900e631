"""The Slack app (slack-bolt): slash commands, buttons and forms (modals, `bot/forms.py`), translated into
the bot's invocations and clicks. On a server, a slash command or a button is stored in the inbox before Slack
gets its answer (at once, well within Slack's 3 seconds), and applied and answered by the inbox's processor
(`SlackRequests`); a form's submission is applied (with its audit entry) before Slack gets its answer, as a
refusal shows in the form. Opening a form and a form's private answer follow on a small pool of threads; the
messages to channels go through the outbox, which a background worker delivers."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import httpx
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.model import Click, Invocation
from commands.parse import ParseError, case_from_channel
from models.directory import Member

from .. import forms
from ..app import Bot, Private
from ..channel_map import ChannelMap
from ..delivery.inbox import AnswerPoster, Inbox
from ..storage.spent import SpentStates
from .forms import modal, values_of
from .gate import SlackGate
from .home import HomeTabs
from .spec import COMMANDS

COMMAND, CLICK = "opdracht", "knop"     # what the inbox holds (`bot/delivery/inbox.py`)
ERROR_LIMIT = 2000      # characters of a form field's error (Slack shows it under the field)
log = logging.getLogger("triagebot.slack")


class EmailLookups:
    """Members found through Slack's `users.info` (the directory gives their email, not their Slack id),
    remembered for `ttl` seconds: without it every command of such a member waits for a call to Slack
    before it can be answered. Only a member found is remembered (not a failed call, nor an email the
    directory does not know), and only for a while, so that an email changed in Slack counts again."""

    def __init__(self, ttl: float = 600.0):
        self.ttl, self.found, self.lock = ttl, {}, threading.Lock()

    def get(self, user_id: str) -> Member | None:
        with self.lock:
            hit = self.found.get(user_id)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, user_id: str, member: Member | None) -> None:
        if member is None:
            return
        with self.lock:
            self.found[user_id] = (time.monotonic() + self.ttl, member)


class AfterAnswer:
    """Work that follows the answer (a click's private answer, opening a form): on a few background
    threads, so that the request thread returns Slack's answer at once. A failure is logged, as Bolt
    logs a failing listener."""

    def __init__(self, threads: int = 4):
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="slack-after")

    def __call__(self, work: Callable[[], None]) -> None:
        self.pool.submit(self._run, work)

    @staticmethod
    def _run(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("work after the answer failed")


def _at_once(work: Callable[[], None]) -> None:
    work()


class SlackRequests:
    """Who a Slack request is from, which case channel it comes from, and its private answer: shared by the
    listeners and the inbox's processor (`bot/delivery/inbox.py`), which applies what the front stored — a
    slash command (answered through its `response_url`) or a button (answered ephemerally, else in a DM)."""

    def __init__(self, bot: Bot, client: WebClient, channels: ChannelMap,
                 post_answer: Callable[[str, dict], None] | None = None):
        self.bot, self.client, self.channels = bot, client, channels
        self.by_email = EmailLookups()
        self.post_answer = post_answer or AnswerPoster()

    def member_of(self, user_id: str) -> str:
        m = self.bot.directory.by_chat_id("slack", user_id)
        if m is None:
            m = self.by_email.get(user_id)
        if m is None:
            try:
                email = self.client.users_info(user=user_id)["user"]["profile"].get("email")
            except Exception:   # unknown to Slack or no scope: the directory answers 'onbekend_lid'
                return f"slack:{user_id}"
            m = self.bot.directory.by_email(email) if email else None
            self.by_email.put(user_id, m)
        return m.id if m else f"slack:{user_id}"

    def channel_name(self, channel_id: str) -> str | None:
        """The case channel a request comes from. A direct message (id 'D...') never is one: no lookup."""
        if not channel_id or channel_id.startswith("D"):
            return None
        return self.channels.name_of(channel_id)

    def command(self, user_id: str, command: str, text: str, channel_id: str) -> list[Private]:
        return self.bot.command(Invocation(self.member_of(user_id), command, text, self.channel_name(channel_id)))

    def click(self, user_id: str, action: str, value: str, channel_id: str, reason: str = "") -> list[Private]:
        return self.bot.click(Click(self.member_of(user_id), action, value, reason, self.channel_name(channel_id)))

    def tell(self, user_id: str, channel_id: str | None, text: str) -> None:
        """The private answer to a click or a form: ephemeral where the person acted, else a direct message
        (Slack refuses an ephemeral message to someone outside the channel). The action itself stands."""
        try:
            try:
                self.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
            except SlackApiError:
                dm = self.client.conversations_open(users=user_id)["channel"]["id"]
                self.client.chat_postMessage(channel=dm, text=text)
        except SlackApiError as exc:
            log.warning("private answer not delivered", extra={"error": exc.response.get("error")})

    # ---- the inbox's processor ----------------------------------------------------------------------------
    def apply(self, kind: str, p: dict) -> str:
        if kind == COMMAND:
            return joined(self.command(p["user"], p["command"], p["text"], p["channel"]))
        return joined(self.click(p["user"], p["action"], p["value"], p["channel"]))

    def send(self, kind: str, p: dict, text: str) -> None:
        if kind == COMMAND and p.get("url"):
            try:
                self.post_answer(p["url"], {"response_type": "ephemeral", "text": text})
                return
            except httpx.HTTPError as exc:     # expired (30 min) or refused: the answer comes as a DM instead
                log.warning("response_url refused the answer", extra={"error": type(exc).__name__})
        self.tell(p["user"], p.get("channel"), text)


def joined(answers: list[Private]) -> str:
    return "\n\n".join(a.text for a in answers) or " "


def build_app(bot: Bot, client: WebClient, signing_secret: str | None, channels: ChannelMap,
              token_verification: bool = True, answer_first: bool = True, inbox: Inbox | None = None,
              requests: SlackRequests | None = None, homes: HomeTabs | None = None) -> App:
    # Every listener runs in the request's own thread (process_before_response=True): Bolt's other mode
    # runs it on a pool of five threads and polls every 10 ms for `ack`, which under load makes requests
    # queue for a thread and adds up to 10 ms to each answer.
    # With an `inbox` (the servers), a slash command or a button is stored and acknowledged at once; the inbox's
    # processor applies it and answers (`SlackRequests.apply`, `.send`). Without one (the tests' worlds), it is
    # applied in the request and its answer is the `ack`. A form's submission is always applied in the request:
    # a refusal must show inside the form. What follows an answer goes to `later`: in the background when
    # answering first, at once in tests (so that what Slack received can be checked).
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=token_verification,
              request_verification_enabled=signing_secret is not None, process_before_response=True)
    later: Callable[[Callable[[], None]], None] = AfterAnswer() if answer_first else _at_once
    words = bot.renderer.words     # the forms' Dutch texts
    side = requests or SlackRequests(bot, client, channels)

    @app.error
    def failed(error, body):
        """A failure inside a listener (the commands themselves answer every mistake): a Dutch answer and an
        audit entry instead of Bolt's bare 500."""
        log.error("listener failed", exc_info=error)
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
        text = joined(bot.command_error(f"slack:{user or '?'}", "slack:verzoek", ParseError("storing")))
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                            headers={"content-type": "application/json"})

    def stored(kind: str, body: dict, queue_channel: str, payload: dict) -> None:
        """Into the inbox, in the order of the case (else of the person)."""
        number = case_from_channel(side.channel_name(queue_channel))
        key = body.get("trigger_id") or hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        inbox.put("slack", key, kind, number or f"@{payload['user']}", payload)

    def on_command(ack, body):
        channel_id = body.get("channel_id", "")
        text = body.get("text", "").strip()
        form = None
        if body["command"] == "/casus":
            number = case_from_channel(side.channel_name(channel_id))
            if found := forms.for_command(text, number, bot.directory, words):
                form = modal(found, f"{number or ''}|{channel_id}")              # a form instead of a line
        if form is not None:
            ack()
            later(lambda: open_form(body.get("trigger_id", ""), form, body["user_id"], channel_id,
                                    f"{body['command']} {text}"))
            return
        if inbox is not None and body.get("response_url"):    # else its answer can only be this response
            stored(COMMAND, body, channel_id, {"user": body["user_id"], "command": body["command"], "text": text,
                                               "channel": channel_id, "url": body.get("response_url", "")})
            ack()
            return
        ack(text=joined(side.command(body["user_id"], body["command"], text, channel_id)))   # only for who typed it

    def submitted(ack, body, answers: list[Private], user_id: str, channel_id: str, field: str) -> None:
        """A form's answer: a refusal stays in the form, under `field`, to be corrected; else it comes privately."""
        if any(a.refused for a in answers):
            ack(response_action="errors", errors={field: joined(answers)[:ERROR_LIMIT]})
            return
        ack()
        later(lambda: side.tell(user_id, channel_id, joined(answers)))

    def on_form(ack, body, view):
        """A submitted form runs as the command line it stands for."""
        number, _, channel_id = view["private_metadata"].partition("|")
        values = values_of(view["state"]["values"])
        line = forms.line_of(view["callback_id"], number, values)
        answers = side.command(body["user"]["id"], "/casus", line, channel_id)
        first = forms.named(view["callback_id"], number, bot.directory, words)
        submitted(ack, body, answers, body["user"]["id"], channel_id, first.fields[0].name)

    for callback in forms.COMMAND_FORMS:
        app.view(callback)(on_form)

    for name in COMMANDS:
        app.command(name)(on_command)

    def open_form(trigger_id: str, form, user_id: str, channel_id: str, action: str) -> None:
        """Open a form; if Slack will not (the trigger expired), say so privately, audited like a refusal."""
        try:
            client.views_open(trigger_id=trigger_id, view=form)
        except SlackApiError as exc:
            log.warning("form not opened", extra={"error": exc.response.get("error")})
            answers = bot.command_error(side.member_of(user_id), action, ParseError("formulier_niet_geopend"))
            side.tell(user_id, channel_id, joined(answers))

    @app.action("bevestig")
    @app.action("weiger")
    @app.action("toewijzen")
    def on_asking_button(ack, body, action):
        """A button that may first ask something in a form (`forms.for_button`); otherwise it acts at once."""
        form = forms.for_button(action["action_id"], bot.profile, words)
        if form is None:
            return on_button(ack, body, action)
        ack()
        channel_id = body.get("channel", {}).get("id", "")
        later(lambda: open_form(body.get("trigger_id", ""), modal(form, f"{action['value']}|{channel_id}"),
                                body["user"]["id"], channel_id, f"klik:{action['action_id']}"))

    def on_line_form(ack, body, view):
        """A button's form that stands for a command line (an appointment, a worker to assign)."""
        value, _, channel_id = view["private_metadata"].partition("|")
        line = forms.button_line(view["callback_id"], value, values_of(view["state"]["values"]))
        answers = side.command(body["user"]["id"], "/casus", line, channel_id)
        submitted(ack, body, answers, body["user"]["id"], channel_id,
                  forms.button_form(view["callback_id"], words).fields[0].name)

    for callback in forms.LINE_FORMS:
        app.view(callback)(on_line_form)

    @app.action("oppakken")
    @app.action("akkoord")
    @app.action("document")
    def on_button(ack, body, action):
        user_id, channel_id = body["user"]["id"], body.get("channel", {}).get("id", "")
        if inbox is not None:
            stored(CLICK, body, channel_id, {"user": user_id, "action": action["action_id"],
                                             "value": action["value"], "channel": channel_id})
            ack()
            return
        answers = side.click(user_id, action["action_id"], action["value"], channel_id)   # committed first
        ack()
        later(lambda: side.tell(user_id, channel_id, joined(answers)))

    @app.event("app_home_opened")
    def on_home(event):
        """Someone opened the bot's Home tab: it is published for them (after the answer: it reads their cases)."""
        if homes is not None and event.get("tab") == "home":
            later(lambda: homes.opened(event["user"]))

    @app.view(forms.REFUSE)
    def on_refuse_reason(ack, body, view):
        value, _, channel_id = view["private_metadata"].partition("|")
        answers = side.click(body["user"]["id"], "weiger", value, channel_id,
                             forms.reason_of(values_of(view["state"]["values"])))
        submitted(ack, body, answers, body["user"]["id"], channel_id, "reden")

    return app


def request_kind(environ: dict, body: bytes) -> str:
    """What a request to /slack/events is, for the counters (`bot/ops.py`): a slash command, a button, a form, an
    event, or "anders"."""
    if environ.get("CONTENT_TYPE", "").startswith("application/json"):
        return "gebeurtenis"
    form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=50)
    if "command" in form:
        return "opdracht"
    try:
        kind = json.loads(form["payload"][0]).get("type") if "payload" in form else None
    except (ValueError, AttributeError):
        return "anders"
    return {"block_actions": "knop", "view_submission": "formulier", "view_closed": "formulier"}.get(kind, "anders")


def http_app(bot: Bot, app: App, signing_secret: str):
    """The WSGI app `triagebot serve` runs: the gate (`gate.py`) in front of Bolt."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    def refuse(user: str | None) -> str:
        member = bot.directory.by_chat_id("slack", user) if user else None
        actor = member.id if member else f"slack:{user or '?'}"
        return joined(bot.command_error(actor, "slack:verzoek", ParseError("verzoek_onleesbaar")))

    return SlackGate(SlackRequestHandler(app), signing_secret, SpentStates(bot.engine, time.time), refuse,
                     (*forms.COMMAND_FORMS, forms.REFUSE, *forms.LINE_FORMS))
