"""The fake Mattermost server (tests/fake_mattermost.py) keeps Mattermost's documented rules, seen through httpx."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.fake_mattermost import ID_FORMAT, FakeMattermost

COMMAND_URL = "http://bot.test/mattermost/command"
ACTION_URL = "http://bot.test/mattermost/action"
DIALOG_URL = "http://bot.test/mattermost/dialog"
COMMAND_TOKEN = "slash-secret-token"


class BotApp:
    """A tiny WSGI stand-in for the bot: records every request and answers what the test scripted per path."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: dict[str, object] = {}  # path -> (status, dict | str) or a callable(request) returning one

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        request = {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "body": body,
                   "authorization": environ.get("HTTP_AUTHORIZATION"), "content_type": environ.get("CONTENT_TYPE")}
        if (request["content_type"] or "").startswith("application/x-www-form-urlencoded"):
            request["form"] = dict(parse_qsl(body.decode(), keep_blank_values=True))
        elif (request["content_type"] or "").startswith("application/json"):
            request["json"] = json.loads(body)
        self.received.append(request)
        answer = self.answers.get(request["path"], (200, {}))
        status, payload = answer(request) if callable(answer) else answer
        if isinstance(payload, str):
            data, content_type = payload.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        start_response(f"{status} X", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]


@pytest.fixture
def bot():
    return BotApp()


@pytest.fixture
def fake(bot):
    with FakeMattermost(dialog_ttl=0.5, bot_transport=httpx.WSGITransport(app=bot)) as f:
        f.register_command("/casus", COMMAND_URL, COMMAND_TOKEN)
        yield f
    assert f.server_errors == []


@pytest.fixture
def people(fake):
    return SimpleNamespace(anna=fake.add_user("anna", "Anna@VeiligThuis.example"), bram=fake.add_user("bram"),
                           olaf=fake.add_user("olaf", in_team=False))


@pytest.fixture
def api(fake):
    with httpx.Client(base_url=fake.base_url + "/api/v4", headers={"Authorization": f"Bearer {fake.token}"}) as c:
        yield c


def client_for(fake, user) -> httpx.Client:
    return httpx.Client(base_url=fake.base_url + "/api/v4",
                        headers={"Authorization": f"Bearer {fake.token_for(user)}"})


def error(response: httpx.Response, status: int, error_id: str | None = None) -> dict:
    """The body of a refused call, checked to have Mattermost's error shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"id", "message", "detailed_error", "request_id", "status_code"}
    assert body["status_code"] == status and body["message"] and body["request_id"]
    if error_id is not None:
        assert body["id"] == error_id
    return body


def new_channel(api, fake, name="vt-2025-0001", *, private=True, members=()) -> str:
    response = api.post("/channels", json={"team_id": fake.team_id, "name": name, "display_name": name.upper(),
                                           "type": "P" if private else "O"})
    assert response.status_code == 201, response.text
    channel_id = response.json()["id"]
    if members:
        assert api.post(f"/channels/{channel_id}/members", json={"user_ids": list(members)}).status_code == 201
    return channel_id


def button(action_id="ok", context=None, url=ACTION_URL, name="Overnemen"):
    return {"id": action_id, "type": "button", "name": name,
            "integration": {"url": url, "context": {"case": "VT-1"} if context is None else context}}


def with_buttons(*buttons) -> dict:
    return {"attachments": [{"text": "Casus VT-1", "actions": list(buttons)}]}


# -- authentication, errors and users -------------------------------------------------------------------------
def test_every_api_call_needs_a_valid_bearer_token(fake):
    assert error(httpx.get(fake.base_url + "/api/v4/users/me"), 401, "api.context.session_expired.app_error")
    wrong = httpx.get(fake.base_url + "/api/v4/users/me", headers={"Authorization": "Bearer not-the-token"})
    error(wrong, 401, "api.context.session_expired.app_error")
    assert [c.status for c in fake.calls] == [401, 401]


def test_unknown_paths_and_methods_answer_with_the_error_shape(api):
    error(api.get("/no/such/thing"), 404, "api.context.404.app_error")
    error(api.delete("/users/me"), 405)


def test_users_me_and_lookups(fake, api, people):
    me = api.get("/users/me").json()
    assert (me["id"], me["username"], me["is_bot"]) == (fake.bot_user_id, "triagebot", True)
    assert "system_admin" not in me["roles"]
    assert ID_FORMAT.fullmatch(people.anna) and len(people.anna) == 26
    anna = api.get(f"/users/{people.anna}").json()
    assert (anna["username"], anna["email"], anna["delete_at"]) == ("anna", "anna@veiligthuis.example", 0)
    assert api.get("/users/username/anna").json()["id"] == people.anna
    assert api.get("/users/email/ANNA@veiligthuis.example").json()["id"] == people.anna  # emails ignore case
    error(api.get("/users/username/nobody"), 404)
    error(api.get("/users/email/nobody@example.org"), 404)
    error(api.get("/users/" + "x" * 26), 404)
    error(api.get("/users/not-an-id"), 400, "api.context.invalid_url_param.app_error")


def test_team_by_name_and_team_membership(fake, api, people):
    assert api.get("/teams/name/triagetafel").json()["id"] == fake.team_id
    error(api.get("/teams/name/elders"), 404)
    assert api.get(f"/teams/{fake.team_id}/members/{people.anna}").json()["user_id"] == people.anna
    error(api.get(f"/teams/{fake.team_id}/members/{people.olaf}"), 404, "app.team.get_member.missing.app_error")


# -- channels -------------------------------------------------------------------------------------------------
def test_creating_a_private_channel_answers_201_and_makes_the_creator_a_member(fake, api):
    response = api.post("/channels", json={"team_id": fake.team_id, "name": "vt-2025-0001",
                                           "display_name": "VT 2025-0001", "type": "P", "purpose": "casus"})
    assert response.status_code == 201
    channel = response.json()
    assert (channel["name"], channel["type"], channel["team_id"], channel["delete_at"]) == \
        ("vt-2025-0001", "P", fake.team_id, 0)
    assert fake.members_of(channel["id"]) == [fake.bot_user_id]
    assert fake.channel_named("vt-2025-0001")["id"] == channel["id"]
    assert api.get(f"/teams/{fake.team_id}/channels/name/vt-2025-0001").json()["id"] == channel["id"]


@pytest.mark.parametrize("name", ["a", "vt-2025-0001", "vt_2025", "abc__def", "x" * 64, "2025"])
def test_valid_channel_names(fake, api, name):
    new_channel(api, fake, name)


@pytest.mark.parametrize("name", ["", "VT-2025", "-vt", "_vt", "vt 2025", "vt.2025", "zicht-op-veiligheïd",
                                  "x" * 65, "abcdefghijklmnopqrstuvwxyz", "a" * 26 + "__" + "b" * 26, 42, None])
def test_invalid_channel_names_are_refused(fake, api, name):
    response = api.post("/channels", json={"team_id": fake.team_id, "name": name, "display_name": "Casus",
                                           "type": "P"})
    error(response, 400, "model.channel.is_valid.name.app_error")
    assert fake.channel_named(str(name)) is None


@pytest.mark.parametrize("change", [{"display_name": ""}, {"display_name": "x" * 65}, {"type": "D"},
                                    {"type": None}, {"purpose": "x" * 251}, {"team_id": "not-an-id"}])
def test_other_channel_fields_are_validated(fake, api, change):
    body = {"team_id": fake.team_id, "name": "vt-1", "display_name": "VT 1", "type": "P", **change}
    error(api.post("/channels", json=body), 400)
    error(api.post("/channels", content=b"{not json"), 400, "api.context.invalid_body_param.app_error")


def test_a_channel_name_stays_taken_after_archiving(fake, api):
    channel_id = new_channel(api, fake, "vt-2025-0001")
    body = {"team_id": fake.team_id, "name": "vt-2025-0001", "display_name": "Nog eens", "type": "P"}
    error(api.post("/channels", json=body), 400, "store.sql_channel.save_channel.exists.app_error")
    assert api.delete(f"/channels/{channel_id}").json() == {"status": "OK"}
    assert fake.channel_named("vt-2025-0001")["delete_at"] > 0
    error(api.post("/channels", json=body), 400, "store.sql_channel.save_channel.exists.app_error")
    error(api.post("/channels", json={**body, "name": "town-square"}), 400,
          "store.sql_channel.save_channel.exists.app_error")  # every team has one


def test_only_team_members_create_channels(fake, people):
    with client_for(fake, people.olaf) as outsider:
        body = {"team_id": fake.team_id, "name": "vt-1", "display_name": "VT 1", "type": "P"}
        error(outsider.post("/channels", json=body), 403, "api.context.permissions.app_error")


def test_a_private_channel_is_invisible_to_non_members_and_archived_ones_need_include_deleted(fake, api, people):
    channel_id = new_channel(api, fake, "vt-geheim")
    by_name = f"/teams/{fake.team_id}/channels/name/vt-geheim"
    with client_for(fake, people.anna) as anna:
        error(anna.get(by_name), 404, "app.channel.get_by_name.missing.app_error")
        error(anna.get(f"/channels/{channel_id}"), 403)
        public = fake.add_channel("openbaar")
        assert anna.get(f"/teams/{fake.team_id}/channels/name/openbaar").json()["id"] == public
    api.delete(f"/channels/{channel_id}")
    error(api.get(by_name), 404)
    assert api.get(by_name, params={"include_deleted": "true"}).json()["delete_at"] > 0


def test_adding_members(fake, api, people):
    channel_id = new_channel(api, fake)
    response = api.post(f"/channels/{channel_id}/members", json={"user_ids": [people.anna, people.bram]})
    assert response.status_code == 201 and [m["user_id"] for m in response.json()] == [people.anna, people.bram]
    single = api.post(f"/channels/{channel_id}/members", json={"user_id": people.anna})  # already a member: fine
    assert single.status_code == 201 and single.json()["user_id"] == people.anna
    assert fake.members_of(channel_id) == [fake.bot_user_id, people.anna, people.bram]
    listed = api.get(f"/channels/{channel_id}/members").json()
    assert [m["user_id"] for m in listed] == fake.members_of(channel_id)
    assert len(api.get(f"/channels/{channel_id}/members", params={"per_page": 2}).json()) == 2


def test_adding_members_is_checked(fake, api, people):
    channel_id = new_channel(api, fake)
    members = f"/channels/{channel_id}/members"
    error(api.post(members, json={"user_ids": ["a" * 26]}), 400)  # no such user
    error(api.post(members, json={"user_ids": [people.olaf]}), 403)  # not in the team
    error(api.post(members, json={"user_ids": [people.anna] * 1001}), 400)
    error(api.post(members, json={"user_ids": []}), 400)
    error(api.post(members, json={"user_ids": "anna"}), 400)
    error(api.post(members, json={"user_ids": ["anna"]}), 400)
    assert fake.members_of(channel_id) == [fake.bot_user_id]
    foreign = fake.add_channel("vt-van-anna", private=True, members=(people.anna,))
    error(api.post(f"/channels/{foreign}/members", json={"user_ids": [people.bram]}), 403)
    error(api.post(f"/channels/{foreign}/members", json={"user_ids": [fake.bot_user_id]}), 403)
    public = fake.add_channel("openbaar", members=(people.anna,))
    assert api.post(f"/channels/{public}/members", json={"user_id": fake.bot_user_id}).status_code == 201  # join
    api.delete(f"/channels/{channel_id}")
    error(api.post(members, json={"user_ids": [people.anna]}), 400)


def test_archiving_needs_membership_and_stops_posting(fake, api, people):
    foreign = fake.add_channel("vt-van-anna", private=True, members=(people.anna,))
    error(api.delete(f"/channels/{foreign}"), 403)
    channel_id = new_channel(api, fake)
    assert api.delete(f"/channels/{channel_id}").status_code == 200
    error(api.post("/posts", json={"channel_id": channel_id, "message": "hallo"}), 400,
          "api.post.create_post.can_not_post_to_deleted.error")
    error(api.delete(f"/channels/{channel_id}"), 400)


def test_removing_members(fake, api, people):
    channel_id = new_channel(api, fake, members=(people.anna, people.bram))
    assert api.delete(f"/channels/{channel_id}/members/{people.anna}").json() == {"status": "OK"}
    assert fake.members_of(channel_id) == [fake.bot_user_id, people.bram]
    error(api.delete(f"/channels/{channel_id}/members/{people.anna}"), 404, "app.channel.get_member.missing.app_error")
    error(api.delete(f"/channels/{channel_id}/members/{'a' * 26}"), 404, "app.user.missing_account.const")
    error(api.delete(f"/channels/{channel_id}/members/anna"), 400, "api.context.invalid_url_param.app_error")
    with client_for(fake, people.bram) as bram:                # anyone may leave
        assert bram.delete(f"/channels/{channel_id}/members/{people.bram}").status_code == 200
    assert fake.members_of(channel_id) == [fake.bot_user_id]


def test_removing_members_is_checked(fake, api, people):
    foreign = fake.add_channel("vt-van-anna", private=True, members=(people.anna, people.bram))
    error(api.delete(f"/channels/{foreign}/members/{people.bram}"), 403)        # the caller must be in it
    town_square = fake.channel_named("town-square")["id"]
    error(api.delete(f"/channels/{town_square}/members/{people.anna}"), 400, "api.channel.remove.default.app_error")
    dm = api.post("/channels/direct", json=[fake.bot_user_id, people.anna]).json()["id"]
    error(api.delete(f"/channels/{dm}/members/{people.anna}"), 400, "api.channel.remove_channel_member.type.app_error")
    channel_id = new_channel(api, fake, members=(people.anna,))
    api.delete(f"/channels/{channel_id}")
    error(api.delete(f"/channels/{channel_id}/members/{people.anna}"), 400,
          "api.channel.remove_user_from_channel.deleted.app_error")
    assert fake.members_of(channel_id) == [fake.bot_user_id, people.anna]


def test_deleting_a_channel_for_good_needs_the_server_setting(fake, api, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    api.post("/posts", json={"channel_id": channel_id, "message": "Casus gesloten"})
    api.delete(f"/channels/{channel_id}")                                         # archived first: fine
    error(api.delete(f"/channels/{channel_id}", params={"permanent": "true"}), 401,
          "api.user.delete_channel.not_enabled.app_error")
    assert fake.channel_named("vt-2025-0001")["delete_at"] > 0
    fake.allow_permanent_delete = True
    foreign = fake.add_channel("vt-van-anna", private=True, members=(people.anna,))
    error(api.delete(f"/channels/{foreign}", params={"permanent": "true"}), 403)
    assert api.delete(f"/channels/{channel_id}", params={"permanent": "true"}).json() == {"status": "OK"}
    assert fake.channel_named("vt-2025-0001") is None and fake.posts_in(channel_id) == []
    error(api.get(f"/channels/{channel_id}"), 404, "app.channel.get.existing.app_error")
    assert api.post("/channels", json={"team_id": fake.team_id, "name": "vt-2025-0001", "display_name": "Opnieuw",
                                       "type": "P"}).status_code == 201                # the name is free again


# -- the server's version ---------------------------------------------------------------------------------------
def test_every_api_answer_names_the_server_version_and_ping_needs_no_token(fake, api):
    ping = httpx.get(fake.base_url + "/api/v4/system/ping")
    assert ping.json()["status"] == "OK" and ping.headers["X-Version-Id"].startswith("10.5.0.")
    assert api.get("/users/me").headers["X-Version-Id"].startswith("10.5.0.")
    refused = api.get("/users/username/niemand")
    assert error(refused, 404) and refused.headers["X-Version-Id"].startswith("10.5.0.")   # errors too
    fake.send_version = False
    assert "X-Version-Id" not in httpx.get(fake.base_url + "/api/v4/system/ping").headers


def test_a_server_before_9_11_adds_members_one_at_a_time():
    with FakeMattermost(server_version="9.10.2") as old, \
            httpx.Client(base_url=old.base_url + "/api/v4", headers={"Authorization": f"Bearer {old.token}"}) as api:
        anna, bram = old.add_user("anna"), old.add_user("bram")
        assert api.get("/users/me").headers["X-Version-Id"].startswith("9.10.2.")
        channel_id = new_channel(api, old)
        body = error(api.post(f"/channels/{channel_id}/members", json={"user_ids": [anna, bram]}), 400,
                     "api.context.invalid_body_param.app_error")
        assert body["message"] == "Invalid or missing user_id in request body."
        assert old.members_of(channel_id) == [old.bot_user_id]
        for user_id in (anna, bram, anna):
            added = api.post(f"/channels/{channel_id}/members", json={"user_id": user_id})
            assert added.status_code == 201 and added.json()["user_id"] == user_id
        assert old.members_of(channel_id) == [old.bot_user_id, anna, bram]
        assert old.server_errors == []


def test_a_direct_channel_is_created_once(fake, api, people):
    first = api.post("/channels/direct", json=[fake.bot_user_id, people.anna])
    assert first.status_code == 201 and first.json()["type"] == "D"
    again = api.post("/channels/direct", json=[people.anna, fake.bot_user_id])
    assert again.status_code in (200, 201) and again.json()["id"] == first.json()["id"]
    assert fake.direct_channel(people.anna, fake.bot_user_id) == first.json()["id"]
    assert fake.direct_channel(people.anna, people.bram) is None
    assert api.post("/posts", json={"channel_id": first.json()["id"], "message": "hoi"}).status_code == 201
    error(api.post("/channels/direct", json=[fake.bot_user_id, "a" * 26]), 400)
    error(api.post("/channels/direct", json=[fake.bot_user_id]), 400)
    error(api.post("/channels/direct", json=[people.anna, people.bram]), 403)  # the bot is not one of them


# -- posts ----------------------------------------------------------------------------------------------------
def test_posting_needs_membership_and_a_message_of_at_most_16383_characters(fake, api, people):
    channel_id = new_channel(api, fake)
    response = api.post("/posts", json={"channel_id": channel_id, "message": "x" * 16383})
    assert response.status_code == 201 and response.json()["user_id"] == fake.bot_user_id
    error(api.post("/posts", json={"channel_id": channel_id, "message": "x" * 16384}), 400,
          "model.post.is_valid.msg.app_error")
    error(api.post("/posts", json={"channel_id": channel_id, "message": 5}), 400)
    error(api.post("/posts", json={"channel_id": channel_id, "message": "x", "props": []}), 400)
    foreign = fake.add_channel("vt-van-anna", private=True, members=(people.anna,))
    error(api.post("/posts", json={"channel_id": foreign, "message": "hallo"}), 403)
    town_square = fake.channel_named("town-square")["id"]
    assert api.post("/posts", json={"channel_id": town_square, "message": "hallo"}).status_code == 201
    assert [p["message"] for p in fake.posts_in(channel_id)] == ["x" * 16383]


def test_replies_need_a_root_post_in_the_same_channel(fake, api):
    channel_id = new_channel(api, fake)
    root = api.post("/posts", json={"channel_id": channel_id, "message": "casus"}).json()["id"]
    reply = api.post("/posts", json={"channel_id": channel_id, "message": "reactie", "root_id": root})
    assert reply.status_code == 201 and reply.json()["root_id"] == root
    error(api.post("/posts", json={"channel_id": channel_id, "message": "x", "root_id": "b" * 26}), 400)
    error(api.post("/posts", json={"channel_id": channel_id, "message": "x", "root_id": reply.json()["id"]}), 400)


@pytest.mark.parametrize("action_id", ["vt-overnemen", "vt_overnemen", "", "met spatie", None])
def test_action_ids_must_be_letters_and_digits(fake, api, action_id):
    channel_id = new_channel(api, fake)
    response = api.post("/posts", json={"channel_id": channel_id, "message": "", "props": with_buttons(
        button(action_id))})
    assert "letters and digits" in error(response, 400, "model.post.is_valid.props.app_error")["detailed_error"]
    assert fake.posts_in(channel_id) == []


@pytest.mark.parametrize("bad", [{"type": "link"}, {"name": ""}, {"integration": {"context": {}}},
                                 {"integration": {"url": ACTION_URL, "context": "x"}}])
def test_actions_need_a_type_a_name_and_an_integration_url(fake, api, bad):
    channel_id = new_channel(api, fake)
    props = with_buttons({**button("ok"), **bad})
    error(api.post("/posts", json={"channel_id": channel_id, "message": "", "props": props}), 400)
    twice = with_buttons(button("ok"), button("ok"))
    error(api.post("/posts", json={"channel_id": channel_id, "message": "", "props": twice}), 400)


def test_clients_never_see_an_actions_integration(fake, api, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    created = api.post("/posts", json={"channel_id": channel_id, "message": "Casus VT-1",
                                       "props": with_buttons(button("ok", {"hmac": "geheim"}))})
    assert created.status_code == 201
    post_id = created.json()["id"]
    for seen in (created.json(), api.get(f"/posts/{post_id}").json()):
        action = seen["props"]["attachments"][0]["actions"][0]
        assert action["id"] == "ok" and "integration" not in action
    stored = fake.posts_in(channel_id)[0]["props"]["attachments"][0]["actions"][0]
    assert stored["integration"] == {"url": ACTION_URL, "context": {"hmac": "geheim"}}
    with client_for(fake, people.bram) as bram:
        error(bram.get(f"/posts/{post_id}"), 403)
    with client_for(fake, people.anna) as anna:
        assert anna.get(f"/posts/{post_id}").status_code == 200
    error(api.get("/posts/" + "c" * 26), 404)


def test_a_channels_posts_come_newest_first_in_pages_without_integrations(fake, api, people):
    channel_id = new_channel(api, fake)
    ids = [api.post("/posts", json={"channel_id": channel_id, "message": f"bericht {i}",
                                    "props": with_buttons(button("ok", {"hmac": "geheim"}))}).json()["id"]
           for i in range(3)]
    first = api.get(f"/channels/{channel_id}/posts", params={"per_page": 2}).json()
    assert first["order"] == ids[::-1][:2] and set(first["posts"]) == set(ids[1:])
    assert "integration" not in first["posts"][ids[2]]["props"]["attachments"][0]["actions"][0]
    assert api.get(f"/channels/{channel_id}/posts", params={"per_page": 2, "page": 1}).json()["order"] == ids[:1]
    with client_for(fake, people.anna) as anna:
        error(anna.get(f"/channels/{channel_id}/posts"), 403)


def test_only_the_author_may_patch_a_post(fake, api, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    own = api.post("/posts", json={"channel_id": channel_id, "message": "Casus VT-1",
                                   "props": with_buttons(button("ok"))}).json()["id"]
    patched = api.put(f"/posts/{own}/patch", json={"props": {}})
    assert patched.status_code == 200 and patched.json()["message"] == "Casus VT-1"  # missing fields are kept
    assert fake.posts_in(channel_id)[0]["props"] == {} and fake.posts_in(channel_id)[0]["edit_at"] > 0
    assert api.put(f"/posts/{own}/patch", json={"message": "Overgenomen"}).json()["message"] == "Overgenomen"
    error(api.put(f"/posts/{own}/patch", json={"message": "x" * 16384}), 400)
    error(api.put(f"/posts/{own}/patch", json={"props": with_buttons(button("vt-1"))}), 400)
    theirs = fake.post_as(people.anna, channel_id, "van Anna")
    error(api.put(f"/posts/{theirs}/patch", json={"message": "van de bot"}), 403, "api.context.permissions.app_error")
    assert fake.posts_in(channel_id)[-1]["message"] == "van Anna"


def test_ephemeral_posts_over_rest_need_a_system_admin(fake, api, people):
    body = {"user_id": people.anna, "post": {"channel_id": fake.channel_named("town-square")["id"], "message": "psst"}}
    error(api.post("/posts/ephemeral", json=body), 403, "api.context.permissions.app_error")
    assert fake.ephemeral_for("anna") == []
    with FakeMattermost(bot_is_admin=True) as admin_fake:
        anna = admin_fake.add_user("anna")
        body = {"user_id": anna, "post": {"channel_id": admin_fake.channel_named("town-square")["id"],
                                          "message": "psst"}}
        response = httpx.post(admin_fake.base_url + "/api/v4/posts/ephemeral", json=body,
                              headers={"Authorization": f"Bearer {admin_fake.token}"})
        assert response.status_code == 201 and admin_fake.ephemeral_for(anna) == ["psst"]
    assert admin_fake.server_errors == []


# -- files ----------------------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # any bytes: the fake keeps them as sent


def upload(client, channel_id, *files) -> httpx.Response:
    """A multipart upload as Mattermost documents it: the channel_id field, then one `files` part per file."""
    return client.post("/files", data={"channel_id": channel_id},
                       files=[("files", (name, content)) for name, content in files])


def uploaded(client, channel_id, *files) -> list[str]:
    response = upload(client, channel_id, *files)
    assert response.status_code == 201, response.text
    return [info["id"] for info in response.json()["file_infos"]]


def test_a_file_uploaded_to_a_private_channel_is_shared_by_posting_its_id(fake, api, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    response = upload(api, channel_id, ("verslag.png", PNG), ("notitie.html", b"<p>Casus VT-1</p>"))
    assert response.status_code == 201 and response.json()["client_ids"] == []
    png, html = response.json()["file_infos"]
    assert ID_FORMAT.fullmatch(png["id"]) and png["id"] != html["id"]
    assert {k: png[k] for k in ("user_id", "channel_id", "name", "extension", "size", "mime_type", "delete_at")} == {
        "user_id": fake.bot_user_id, "channel_id": channel_id, "name": "verslag.png", "extension": "png",
        "size": len(PNG), "mime_type": "image/png", "delete_at": 0}
    assert html["mime_type"] == "text/html; charset=utf-8" and png["create_at"] > 0
    assert "post_id" not in png  # not attached yet
    assert fake.files_in(channel_id) == []  # uploaded is not shared
    posted = api.post("/posts", json={"channel_id": channel_id, "message": "", "file_ids": [png["id"], html["id"]]})
    assert posted.status_code == 201 and posted.json()["message"] == ""
    post = posted.json()
    assert post["file_ids"] == [png["id"], html["id"]]
    assert [(f["name"], f["post_id"]) for f in post["metadata"]["files"]] == [("verslag.png", post["id"]),
                                                                             ("notitie.html", post["id"])]
    assert api.get(f"/posts/{post['id']}").json()["metadata"]["files"] == post["metadata"]["files"]
    shared = fake.files_in(channel_id)
    assert [(f["name"], f["content"], f["post_id"]) for f in shared] == [("verslag.png", PNG, post["id"]),
                                                                         ("notitie.html", b"<p>Casus VT-1</p>",
                                                                          post["id"])]
    assert fake.file_content(html["id"]) == b"<p>Casus VT-1</p>"
    got = api.get(f"/files/{png['id']}")
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["Content-Type"] == "image/png" and got.headers["Content-Disposition"].startswith("inline;")
    got = api.get(f"/files/{html['id']}")  # HTML is served as text and only as a download
    assert got.content == b"<p>Casus VT-1</p>" and got.headers["Content-Type"] == "text/plain"
    assert got.headers["Content-Disposition"].startswith("attachment;filename=\"notitie.html\"")
    info = api.get(f"/files/{png['id']}/info")
    assert info.status_code == 200 and info.json()["post_id"] == post["id"] and info.json()["size"] == len(PNG)
    with client_for(fake, people.anna) as anna:  # a member reads the channel's files
        assert anna.get(f"/files/{png['id']}").content == PNG
    with client_for(fake, people.bram) as bram:  # not in the private channel
        error(bram.get(f"/files/{png['id']}"), 403, "api.context.permissions.app_error")
        error(bram.get(f"/files/{png['id']}/info"), 403, "api.context.permissions.app_error")
    error(api.get(f"/files/{'b' * 26}"), 404, "app.file_info.get.app_error")
    error(api.get("/files/not-an-id"), 400, "api.context.invalid_url_param.app_error")


def test_a_file_uploaded_to_a_direct_channel_as_a_raw_body(fake, api, people):
    direct = api.post("/channels/direct", json=[fake.bot_user_id, people.anna]).json()["id"]
    response = api.post("/files", params={"channel_id": direct, "filename": "overzicht.txt"}, content=b"VT-1: open")
    assert response.status_code == 201, response.text
    assert response.json()["client_ids"] is None  # the raw form answers null without a client_id
    info = response.json()["file_infos"][0]
    assert (info["name"], info["size"], info["mime_type"]) == ("overzicht.txt", 10, "text/plain; charset=utf-8")
    with client_for(fake, people.anna) as anna:  # a DM member may fetch it, even before it is posted
        assert anna.get(f"/files/{info['id']}").content == b"VT-1: open"
    post = api.post("/posts", json={"channel_id": direct, "message": "Het overzicht", "file_ids": [info["id"]]})
    assert post.status_code == 201 and post.json()["file_ids"] == [info["id"]]
    assert [(f["name"], f["content"]) for f in fake.files_in(direct)] == [("overzicht.txt", b"VT-1: open")]
    with client_for(fake, people.bram) as bram:
        error(bram.get(f"/files/{info['id']}"), 403)
    streamed = api.post("/files", params={"channel_id": direct, "filename": "lang.csv"},
                        content=iter([b"a;b\n", b"1;2\n"]))  # a body sent in chunks
    assert streamed.status_code == 201 and fake.file_content(streamed.json()["file_infos"][0]["id"]) == b"a;b\n1;2\n"


def test_uploading_needs_membership_of_the_channel(fake, api, people):
    foreign = fake.add_channel("vt-van-anna", private=True, members=(people.anna,))
    public = fake.add_channel("openbaar", members=(people.anna,))  # readable, but the bot is no member
    for channel_id in (foreign, public, "b" * 26):
        body = error(upload(api, channel_id, ("verslag.png", PNG)), 403, "api.context.permissions.app_error")
        assert "upload_file" in body["detailed_error"]
        error(api.post("/files", params={"channel_id": channel_id, "filename": "a.txt"}, content=b"x"), 403,
              "api.context.permissions.app_error")
    with client_for(fake, people.anna) as anna:
        assert uploaded(anna, foreign, ("van-anna.txt", b"x"))
    assert fake.files_in(foreign) == [] and fake.files_in(public) == []


def test_a_file_over_max_file_size_is_refused_with_413():
    assert FakeMattermost().max_file_size == 104857600  # FileSettings.MaxFileSize's default
    with FakeMattermost(max_file_size=1000) as small:
        with httpx.Client(base_url=small.base_url + "/api/v4",
                          headers={"Authorization": f"Bearer {small.token}"}) as api:
            channel_id = new_channel(api, small)
            assert uploaded(api, channel_id, ("precies.bin", b"x" * 1000))
            body = error(upload(api, channel_id, ("te-groot.bin", b"x" * 1001)), 413,
                         "api.file.upload_file.too_large_detailed.app_error")
            assert "te-groot.bin" in body["message"] and "1000" in body["message"]
            error(api.post("/files", params={"channel_id": channel_id, "filename": "te-groot.bin"},
                       content=b"x" * 1001), 413, "api.file.upload_file.too_large_detailed.app_error")
            # each file may have the maximum, the request may not be much longer than one
            error(upload(api, channel_id, ("a.bin", b"x" * 700), ("b.bin", b"x" * 700)), 413,
                  "api.context.request_body_too_large.app_error")
    assert small.server_errors == []


def test_uploads_need_a_channel_id_and_a_body(fake, api):
    channel_id = new_channel(api, fake)
    no_channel = api.post("/files", files=[("files", ("a.txt", b"x"))])
    error(no_channel, 400, "api.context.invalid_body_param.app_error")
    error(api.post("/files", params={"filename": "a.txt"}, content=b"x"), 400,
          "api.context.invalid_url_param.app_error")
    error(api.post("/files", params={"channel_id": channel_id}, content=b"x"), 400,
          "api.context.invalid_url_param.app_error")  # the raw form needs a filename
    error(upload(api, "vt-2025-0001", ("a.txt", b"x")), 400, "api.context.invalid_url_param.app_error")
    error(api.post("/files", params={"channel_id": channel_id, "filename": "a.txt"}), 400,
          "api.file.upload_file.read_request.app_error")  # no body at all
    error(api.post("/files", content=b"--x\r\nkapot", headers={"Content-Type": "multipart/form-data; boundary=x"}),
          400, "api.file.upload_file.read_request.app_error")
    conflicting = api.post("/files", params={"channel_id": "b" * 26}, data={"channel_id": channel_id},
                           files=[("files", ("a.txt", b"x"))])
    error(conflicting, 400, "api.file.upload_file.multiple_channel_ids.app_error")
    error(api.post("/files", data={"channel_id": channel_id, "filename": "a.txt"}, files=[("files", ("a.txt", b"x"))]),
          400, "api.context.invalid_body_param.app_error")  # no other fields
    # as on the server: a form without files uploads nothing, and an empty file is a file
    nothing = api.post("/files", files=[("channel_id", (None, channel_id))])
    assert nothing.status_code == 201 and nothing.json() == {"file_infos": [], "client_ids": []}
    empty = upload(api, channel_id, ("leeg.txt", b""))
    assert empty.status_code == 201 and empty.json()["file_infos"][0]["size"] == 0


def test_where_the_channel_id_comes_decides_which_file_fields_count(fake, api):
    channel_id = new_channel(api, fake)
    # channel_id first: every part with a file name is a file, and client_ids pair up with the files
    streamed = api.post("/files", files=[("channel_id", (None, channel_id)), ("client_ids", (None, "c1")),
                                         ("file", ("a.txt", b"a"))])
    assert streamed.status_code == 201 and [f["name"] for f in streamed.json()["file_infos"]] == ["a.txt"]
    assert streamed.json()["client_ids"] == ["c1"]
    error(api.post("/files", files=[("channel_id", (None, channel_id)), ("client_ids", (None, "c1")),
                                    ("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))]), 400,
          "api.context.invalid_body_param.app_error")  # two files, one client_id
    # a file before the channel_id: the whole form is read and only `files` parts are files
    buffered = api.post("/files", files=[("file", ("a.txt", b"a")), ("files", ("b.txt", b"b")),
                                         ("channel_id", (None, channel_id))])
    assert buffered.status_code == 201 and [f["name"] for f in buffered.json()["file_infos"]] == ["b.txt"]


def test_a_post_takes_at_most_ten_file_ids(fake, api):
    channel_id = new_channel(api, fake)
    ids = uploaded(api, channel_id, *[(f"bijlage-{i}.txt", str(i).encode()) for i in range(11)])
    error(api.post("/posts", json={"channel_id": channel_id, "message": "te veel", "file_ids": ids}), 400,
          "model.post.is_valid.file_ids.app_error")
    assert fake.posts_in(channel_id) == []
    error(api.post("/posts", json={"channel_id": channel_id, "message": "x", "file_ids": ids[0]}), 400)
    ten = api.post("/posts", json={"channel_id": channel_id, "message": "tien", "file_ids": ids[:10]})
    assert ten.status_code == 201 and ten.json()["file_ids"] == ids[:10]
    assert [f["content"] for f in fake.files_in(channel_id)] == [str(i).encode() for i in range(10)]


def test_a_file_is_attached_to_one_post_only_and_a_second_use_is_dropped(fake, api):
    channel_id = new_channel(api, fake)
    file_id, other = uploaded(api, channel_id, ("verslag.txt", b"eerste"), ("bijlage.txt", b"tweede"))
    first = api.post("/posts", json={"channel_id": channel_id, "message": "een", "file_ids": [file_id, file_id]})
    assert first.status_code == 201 and first.json()["file_ids"] == [file_id]  # the repeat is dropped too
    second = api.post("/posts", json={"channel_id": channel_id, "message": "twee", "file_ids": [file_id, other]})
    assert second.status_code == 201  # no error: the server only logs that it could not attach the file
    assert second.json()["file_ids"] == [other] and [f["id"] for f in second.json()["metadata"]["files"]] == [other]
    again = api.post("/posts", json={"channel_id": channel_id, "message": "drie", "file_ids": [file_id]})
    assert again.status_code == 201 and "file_ids" not in again.json() and "files" not in again.json()["metadata"]
    assert [(f["content"], f["post_id"]) for f in fake.files_in(channel_id)] == [
        (b"eerste", first.json()["id"]), (b"tweede", second.json()["id"])]
    assert [(d["post_id"], d["file_id"]) for d in fake.dropped_file_ids] == [
        (first.json()["id"], file_id), (second.json()["id"], file_id), (again.json()["id"], file_id)]
    assert api.get(f"/files/{file_id}/info").json()["post_id"] == first.json()["id"]


def test_a_file_from_another_channel_moves_to_the_post_but_another_users_file_is_dropped(fake, api, people):
    elsewhere = new_channel(api, fake, "vt-2025-0001", members=(people.anna,))
    channel_id = new_channel(api, fake, "vt-2025-0002")
    [file_id] = uploaded(api, elsewhere, ("verslag.txt", b"uit 0001"))
    # AttachToPost checks the uploader and that no post has the file, not its channel: the file moves along
    post = api.post("/posts", json={"channel_id": channel_id, "message": "", "file_ids": [file_id]})
    assert post.status_code == 201 and post.json()["file_ids"] == [file_id]
    assert post.json()["metadata"]["files"][0]["channel_id"] == channel_id
    assert [f["content"] for f in fake.files_in(channel_id)] == [b"uit 0001"] and fake.files_in(elsewhere) == []
    with client_for(fake, people.anna) as anna:  # anna is in the upload channel, not in the post's
        error(anna.get(f"/files/{file_id}"), 403)
        [hers] = uploaded(anna, elsewhere, ("van-anna.txt", b"van anna"))
    mine = api.post("/posts", json={"channel_id": elsewhere, "message": "met bijlage", "file_ids": [hers]})
    assert mine.status_code == 201 and "file_ids" not in mine.json()  # only the uploader may attach a file
    assert fake.files_in(elsewhere) == [] and fake.dropped_file_ids[-1]["file_id"] == hers


def test_an_archived_channel_takes_uploads_but_not_the_post(fake, api):
    channel_id = new_channel(api, fake)
    assert api.delete(f"/channels/{channel_id}").status_code == 200
    [file_id] = uploaded(api, channel_id, ("verslag.txt", b"x"))  # Mattermost does not check the channel here
    error(api.post("/posts", json={"channel_id": channel_id, "message": "", "file_ids": [file_id]}), 400,
          "api.post.create_post.can_not_post_to_deleted.error")
    assert fake.files_in(channel_id) == [] and "post_id" not in api.get(f"/files/{file_id}/info").json()


# -- rate limiting --------------------------------------------------------------------------------------------
def test_rate_limited_calls_get_429_with_x_ratelimit_headers(fake, api):
    fake.rate_limit("POST", "/api/v4/posts", times=2, reset=7)
    channel_id = fake.channel_named("town-square")["id"]
    for _ in range(2):
        response = api.post("/posts", json={"channel_id": channel_id, "message": "hallo"})
        assert response.status_code == 429
        assert response.headers["X-Ratelimit-Remaining"] == "0" and response.headers["X-Ratelimit-Reset"] == "7"
        assert int(response.headers["X-Ratelimit-Limit"]) > 0 and response.text.strip()
    assert api.get("/users/me").status_code == 200  # another path is not limited
    assert api.post("/posts", json={"channel_id": channel_id, "message": "hallo"}).status_code == 201
    assert [c.status for c in fake.calls] == [429, 429, 200, 201]
    assert len(fake.posts_in(channel_id)) == 1


# -- dialogs --------------------------------------------------------------------------------------------------
def dialog(**change):
    return {"callback_id": "overdracht", "title": "Overdracht", "submit_label": "Verstuur", "state": "st",
            "elements": [{"display_name": "Reden", "name": "reden", "type": "textarea"},
                         {"display_name": "Spoed", "name": "spoed", "type": "bool", "optional": True}], **change}


def trigger_for(fake, bot, people, user="anna") -> str:
    """A trigger id, issued to `user` by running a slash command."""
    channel_id = fake.channel_named("town-square")["id"]
    fake.slash(user, "/casus open", channel_id)
    return bot.received[-1]["form"]["trigger_id"]


def test_a_dialog_needs_a_trigger_the_fake_issued(fake, api, bot, people):
    error(api.post("/actions/dialogs/open", json={"trigger_id": "bm9wZQ==", "url": DIALOG_URL, "dialog": dialog()}),
          400, "interactive_message.decode_trigger_id.verify_signature_failed")
    trigger = trigger_for(fake, bot, people)
    response = api.post("/actions/dialogs/open", json={"trigger_id": trigger, "url": DIALOG_URL, "dialog": dialog()})
    assert response.status_code == 200
    assert fake.dialogs == [{"trigger_id": trigger, "url": DIALOG_URL, "dialog": dialog(), "user_id": people.anna,
                             "channel_id": fake.channel_named("town-square")["id"]}]


def test_a_trigger_expires_after_dialog_ttl(fake, api, bot, people):
    trigger = trigger_for(fake, bot, people)
    time.sleep(fake.dialog_ttl + 0.1)
    error(api.post("/actions/dialogs/open", json={"trigger_id": trigger, "url": DIALOG_URL, "dialog": dialog()}),
          400, "interactive_message.decode_trigger_id.expired")
    assert fake.dialogs == []


@pytest.mark.parametrize("change", [
    {"title": "Overdracht aan de jeugdbescherming"}, {"title": ""}, {"elements": "reden"},
    {"elements": [{"display_name": "Reden", "name": "reden", "type": "date-picker"}]},
    {"elements": [{"display_name": "Reden", "name": "reden", "type": "text"}] * 2},
    {"elements": [{"display_name": "Een heel erg lange veldnaam", "name": "reden", "type": "text"}]},
    {"elements": [{"name": "reden", "type": "text"}]},
    {"elements": [{"display_name": "Keuze", "name": "keuze", "type": "select"}]}])
def test_dialogs_are_validated(fake, api, bot, people, change):
    trigger = trigger_for(fake, bot, people)
    error(api.post("/actions/dialogs/open", json={"trigger_id": trigger, "url": DIALOG_URL,
                                                  "dialog": dialog(**change)}), 400)
    error(api.post("/actions/dialogs/open", json={"url": DIALOG_URL, "dialog": dialog()}), 400)
    error(api.post("/actions/dialogs/open", json={"trigger_id": trigger, "dialog": dialog()}), 400)
    assert fake.dialogs == []


def test_submitting_a_dialog(fake, api, bot, people):
    with pytest.raises(LookupError):
        fake.submit_dialog("anna", {"reden": "x"})
    trigger = trigger_for(fake, bot, people)
    api.post("/actions/dialogs/open", json={"trigger_id": trigger, "url": DIALOG_URL, "dialog": dialog()})
    bot.answers["/mattermost/dialog"] = (200, {"errors": {"reden": "Vul een reden in."}})
    reply = fake.submit_dialog("anna", {"reden": ""})
    assert reply.status == 200 and reply.json == {"errors": {"reden": "Vul een reden in."}}
    assert bot.received[-1]["json"] == {"type": "dialog_submission", "callback_id": "overdracht", "state": "st",
                                        "user_id": people.anna, "channel_id": fake.channel_named("town-square")["id"],
                                        "team_id": fake.team_id, "submission": {"reden": ""}, "cancelled": False}
    bot.answers["/mattermost/dialog"] = (200, {"error": "Er ging iets mis."})
    assert fake.submit_dialog("anna", {"reden": "x"}).json == {"error": "Er ging iets mis."}  # still open
    bot.answers["/mattermost/dialog"] = (200, {})
    assert fake.submit_dialog("anna", {"reden": "Zorgen om veiligheid"}, state="vervalst").status == 200
    assert bot.received[-1]["json"]["state"] == "vervalst"
    with pytest.raises(LookupError):  # closed
        fake.submit_dialog("anna", {"reden": "nog eens"})


def test_cancelling_a_dialog_is_sent_only_with_notify_on_cancel(fake, api, bot, people):
    for notify in (False, True):
        trigger = trigger_for(fake, bot, people)
        api.post("/actions/dialogs/open", json={"trigger_id": trigger, "url": DIALOG_URL,
                                                "dialog": dialog(notify_on_cancel=notify)})
        before = len(bot.received)
        reply = fake.submit_dialog("anna", {}, cancelled=True)
        assert (reply.status, len(bot.received) - before) == ((200, 1) if notify else (0, 0))
    assert bot.received[-1]["json"]["cancelled"] is True
    with pytest.raises(LookupError):
        fake.submit_dialog("anna", {})


def test_the_bot_can_open_a_dialog_while_answering_a_slash_command(fake, bot, people):
    def open_dialog(request):
        opened = httpx.post(fake.base_url + "/api/v4/actions/dialogs/open",
                            headers={"Authorization": f"Bearer {fake.token}"},
                            json={"trigger_id": request["form"]["trigger_id"], "url": DIALOG_URL, "dialog": dialog()})
        return 200, {"text": f"dialoog: {opened.status_code}"}

    bot.answers["/mattermost/command"] = open_dialog
    fake.slash("anna", "/casus overdracht", fake.channel_named("town-square")["id"])
    assert fake.ephemeral_for("anna") == ["dialoog: 200"] and fake.dialogs[0]["user_id"] == people.anna


# -- the server's part: slash commands --------------------------------------------------------------------------
def test_a_slash_command_is_posted_form_encoded_with_the_token(fake, bot, people):
    channel_id = fake.channel_named("town-square")["id"]
    bot.answers["/mattermost/command"] = (200, {"response_type": "ephemeral", "text": "Casus VT-1: open"})
    reply = fake.slash("anna", "/casus status  VT-1", channel_id)
    assert (reply.status, reply.json) == (200, {"response_type": "ephemeral", "text": "Casus VT-1: open"})
    request = bot.received[-1]
    assert (request["method"], request["path"]) == ("POST", "/mattermost/command")
    assert request["authorization"] == f"Token {COMMAND_TOKEN}"
    form = request["form"]
    assert {k: form[k] for k in ("token", "team_id", "team_domain", "channel_id", "channel_name", "user_id",
                                 "user_name", "command", "text", "root_id")} == {
        "token": COMMAND_TOKEN, "team_id": fake.team_id, "team_domain": "triagetafel", "channel_id": channel_id,
        "channel_name": "town-square", "user_id": people.anna, "user_name": "anna", "command": "/casus",
        "text": "status  VT-1", "root_id": ""}
    assert form["trigger_id"] and form["response_url"].startswith(fake.base_url + "/hooks/commands/")
    assert fake.ephemeral_for("anna") == ["Casus VT-1: open"] and fake.ephemeral_for("bram") == []
    assert fake.posts_in(channel_id) == []


def test_a_forged_token_overrides_header_and_field(fake, bot, people):
    fake.slash(people.anna, "/casus", fake.channel_named("town-square")["id"], token="vervalst")
    assert bot.received[-1]["authorization"] == "Token vervalst" and bot.received[-1]["form"]["token"] == "vervalst"
    assert bot.received[-1]["form"]["text"] == ""


def test_slash_reply_kinds(fake, bot, people):
    channel_id = fake.channel_named("town-square")["id"]
    bot.answers["/mattermost/command"] = (200, '{"text": "geen JSON-header"}')  # text/plain: the body is the text
    assert fake.slash("anna", "/casus a", channel_id).json is None
    bot.answers["/mattermost/command"] = (200, {"text": "zonder type"})
    fake.slash("anna", "/casus b", channel_id)
    bot.answers["/mattermost/command"] = (200, {"response_type": "in_channel", "text": "Voor iedereen"})
    fake.slash("anna", "/casus c", channel_id)
    bot.answers["/mattermost/command"] = (500, "kapot")
    assert fake.slash("anna", "/casus d", channel_id).status == 500
    assert fake.ephemeral_for("anna") == ['{"text": "geen JSON-header"}', "zonder type"]
    [post] = fake.posts_in(channel_id)
    assert (post["message"], post["user_id"], post["props"]["from_webhook"]) == ("Voor iedereen", people.anna, "true")


def test_slash_needs_a_registered_command_and_a_member(fake, people):
    with pytest.raises(LookupError):
        fake.slash("anna", "/onbekend", fake.channel_named("town-square")["id"])
    with pytest.raises(PermissionError):
        fake.slash("olaf", "/casus", fake.channel_named("town-square")["id"])


def test_the_response_url_takes_five_posts(fake, bot, people):
    channel_id = fake.channel_named("town-square")["id"]
    fake.slash("anna", "/casus status", channel_id)
    url = bot.received[-1]["form"]["response_url"]
    for i in range(5):
        assert httpx.post(url, json={"text": f"bericht {i}"}).status_code == 200
    error(httpx.post(url, json={"text": "te veel"}), 400)
    assert fake.ephemeral_for("anna") == [f"bericht {i}" for i in range(5)]
    fake.slash("anna", "/casus status", channel_id)
    url = bot.received[-1]["form"]["response_url"]
    assert httpx.post(url, json={"response_type": "in_channel", "text": "iedereen"}).status_code == 200
    assert fake.posts_in(channel_id)[-1]["message"] == "iedereen"
    error(httpx.post(url, content=b"{kapot", headers={"Content-Type": "application/json"}), 400)
    fake.response_url_ttl = 0.0
    time.sleep(0.01)
    error(httpx.post(url, json={"text": "te laat"}), 400)
    error(httpx.post(fake.base_url + "/hooks/commands/" + "d" * 26, json={"text": "?"}), 404)


# -- the server's part: buttons -------------------------------------------------------------------------------
def test_a_click_posts_the_stored_context_to_the_integration_url(fake, api, bot, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    post_id = api.post("/posts", json={"channel_id": channel_id, "message": "Casus VT-1", "props": with_buttons(
        button("overnemen", {"case": "VT-1", "hmac": "abc"}), button("weigeren"))}).json()["id"]
    bot.answers["/mattermost/action"] = (200, {"update": {"props": {}}, "ephemeral_text": "Je hebt VT-1 overgenomen."})
    reply = fake.click("anna", post_id, "overnemen")
    assert reply.status == 200 and reply.json["ephemeral_text"] == "Je hebt VT-1 overgenomen."
    request = bot.received[-1]
    assert request["path"] == "/mattermost/action" and request["content_type"].startswith("application/json")
    sent = request["json"]
    assert sent.pop("trigger_id")
    assert sent == {"user_id": people.anna, "user_name": "anna", "channel_id": channel_id,
                    "channel_name": "vt-2025-0001", "team_id": fake.team_id, "team_domain": "triagetafel",
                    "post_id": post_id, "type": "button", "data_source": "", "context": {"case": "VT-1", "hmac": "abc"}}
    [post] = fake.posts_in(channel_id)
    assert (post["message"], post["props"]) == ("Casus VT-1", {})  # props {} cleared the buttons, message kept
    assert fake.ephemeral_for("anna") == ["Je hebt VT-1 overgenomen."]
    with pytest.raises(LookupError):  # the buttons are gone
        fake.click("anna", post_id, "weigeren")


def test_a_click_update_replaces_the_message_and_a_forged_context_is_sent_as_given(fake, api, bot, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    post_id = api.post("/posts", json={"channel_id": channel_id, "message": "Casus VT-1",
                                       "props": with_buttons(button("ok"))}).json()["id"]
    bot.answers["/mattermost/action"] = (200, {"update": {"message": "Overgenomen door anna"}})
    fake.click("anna", post_id, "ok", context={"case": "VT-2"})
    assert bot.received[-1]["json"]["context"] == {"case": "VT-2"}
    [post] = fake.posts_in(channel_id)
    assert post["message"] == "Overgenomen door anna" and post["props"]["attachments"][0]["actions"][0]["id"] == "ok"
    bot.answers["/mattermost/action"] = (200, {"update": {"props": with_buttons(button("vt-1"))}})
    fake.click("anna", post_id, "ok")  # Mattermost would refuse this update: the post keeps its old props
    assert fake.posts_in(channel_id)[0]["props"]["attachments"][0]["actions"][0]["id"] == "ok"
    assert len(fake.integration_errors) == 1


def test_only_users_who_can_see_the_post_can_click(fake, api, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    post_id = api.post("/posts", json={"channel_id": channel_id, "message": "Casus",
                                       "props": with_buttons(button("ok"))}).json()["id"]
    with pytest.raises(PermissionError):
        fake.click("bram", post_id, "ok")
    with pytest.raises(LookupError):
        fake.click("anna", post_id, "bestaatniet")


def test_a_click_issues_a_trigger_for_a_dialog(fake, api, bot, people):
    channel_id = new_channel(api, fake, members=(people.anna,))
    post_id = api.post("/posts", json={"channel_id": channel_id, "message": "Casus",
                                       "props": with_buttons(button("ok"))}).json()["id"]
    fake.click(people.anna, post_id, "ok")
    trigger = bot.received[-1]["json"]["trigger_id"]
    assert api.post("/actions/dialogs/open", json={"trigger_id": trigger, "url": DIALOG_URL,
                                                   "dialog": dialog()}).status_code == 200
    assert fake.dialogs[-1]["channel_id"] == channel_id and fake.dialogs[-1]["user_id"] == people.anna


def test_every_rest_call_is_recorded(fake, api):
    api.get("/users/me")
    api.post("/channels", json={"team_id": fake.team_id, "name": "Fout", "display_name": "x", "type": "P"})
    assert [(c.method, c.path, c.status) for c in fake.calls] == [("GET", "/api/v4/users/me", 200),
                                                                 ("POST", "/api/v4/channels", 400)]
    assert fake.calls[1].body["name"] == "Fout" and fake.calls[1].at <= time.time()
