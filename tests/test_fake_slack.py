"""The fake Slack Web API (tests/fake_slack.py) enforces Slack's documented rules, seen through slack_sdk."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

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
