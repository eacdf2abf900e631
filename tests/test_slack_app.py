"""The Slack app against the fake Slack Web API: signed requests in, what Slack received out."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.app import Bot
from bot.channel_map import ChannelMap
from bot.cli import demo_script
from bot.config import load_directory, load_profile
from bot.console import SimClock, clock_target
from bot.db import make_engine, migrate
from bot.inspect import case_report
from bot.render import Renderer
from bot.slack.app import build_app
from bot.slack.port import SlackPlatform
from bot.slack.spec import SCOPES
from models.calendar import AMS
from tests.fake_slack import FakeSlack
from tests.harness import make_console, play

SECRET = "geheim-ondertekensleutel"
DEMO_DIR = Path(__file__).resolve().parent.parent / "bot" / "demo" / "directory.yaml"


def slack_id(member: str) -> str:
    return "U" + hashlib.sha1(member.encode()).hexdigest()[:9].upper()


@pytest.fixture
def directory_file(tmp_path) -> str:
    data = yaml.safe_load(DEMO_DIR.read_text(encoding="utf-8"))
    for org in data["organisaties"]:
        for m in org["leden"]:
            m["chat"] = {"slack": slack_id(m["id"])}
    path = tmp_path / "adressen.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


class SlackWorld:
    def __init__(self, fake: FakeSlack, directory_file: str, db: str, start: str = "2025-05-26T08:30"):
        self.fake = fake
        self.directory = load_directory(directory_file)
        for m in self.directory.members.values():
            fake.add_user(slack_id(m.id), None, m.id)
        self.clock = SimClock(datetime.fromisoformat(start).replace(tzinfo=AMS))
        engine = make_engine(db)
        migrate(engine)
        client = WebClient(token=fake.token, base_url=fake.base_url)
        self.channels = ChannelMap(engine, "slack")
        platform = SlackPlatform(client, self.directory, self.channels.get, self.channels.remember)
        self.bot = Bot(self.directory, load_profile("gelderland-midden"), engine, platform,
                       Renderer(self.directory, "slack"), self.clock)
        # in tests the whole listener runs before the response, so what Slack received can be checked at once
        self.app = build_app(self.bot, client, SECRET, self.channels, answer_first=False)

    # ---- signed requests ---------------------------------------------------------------------------
    def send(self, body: str, *, ts: int | None = None, signature: str | None = None,
             content_type: str = "application/x-www-form-urlencoded"):
        ts = int(time.time()) if ts is None else ts
        if signature is None:
            digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
            signature = f"v0={digest}"
        request = BoltRequest(body=body, headers={
            "content-type": [content_type], "x-slack-request-timestamp": [str(ts)],
            "x-slack-signature": [signature]})
        return self.app.dispatch(request)

    def command(self, member: str, text: str, command: str = "/casus", channel_id: str = "D0GENERAL", **kw):
        return self.send(urlencode({
            "token": "legacy", "team_id": self.fake.team_id, "channel_id": channel_id, "user_id": slack_id(member),
            "user_name": member, "command": command, "text": text, "trigger_id": self.fake.new_trigger_id(),
            "response_url": "http://127.0.0.1:9/response"}), **kw)

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
                       "state": {"values": {"reden": {"reden": {"type": "plain_text_input", "value": reason}}}}}}
        return self.send(urlencode({"payload": json.dumps(payload)}))

    # ---- what Slack has ----------------------------------------------------------------------------
    def channel(self, number: str):
        return self.fake.channel_named("casus-" + number.removeprefix("VT-"))

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


@pytest.fixture
def world(tmp_path, directory_file):
    with FakeSlack(scopes=set(SCOPES)) as fake:
        w = SlackWorld(fake, directory_file, f"sqlite:///{tmp_path / 'bot.db'}")
        yield w
        assert fake.server_errors == []


def test_a_melding_opens_a_private_channel_with_the_right_people(world):
    response = world.command("vt-medewerker", "nieuw Arnhem")
    assert response.status == 200 and "VT-2025-0001 is geregistreerd" in response.body
    channel = world.channel("VT-2025-0001")
    assert channel is not None and channel.is_private
    members = {m for m in channel.members if m != world.fake.bot_user_id}
    expected = {slack_id(m.id) for org in ("vt-gelderland-midden", "lt-arnhem")
                for m in world.directory.members_of(org)}
    assert members == expected
    assert world.fake.calls_to("conversations.setTopic")
    assert "Nieuwe melding VT-2025-0001" in world.fake.messages_in(channel.id)[0]["text"]


@pytest.mark.parametrize("tamper", ["forged", "stale", "replayed"])
def test_forged_stale_and_replayed_requests_are_refused_and_change_nothing(world, tamper):
    body = urlencode({"token": "t", "team_id": world.fake.team_id, "channel_id": "D1",
                      "user_id": slack_id("vt-medewerker"), "command": "/casus", "text": "nieuw Arnhem"})
    if tamper == "forged":
        response = world.send(body, signature="v0=" + "0" * 64)
    elif tamper == "stale":
        response = world.send(body, ts=int(time.time()) - 6 * 60)
    else:
        response = _replay(world, body)
    assert response.status == 401
    expected_cases = 1 if tamper == "replayed" else 0
    assert len([c for c in world.fake.channels.values() if c.name.startswith("casus-")]) == expected_cases


def _replay(world, body):
    ts = int(time.time())
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    first = world.send(body, ts=ts, signature=f"v0={digest}")
    assert first.status == 200
    return world.send(body, ts=ts, signature=f"v0={digest}")


def test_the_handover_card_is_confirmed_once_by_the_receiver_only(world):
    world.command("vt-medewerker", "nieuw Arnhem")
    world.command("vt-medewerker", "besluit VT-2025-0001 lt licht reden: gezin wil hulp")
    value, channel_id = world.latest_button("VT-2025-0001", "bevestig")
    world.click("lt-ede-medewerker", "bevestig", value, channel_id)
    world.click("lt-arnhem-medewerker", "bevestig", value, channel_id)
    world.click("lt-arnhem-leidinggevende", "bevestig", value, channel_id)
    updates = world.fake.calls_to("chat.update")
    assert len(updates) == 1 and "Bevestigd door" in updates[0].args["text"]
    assert "actions" not in json.dumps(updates[0].args.get("blocks"))        # the buttons are gone
    private = [c.args["text"] for c in world.fake.calls_to("chat.postEphemeral")]
    assert private[0].startswith("Alleen Lokaal team Arnhem kan deze overdracht")
    assert private[1].startswith("U heeft de overdracht van VT-2025-0001 bevestigd")
    assert private[2].startswith("Deze overdracht is al bevestigd door")
    report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
    outcomes = [(a["actor"], a["outcome"]) for a in report["audit"] if a["action"] == "klik:bevestig"]
    assert outcomes == [("lt-ede-medewerker", "geweigerd:niet_de_ontvanger"), ("lt-arnhem-medewerker", "ok"),
                        ("lt-arnhem-leidinggevende", "geweigerd:al_bevestigd")]


def test_a_refusal_asks_for_its_reason_in_a_form(world):
    world.command("vt-medewerker", "nieuw Arnhem")
    world.command("vt-medewerker", "besluit VT-2025-0001 lt licht")
    value, channel_id = world.latest_button("VT-2025-0001", "weiger")
    world.click("lt-arnhem-medewerker", "weiger", value, channel_id)
    opened = world.fake.calls_to("views.open")
    assert len(opened) == 1
    view = opened[0].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    response = world.submit_reason("lt-arnhem-medewerker", view["private_metadata"], "hoort bij een ander team")
    assert response.status == 200
    report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
    assert report["status"] == "te_overdragen" and report["handovers"][0]["refusal"]["reason"] == \
        "hoort bij een ander team"


def comparable(report: dict) -> dict:
    keep = ("number", "status", "route", "weight", "holders", "ledger", "deadlines", "handovers")
    out = {k: report[k] for k in keep}
    for h in out["handovers"]:
        h.pop("requested_at", None)
    return out


def test_the_demo_through_slack_gives_the_same_case_states_as_the_console(world):
    console = make_console(start="2025-05-26T08:30")
    play(console, "\n".join(demo_script()))
    for line in demo_script():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("klok"):
            step = clock_target(world.clock.now, line[4:].strip(), world.bot.profile.calendar)
            while (due := world.bot.next_job_at(after=world.clock.now)) and due <= step:
                world.clock.now = due
                world.bot.tick()
            world.clock.now = step
            world.bot.tick()
            continue
        member, rest = (part.strip() for part in line.split(":", 1))
        if rest.startswith("/"):
            command, _, text = rest.partition(" ")
            assert world.command(member, text, command=command).status == 200
        else:
            head, _, reason = rest.partition("reden:")
            words = head.split()
            found = world.latest_button(words[2], words[1])
            if found is not None:
                world.click(member, words[1], *found)
                if words[1] == "weiger":                 # Slack asks for the reason in a form
                    view = world.fake.calls_to("views.open")[-1].args["view"]
                    view = json.loads(view) if isinstance(view, str) else view
                    world.submit_reason(member, view["private_metadata"], reason.strip())
    numbers = [f"VT-2025-{n:04d}" for n in range(1, 7)]
    for number in numbers:
        slack = case_report(world.bot.uow, number, actor="test", on_behalf_of=None, now=world.clock())
        local = case_report(console.bot.uow, number, actor="test", on_behalf_of=None, now=console.clock())
        assert comparable(slack) == comparable(local), number


def test_closing_archives_the_slack_channel_after_the_grace_period(world):
    world.command("vt-medewerker", "nieuw Arnhem")
    world.command("vt-medewerker", "sluiten VT-2025-0001 reden: geen zorgen na gesprek")
    world.bot.tick()
    assert world.fake.calls_to("conversations.archive") == []
    world.clock.now = world.clock.now + timedelta(days=31)
    world.bot.tick()
    assert len(world.fake.calls_to("conversations.archive")) == 1 and world.channel("VT-2025-0001").is_archived


def submit(world, member: str, callback: str, metadata: str, values: dict):
    payload = {"type": "view_submission", "team": {"id": world.fake.team_id}, "user": {"id": slack_id(member)},
               "api_app_id": world.fake.app_id, "view": {"id": "V2", "type": "modal", "callback_id": callback,
                                                          "private_metadata": metadata,
                                                          "state": {"values": values}}}
    return world.send(urlencode({"payload": json.dumps(payload)}))


def opened_view(world) -> dict:
    view = world.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_a_new_melding_and_a_decision_by_form(world):
    assert world.command("vt-medewerker", "nieuw").status == 200
    form = opened_view(world)
    assert form["callback_id"] == "casus_nieuw" and len(form["blocks"]) == 4
    submit(world, "vt-medewerker", "casus_nieuw", form["private_metadata"], {
        "gemeenten": {"v": {"type": "multi_static_select", "selected_options": [{"value": "Arnhem"}]}},
        "ontvangen": {"v": {"type": "plain_text_input", "value": "2025-05-26T08:00"}},
        "vlaggen": {"v": {"type": "checkboxes", "selected_options": [{"value": "spoed"}]}},
        "signalen": {"v": {"type": "multi_static_select", "selected_options": []}}})
    channel = world.channel("VT-2025-0001")
    assert channel is not None
    report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
    assert report["spoed"] is True and report["received_at"] == "2025-05-26T06:00:00+00:00"

    assert world.command("vt-medewerker", "besluit", channel_id=channel.id).status == 200
    form = opened_view(world)
    assert form["callback_id"] == "casus_besluit"
    submit(world, "vt-medewerker", "casus_besluit", form["private_metadata"], {
        "route": {"v": {"type": "static_select", "selected_option": {"value": "vv"}}},
        "zwaarte": {"v": {"type": "static_select", "selected_option": {"value": "zwaar"}}},
        "forceer": {"v": {"type": "checkboxes", "selected_options": []}},
        "reden": {"v": {"type": "plain_text_input", "value": "veiligheidsvoorwaarden nodig"}}})
    report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
    assert (report["status"], report["route"], report["weight"]) == ("dienst", "vv", "zwaar")
    private = [c.args["text"] for c in world.fake.calls_to("chat.postEphemeral")]
    assert private[-1].startswith("Triagebesluit voor VT-2025-0001 vastgelegd")


def test_a_slack_rate_limit_holds_the_message_back_for_retry_after(world):
    from sqlalchemy import select
    from sqlmodel import Session

    from models.tables import OutboxRow

    world.command("vt-medewerker", "nieuw Arnhem")
    world.fake.rate_limit("chat.postMessage", times=1, retry_after=7)
    world.command("vt-medewerker", "stagnatie VT-2025-0001 reden: geen reactie van het gezin")
    with Session(world.bot.engine) as s:
        waiting = s.execute(select(OutboxRow).where(OutboxRow.state == "nieuw")).scalars().all()
    assert waiting and all(r.last_error == "ratelimited" or r.attempts == 0 for r in waiting)
    head = min(waiting, key=lambda r: r.id)
    assert head.attempts == 1 and head.next_attempt_at == world.clock.now + timedelta(seconds=7)
    world.bot.dispatcher.deliver(world.clock.now + timedelta(seconds=7))
    with Session(world.bot.engine) as s:
        assert s.execute(select(OutboxRow).where(OutboxRow.state == "nieuw")).all() == []
    texts = [m["text"] for m in world.fake.messages_in(world.channel("VT-2025-0001").id)]
    assert any("Stagnatie gemeld" in t for t in texts)
