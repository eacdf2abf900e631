"""The Slack app (slack-bolt): slash commands, buttons and forms (modals, `bot/forms.py`), translated into
the bot's invocations and clicks. A command, click or form is committed (with its audit entry) before
Slack gets its answer, well within Slack's 3 seconds; a click's or form's private answer and opening a
form follow on a small pool of threads, and the messages to channels go through the outbox, which a
background worker delivers."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.model import Click, Invocation
from commands.parse import ParseError, case_from_channel
from models.directory import Member

from .. import forms
from ..app import Bot, Private
from ..channel_map import ChannelMap
from ..storage.spent import SpentStates
from .forms import modal, values_of
from .gate import SlackGate
from .spec import COMMANDS

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


def build_app(bot: Bot, client: WebClient, signing_secret: str | None, channels: ChannelMap,
              token_verification: bool = True, answer_first: bool = True) -> App:
    # Every listener runs in the request's own thread (process_before_response=True): Bolt's other mode
    # runs it on a pool of five threads and polls every 10 ms for `ack`, which under load makes requests
    # queue for a thread and adds up to 10 ms to each answer. A command's answer is its `ack`, after its
    # unit of work (with the audit entry) has committed. What follows an answer goes to `later`: in the
    # background when answering first, at once in tests (so that what Slack received can be checked).
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=token_verification,
              request_verification_enabled=signing_secret is not None, process_before_response=True)
    later: Callable[[Callable[[], None]], None] = AfterAnswer() if answer_first else _at_once
    words = bot.renderer.words     # the forms' Dutch texts

    @app.error
    def failed(error, body):
        """A failure inside a listener (the commands themselves answer every mistake): a Dutch answer and an
        audit entry instead of Bolt's bare 500."""
        log.error("listener failed", exc_info=error)
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
        text = answer(bot.command_error(f"slack:{user or '?'}", "slack:verzoek", ParseError("storing")))
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                            headers={"content-type": "application/json"})

    by_email = EmailLookups()

    def member_of(user_id: str) -> str:
        m = bot.directory.by_chat_id("slack", user_id)
        if m is None:
            m = by_email.get(user_id)
        if m is None:
            try:
                email = client.users_info(user=user_id)["user"]["profile"].get("email")
            except Exception:   # unknown to Slack or no scope: the directory answers 'onbekend_lid'
                return f"slack:{user_id}"
            m = bot.directory.by_email(email) if email else None
            by_email.put(user_id, m)
        return m.id if m else f"slack:{user_id}"

    def channel_name(channel_id: str) -> str | None:
        """The case channel a request comes from. A direct message (id 'D...') never is one: no lookup."""
        if not channel_id or channel_id.startswith("D"):
            return None
        return channels.name_of(channel_id)

    def answer(answers: list[Private]) -> str:
        return "\n\n".join(a.text for a in answers) or " "

    def on_command(ack, body):
        channel_id = body.get("channel_id", "")
        channel = channel_name(channel_id)
        text = body.get("text", "").strip()
        number = case_from_channel(channel)
        form = None
        if body["command"] == "/casus" and (found := forms.for_command(text, number, bot.directory, words)):
            form = modal(found, f"{number or ''}|{channel_id}")              # a form instead of a line
        if form is not None:
            ack()
            later(lambda: open_form(body.get("trigger_id", ""), form, body["user_id"], channel_id,
                                    f"{body['command']} {text}"))
            return
        invocation = Invocation(member_of(body["user_id"]), body["command"], text, channel)
        ack(text=answer(bot.command(invocation)))   # ephemeral: only for who typed it

    def submitted(ack, body, answers: list[Private], where: dict, field: str) -> None:
        """A form's answer: a refusal stays in the form, under `field`, to be corrected; else it comes privately."""
        if any(a.refused for a in answers):
            ack(response_action="errors", errors={field: answer(answers)[:ERROR_LIMIT]})
            return
        ack()
        later(lambda: tell(where, answers))

    def on_form(ack, body, view):
        """A submitted form runs as the command line it stands for."""
        number, _, channel_id = view["private_metadata"].partition("|")
        values = values_of(view["state"]["values"])
        line = forms.line_of(view["callback_id"], number, values)
        answers = bot.command(Invocation(member_of(body["user"]["id"]), "/casus", line, channel_name(channel_id)))
        first = forms.named(view["callback_id"], number, bot.directory, words)
        submitted(ack, body, answers, {"user": body["user"], "channel": {"id": channel_id}}, first.fields[0].name)

    for callback in forms.COMMAND_FORMS:
        app.view(callback)(on_form)

    for name in COMMANDS:
        app.command(name)(on_command)

    def click(body, action, reason: str = "") -> list[Private]:
        channel = channel_name(body.get("channel", {}).get("id", ""))
        return bot.click(Click(member_of(body["user"]["id"]), action["action_id"], action["value"], reason, channel))

    def tell(body, answers: list[Private]) -> None:
        """The private answer to a click or a form: ephemeral where the person acted, else a direct message
        (Slack refuses an ephemeral message to someone outside the channel). The action itself stands."""
        text, user = answer(answers), body["user"]["id"]
        try:
            channel = body.get("channel", {}).get("id")
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
            except SlackApiError:
                dm = client.conversations_open(users=user)["channel"]["id"]
                client.chat_postMessage(channel=dm, text=text)
        except SlackApiError as exc:
            log.warning("private answer not delivered", extra={"error": exc.response.get("error")})

    def open_form(trigger_id: str, form, user_id: str, channel_id: str, action: str) -> None:
        """Open a form; if Slack will not (the trigger expired), say so privately, audited like a refusal."""
        try:
            client.views_open(trigger_id=trigger_id, view=form)
        except SlackApiError as exc:
            log.warning("form not opened", extra={"error": exc.response.get("error")})
            answers = bot.command_error(member_of(user_id), action, ParseError("formulier_niet_geopend"))
            tell({"user": {"id": user_id}, "channel": {"id": channel_id}}, answers)

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
        where = {"user": body["user"], "channel": {"id": channel_id}}
        line = forms.button_line(view["callback_id"], value, values_of(view["state"]["values"]))
        answers = bot.command(Invocation(member_of(body["user"]["id"]), "/casus", line, channel_name(channel_id)))
        submitted(ack, body, answers, where, forms.button_form(view["callback_id"], words).fields[0].name)

    for callback in forms.LINE_FORMS:
        app.view(callback)(on_line_form)

    @app.action("oppakken")
    @app.action("akkoord")
    @app.action("document")
    def on_button(ack, body, action):
        answers = click(body, action)   # committed (with its audit entry) before Slack hears back
        ack()
        later(lambda: tell(body, answers))

    @app.view(forms.REFUSE)
    def on_refuse_reason(ack, body, view):
        value, _, channel_id = view["private_metadata"].partition("|")
        where = {"user": body["user"], "channel": {"id": channel_id}}
        answers = click(where, {"action_id": "weiger", "value": value},
                        forms.reason_of(values_of(view["state"]["values"])))
        submitted(ack, body, answers, where, "reden")

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
        return "\n\n".join(a.text for a in bot.command_error(actor, "slack:verzoek",
                                                              ParseError("verzoek_onleesbaar")))

    return SlackGate(SlackRequestHandler(app), signing_secret, SpentStates(bot.engine, time.time), refuse,
                     (*forms.COMMAND_FORMS, forms.REFUSE, *forms.LINE_FORMS))
