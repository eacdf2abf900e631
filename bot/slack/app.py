"""The Slack app (slack-bolt): slash commands, buttons and the refusal-reason modal, translated into the
bot's invocations and clicks. It answers first (within Slack's 3 seconds) and leaves the rest to the
outbox, which a background worker delivers."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from commands.model import Click, Invocation
from commands.parse import case_from_channel

from ..app import Bot
from ..channel_map import ChannelMap
from .forms import DECIDE_VIEW, NEW_VIEW, decision_form, decision_line, new_case_form, new_case_line
from .spec import COMMANDS

REFUSE_VIEW = "weiger_reden"
log = logging.getLogger("triagebot.slack")


class ReplayGuard:
    """Slack's signature is valid for five minutes; within them, the same signed request is refused twice."""

    def __init__(self, window: float = 300.0):
        self.window, self.seen, self.lock = window, OrderedDict(), threading.Lock()

    def first_time(self, signature: str) -> bool:
        now = time.monotonic()
        with self.lock:
            while self.seen and next(iter(self.seen.values())) < now - self.window:
                self.seen.popitem(last=False)
            if signature in self.seen:
                return False
            self.seen[signature] = now
            return True


def build_app(bot: Bot, client: WebClient, signing_secret: str | None, channels: ChannelMap,
              token_verification: bool = True, answer_first: bool = True) -> App:
    # process_before_response=False: Slack gets its answer as soon as `ack` is called; what follows
    # (the private answer to a click) happens after the response
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=token_verification,
              request_verification_enabled=signing_secret is not None, process_before_response=not answer_first)
    guard = ReplayGuard()

    @app.middleware
    def refuse_replays(req, resp, next):   # noqa: A002 (bolt's name)
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if signing_secret is not None and signature and not guard.first_time(signature):
            return BoltResponse(status=401, body="replayed request")
        return next()

    def member_of(user_id: str) -> str:
        m = bot.directory.by_chat_id("slack", user_id)
        if m is None:
            try:
                email = client.users_info(user=user_id)["user"]["profile"].get("email")
            except Exception:   # unknown to Slack or no scope: the directory answers 'onbekend_lid'
                email = None
            m = bot.directory.by_email(email) if email else None
        return m.id if m else f"slack:{user_id}"

    def answer(texts: list[str]) -> str:
        return "\n\n".join(texts) or " "

    def on_command(ack, body):
        channel = channels.name_of(body.get("channel_id", ""))
        text = body.get("text", "").strip()
        number = case_from_channel(channel)
        form = None
        if body["command"] == "/casus" and text == "nieuw":             # a form instead of a line
            form = new_case_form(bot.directory, body.get("channel_id", ""))
        elif body["command"] == "/casus" and text == "besluit" and number:
            form = decision_form(number, f"{number}|{body.get('channel_id', '')}")
        if form is not None:
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=form)
            return
        invocation = Invocation(member_of(body["user_id"]), body["command"], text, channel)
        ack(text=answer([a.text for a in bot.command(invocation)]))   # ephemeral: only for who typed it

    def from_form(ack, body, view, line_of) -> None:
        """A submitted form runs as the command line it stands for; the answer comes privately."""
        ack()
        metadata = view["private_metadata"]
        channel_id = metadata.rpartition("|")[2]
        invocation = Invocation(member_of(body["user"]["id"]), "/casus", line_of(metadata, view["state"]["values"]),
                                channels.name_of(channel_id))
        tell({"user": body["user"], "channel": {"id": channel_id}}, [a.text for a in bot.command(invocation)])

    @app.view(NEW_VIEW)
    def on_new_form(ack, body, view):
        from_form(ack, body, view, lambda metadata, values: new_case_line(values))

    @app.view(DECIDE_VIEW)
    def on_decision_form(ack, body, view):
        from_form(ack, body, view, lambda metadata, values: decision_line(metadata.partition("|")[0], values))

    for name in COMMANDS:
        app.command(name)(on_command)

    def click(body, action, reason: str = "") -> list[str]:
        channel = channels.name_of(body.get("channel", {}).get("id", ""))
        answers = bot.click(Click(member_of(body["user"]["id"]), action["action_id"], action["value"],
                                  reason, channel))
        return [a.text for a in answers]

    def tell(body, texts: list[str]) -> None:
        """The private answer to a click; if Slack refuses it, the action itself still stands."""
        channel = body.get("channel", {}).get("id")
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=answer(texts))
            except SlackApiError as exc:
                log.warning("private answer not delivered", extra={"error": exc.response.get("error")})

    @app.action("bevestig")
    @app.action("oppakken")
    def on_button(ack, body, action):
        ack()
        tell(body, click(body, action))

    @app.action("weiger")
    def on_refuse(ack, body, action):
        ack()   # a refusal needs a reason: ask for it in a form
        client.views_open(trigger_id=body["trigger_id"], view=View(
            type="modal", callback_id=REFUSE_VIEW, title="Overdracht weigeren", submit="Weiger",
            close="Annuleer", private_metadata=f"{action['value']}|{body.get('channel', {}).get('id', '')}",
            blocks=[InputBlock(block_id="reden", label="Reden van de weigering",
                               element=PlainTextInputElement(action_id="reden", multiline=True))]))

    @app.view(REFUSE_VIEW)
    def on_refuse_reason(ack, body, view):
        value, _, channel_id = view["private_metadata"].partition("|")
        reason = view["state"]["values"]["reden"]["reden"]["value"] or ""
        ack()
        texts = click({"user": body["user"], "channel": {"id": channel_id}},
                      {"action_id": "weiger", "value": value}, reason)
        tell({"user": body["user"], "channel": {"id": channel_id}}, texts)

    return app
