"""Channel membership on Mattermost, through the platform port against the fake server: adding and removing
people (idempotent, never the bot), archiving (only the bot stays), deleting for good (only where the server
allows it), and servers from before bulk adding (one by one, and the administrator's check says so)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from bot.mattermost.client import BULK_MEMBERS_SINCE, MINIMUM_SERVER, MattermostClient, version_text
from bot.mattermost.port import MattermostPlatform
from bot.mattermost.serve import check, check_main
from bot.mattermost.signing import Signer
from bot.port import PlatformError
from models.directory import Directory
from tests.fake_mattermost import FakeMattermost
from tests.worlds import BOT_URL, MM_SECRET, MM_TOKENS, TEAM

CASE = "casus-2025-0001"
PEOPLE = ("anna", "bram", "carla")
DIRECTORY = {"organisaties": [{
    "id": "vt-test", "naam": "Veilig Thuis Test", "soort": "vt", "gemeenten": ["Arnhem"],
    "leden": [{"id": name, "naam": name.title(), "rol": "medewerker", "tafel": name == "anna",
               "chat": {"mattermost": name}} for name in PEOPLE]
    + [{"id": "de-bot", "naam": "De bot", "rol": "medewerker", "chat": {"mattermost": "triagebot"}}],
}]}


def start(**options) -> tuple[FakeMattermost, SimpleNamespace]:
    """A started fake with the directory's people in the team, and the bot's platform port on it."""
    fake = FakeMattermost(team_name=TEAM, **options).start()
    users = {name: fake.add_user(name) for name in PEOPLE}
    client = MattermostClient(fake.base_url, fake.token)
    channels: dict[str, str] = {}
    platform = MattermostPlatform(client, Directory.from_dict(DIRECTORY, "test"), fake.team_id, client.me()["id"],
                                  BOT_URL + "/mattermost/actie", Signer(MM_SECRET), channels.get,
                                  channels.__setitem__)
    return fake, SimpleNamespace(fake=fake, users=users, platform=platform, client=client)


@pytest.fixture
def mm():
    fake, world = start()
    try:
        yield world
        assert fake.server_errors == []
    finally:
        fake.stop()


@pytest.fixture
def old():
    fake, world = start(server_version="9.0.0")
    try:
        yield world
        assert fake.server_errors == []
    finally:
        fake.stop()


def members(world, name: str = CASE) -> set[str]:
    return set(world.fake.members_of(world.fake.channel_named(name)["id"]))


def member_calls(fake: FakeMattermost) -> list[dict]:
    return [c.body for c in fake.calls if c.method == "POST" and c.path.endswith("/members") and c.status < 400]


# ---- adding and removing ---------------------------------------------------------------------------------
def test_adding_and_removing_members_is_idempotent(mm):
    mm.platform.open_channel(CASE, ["anna"], "VT-2025-0001")
    for _ in range(2):
        mm.platform.add_members(CASE, ["bram", "carla"])
    assert members(mm) == {mm.fake.bot_user_id, mm.users["anna"], mm.users["bram"], mm.users["carla"]}
    for _ in range(2):                                          # a retry after a crash must not fail
        mm.platform.remove_members(CASE, ["bram"])
    assert members(mm) == {mm.fake.bot_user_id, mm.users["anna"], mm.users["carla"]}
    assert all("user_ids" in body for body in member_calls(mm.fake))       # a current server: in bulk


def test_removing_someone_who_is_not_in_the_channel_is_fine_and_the_bot_is_never_removed(mm):
    mm.platform.open_channel(CASE, ["anna"], "VT-2025-0001")
    mm.platform.remove_members(CASE, ["carla", "de-bot", "anna"])
    assert members(mm) == {mm.fake.bot_user_id}
    assert not [c for c in mm.fake.calls if c.method == "DELETE" and c.path.endswith(mm.fake.bot_user_id)]


# ---- archiving and deleting ------------------------------------------------------------------------------
def test_archiving_leaves_only_the_bot_and_a_second_archive_is_fine(mm):
    mm.platform.open_channel(CASE, list(PEOPLE), "VT-2025-0001")
    mm.platform.archive(CASE, "Deze casus is gesloten.")
    channel = mm.fake.channel_named(CASE)
    assert channel["delete_at"] > 0 and members(mm) == {mm.fake.bot_user_id}
    mm.platform.archive(CASE, "Deze casus is gesloten.")
    assert [p["message"] for p in mm.fake.posts_in(channel["id"])] == ["Deze casus is gesloten."]


def test_an_archive_cut_short_by_a_crash_finishes_without_posting_twice(mm):
    mm.platform.open_channel(CASE, list(PEOPLE), "VT-2025-0001")
    removed: list[str] = []

    def then_stop(call):                                           # the post and one removal, then no more
        removed.append(call.path)
        mm.fake.rate_limit("DELETE", "/api/v4/channels/", times=1)

    mm.fake.after("DELETE", "/api/v4/channels/", lambda call: None if removed else then_stop(call))
    with pytest.raises(PlatformError, match="rate_limited"):
        mm.platform.archive(CASE, "Deze casus is gesloten.")
    assert len(removed) == 1 and len(members(mm)) == 3 and not mm.fake.channel_named(CASE)["delete_at"]
    mm.platform.archive(CASE, "Deze casus is gesloten.")
    channel = mm.fake.channel_named(CASE)
    assert channel["delete_at"] > 0 and members(mm) == {mm.fake.bot_user_id}
    assert len(mm.fake.posts_in(channel["id"])) == 1


def test_archiving_lists_the_members_page_by_page(mm):
    many = [mm.fake.add_user(f"lid{n}") for n in range(230)]
    mm.platform.open_channel(CASE, [], "VT-2025-0001")
    mm.client.add_members(mm.fake.channel_named(CASE)["id"], many)
    mm.platform.archive(CASE, "Deze casus is gesloten.")
    assert members(mm) == {mm.fake.bot_user_id}
    pages = [c for c in mm.fake.calls if c.method == "GET" and c.path.endswith("/members")]
    assert len(pages) == 2


def test_deleting_for_good_only_where_the_server_allows_it(mm):
    mm.platform.open_channel(CASE, ["anna"], "VT-2025-0001")
    mm.platform.archive(CASE, "Deze casus is gesloten.")
    assert mm.platform.delete_channel(CASE) is False                      # EnableAPIChannelDeletion is off
    assert mm.fake.channel_named(CASE)["delete_at"] > 0                   # it stays archived
    mm.fake.allow_permanent_delete = True
    channel_id = mm.fake.channel_named(CASE)["id"]
    assert mm.platform.delete_channel(CASE) is True
    assert mm.fake.channel_named(CASE) is None and mm.fake.posts_in(channel_id) == []
    assert mm.platform.delete_channel(CASE) is True                       # gone already
    assert mm.platform.delete_channel("casus-nooit-geopend") is True


# ---- servers from before bulk adding ---------------------------------------------------------------------
def test_an_old_server_gets_its_members_one_by_one(old):
    assert old.client.bulk_members is False
    old.platform.open_channel(CASE, list(PEOPLE), "VT-2025-0001")
    old.platform.add_members(CASE, ["anna"])
    assert members(old) == {old.fake.bot_user_id, *old.users.values()}
    assert member_calls(old.fake) and all(set(body) == {"user_id"} for body in member_calls(old.fake))


def test_without_a_version_header_a_refused_bulk_add_falls_back_to_one_by_one():
    fake, world = start(server_version="9.0.0", send_version=False)
    try:
        assert world.client.server_version() == "" and world.client.bulk_members is None
        world.platform.open_channel(CASE, list(PEOPLE), "VT-2025-0001")
        world.platform.add_members(CASE, ["bram"])
        assert members(world) == {fake.bot_user_id, *world.users.values()}
        refused = [c for c in fake.calls if c.path.endswith("/members") and c.status == 400]
        assert len(refused) == 1 and "user_ids" in refused[0].body                   # tried once, then not again
        assert world.client.bulk_members is False
        assert fake.server_errors == []
    finally:
        fake.stop()


# ---- the administrator's check -----------------------------------------------------------------------------
def environment(fake: FakeMattermost, folder) -> dict[str, str]:
    path = folder / "adressen.yaml"
    path.write_text(yaml.safe_dump({"organisaties": [{**DIRECTORY["organisaties"][0], "leden": [
        m for m in DIRECTORY["organisaties"][0]["leden"] if m["id"] != "de-bot"]}]}), encoding="utf-8")
    return {"MATTERMOST_URL": fake.base_url, "MATTERMOST_BOT_TOKEN": fake.token, "MATTERMOST_TEAM": TEAM,
            "MATTERMOST_CASUS_TOKEN": MM_TOKENS["/casus"], "MATTERMOST_TAFEL_TOKEN": MM_TOKENS["/tafel"],
            "MATTERMOST_SIGNING_SECRET": MM_SECRET, "TRIAGEBOT_PUBLIC_URL": BOT_URL, "TRIAGEBOT_DIRECTORY": str(path)}


def run_check(monkeypatch, capsys, env: dict[str, str]) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return check_main([]), capsys.readouterr().out


def test_the_check_names_the_version_of_a_current_server(mm, tmp_path, monkeypatch, capsys):
    code, out = run_check(monkeypatch, capsys, environment(mm.fake, tmp_path))
    assert code == 0 and "Mattermost-server: versie 10.5.0." in out and "één voor één" not in out


def test_the_check_says_an_old_server_gets_members_one_by_one(old, tmp_path, monkeypatch, capsys):
    code, out = run_check(monkeypatch, capsys, environment(old.fake, tmp_path))
    assert code == 0 and "Mattermost-server: versie 9.0.0." in out
    assert f"ouder dan {version_text(BULK_MEMBERS_SINCE)}" in out and "één voor één" in out


def test_the_check_refuses_a_server_older_than_the_minimum(tmp_path, monkeypatch, capsys):
    with FakeMattermost(team_name=TEAM, server_version="7.4.0") as fake:
        for name in PEOPLE:
            fake.add_user(name)
        code, out = run_check(monkeypatch, capsys, environment(fake, tmp_path))
    minimum = version_text(MINIMUM_SERVER)
    assert code == 1 and out.startswith("Mattermost-server: versie 7.4.0.\nNog niet in orde:")
    assert (f"Mattermost-server versie 7.4.0 is te oud: de bot werkt met versie {minimum} of nieuwer. "
            f"Laat de server bijwerken naar minstens {minimum}") in out


def test_the_check_of_a_server_that_does_not_say_its_version(tmp_path):
    with FakeMattermost(team_name=TEAM, send_version=False) as fake:
        for name in PEOPLE:
            fake.add_user(name)
        notes: list[str] = []
        assert check(environment(fake, tmp_path), MattermostClient(fake.base_url, fake.token), notes) == []
    assert notes and notes[0].startswith("Mattermost-server: versie onbekend")
