"""The thin Mattermost client against the fake server: typed results, Mattermost's errors as exceptions."""

from __future__ import annotations

import pytest

from bot.mattermost.client import (
    CHANNEL_EXISTS,
    NOT_A_MEMBER,
    MattermostClient,
    MattermostError,
    RateLimited,
    Unreachable,
    parse_version,
)
from tests.fake_mattermost import FakeMattermost


@pytest.fixture
def fake():
    with FakeMattermost(team_name="triagetafel") as f:
        yield f
        assert f.server_errors == []


def test_the_endpoints_the_bot_uses(fake):
    client = MattermostClient(fake.base_url, fake.token)
    anna = fake.add_user("anna", "anna@vt.example")
    team = client.team_by_name("triagetafel")
    assert client.me()["id"] == fake.bot_user_id and client.team_member(team["id"], fake.bot_user_id)
    assert client.user_by_username("anna")["id"] == client.user_by_email("anna@vt.example")["id"] == anna
    channel = client.create_private_channel(team["id"], "casus-2025-0001", "casus-2025-0001", "VT-2025-0001")
    client.add_members(channel["id"], [anna])
    post = client.create_post(channel["id"], "**Nieuwe melding**", {"triagebot_key": "k1"})
    client.patch_post(post["id"], "**Bevestigd**", {"attachments": []})
    assert [p["message"] for p in client.recent_posts(channel["id"])] == ["**Bevestigd**"]
    dm = client.direct_channel(fake.bot_user_id, anna)
    assert client.direct_channel(fake.bot_user_id, anna)["id"] == dm["id"]
    client.archive_channel(channel["id"])
    assert client.channel_by_name(team["id"], "casus-2025-0001")["delete_at"] > 0


def test_errors_carry_mattermosts_status_and_id(fake):
    client = MattermostClient(fake.base_url, fake.token)
    team = client.team_by_name("triagetafel")
    client.create_private_channel(team["id"], "casus-2025-0001", "casus-2025-0001")
    with pytest.raises(MattermostError) as taken:
        client.create_private_channel(team["id"], "casus-2025-0001", "casus-2025-0001")
    assert (taken.value.status, taken.value.error_id, taken.value.permanent) == (400, CHANNEL_EXISTS, True)
    with pytest.raises(MattermostError) as unknown:
        client.user_by_username("niemand")
    assert unknown.value.status == 404
    with pytest.raises(MattermostError) as refused:
        MattermostClient(fake.base_url, "fout").me()
    assert refused.value.status == 401


def test_a_rate_limit_says_how_long_to_wait_and_an_unreachable_server_is_not_permanent(fake):
    client = MattermostClient(fake.base_url, fake.token)
    fake.rate_limit("GET", "/api/v4/users/me", times=1, reset=7)
    with pytest.raises(RateLimited) as limited:
        client.me()
    assert limited.value.retry_after == 7 and client.me()["id"] == fake.bot_user_id
    with pytest.raises(Unreachable) as down:
        MattermostClient("http://127.0.0.1:9", "x", timeout=2).me()
    assert down.value.permanent is False


def test_members_are_listed_page_by_page_and_removed(fake):
    client = MattermostClient(fake.base_url, fake.token)
    team = client.team_by_name("triagetafel")
    channel = client.create_private_channel(team["id"], "casus-2025-0001", "casus-2025-0001")
    people = [fake.add_user(f"lid{n}") for n in range(205)]
    client.add_members(channel["id"], people)
    assert client.channel_members(channel["id"]) == [fake.bot_user_id, *people]
    client.remove_member(channel["id"], people[0])
    with pytest.raises(MattermostError) as gone:
        client.remove_member(channel["id"], people[0])
    assert (gone.value.status, gone.value.error_id) == (404, NOT_A_MEMBER)
    assert len(client.channel_members(channel["id"])) == 205


def test_deleting_for_good_is_refused_unless_the_server_allows_it(fake):
    client = MattermostClient(fake.base_url, fake.token)
    channel = client.create_private_channel(client.team_by_name("triagetafel")["id"], "casus-1", "casus-1")
    with pytest.raises(MattermostError) as refused:
        client.delete_channel_permanently(channel["id"])
    assert refused.value.status == 401 and client.channel(channel["id"])["delete_at"] == 0
    fake.allow_permanent_delete = True
    client.delete_channel_permanently(channel["id"])
    with pytest.raises(MattermostError) as gone:
        client.channel(channel["id"])
    assert gone.value.status == 404


@pytest.mark.parametrize(("header", "version"), [
    ("9.11.0.9.11.0.a1b2c3.false", (9, 11, 0)), ("10.5.2.1234.x.true", (10, 5, 2)), ("7.8.0", (7, 8, 0)),
    ("", None), (None, None), ("9.11", None), ("dev.build.x", None)])
def test_the_version_header_is_read_by_its_first_three_parts(header, version):
    assert parse_version(header) == version


def test_the_client_knows_the_server_version_from_any_answer(fake):
    client = MattermostClient(fake.base_url, fake.token)
    assert client.version is None and client.bulk_members is None
    client.me()
    assert client.version == (10, 5, 0) and client.bulk_members is True
    assert client.server_version() == "10.5.0"


def test_on_an_old_server_members_are_added_one_by_one():
    with FakeMattermost(team_name="triagetafel", server_version="9.5.3") as old:
        client = MattermostClient(old.base_url, old.token)
        assert client.server_version() == "9.5.3" and client.bulk_members is False
        anna, bram = old.add_user("anna"), old.add_user("bram")
        channel = client.create_private_channel(client.team_by_name("triagetafel")["id"], "casus-1", "casus-1")
        with pytest.raises(MattermostError) as refused:
            client.add_members(channel["id"], [anna, bram], bulk=True)       # forced: as the server refuses it
        assert refused.value.status == 400
        client.add_members(channel["id"], [anna, bram])
        assert old.members_of(channel["id"]) == [old.bot_user_id, anna, bram]
        bodies = [c.body for c in old.calls if c.path.endswith("/members") and c.status == 201]
        assert bodies == [{"user_id": anna}, {"user_id": bram}]
        assert old.server_errors == []
