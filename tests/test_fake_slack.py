"""The fake Slack Web API (tests/fake_slack.py) enforces Slack's documented rules, seen through slack_sdk."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from tests.fake_slack import COMMON_ERRORS, FakeSlack, SlackError

ANNA, BRAM, CEES = "U0ANNA0001", "U0BRAM0001", "U0CEES0001"


@pytest.fixture
def fake():
    with FakeSlack(trigger_ttl=0.2) as f:
        f.add_user(ANNA, "anna@veiligthuis.example", "anna")
        f.add_user(BRAM, "bram@lokaalteam.example", "bram")
        f.add_user(CEES, "Cees@GI.example", "cees")
        yield f
    assert f.server_errors == []
    for call in f.calls:  # every error the fake gave is one Slack documents for that method
        if call.status == 200 and not call.response["ok"]:
            assert call.response["error"] in set(f.specs[call.method]["errors"]) | COMMON_ERRORS


@pytest.fixture
def client(fake):
    return WebClient(token=fake.token, base_url=fake.base_url)


def slack_error(call, *args, **kwargs):
    """The response of a call that must fail."""
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response


def raw(fake, method, *, query=None, form=None, json_body=None, data=None, token=None, verb="POST"):
    """A request without slack_sdk, to control the transport: (HTTP status, JSON body)."""
    url = fake.base_url + method + ("?" + urlencode(query) if query else "")
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if form is not None:
        data, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
    if json_body is not None:
        data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json; charset=utf-8"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=verb)) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def private_channel(client, name="vt-2025-0001", members=()):
    channel = client.conversations_create(name=name, is_private=True)["channel"]["id"]
    if members:
        client.conversations_invite(channel=channel, users=list(members))
    return channel


# -- authentication and scopes ----------------------------------------------------------------------------
def test_auth_test_names_the_bot(fake, client):
    answer = client.auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == (fake.bot_user_id, fake.bot_id, fake.team_id)


def test_an_unknown_token_is_invalid_auth(fake):
    bad = WebClient(token="xoxb-not-a-token", base_url=fake.base_url)
    assert slack_error(bad.auth_test)["error"] == "invalid_auth"
    assert slack_error(bad.chat_postMessage, channel="C1", text="x")["error"] == "invalid_auth"


def test_no_token_is_not_authed(fake):
    assert slack_error(WebClient(base_url=fake.base_url).auth_test)["error"] == "not_authed"


def test_the_token_may_be_a_form_argument_but_not_part_of_a_json_body(fake):
    assert raw(fake, "auth.test", form={"token": fake.token})[1]["ok"] is True
    assert raw(fake, "auth.test", json_body={"token": fake.token})[1]["error"] == "not_authed"


def test_a_method_needs_one_of_its_bot_scopes(fake):
    narrow = WebClient(token=fake.add_token("xoxb-narrow", {"chat:write", "users:read"}), base_url=fake.base_url)
    answer = slack_error(narrow.users_lookupByEmail, email="anna@veiligthuis.example")
    assert (answer["error"], answer["needed"], answer["provided"]) == ("missing_scope", "users:read.email",
                                                                       "chat:write,users:read")
    answer = slack_error(narrow.conversations_create, name="vt-2025-0001", is_private=True)
    assert answer["error"] == "missing_scope" and "groups:write" in answer["needed"].split(",")
    assert fake.channel_named("vt-2025-0001") is None
    assert narrow.users_info(user=ANNA)["ok"]


def test_a_private_channel_needs_the_groups_scope_a_public_one_the_channels_scope(fake):
    public_only = WebClient(token=fake.add_token("xoxb-public", {"channels:manage"}), base_url=fake.base_url)
    answer = slack_error(public_only.conversations_create, name="geheim", is_private=True)
    assert (answer["error"], answer["needed"]) == ("missing_scope", "groups:write")
    assert public_only.conversations_create(name="openbaar")["ok"]


def test_reading_a_private_channel_needs_groups_read(fake, client):
    channel = private_channel(client)
    reader = WebClient(token=fake.add_token("xoxb-reader", {"channels:read"}), base_url=fake.base_url)
    answer = slack_error(reader.conversations_info, channel=channel)
    assert (answer["error"], answer["needed"]) == ("missing_scope", "groups:read")


# -- transport ----------------------------------------------------------------------------------------------
def test_get_with_query_arguments_works(fake):
    status, answer = raw(fake, "users.info", query={"user": ANNA}, token=fake.token, verb="GET")
    assert status == 200 and answer["user"]["name"] == "anna"


def test_a_json_body_is_ignored_by_methods_that_do_not_take_json(fake):
    assert raw(fake, "users.info", json_body={"user": ANNA}, token=fake.token)[1]["error"] == "user_not_found"
    assert raw(fake, "users.info", form={"user": ANNA}, token=fake.token)[1]["ok"] is True


def test_a_json_body_must_be_a_json_object(fake):
    assert raw(fake, "chat.postMessage", json_body=["C1", "x"], token=fake.token)[1]["error"] == "json_not_object"
    assert raw(fake, "chat.postMessage", data=b'{"channel": ', token=fake.token)[1]["error"] == "invalid_json"


def test_blocks_may_come_form_encoded_as_a_json_string(fake, client):
    channel = private_channel(client)
    blocks = json.dumps([{"type": "divider"}])
    answer = client.api_call("chat.postMessage", data={"channel": channel, "blocks": blocks})
    assert fake.messages_in(channel)[-1]["blocks"] == [{"type": "divider"}] and answer["ok"]
    answer = slack_error(client.api_call, "chat.postMessage", data={"channel": channel, "blocks": "[{"})
    assert answer["error"] == "invalid_blocks_format"


def test_a_missing_required_argument_gets_the_documented_error(fake, client):
    assert slack_error(client.api_call, "chat.postMessage", json={"text": "x"})["error"] == "channel_not_found"
    assert slack_error(client.api_call, "conversations.invite", params={"channel": "C1"})["error"] == "no_user"
    answer = slack_error(client.api_call, "conversations.setTopic", params={"channel": "C1"})
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == ["[ERROR] missing required field: topic"]


def test_every_call_is_recorded(fake, client):
    before = time.time()
    client.users_info(user=ANNA)
    slack_error(client.users_info, user="U0NOBODY01")
    calls = fake.calls_to("users.info")
    assert [(c.args["user"], c.response["ok"]) for c in calls] == [(ANNA, True), ("U0NOBODY01", False)]
    assert all(c.time >= before and c.token == fake.token for c in calls)


def test_an_undocumented_error_is_a_bug_in_the_fake(fake, client, monkeypatch):
    def broken(*args):
        raise SlackError("made_up_error")

    monkeypatch.setattr(fake, "_m_users_info", broken)
    assert slack_error(client.users_info, user=ANNA).status_code == 500
    assert "made_up_error" in fake.server_errors.pop()


# -- channels -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, error", [
    ("VT-2025-0001", "invalid_name_specials"),
    ("vt 2025", "invalid_name_specials"),
    ("vt.2025", "invalid_name_specials"),
    ("zorgoverleg-é", "invalid_name_specials"),
    ("v" * 81, "invalid_name_maxlength"),
    ("", "invalid_name_required"),
    ("-_-", "invalid_name_punctuation"),
])
def test_channel_names_follow_slacks_rules(client, name, error):
    assert slack_error(client.conversations_create, name=name, is_private=True)["error"] == error


@pytest.mark.parametrize("name", ["v" * 80, "vt-2025_0001", "0"])
def test_valid_channel_names_are_accepted(client, name):
    assert client.conversations_create(name=name, is_private=True)["channel"]["name"] == name


def test_a_created_private_channel_has_the_bot_as_member(fake, client):
    channel = client.conversations_create(name="vt-2025-0001", is_private=True)["channel"]
    assert channel["is_private"] and channel["is_member"]
    assert client.conversations_members(channel=channel["id"])["members"] == [fake.bot_user_id]
    assert client.conversations_info(channel=channel["id"])["channel"]["is_private"] is True


def test_a_name_is_taken_even_by_an_archived_channel(client):
    channel = private_channel(client)
    assert slack_error(client.conversations_create, name="vt-2025-0001")["error"] == "name_taken"
    client.conversations_archive(channel=channel)
    assert slack_error(client.conversations_create, name="vt-2025-0001", is_private=True)["error"] == "name_taken"


def test_archiving_twice_is_already_archived_and_archived_channels_take_no_posts(client):
    channel = private_channel(client)
    client.conversations_archive(channel=channel)
    assert client.conversations_info(channel=channel)["channel"]["is_archived"] is True
    assert slack_error(client.conversations_archive, channel=channel)["error"] == "already_archived"
    assert slack_error(client.chat_postMessage, channel=channel, text="x")["error"] == "is_archived"
    assert slack_error(client.conversations_invite, channel=channel, users=ANNA)["error"] == "is_archived"


def test_messages_in_an_archived_channel_cannot_be_edited(fake, client):
    channel = private_channel(client)
    ts = client.chat_postMessage(channel=channel, text="Open")["ts"]
    client.conversations_archive(channel=channel)
    assert slack_error(client.chat_update, channel=channel, ts=ts, text="Dicht")["error"] == "is_inactive"
    assert fake.messages_in(channel)[0]["text"] == "Open"


def test_invite_adds_members(fake, client):
    channel = private_channel(client, members=[ANNA, BRAM])
    assert fake.channels[channel].members == [fake.bot_user_id, ANNA, BRAM]


def test_invite_takes_at_most_100_users_per_call(fake, client):
    users = [f"U{i:09d}" for i in range(101)]
    for user in users:
        fake.add_user(user, None, user.lower())
    channel = private_channel(client)
    assert slack_error(client.conversations_invite, channel=channel, users=users)["error"] == "invalid_arguments"
    assert len(fake.channels[channel].members) == 1
    client.conversations_invite(channel=channel, users=users[:100])
    assert len(fake.channels[channel].members) == 101


def test_invite_refuses_unknown_users_members_and_the_caller(fake, client):
    channel = private_channel(client, members=[ANNA])
    answer = slack_error(client.conversations_invite, channel=channel, users=[BRAM, "U0NOBODY01"])
    assert answer["error"] == "user_not_found"
    assert answer["errors"] == [{"user": "U0NOBODY01", "ok": False, "error": "user_not_found"}]
    assert slack_error(client.conversations_invite, channel=channel, users=ANNA)["error"] == "already_in_channel"
    assert slack_error(client.conversations_invite, channel=channel,
                       users=fake.bot_user_id)["error"] == "cant_invite_self"
    assert BRAM not in fake.channels[channel].members
    answer = client.conversations_invite(channel=channel, users=[BRAM, "U0NOBODY01"], force=True)
    assert answer["errors"][0]["user"] == "U0NOBODY01" and BRAM in fake.channels[channel].members


def test_the_inviter_must_be_in_the_channel(fake, client):
    public = fake.add_channel("algemeen", members=(ANNA,))
    assert slack_error(client.conversations_invite, channel=public, users=BRAM)["error"] == "not_in_channel"
    hidden = fake.add_channel("geheim", is_private=True, members=(ANNA,))
    assert slack_error(client.conversations_invite, channel=hidden, users=BRAM)["error"] == "channel_not_found"


def test_set_topic(fake, client):
    channel = private_channel(client)
    assert client.conversations_setTopic(channel=channel, topic="Casus VT-2025-0001")["channel"]["topic"][
        "value"] == "Casus VT-2025-0001"
    assert slack_error(client.conversations_setTopic, channel=channel, topic="x" * 251)["error"] == "too_long"
    other = fake.add_channel("algemeen", members=(ANNA,))
    assert slack_error(client.conversations_setTopic, channel=other, topic="x")["error"] == "not_in_channel"


def test_kick(fake, client):
    channel = private_channel(client, members=[ANNA])
    client.conversations_kick(channel=channel, user=ANNA)
    assert ANNA not in fake.channels[channel].members
    assert slack_error(client.conversations_kick, channel=channel, user=ANNA)["error"] == "not_in_channel"
    assert slack_error(client.conversations_kick, channel=channel, user=fake.bot_user_id)["error"] == "cant_kick_self"
    assert slack_error(client.conversations_kick, channel=channel, user="U0NOBODY01")["error"] == "user_not_found"


def test_members_are_paginated(fake, client):
    channel = private_channel(client, members=[ANNA, BRAM, CEES])
    pages = [page["members"] for page in client.conversations_members(channel=channel, limit=3)]
    assert pages == [[fake.bot_user_id, ANNA, BRAM], [CEES]]
    assert slack_error(client.conversations_members, channel=channel, cursor="bogus")["error"] == "invalid_cursor"
    assert slack_error(client.conversations_members, channel=channel, limit=0)["error"] == "invalid_limit"


def test_open_gives_a_stable_im_per_user(fake, client):
    first = client.conversations_open(users=ANNA)
    again = client.conversations_open(users=[ANNA], return_im=True)
    assert first["channel"]["id"] == again["channel"]["id"] and first["channel"]["id"].startswith("D")
    assert again["already_open"] is True and again["channel"]["user"] == ANNA
    assert client.conversations_open(users=BRAM)["channel"]["id"] != first["channel"]["id"]
    client.chat_postMessage(channel=first["channel"]["id"], text="Escalatie")
    assert fake.messages_in(first["channel"]["id"])[0]["text"] == "Escalatie"
    assert slack_error(client.conversations_open, users="U0NOBODY01")["error"] == "user_not_found"
    assert slack_error(client.api_call, "conversations.open", params={})["error"] == "users_list_not_supplied"


def test_open_with_several_users_gives_a_group_dm(fake, client):
    group = client.conversations_open(users=[ANNA, BRAM], return_im=True)["channel"]
    assert group["is_mpim"] and sorted(fake.channels[group["id"]].members) == sorted([fake.bot_user_id, ANNA, BRAM])
    assert client.conversations_open(users=[BRAM, ANNA])["channel"]["id"] == group["id"]
    nine = [f"U{i:09d}" for i in range(9)]
    for user in nine:
        fake.add_user(user, None, user.lower())
    assert slack_error(client.conversations_open, users=nine)["error"] == "too_many_users"


# -- messages -----------------------------------------------------------------------------------------------
def test_post_message_returns_ts_and_keeps_metadata(fake, client):
    channel = private_channel(client)
    metadata = Metadata(event_type="case_opened", event_payload={"case": "VT-2025-0001"})
    answer = client.chat_postMessage(channel=channel, text="Nieuwe casus", metadata=metadata)
    stored = fake.messages_in(channel)[0]
    assert stored["ts"] == answer["ts"] and stored["text"] == "Nieuwe casus"
    assert stored["metadata"] == {"event_type": "case_opened", "event_payload": {"case": "VT-2025-0001"}}
    assert client.chat_postMessage(channel=channel, text="Tweede")["ts"] > answer["ts"]
    bad = slack_error(client.chat_postMessage, channel=channel, text="x", metadata={"event_type": "x"})
    assert bad["error"] == "invalid_metadata_schema"


def test_post_message_needs_a_visible_channel_and_membership(fake, client):
    assert slack_error(client.chat_postMessage, channel="C0MISSING1", text="x")["error"] == "channel_not_found"
    hidden = fake.add_channel("geheim", is_private=True, members=(ANNA,))
    assert slack_error(client.chat_postMessage, channel=hidden, text="x")["error"] == "channel_not_found"
    public = fake.add_channel("algemeen", members=(ANNA,))
    assert slack_error(client.chat_postMessage, channel=public, text="x")["error"] == "not_in_channel"
    assert fake.messages_in(hidden) == [] and fake.messages_in(public) == []
    loud = WebClient(token=fake.add_token("xoxb-public", {"chat:write", "chat:write.public"}), base_url=fake.base_url)
    assert loud.chat_postMessage(channel=public, text="x")["ok"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_needs_text_or_blocks_and_markdown_text_goes_alone(client):
    channel = private_channel(client)
    assert slack_error(client.chat_postMessage, channel=channel)["error"] == "no_text"
    assert slack_error(client.chat_postMessage, channel=channel, text="x",
                       markdown_text="**x**")["error"] == "markdown_text_conflict"
    assert client.chat_postMessage(channel=channel, markdown_text="**x**")["ok"]


def test_post_message_takes_a_channel_name_or_a_user_id(fake, client):
    channel = private_channel(client)
    assert client.chat_postMessage(channel="#vt-2025-0001", text="Op naam")["channel"] == channel
    dm = client.chat_postMessage(channel=ANNA, text="Persoonlijk")["channel"]
    assert dm == client.conversations_open(users=ANNA)["channel"]["id"]
    assert [m["text"] for m in fake.messages_in(dm)] == ["Persoonlijk"]


def test_update_needs_an_existing_message_of_the_bot(fake, client):
    channel = private_channel(client, members=[ANNA])
    ts = client.chat_postMessage(channel=channel, text="Open", blocks=[DividerBlock()])["ts"]
    assert slack_error(client.chat_update, channel=channel, ts="1.000001", text="x")["error"] == "message_not_found"
    other = private_channel(client, name="vt-2025-0002")
    assert slack_error(client.chat_update, channel=other, ts=ts, text="x")["error"] == "message_not_found"
    by_anna = fake.post_as_user(channel, ANNA, "Ik neem hem")
    assert slack_error(client.chat_update, channel=channel, ts=by_anna, text="x")["error"] == "cant_update_message"
    client.chat_update(channel=channel, ts=ts, text="Gesloten")
    message = fake.messages_in(channel)[0]
    assert message["text"] == "Gesloten" and message["blocks"] == [{"type": "divider"}] and "edited" in message
    assert slack_error(client.chat_update, channel=channel, ts=ts, text="x" * 4001)["error"] == "msg_too_long"


def test_ephemeral_needs_the_user_in_the_channel(fake, client):
    channel = private_channel(client, members=[ANNA])
    assert slack_error(client.chat_postEphemeral, channel=channel, user=BRAM,
                       text="x")["error"] == "user_not_in_channel"
    ts = client.chat_postEphemeral(channel=channel, user=ANNA, text="Alleen voor jou")["message_ts"]
    assert fake.ephemeral == [{"channel": channel, "user": ANNA, "text": "Alleen voor jou", "blocks": None,
                               "message_ts": ts, "thread_ts": None}]
    assert fake.messages_in(channel) == []


# -- Block Kit ----------------------------------------------------------------------------------------------
def button(**overrides):
    return {"type": "button", "text": {"type": "plain_text", "text": "Oppakken"}, "action_id": "claim", **overrides}


def section(text="Casus"):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# (raw blocks over a limit, the same built with slack_sdk.models, which must refuse it too)
OVER_LIMITS = {
    "51 blocks": ([section()] * 51, None),
    "section text 3001": ([section("x" * 3001)], lambda: SectionBlock(text="x" * 3001)),
    "button text 76": ([{"type": "actions", "elements": [button(text={"type": "plain_text", "text": "x" * 76})]}],
                       lambda: ButtonElement(text="x" * 76, action_id="a")),
    "button value 2001": ([{"type": "actions", "elements": [button(value="x" * 2001)]}],
                          lambda: ButtonElement(text="a", action_id="a", value="x" * 2001)),
    "action_id 256": ([{"type": "actions", "elements": [button(action_id="x" * 256)]}],
                      lambda: ButtonElement(text="a", action_id="x" * 256)),
    "block_id 256": ([{**section(), "block_id": "x" * 256}], lambda: SectionBlock(text="a", block_id="x" * 256)),
    "26 elements": ([{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
                    lambda: ActionsBlock(elements=[ButtonElement(text="a", action_id=f"a{i}") for i in range(26)])),
    "header text 151": ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
                        lambda: HeaderBlock(text="x" * 151)),
    "duplicate block_id": ([{**section(), "block_id": "b"}, {**section(), "block_id": "b"}], None),
    "duplicate action_id in a block": ([{"type": "actions", "elements": [button(), button()]}], None),
    "unknown block type": ([{"type": "banner"}], None),
    "section without text": ([{"type": "section"}], None),
    "empty text": ([section("")], None),
}


@pytest.mark.parametrize("case", OVER_LIMITS)
def test_blocks_over_a_limit_are_invalid_blocks(fake, client, case):
    blocks, model = OVER_LIMITS[case]
    channel = private_channel(client)
    answer = slack_error(client.chat_postMessage, channel=channel, text="x", blocks=blocks)
    assert answer["error"] == "invalid_blocks" and answer["response_metadata"]["messages"]
    assert fake.messages_in(channel) == []
    if model is not None:
        with pytest.raises(SlackObjectFormationError):
            model().to_dict()


def test_slack_sdk_does_not_count_blocks_but_the_fake_does(client):
    channel = private_channel(client)
    blocks = [SectionBlock(text=f"Casus {i}") for i in range(51)]
    answer = slack_error(client.chat_postMessage, channel=channel, text="x", blocks=blocks)
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]


def test_blocks_at_the_limits_are_accepted(fake, client):
    channel = private_channel(client)
    blocks = [{"type": "actions", "block_id": "b" * 255,
               "elements": [button(action_id=f"a{i}", value="v" * 2000) for i in range(24)]
               + [button(action_id="x" * 255, text={"type": "plain_text", "text": "t" * 75})]},
              {"type": "actions", "elements": [button()]},  # the same action_id in another block is fine
              section("s" * 3000)] + [{"type": "divider"}] * 47
    client.chat_postMessage(channel=channel, text="x", blocks=blocks)
    assert fake.messages_in(channel)[0]["blocks"] == blocks


def test_blocks_built_with_slack_sdk_models_are_stored_as_sent(fake, client):
    channel = private_channel(client)
    blocks = [HeaderBlock(text="Casus VT-2025-0001"), SectionBlock(text="*Besluit* nodig", block_id="case"),
              ActionsBlock(block_id="act", elements=[ButtonElement(text="Oppakken", action_id="claim", value="1",
                                                                   style="primary")])]
    client.chat_postMessage(channel=channel, text="Casus", blocks=blocks)
    assert fake.messages_in(channel)[0]["blocks"] == [b.to_dict() for b in blocks]


def test_update_and_ephemeral_check_blocks_too(fake, client):
    channel = private_channel(client, members=[ANNA])
    ts = client.chat_postMessage(channel=channel, text="x")["ts"]
    too_long = [section("x" * 3001)]
    answer = slack_error(client.chat_update, channel=channel, ts=ts, text="y", blocks=too_long)
    assert answer["error"] == "invalid_blocks" and fake.messages_in(channel)[0]["text"] == "x"
    assert slack_error(client.chat_postEphemeral, channel=channel, user=ANNA, text="x",
                       blocks=too_long)["error"] == "invalid_blocks"


# -- modals -------------------------------------------------------------------------------------------------
def modal(**overrides):
    return {"type": "modal", "title": {"type": "plain_text", "text": "Overdracht"}, "callback_id": "handover",
            "submit": {"type": "plain_text", "text": "Opslaan"},
            "blocks": [{"type": "input", "block_id": "note", "label": {"type": "plain_text", "text": "Notitie"},
                        "element": {"type": "plain_text_input", "action_id": "text"}}], **overrides}


def test_views_open_with_a_fresh_trigger(fake, client):
    view = View(type="modal", title="Overdracht", submit="Opslaan", callback_id="handover", private_metadata="c=1",
                blocks=[InputBlock(label="Notitie", block_id="note",
                                   element=PlainTextInputElement(action_id="text"))])
    answer = client.views_open(trigger_id=fake.new_trigger_id(), view=view)
    stored = fake.views[answer["view"]["id"]]
    assert stored["callback_id"] == "handover" and stored["private_metadata"] == "c=1"
    assert stored["blocks"] == view.to_dict()["blocks"]


def test_a_trigger_id_is_single_use(fake, client):
    trigger = fake.new_trigger_id()
    client.views_open(trigger_id=trigger, view=modal())
    assert slack_error(client.views_open, trigger_id=trigger, view=modal())["error"] == "exchanged_trigger_id"
    assert len(fake.views) == 1


def test_a_trigger_id_expires(fake, client):
    trigger = fake.new_trigger_id()  # the fixture's lifetime is 0.2 s; Slack's is 3 s
    time.sleep(0.25)
    assert slack_error(client.views_open, trigger_id=trigger, view=modal())["error"] == "expired_trigger_id"
    assert fake.views == {}


def test_the_default_trigger_lifetime_is_three_seconds():
    assert FakeSlack().trigger_ttl == 3.0


def test_an_unknown_trigger_id_is_invalid(client):
    assert slack_error(client.views_open, trigger_id="12345.98765.abcd", view=modal())["error"] == "invalid_trigger_id"


@pytest.mark.parametrize("overrides, model", [
    ({"title": {"type": "plain_text", "text": "x" * 25}}, lambda: View(type="modal", title="x" * 25, blocks=[])),
    ({"blocks": [{"type": "divider"}] * 101, "submit": None},
     lambda: View(type="modal", title="t", blocks=[DividerBlock()] * 101)),
    ({"private_metadata": "x" * 3001}, lambda: View(type="modal", title="t", private_metadata="x" * 3001)),
    ({"submit": None}, None),  # input blocks need a submit button
    ({"type": "home"}, None),  # views.open opens modals
    ({"title": {"type": "mrkdwn", "text": "Overdracht"}}, None),
])
def test_a_modal_over_a_limit_is_invalid_arguments_and_keeps_the_trigger(fake, client, overrides, model):
    trigger = fake.new_trigger_id()
    view = {k: v for k, v in modal(**overrides).items() if v is not None}
    answer = slack_error(client.views_open, trigger_id=trigger, view=view)
    assert answer["error"] == "invalid_arguments" and answer["response_metadata"]["messages"]
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]
    if model is not None:
        with pytest.raises(SlackObjectFormationError):
            model().to_dict()


def test_a_modal_may_have_100_blocks_and_3000_characters_of_metadata(fake, client):
    view = modal(blocks=[{"type": "divider"}] * 100, private_metadata="x" * 3000, title={
        "type": "plain_text", "text": "t" * 24})
    assert client.views_open(trigger_id=fake.new_trigger_id(), view=view)["ok"]


def test_views_update_by_id_and_hash(fake, client):
    opened = client.views_open(trigger_id=fake.new_trigger_id(), view=modal(external_id="handover-1"))["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"],
                                  view=modal(private_metadata="stap 2", external_id="handover-1"))["view"]
    assert updated["id"] == opened["id"] and fake.views[opened["id"]]["private_metadata"] == "stap 2"
    stale = slack_error(client.views_update, view_id=opened["id"], hash="1.stale", view=modal())
    assert stale["error"] == "hash_conflict"
    assert client.views_update(external_id="handover-1", view=modal(external_id="handover-1"))["ok"]
    assert slack_error(client.views_update, view_id="V0NOPE0001", view=modal())["error"] == "not_found"
    too_long = modal(title={"type": "plain_text", "text": "x" * 25})
    assert slack_error(client.views_update, view_id=opened["id"], view=too_long)["error"] == "invalid_arguments"


# -- users --------------------------------------------------------------------------------------------------
def test_users_info_and_lookup_by_email(client):
    assert client.users_info(user=ANNA)["user"]["profile"]["email"] == "anna@veiligthuis.example"
    assert slack_error(client.users_info, user="U0NOBODY01")["error"] == "user_not_found"
    assert client.users_lookupByEmail(email="Bram@LokaalTeam.example")["user"]["id"] == BRAM
    assert client.users_lookupByEmail(email="cees@gi.example")["user"]["id"] == CEES  # case does not matter
    assert slack_error(client.users_lookupByEmail, email="niemand@example.org")["error"] == "users_not_found"


# -- reading history and listing conversations -------------------------------------------------------------
def pages_of(response, most=10):
    """The pages slack_sdk fetches by following `next_cursor` (at most `most`, so a broken cursor cannot loop)."""
    return [page.data for page in itertools.islice(response, most)]  # slack_sdk reuses one response object


def outbox_metadata(key):
    return Metadata(event_type="triagetafel_outbox", event_payload={"key": key})


def test_history_finds_a_message_by_its_metadata_only_with_include_all_metadata(fake, client):
    channel = private_channel(client)
    client.chat_postMessage(channel=channel, text="Eerste", metadata=outbox_metadata("k-1"))
    sent = client.chat_postMessage(channel=channel, text="Tweede", metadata=outbox_metadata("k-2"))["ts"]
    client.chat_update(channel=channel, ts=sent, text="Tweede, bijgewerkt")  # no metadata given: it stays
    fake.post_as_user(channel, ANNA, "Gezien")

    plain = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in plain] == ["Gezien", "Tweede, bijgewerkt", "Eerste"]  # newest first
    assert all("metadata" not in m for m in plain)

    full = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    found = [m for m in full if m.get("metadata", {}).get("event_payload", {}).get("key") == "k-2"]
    assert [m["ts"] for m in found] == [sent]
    assert found[0]["metadata"] == {"event_type": "triagetafel_outbox", "event_payload": {"key": "k-2"}}
    assert (found[0]["type"], found[0]["user"], found[0]["bot_id"]) == ("message", fake.bot_user_id, fake.bot_id)
    assert "metadata" not in full[0] and full[0]["user"] == ANNA and "bot_id" not in full[0]
    assert fake.messages_in(channel)[1]["metadata"]["event_payload"] == {"key": "k-2"}  # the store keeps it


def test_history_includes_blocks_and_leaves_thread_replies_out(fake, client):
    channel = private_channel(client)
    parent = client.chat_postMessage(channel=channel, text="Casus", blocks=[{"type": "divider"}])["ts"]
    client.chat_postMessage(channel=channel, text="Antwoord in de draad", thread_ts=parent)
    messages = client.conversations_history(channel=channel)["messages"]
    assert [m["ts"] for m in messages] == [parent]
    assert messages[0]["blocks"] == [{"type": "divider"}] and messages[0]["reply_count"] == 1


def test_history_is_paginated_newest_first(fake, client):
    channel = private_channel(client)
    sent = [client.chat_postMessage(channel=channel, text=f"bericht {i}")["ts"] for i in range(5)]
    first = client.conversations_history(channel=channel, limit=2)
    assert first["has_more"] is True and (cursor := first["response_metadata"]["next_cursor"])
    second = client.conversations_history(channel=channel, limit=2, cursor=cursor)
    assert [m["ts"] for m in second["messages"]] == [sent[2], sent[1]] and second["has_more"] is True
    pages = [[m["ts"] for m in page["messages"]] for page in pages_of(first)]  # slack_sdk follows next_cursor
    assert pages == [[sent[4], sent[3]], [sent[2], sent[1]], [sent[0]]]
    whole = client.conversations_history(channel=channel)
    assert whole["has_more"] is False and not whole.get("response_metadata", {}).get("next_cursor")
    assert slack_error(client.conversations_history, channel=channel, cursor="bogus")["error"] == "invalid_cursor"


def test_history_takes_at_most_999_messages_a_page(fake, client):
    channel = private_channel(client)
    for i in range(1000):
        fake.post_as_user(channel, fake.bot_user_id, f"bericht {i}")
    answer = client.conversations_history(channel=channel, limit=5000)
    assert len(answer["messages"]) == 999 and answer["has_more"] is True
    assert len(client.conversations_history(channel=channel)["messages"]) == 100  # the default limit


def test_history_needs_the_caller_in_the_conversation(fake, client):
    public = fake.add_channel("algemeen", members=(ANNA,))
    fake.post_as_user(public, ANNA, "Hallo")
    assert slack_error(client.conversations_history, channel=public)["error"] == "not_in_channel"
    hidden = fake.add_channel("geheim", is_private=True, members=(ANNA,))
    assert slack_error(client.conversations_history, channel=hidden)["error"] == "channel_not_found"
    assert slack_error(client.conversations_history, channel="C0MISSING1")["error"] == "channel_not_found"
    joined = fake.add_channel("samen", members=(ANNA, fake.bot_user_id))
    fake.post_as_user(joined, ANNA, "Welkom")
    assert [m["text"] for m in client.conversations_history(channel=joined)["messages"]] == ["Welkom"]


def test_history_of_a_private_channel_needs_groups_history(fake, client):
    private = private_channel(client)
    public = fake.add_channel("samen", members=(fake.bot_user_id,))
    reader = WebClient(token=fake.add_token("xoxb-public-history", {"channels:history"}), base_url=fake.base_url)
    answer = slack_error(reader.conversations_history, channel=private)
    assert (answer["error"], answer["needed"]) == ("missing_scope", "groups:history")
    assert reader.conversations_history(channel=public)["ok"]
    dm = client.conversations_open(users=ANNA)["channel"]["id"]
    assert slack_error(reader.conversations_history, channel=dm)["needed"] == "im:history"
    groups = WebClient(token=fake.add_token("xoxb-private-history", {"groups:history"}), base_url=fake.base_url)
    assert groups.conversations_history(channel=private)["ok"]
    assert slack_error(groups.conversations_history, channel=public)["needed"] == "channels:history"
    no_history = WebClient(token=fake.add_token("xoxb-no-history", {"groups:read"}), base_url=fake.base_url)
    assert slack_error(no_history.conversations_history, channel=private)["error"] == "missing_scope"


def test_history_between_oldest_and_latest(fake, client):
    channel = private_channel(client)
    ts = [client.chat_postMessage(channel=channel, text=f"bericht {i}")["ts"] for i in range(4)]

    def between(**kwargs):
        return [m["ts"] for m in client.conversations_history(channel=channel, **kwargs)["messages"]]

    assert between(oldest=ts[0], latest=ts[3]) == [ts[2], ts[1]]  # the bounds themselves are left out
    assert between(oldest=ts[0], latest=ts[3], inclusive=True) == [ts[3], ts[2], ts[1], ts[0]]
    assert between(oldest=ts[1]) == [ts[3], ts[2]]
    assert between(latest=ts[1]) == [ts[0]]
    assert between(latest=ts[1], inclusive=True) == [ts[1], ts[0]]
    later = str(int(ts[3].split(".")[0]) + 10)  # whole Unix seconds are timestamps too
    assert between(oldest="0", latest=later) == list(reversed(ts)) and between(oldest=later) == []
    assert between(oldest=ts[0], latest=ts[3], limit=1) == [ts[2]]
    assert slack_error(client.conversations_history, channel=channel, oldest="gisteren")["error"] == "invalid_ts_oldest"
    assert slack_error(client.conversations_history, channel=channel, latest="1.2.3")["error"] == "invalid_ts_latest"


def test_history_may_be_read_with_get(fake, client):
    channel = private_channel(client)
    client.chat_postMessage(channel=channel, text="Via GET")
    status, answer = raw(fake, "conversations.history", query={"channel": channel}, token=fake.token, verb="GET")
    assert status == 200 and [m["text"] for m in answer["messages"]] == ["Via GET"]


def test_list_shows_public_channels_and_only_the_bots_private_ones(fake, client):
    mine = private_channel(client, name="vt-2025-0001")
    theirs = fake.add_channel("geheim", is_private=True, members=(ANNA,), creator=ANNA)
    public = fake.add_channel("algemeen", members=(ANNA,), creator=ANNA)
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    by_id = {c["id"]: c for c in listed}
    assert set(by_id) == {mine, public} and theirs not in by_id
    assert {k: by_id[mine][k] for k in ("name", "is_private", "is_archived", "is_member", "creator")} == {
        "name": "vt-2025-0001", "is_private": True, "is_archived": False, "is_member": True,
        "creator": fake.bot_user_id}
    assert (by_id[public]["is_private"], by_id[public]["is_member"], by_id[public]["creator"]) == (False, False, ANNA)
    assert all(isinstance(c["created"], int) for c in listed)
    assert [c["id"] for c in client.conversations_list()["channels"]] == [public]  # types defaults to public_channel
    assert [c["id"] for c in client.conversations_list(types="private_channel")["channels"]] == [mine]
    dm = client.conversations_open(users=ANNA)["channel"]["id"]
    assert [c["id"] for c in client.conversations_list(types="im")["channels"]] == [dm]
    assert slack_error(client.conversations_list, types="public_channel,lunch")["error"] == "invalid_types"


def test_list_leaves_out_archived_channels_on_request(fake, client):
    active = private_channel(client, name="vt-2025-0001")
    archived = private_channel(client, name="vt-2025-0002")
    client.conversations_archive(channel=archived)
    every = client.conversations_list(types="private_channel")["channels"]
    assert {c["id"]: c["is_archived"] for c in every} == {active: False, archived: True}
    kept = client.conversations_list(types="private_channel", exclude_archived=True)["channels"]
    assert [c["id"] for c in kept] == [active]


def test_list_is_paginated_and_filters_apply_after_the_page(fake, client):
    ids = [private_channel(client, name=f"vt-2025-000{i}") for i in range(5)]
    first = client.conversations_list(types="private_channel", limit=2)
    assert first["response_metadata"]["next_cursor"]
    pages = [[c["id"] for c in page["channels"]] for page in pages_of(first)]
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    client.conversations_archive(channel=ids[0])
    client.conversations_archive(channel=ids[1])
    pages = [[c["id"] for c in page["channels"]]
             for page in pages_of(client.conversations_list(types="private_channel", limit=2, exclude_archived=True))]
    assert pages == [[], ids[2:4], ids[4:5]]  # Slack: a page may come back emptier, with a cursor still
    assert slack_error(client.conversations_list, cursor="bogus")["error"] == "invalid_cursor"
    assert slack_error(client.conversations_list, limit=1001)["error"] == "invalid_limit"
    assert slack_error(client.conversations_list, limit=0)["error"] == "invalid_limit"
    assert len(client.conversations_list(types="private_channel", limit=1000)["channels"]) == 5


def test_list_needs_the_read_scope_of_each_type_asked_for(fake, client):
    private_channel(client)
    reader = WebClient(token=fake.add_token("xoxb-public-read", {"channels:read"}), base_url=fake.base_url)
    assert reader.conversations_list()["ok"]
    answer = slack_error(reader.conversations_list, types="public_channel,private_channel")
    assert (answer["error"], answer["needed"]) == ("missing_scope", "groups:read")
    writer = WebClient(token=fake.add_token("xoxb-write-only", {"chat:write"}), base_url=fake.base_url)
    assert slack_error(writer.conversations_list)["error"] == "missing_scope"


# -- rate limits --------------------------------------------------------------------------------------------
def test_rate_limited_calls_get_429_with_retry_after(fake, client):
    channel = private_channel(client)
    fake.rate_limit("chat.postMessage", times=2, retry_after=7)
    for _ in range(2):
        answer = slack_error(client.chat_postMessage, channel=channel, text="x")
        assert (answer.status_code, answer["error"], answer.headers["Retry-After"]) == (429, "ratelimited", "7")
    assert fake.messages_in(channel) == []
    assert client.chat_postMessage(channel=channel, text="x")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 429, 200]


def test_a_rate_limit_applies_to_its_method_only(fake, client):
    fake.rate_limit("chat.postMessage")
    assert client.auth_test()["ok"]
    assert slack_error(client.chat_postMessage, channel="C1", text="x").status_code == 429


def test_slack_sdks_rate_limit_retry_handler_retries_after_a_429(fake):
    patient = WebClient(token=fake.token, base_url=fake.base_url,
                        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    channel = private_channel(patient)
    fake.rate_limit("chat.postMessage", times=1, retry_after=0)
    assert patient.chat_postMessage(channel=channel, text="Toch verstuurd")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages_in(channel)) == 1


# -- file uploads: files.getUploadURLExternal, a POST to the upload_url, files.completeUploadExternal --------------
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"\r\n--einde\r\n"  # binary, with CRLF and a fake boundary


def post_file(url, data, content_type="application/octet-stream", verb="POST"):
    """A POST of a file's bytes to an upload_url: (HTTP status, the answer's text)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, {"Content-Type": content_type},
                                                           method=verb)) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def uploaded(fake, client, data=PNG, filename="overzicht.png", length=None):
    """Steps 1 and 2 of an upload: the file id, with the bytes on the upload service."""
    ticket = client.files_getUploadURLExternal(filename=filename, length=len(data) if length is None else length)
    assert post_file(ticket["upload_url"], data) == (200, f"OK - {len(data)}")
    return ticket["file_id"]


def test_an_upload_is_shared_in_one_message_in_a_private_channel_the_bot_is_in(fake, client):
    channel = private_channel(client, members=[ANNA])
    ticket = client.files_getUploadURLExternal(filename="overzicht.png", length=len(PNG))
    file_id, url = ticket["file_id"], ticket["upload_url"]
    assert file_id.startswith("F") and url.startswith(fake.base_url.removesuffix("/api/") + "/upload/v1/")
    assert post_file(url, PNG) == (200, f"OK - {len(PNG)}")
    assert fake.file_content(file_id) == PNG and fake.messages_in(channel) == []
    done = client.files_completeUploadExternal(files=[{"id": file_id, "title": "Weekoverzicht"}],
                                               channel_id=channel, initial_comment="Het overzicht van deze week")
    assert done["files"] == [{"id": file_id, "title": "Weekoverzicht"}]
    [message] = fake.messages_in(channel)
    assert (message["user"], message["text"]) == (fake.bot_user_id, "Het overzicht van deze week")
    [shared] = message["files"]
    assert {k: shared[k] for k in ("id", "name", "title", "mimetype", "size")} == {
        "id": file_id, "name": "overzicht.png", "title": "Weekoverzicht", "mimetype": "image/png", "size": len(PNG)}
    assert fake.files_in(channel) == [{**shared, "content": PNG}]
    history = client.conversations_history(channel=channel)["messages"]  # the message reads back as JSON
    assert [m["files"][0]["id"] for m in history] == [file_id]


def test_slack_sdks_files_upload_v2_shares_a_file_in_a_dm(fake, client):
    dm = client.conversations_open(users=ANNA)["channel"]["id"]
    report = "<html><body>Rapportage Q3 — é</body></html>".encode()
    answer = client.files_upload_v2(content=report, filename="rapport.html", title="Rapportage",
                                    channel=dm, initial_comment="De rapportage")
    assert answer["file"]["title"] == "Rapportage"
    [message] = fake.messages_in(dm)
    assert message["text"] == "De rapportage"
    [shared] = fake.files_in(dm)
    assert (shared["id"], shared["mimetype"], shared["content"]) == (answer["file"]["id"], "text/html", report)


def test_an_upload_may_be_a_multipart_form_with_one_file(fake, client):
    channel = private_channel(client)
    ticket = client.files_getUploadURLExternal(filename="lijst.csv", length=len(PNG))
    answer = httpx.post(ticket["upload_url"], files={"file": ("lijst.csv", PNG, "text/csv")},
                        data={"note": "not a file"})
    assert (answer.status_code, answer.text) == (200, f"OK - {len(PNG)}")
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=channel)
    [shared] = fake.files_in(channel)
    assert (shared["content"], shared["title"], shared["mimetype"]) == (PNG, "lijst.csv", "text/csv")
    assert fake.messages_in(channel)[0]["text"] == ""


def test_an_upload_url_takes_one_post_of_the_file(fake, client):
    ticket = client.files_getUploadURLExternal(filename="a.txt", length=3)
    two_files = httpx.post(ticket["upload_url"], files={"a": ("a.txt", b"abc"), "b": ("b.txt", b"def")})
    assert two_files.status_code == 400
    assert post_file(ticket["upload_url"], None, verb="GET")[0] == 405
    assert post_file(ticket["upload_url"], b"abc") == (200, "OK - 3")
    assert post_file(ticket["upload_url"], b"xyz")[0] == 404
    assert fake.file_content(ticket["file_id"]) == b"abc"
    assert post_file(ticket["upload_url"].rsplit("/", 1)[0] + "/not-a-ticket", b"abc")[0] == 404


def test_completing_before_the_bytes_are_uploaded_is_file_not_found(fake, client):
    channel = private_channel(client)
    ticket = client.files_getUploadURLExternal(filename="overzicht.png", length=len(PNG))
    complete = client.files_completeUploadExternal
    assert slack_error(complete, files=[{"id": ticket["file_id"]}], channel_id=channel)["error"] == "file_not_found"
    assert fake.messages_in(channel) == []
    post_file(ticket["upload_url"], PNG)
    assert complete(files=[{"id": ticket["file_id"]}], channel_id=channel)["ok"]
    assert slack_error(complete, files=[{"id": "F0NOTAFILE"}])["error"] == "file_not_found"


def test_a_file_is_completed_once(fake, client):
    channel = private_channel(client)
    file_id = uploaded(fake, client)
    client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=channel, initial_comment="Eerste")
    again = slack_error(client.files_completeUploadExternal, files=[{"id": file_id}], channel_id=channel,
                        initial_comment="Tweede")
    assert again["error"] == "file_not_found"
    assert [m["text"] for m in fake.messages_in(channel)] == ["Eerste"]


def test_a_refused_file_shares_none_of_the_others(fake, client):
    channel = private_channel(client)
    good = uploaded(fake, client)
    pending = client.files_getUploadURLExternal(filename="b.png", length=1)["file_id"]
    files = [{"id": good}, {"id": pending}]
    answer = slack_error(client.files_completeUploadExternal, files=files, channel_id=channel)
    assert answer["error"] == "file_not_found"
    assert fake.messages_in(channel) == []
    assert client.files_completeUploadExternal(files=[{"id": good}], channel_id=channel)["ok"]


def test_an_upload_of_another_length_than_announced_cannot_be_completed(fake, client):
    channel = private_channel(client)
    short = uploaded(fake, client, data=b"12345", length=10)  # the upload service takes it: "OK - 5"
    long = uploaded(fake, client, data=b"12345", length=4)
    for file_id in (short, long):
        answer = slack_error(client.files_completeUploadExternal, files=[{"id": file_id}], channel_id=channel)
        assert answer["error"] == "file_not_found"
    assert fake.messages_in(channel) == []
    assert client.files_completeUploadExternal(files=[{"id": uploaded(fake, client, data=b"12345", length=5)}],
                                               channel_id=channel)["ok"]


def test_sharing_needs_the_bot_in_the_channel(fake, client):
    file_id = uploaded(fake, client)
    complete = client.files_completeUploadExternal
    hidden = fake.add_channel("geheim", is_private=True, members=(ANNA,))
    assert slack_error(complete, files=[{"id": file_id}], channel_id=hidden)["error"] == "not_in_channel"
    public = fake.add_channel("algemeen", members=(ANNA,))
    assert slack_error(complete, files=[{"id": file_id}], channel_id=public)["error"] == "not_in_channel"
    assert slack_error(complete, files=[{"id": file_id}], channel_id="C0MISSING1")["error"] == "channel_not_found"
    closed = private_channel(client, name="vt-2025-0002")
    client.conversations_archive(channel=closed)
    assert slack_error(complete, files=[{"id": file_id}], channel_id=closed)["error"] == "invalid_channel"
    assert slack_error(complete, files=[{"id": file_id}], channel_id=ANNA)["error"] == "invalid_arguments"
    assert all(fake.messages_in(c) == [] for c in (hidden, public, closed))
    channel = private_channel(client)
    assert complete(files=[{"id": file_id}], channel_id=channel)["ok"]  # the refusals did not use the file up
    assert [f["id"] for f in fake.files_in(channel)] == [file_id]


def test_without_a_channel_a_completed_file_stays_private(fake, client):
    private_channel(client)
    client.conversations_open(users=ANNA)
    file_id = uploaded(fake, client)
    assert client.files_completeUploadExternal(files=[{"id": file_id}])["files"] == [{"id": file_id,
                                                                                    "title": "overzicht.png"}]
    assert all(not m.get("files") for messages in fake.messages.values() for m in messages)
    assert fake.file_content(file_id) == PNG


def test_only_the_uploader_completes_a_file(fake, client):
    channel = private_channel(client, members=[ANNA])
    file_id = uploaded(fake, client)
    anna = WebClient(token=fake.add_token("xoxp-anna", {"files:write"}, user=ANNA), base_url=fake.base_url)
    assert slack_error(anna.files_completeUploadExternal, files=[{"id": file_id}],
                       channel_id=channel)["error"] == "access_denied"
    assert fake.messages_in(channel) == []


def test_uploading_needs_files_write(fake, client):
    channel = private_channel(client)
    file_id = uploaded(fake, client)
    narrow = WebClient(token=fake.add_token("xoxb-no-files", {"chat:write", "groups:write"}),
                       base_url=fake.base_url)
    answer = slack_error(narrow.files_getUploadURLExternal, filename="a.png", length=3)
    assert (answer["error"], answer["needed"]) == ("missing_scope", "files:write")
    answer = slack_error(narrow.files_completeUploadExternal, files=[{"id": file_id}], channel_id=channel)
    assert (answer["error"], answer["needed"]) == ("missing_scope", "files:write")
    assert fake.messages_in(channel) == [] and "files:write" in fake.tokens[fake.token].scopes


def test_get_upload_url_checks_length_and_alt_text(fake, client):
    get_url = client.files_getUploadURLExternal
    assert slack_error(get_url, filename="a.png", length=0)["error"] == "missing_argument"
    assert raw(fake, "files.getUploadURLExternal", form={"filename": "a.png"},
               token=fake.token)[1]["error"] == "missing_argument"
    assert slack_error(get_url, filename="a.png", length="veel")["error"] == "invalid_arguments"
    assert slack_error(get_url, filename="a.png", length=3, alt_txt="x" * 1001)["error"] == "alt_txt_too_large"
    assert get_url(filename="a.png", length=3, alt_txt="x" * 1000)["ok"]
    assert fake.calls_to("files.getUploadURLExternal")[-1].response["file_id"] in fake.files

