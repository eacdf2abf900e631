"""The Slack app against the fake Slack Web API: signed requests in, what Slack received out."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.inspect import case_report
from bot.slack.serve import read_settings
from bot.slack.spec import SCOPES
from models.tables import OutboxRow
from tests.fake_slack import FakeSlack
from tests.test_delivery import as_if_claimed_by_a_dead_process
from tests.worlds import SECRET, SlackWorld, chat_directory, slack_id


@pytest.fixture
def directory_file(tmp_path) -> str:
    return chat_directory(tmp_path)


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
    expected = {slack_id(m.id) for org in ("vt-gelderland-midden", "lt-arnhem")      # need to know: the table
                for m in world.directory.at_table(org)}
    assert members == expected == {slack_id("vt-medewerker"), slack_id("lt-arnhem-medewerker")}
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
    world.command("vt-medewerker", "besluit VT-2025-0001 lt licht gezin-geinformeerd reden: gezin wil hulp")
    value, channel_id = world.latest_button("VT-2025-0001", "bevestig")
    world.click("lt-ede-medewerker", "bevestig", value, channel_id)
    world.click("lt-arnhem-medewerker", "bevestig", value, channel_id)
    world.click("lt-arnhem-leidinggevende", "bevestig", value, channel_id)
    updates = world.fake.calls_to("chat.update")
    assert len(updates) == 1 and "Bevestigd door" in updates[0].args["text"]
    assert '"bevestig"' not in json.dumps(updates[0].args.get("blocks"))     # the receiver's buttons are gone
    document, _ = world.latest_button("VT-2025-0001", "document")
    world.click("vt-medewerker", "document", document, channel_id)          # VT's, once the document went
    updates = world.fake.calls_to("chat.update")
    assert len(updates) == 2 and "Overdrachtsdocument verstuurd door" in updates[1].args["text"]
    blocks = json.dumps(updates[1].args.get("blocks"))                      # only the receiver's "assign a worker"
    assert '"toewijzen"' in blocks and not any(f'"{a}"' in blocks for a in ("bevestig", "weiger", "document"))
    private = [c.args["text"] for c in world.fake.calls_to("chat.postEphemeral")]
    assert private[3].startswith("Vastgelegd dat het overdrachtsdocument")
    assert private[0].startswith("Alleen Lokaal team Arnhem kan deze overdracht")
    assert private[1].startswith("U heeft de overdracht van VT-2025-0001 bevestigd")
    assert private[2].startswith("Deze overdracht is al bevestigd door")
    report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
    outcomes = [(a["actor"], a["outcome"]) for a in report["audit"] if a["action"] == "klik:bevestig"]
    assert outcomes == [("lt-ede-medewerker", "geweigerd:niet_de_ontvanger"), ("lt-arnhem-medewerker", "ok"),
                        ("lt-arnhem-leidinggevende", "geweigerd:al_bevestigd")]


def test_a_refusal_asks_for_its_reason_in_a_form(world):
    world.command("vt-medewerker", "nieuw Arnhem")
    world.command("vt-medewerker", "besluit VT-2025-0001 lt licht gezin-geinformeerd")
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


def test_a_monitoring_moment_by_modal(world):
    for line in ("nieuw Arnhem", "besluit VT-2025-0001 vv", "dienst VT-2025-0001 afgerond"):
        world.command("vt-medewerker", line)
    world.line("lt-arnhem-medewerker: klik bevestig VT-2025-0001")
    channel = world.channel("VT-2025-0001")
    assert world.command("vt-medewerker", "monitoring", channel_id=channel.id).status == 200
    form = opened_view(world)
    assert form["callback_id"] == "casus_monitoring"

    def pick(answer: str) -> dict:
        return {"v": {"type": "static_select", "selected_option": {"value": answer}}}

    submit(world, "vt-medewerker", "casus_monitoring", form["private_metadata"], {
        "voorwaarden": pick("ja"), "directe-veiligheid": pick("ja"), "stabiele-veiligheid": pick("nee"),
        "herstel": pick("ja"), "toelichting": {"v": {"type": "plain_text_input", "value": "nog niet stabiel"}}})
    report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
    assert (report["records"][-1]["kind"], report["records"][-1]["bron"]) == (
        "monitoring", "voorwaarden=ja,directe-veiligheid=ja,stabiele-veiligheid=nee,herstel=ja")


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


def test_a_refused_form_stays_open_with_the_reason_and_changes_nothing(world):
    world.command("vt-medewerker", "nieuw")
    form = opened_view(world)
    response = submit(world, "vt-medewerker", "casus_nieuw", form["private_metadata"], {
        "gemeenten": {"v": {"type": "multi_static_select", "selected_options": [{"value": "Arnhem"}]}},
        "ontvangen": {"v": {"type": "plain_text_input", "value": "gisteren"}}})
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and "gisteren" in body["errors"]["gemeenten"]
    assert world.channel("VT-2025-0001") is None and world.fake.calls_to("chat.postEphemeral") == []


def test_a_private_answer_slack_refuses_in_the_channel_comes_as_a_direct_message(world):
    world.command("vt-medewerker", "nieuw Arnhem")
    world.command("vt-medewerker", "besluit VT-2025-0001 lt licht gezin-geinformeerd")
    value, channel_id = world.latest_button("VT-2025-0001", "bevestig")
    world.click("lt-ede-medewerker", "bevestig", value, channel_id)     # not in the channel: no ephemeral there
    dms = [m["text"] for c in world.fake.channels.values() if c.is_im and slack_id("lt-ede-medewerker") in c.members
           for m in world.fake.messages_in(c.id)]
    assert dms and dms[-1].startswith("Alleen Lokaal team Arnhem kan deze overdracht")


def test_a_form_slack_will_not_open_is_answered_privately_and_audited(world):
    expired = world.fake.new_trigger_id(ttl=0)
    world.send(urlencode({"team_id": world.fake.team_id, "channel_id": "C0ALGEMEEN", "command": "/casus",
                          "user_id": slack_id("vt-medewerker"), "text": "nieuw", "trigger_id": expired}))
    assert world.fake.calls_to("views.open")[-1].response["error"] == "expired_trigger_id"
    dms = [m["text"] for c in world.fake.channels.values() if c.is_im for m in world.fake.messages_in(c.id)]
    assert dms[-1].startswith("Het formulier kon niet worden geopend")
    with world.bot.uow() as uow:
        assert [a.outcome for a in uow.audit.all()] == ["geweigerd:formulier_niet_geopend"]


@pytest.mark.parametrize("mode, missing", [("serve", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]),
                                           ("socket", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"])])
def test_the_slack_bot_refuses_to_start_without_its_settings_and_says_which(mode, missing):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", mode], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"{' en '.join(missing)} ontbreken" in done.stderr and "Installeren in Slack" in done.stderr
    with pytest.raises(SystemExit, match="PORT moet een getal zijn"):
        read_settings(mode, {"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "y", "SLACK_APP_TOKEN": "z",
                             "PORT": "drieduizend"})


def test_a_broken_directory_stops_the_server_with_the_field_named(tmp_path):
    (tmp_path / "kapot.yaml").write_text("organisaties: [1]\n", encoding="utf-8")
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s",
           "TRIAGEBOT_DIRECTORY": str(tmp_path / "kapot.yaml"), "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Fout in de configuratie" in done.stderr and "organisaties[0]" in done.stderr


# ---- nothing twice, nothing lost ----------------------------------------------------------------------------
def pending(world) -> list[OutboxRow]:
    with Session(world.bot.engine) as s:
        return list(s.execute(select(OutboxRow).where(OutboxRow.state == "nieuw")).scalars())


class Crash(Exception):
    """The bot process ends here (in a test: the call never returns to the outbox)."""


def posts_with_text(world, text: str) -> list[dict]:
    return [m for msgs in world.fake.messages.values() for m in msgs if text in m.get("text", "")]


def test_a_message_slack_accepted_before_the_process_died_is_found_in_the_history_not_sent_again(world):
    world.command("vt-medewerker", "nieuw Arnhem")
    world.bot.after_request = lambda: None               # this process dies before it marks what it sends
    world.command("vt-medewerker", "stagnatie VT-2025-0001 reden: geen reactie van het gezin")
    for row in world.bot.dispatcher._claim(world.clock(), set()):
        world.bot.dispatcher._send(row)                  # Slack has it; the outbox never hears
    as_if_claimed_by_a_dead_process(world.bot.engine, world.bot.dispatcher)
    assert len(posts_with_text(world, "Stagnatie gemeld")) == 1
    world.restart()                                      # a new process on the same database
    world.bot.deliver_now()
    assert len(posts_with_text(world, "Stagnatie gemeld")) == 1
    looked = world.fake.calls_to("conversations.history")     # the channel, and the DMs to the leidinggevenden
    assert looked and all(c.args.get("include_all_metadata") == "1" for c in looked)
    assert pending(world) == []


def test_a_case_channel_slack_created_before_the_process_died_is_used_again_never_a_second(world):
    def die(call):
        raise Crash("killed after conversations.create")
    world.fake.after("conversations.create", die)
    world.command("vt-medewerker", "nieuw Arnhem")       # the channel exists on Slack; the bot never heard
    assert len(world.fake.server_errors) == 1 and "Crash" in world.fake.server_errors[0]
    world.fake.server_errors.clear()
    world.fake._after.clear()
    world.restart()
    world.clock.now += timedelta(minutes=1)
    world.bot.deliver_now()
    channels = [c for c in world.fake.channels.values() if c.name.startswith("casus-2025-0001")]
    assert [c.name for c in channels] == ["casus-2025-0001"]
    assert world.channel("VT-2025-0001").topic["value"] and len(posts_with_text(world, "Nieuwe melding")) == 1


def test_a_channel_name_taken_by_someone_else_gets_a_suffix(world):
    world.fake.add_channel("casus-2025-0001", is_private=True, members=(world.fake.bot_user_id,))
    world.command("vt-medewerker", "nieuw Arnhem")
    assert world.fake.channel_named("casus-2025-0001-2") is not None
    assert len(posts_with_text(world, "Nieuwe melding")) == 1


def test_a_topic_slack_refused_is_set_when_the_outbox_tries_again(world):
    world.fake.rate_limit("conversations.setTopic", times=1, retry_after=1)
    world.command("vt-medewerker", "nieuw Arnhem")
    channel = world.channel("VT-2025-0001")
    assert channel.topic["value"] == ""                  # refused once: the row waits
    world.clock.now += timedelta(seconds=2)
    world.bot.deliver_now()
    assert "VT-2025-0001" in world.channel("VT-2025-0001").topic["value"]
    assert len([c for c in world.fake.channels.values() if c.name.startswith("casus-")]) == 1


def test_in_noord_oost_gelderland_the_confirm_button_asks_the_appointment_in_a_form(tmp_path, directory_file):
    with FakeSlack(scopes=set(SCOPES)) as fake:
        world = SlackWorld(fake, directory_file, f"sqlite:///{tmp_path / 'nog.db'}", profile="noord-oost-gelderland")
        world.command("vt-medewerker", "nieuw Arnhem")
        world.command("vt-medewerker", "besluit VT-2025-0001 lt licht gezin-geinformeerd")
        world.command("vt-medewerker", "document VT-2025-0001")
        value, channel_id = world.latest_button("VT-2025-0001", "bevestig")
        world.click("lt-arnhem-medewerker", "bevestig", value, channel_id)
        form = opened_view(world)
        assert form["callback_id"] == "bevestig_afspraak"
        submit(world, "lt-arnhem-medewerker", "bevestig_afspraak", form["private_metadata"],
               {"afspraak": {"v": {"type": "plain_text_input", "value": "2025-06-03"}}})
        report = case_report(world.bot.uow, "VT-2025-0001", actor="test", on_behalf_of=None, now=world.clock())
        assert report["status"] == "overgedragen"
        assert [d["last_day"] for d in report["deadlines"] if d["kind"] == "eerste_contact"] == ["2025-06-03"]
        assert fake.server_errors == []
