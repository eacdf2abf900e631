"""The thin Mattermost client against the fake server: typed results, Mattermost's errors as exceptions."""

from __future__ import annotations

import pytest

from bot.mattermost.client import CHANNEL_EXISTS, MattermostClient, MattermostError, RateLimited, Unreachable
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
