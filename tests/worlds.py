"""One bot, three platforms. A 'world' runs the console's script lines (`lid: /casus ...`, `lid: klik ...`,
`klok ...`) on one platform: on the console directly, on Slack as signed requests to the Bolt app against
the fake Slack Web API, on Mattermost as the fake Mattermost server calling the bot's endpoints. The
scenario tests run the same lines in every world and compare what the bot recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import yaml
from slack_sdk import WebClient

from bot.app import Bot
from bot.channel_map import ChannelMap
from bot.config import Settings, load_directory, load_profile
from bot.console.console import SimClock, advance, clock_target
from bot.inspect import case_report
from bot.mattermost.client import MattermostClient
from bot.mattermost.serve import MattermostSettings, build
from bot.render import Renderer
from bot.slack.app import SlackRequests, build_app, http_app
from bot.slack.home import HomeTabs
from bot.slack.port import SlackPlatform
from bot.storage.db import make_engine, migrate
from models.calendar import AMS
from models.case import CASE_NUMBER, channel_name
from tests.fake_mattermost import FakeMattermost
from tests.fake_slack import FakeSlack
from tests.harness import make_console

SECRET = "geheim-ondertekensleutel"
MM_SECRET = "mattermost-ondertekensleutel-van-de-bot"
MM_TOKENS = {"/casus": "casus-opdracht-token", "/tafel": "tafel-opdracht-token"}
BOT_URL = "http://bot.test"
TEAM = "triagetafel"
DEMO_DIR = Path(__file__).resolve().parent.parent / "bot" / "demo" / "directory.yaml"
_LINE = re.compile(r"^([a-z0-9._-]+)\s*:\s*(.*)$")


def slack_id(member: str) -> str:
    return "U" + hashlib.sha1(member.encode()).hexdigest()[:9].upper()


def chat_directory(folder: Path) -> str:
    """The demo directory with each member's Slack user id and Mattermost username (= the member id)."""
    data = yaml.safe_load(DEMO_DIR.read_text(encoding="utf-8"))
    for org in data["organisaties"]:
        for m in org["leden"]:
            m["chat"] = {"slack": slack_id(m["id"]), "mattermost": m["id"]}
    path = folder / "adressen.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


class World:
    name: str
    bot: Bot
    clock: SimClock

    def line(self, text: str) -> str | None:
        """One script line; returns the private answer to a command or a click (None for the clock)."""
        text = text.strip()
        if not text or text.startswith("#"):
            return None
        if text.startswith("klok"):
            advance(self.bot, self.clock, clock_target(self.clock.now, text[4:].strip(), self.bot.profile.calendar))
            return None
        member, rest = _LINE.match(text).groups()
        if rest.startswith("/"):
            command, _, args = rest.partition(" ")
            return self.type(member, command, args)
        head, _, reason = rest.partition("reden:")
        words = head.split()
        return self.press(member, words[1], words[2].upper(), reason.strip())

    def run(self, lines) -> list[str | None]:
        return [self.line(t) for t in lines]

    def report(self, number: str) -> dict | None:
        return case_report(self.bot.uow, number, actor="test", on_behalf_of=None, now=self.clock())

    @staticmethod
    def case_in(text: str) -> str | None:
        """The case a line names: like the console, the world types it in that case's channel."""
        return next((w.upper() for w in text.split() if CASE_NUMBER.match(w.upper())), None)

    def type(self, member: str, command: str, text: str) -> str: ...
    def press(self, member: str, action: str, number: str, reason: str) -> str | None: ...


# ---- the console ----------------------------------------------------------------------------------------
class ConsoleWorld(World):
    name = "console"

    def __init__(self, folder: Path, start: str):
        self.console = make_console(start=start, directory=chat_directory(folder),
                                    db_url=f"sqlite:///{folder / 'console.db'}")
        self.bot, self.clock = self.console.bot, self.console.clock

    def type(self, member: str, command: str, text: str) -> str:
        first = len(self.console.platform.events)
        self.console.line(f"{member}: {command} {text}")
        return _private(self.console.platform.events[first:])

    def press(self, member: str, action: str, number: str, reason: str) -> str | None:
        first = len(self.console.platform.events)
        self.console.line(f"{member}: klik {action} {number}" + (f" reden: {reason}" if reason else ""))
        events = self.console.platform.events[first:]
        return None if any(e["kind"] == "console" for e in events) else _private(events)


def _private(events: list[dict]) -> str:
    return "\n\n".join(e["text"] for e in events if e["kind"] == "ephemeral")


@dataclass
class WsgiResponse:
    status: int
    body: str
    headers: dict[str, str]


def wsgi_call(app, body: bytes, environ: dict[str, str], path: str = "/slack/events") -> WsgiResponse:
    """One POST to a WSGI app, in this process, as the HTTP server would hand it over."""
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body), "SERVER_NAME": "localhost", "SERVER_PORT": "3000",
           "wsgi.url_scheme": "http", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", **environ}
    started: dict = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, headers

    chunks = b"".join(app(env, start_response))
    return WsgiResponse(int(started["status"].split()[0]), chunks.decode("utf-8", "replace"),
                        {k.lower(): v for k, v in started["headers"]})


# ---- Slack ----------------------------------------------------------------------------------------------
class SlackWorld(World):
    name = "slack"

    def __init__(self, fake: FakeSlack, directory_file: str, db: str, start: str = "2025-05-26T08:30",
                 profile: str = "gelderland-midden"):
        self.fake, self.directory_file, self.db, self.profile = fake, directory_file, db, profile
        self.directory = load_directory(directory_file)
        for m in self.directory.members.values():
            fake.add_user(slack_id(m.id), None, m.id)
        self.clock = SimClock(datetime.fromisoformat(start).replace(tzinfo=AMS))
        self.restart()

    def restart(self) -> None:
        """A new bot process on the same database and clock (nothing of the old one's memory survives)."""
        engine = make_engine(self.db)
        migrate(engine)
        client = WebClient(token=self.fake.token, base_url=self.fake.base_url)
        self.channels = ChannelMap(engine, "slack")
        platform = SlackPlatform(client, self.directory, self.channels.get, self.channels.remember)
        self.bot = Bot(self.directory, load_profile(self.profile), engine, platform,
                       Renderer(self.directory, "slack", channel_ref=self.channels.get), self.clock)
        # in tests the whole listener runs before the response, so what Slack received can be checked at once
        requests = SlackRequests(self.bot, client, self.channels)
        self.homes = HomeTabs(self.bot, client, engine, requests.member_of, self.clock)
        self.bot.cases_changed = self.homes.refresh
        self.app = build_app(self.bot, client, SECRET, self.channels, answer_first=False, requests=requests,
                             homes=self.homes)
        self.http = http_app(self.bot, self.app, SECRET)    # what `triagebot serve` runs: the gate, then Bolt

    # ---- signed requests ---------------------------------------------------------------------------
    def send(self, body: str, *, ts: int | None = None, signature: str | None = None,
             content_type: str = "application/x-www-form-urlencoded"):
        ts = int(time.time()) if ts is None else ts
        if signature is None:
            digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
            signature = f"v0={digest}"
        return wsgi_call(self.http, body.encode() if isinstance(body, str) else body, {
            "CONTENT_TYPE": content_type, "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(ts),
            "HTTP_X_SLACK_SIGNATURE": signature})

    def command(self, member: str, text: str, command: str = "/casus", channel_id: str = "D0GENERAL", **kw):
        return self.send(urlencode({
            "token": "legacy", "team_id": self.fake.team_id, "channel_id": channel_id, "user_id": slack_id(member),
            "user_name": member, "command": command, "text": text, "trigger_id": self.fake.new_trigger_id(),
            "response_url": "http://127.0.0.1:9/response"}), **kw)

    def open_home(self, member: str):
        """The member opens the bot's Home tab: Slack sends `app_home_opened` (Events API, JSON)."""
        return self.send(json.dumps({
            "token": "legacy", "team_id": self.fake.team_id, "api_app_id": self.fake.app_id, "type": "event_callback",
            "event_id": f"Ev{self.fake.new_trigger_id().replace('.', '')[:20]}", "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": slack_id(member), "channel": "D0HOME", "tab": "home",
                      "event_ts": f"{time.time():.6f}"}}), content_type="application/json")

    def home_of(self, member: str) -> str:
        """The text the member's Home tab shows now ("" if the bot never published it)."""
        view = self.fake.homes.get(slack_id(member))
        return "\n".join(b["text"]["text"] for b in view["blocks"] if b.get("type") == "section") if view else ""

    def click(self, member: str, action: str, value: str, channel_id: str):
        payload = {"type": "block_actions", "team": {"id": self.fake.team_id}, "user": {"id": slack_id(member)},
                   "api_app_id": self.fake.app_id, "trigger_id": self.fake.new_trigger_id(),
                   "channel": {"id": channel_id}, "container": {"type": "message"},
                   "actions": [{"type": "button", "action_id": action, "block_id": "b", "value": value,
                                "action_ts": "1"}]}
        return self.send(urlencode({"payload": json.dumps(payload)}))

    def submit_reason(self, member: str, private_metadata: str, reason: str):
        payload = {"type": "view_submission", "team": {"id": self.fake.team_id}, "user": {"id": slack_id(member)},
                   "api_app_id": self.fake.app_id, "view": {
                       "id": "V1", "type": "modal", "callback_id": "weiger_reden", "private_metadata": private_metadata,
                       "state": {"values": {"reden": {"v": {"type": "plain_text_input", "value": reason}}}}}}
        return self.send(urlencode({"payload": json.dumps(payload)}))

    # ---- the world's lines -------------------------------------------------------------------------
    def type(self, member: str, command: str, text: str) -> str:
        number = self.case_in(text)
        channel = self.channel(number) if number else None
        if channel and slack_id(member) not in channel.members:
            channel = None       # not in the case channel (need to know): typed elsewhere, with the case number
        response = self.command(member, text, command=command, channel_id=channel.id if channel else "D0GENERAL")
        assert response.status == 200, response.body
        return json.loads(response.body)["text"] if response.body.startswith("{") else response.body

    def press(self, member: str, action: str, number: str, reason: str) -> str | None:
        found = self.latest_button(number, action)
        if found is None:
            return None
        before = len(self.fake.ephemeral)
        self.click(member, action, *found)
        if action == "weiger":                 # Slack asks for the reason in a form
            view = self.fake.calls_to("views.open")[-1].args["view"]
            view = json.loads(view) if isinstance(view, str) else view
            self.submit_reason(member, view["private_metadata"], reason)
        return "\n\n".join(e["text"] for e in self.fake.ephemeral[before:])

    # ---- what Slack has ----------------------------------------------------------------------------
    def channel(self, number: str):
        return self.fake.channel_named(channel_name(number))

    def latest_button(self, number: str, action: str) -> tuple[str, str] | None:
        """(value, channel id) of the latest button with this action for a case, in its channel or a DM."""
        candidates = []
        for cid, messages in self.fake.messages.items():
            for msg in messages:
                for block in msg.get("blocks") or []:
                    for el in block.get("elements", []) if block.get("type") == "actions" else []:
                        if el.get("action_id") == action and el.get("value", "").startswith(number + ":"):
                            candidates.append((float(msg["ts"]), el["value"], cid))
        return max(candidates)[1:] if candidates else None


# ---- Mattermost -----------------------------------------------------------------------------------------
class MattermostWorld(World):
    name = "mattermost"

    def __init__(self, fake: FakeMattermost, directory_file: str, db: str, start: str = "2025-05-26T08:30",
                 profile: str = "gelderland-midden"):
        self.fake = fake
        self.directory = load_directory(directory_file)
        self.users = {m.id: fake.add_user(m.id) for m in self.directory.members.values()}
        self.general = fake.add_channel("algemeen", members=tuple(self.users.values()))
        for command, token in MM_TOKENS.items():
            fake.register_command(command, BOT_URL + "/mattermost/opdracht", token)
        self.clock = SimClock(datetime.fromisoformat(start).replace(tzinfo=AMS))
        settings = MattermostSettings(url=fake.base_url, bot_token=fake.token, team=TEAM,
                                      tokens=MM_TOKENS, signing_secret=MM_SECRET, public_url=BOT_URL, port=0)
        self.client = MattermostClient(fake.base_url, fake.token)
        self._build = (settings, Settings(db, profile, directory_file))
        engine = make_engine(db)
        migrate(engine)       # what `triagebot db upgrade` does before the first start
        engine.dispose()
        self.restart()

    def restart(self) -> None:
        """A new bot process on the same database (nothing of the old one's memory survives)."""
        # no background worker: the outbox is delivered within the request, so tests can look at once
        self.app, self.bot, _, _ = build(*self._build, client=self.client, clock=self.clock, role=None)

    def wsgi(self, environ, start_response):   # what the fake calls (set up before the app exists)
        return self.app(environ, start_response)

    # ---- the world's lines -------------------------------------------------------------------------
    def type(self, member: str, command: str, text: str) -> str:
        number = self.case_in(text)
        channel = self.fake.channel_named(channel_name(number)) if number else None
        if channel and self.users[member] not in self.fake.members_of(channel["id"]):
            channel = None       # not in the case channel (need to know): typed elsewhere, with the case number
        reply = self.fake.slash(member, f"{command} {text}".strip(), channel["id"] if channel else self.general)
        assert reply.status == 200, reply.text
        return (reply.json or {}).get("text", "")

    def press(self, member: str, action: str, number: str, reason: str) -> str | None:
        found = self.latest_button(number, action, member)
        if found is None:
            return None
        reply = self.fake.click(member, found, action)
        if action == "weiger":                  # the reason comes in a dialog
            reply = self.fake.submit_dialog(member, {"reden": reason})
            dm = self.fake.direct_channel(self.fake.bot_user_id, self.users[member])   # a button has no response_url
            return (reply.json or {}).get("error") or self.fake.posts_in(dm)[-1]["message"]
        return (reply.json or {}).get("ephemeral_text", "")

    def latest_button(self, number: str, action: str, member: str | None = None) -> str | None:
        """The id of the latest post with a live button of this action for a case, in its channel or a DM — of
        those `member` can see (the case channel only when they are in it, and their own direct messages)."""
        channels = [self.fake.channel_named(channel_name(number))]
        channels = [c["id"] for c in channels if c and (member is None or self.users[member] in
                                                        self.fake.members_of(c["id"]))]
        channels += [cid for m, uid in self.users.items() if member in (None, m)
                     and (cid := self.fake.direct_channel(self.fake.bot_user_id, uid))]
        candidates = []
        for cid in channels:
            for post in self.fake.posts_in(cid):
                for att in (post.get("props") or {}).get("attachments") or []:
                    for a in att.get("actions") or []:
                        ctx = a.get("integration", {}).get("context", {})
                        if a["id"] == action and str(ctx.get("waarde", "")).startswith(number + ":"):
                            candidates.append((post["create_at"], post["id"]))
        return max(candidates)[1] if candidates else None


def mattermost_world(folder: Path, start: str = "2025-05-26T08:30",
                     profile: str = "gelderland-midden") -> tuple[FakeMattermost, MattermostWorld]:
    """A started fake Mattermost with a world wired to it (the caller stops the fake)."""
    holder: dict[str, MattermostWorld] = {}
    transport = httpx.WSGITransport(app=lambda environ, respond: holder["w"].wsgi(environ, respond))
    fake = FakeMattermost(team_name=TEAM, bot_transport=transport).start()
    holder["w"] = MattermostWorld(fake, chat_directory(folder), f"sqlite:///{folder / 'mattermost.db'}", start,
                                  profile)
    return fake, holder["w"]
