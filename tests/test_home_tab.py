"""Slack's Home tab (issue 16): published when someone opens it, published again when something changes in a case
that concerns them, within the fake's `views.publish` rules (a home view, at most 100 blocks, the tab enabled)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.slack.home import home_blocks
from bot.slack.spec import SCOPES
from models.tables import AuditRow
from tests.fake_slack import FakeSlack
from tests.worlds import SlackWorld, chat_directory, slack_id


@pytest.fixture
def slack(tmp_path):
    with FakeSlack(scopes=set(SCOPES)) as fake:
        yield SlackWorld(fake, chat_directory(tmp_path), f"sqlite:///{tmp_path / 'slack.db'}", "2025-05-26T08:30")
        assert fake.server_errors == []


def looks(world, action: str) -> list[tuple[str, dict]]:
    with world.bot.engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.select(AuditRow.actor, AuditRow.detail)
                                             .where(AuditRow.action == action).order_by(AuditRow.id))]


def test_the_home_tab_is_published_when_opened_and_again_when_a_case_of_theirs_changes(slack):
    slack.run(["vt-medewerker: /casus nieuw Arnhem", "vt-medewerker: /casus besluit VT-2025-0001 lt licht "
               "gezin-geinformeerd"])
    assert slack.open_home("lt-arnhem-leidinggevende").status == 200
    home = slack.home_of("lt-arnhem-leidinggevende")
    assert "Overzicht Lokaal team Arnhem" in home and "VT-2025-0001" in home      # the organisation's case
    assert "U zit in geen kanaal van een open casus" in home                      # not in its channel (yet)
    assert looks(slack, "startpagina") == [("lt-arnhem-leidinggevende", {"casussen": ["VT-2025-0001"]})]

    assert slack.open_home("vt-medewerker").status == 200
    worker = slack.home_of("vt-medewerker")
    assert "VT-2025-0001" in worker and "Overzicht" not in worker     # in the channel; no organisation overview
    assert f"<#{slack.channel('VT-2025-0001').id}>" in worker

    published = len(slack.fake.home_history)
    slack.run(["klok 2025-06-02T10:00"])              # the confirmation runs late and is escalated
    assert len(slack.fake.home_history) > published
    assert "VERLOPEN" in slack.home_of("lt-arnhem-leidinggevende")
    assert "VERLOPEN" in slack.home_of("vt-medewerker")

    slack.run(["vt-medewerker: /casus nieuw Ede"])     # a case of Ede: nothing for Arnhem's tabs
    before = {u for u, _ in slack.fake.home_history}
    count = len(slack.fake.home_history)
    slack.run(["vt-medewerker: /casus besluit VT-2025-0002 lt licht gezin-geinformeerd"])
    arnhem = {slack_id("lt-arnhem-leidinggevende")}
    assert not arnhem & {u for u, _ in slack.fake.home_history[count:]} and arnhem <= before


def test_a_tab_with_many_cases_is_published_in_several_sections(slack):
    slack.run(["vt-medewerker: /casus nieuw Arnhem"] * 45 + ["klok 2025-06-04T10:00"])
    assert slack.open_home("vt-leidinggevende").status == 200
    view = slack.fake.homes[slack_id("vt-leidinggevende")]
    assert 1 < len(view["blocks"]) <= 100 and "VT-2025-0040" in slack.home_of("vt-leidinggevende")


def test_a_tab_the_app_has_not_enabled_is_left_alone_and_the_bot_goes_on(slack):
    slack.fake.home_tab_enabled = False
    assert slack.open_home("vt-medewerker").status == 200
    assert slack.fake.homes == {} and [c.response["error"] for c in slack.fake.calls_to("views.publish")] == [
        "not_enabled"]
    assert "geregistreerd" in slack.type("vt-medewerker", "/casus", "nieuw Arnhem")


def test_someone_the_directory_does_not_know_is_told_so_on_the_tab(slack):
    slack.fake.add_user("U0STRANGER", None, "vreemde")
    slack.homes.opened("U0STRANGER")
    view = slack.fake.homes["U0STRANGER"]
    assert "adressenlijst" in view["blocks"][0]["text"]["text"]
    with slack.bot.engine.connect() as c:        # not remembered: nobody's tab to keep up to date
        assert c.execute(sa.text("SELECT count(*) FROM home_tabs")).scalar_one() == 0


@pytest.mark.parametrize("lines", [10, 2_000, 20_000])
def test_any_length_of_text_makes_a_home_view_slack_accepts(slack, lines):
    text = "\n".join(f"• VT-2025-{i:04d} — zicht op veiligheid: Lokaal team Arnhem; termijn verlopen"
                     for i in range(lines))
    blocks = home_blocks(text, "De rest past hier niet.")
    slack.fake.add_user("U0READER1", None, "lezer")
    answer = slack.bot.port.client.views_publish(user_id="U0READER1", view={"type": "home", "blocks": blocks})
    assert answer["ok"] and len(blocks) <= 100
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert ("De rest past hier niet." in str(blocks[-1])) == (len(shown) < len(text))


def test_slacks_check_of_the_events_address_is_answered_and_other_events_are_refused(slack):
    check = slack.send(json.dumps({"token": "legacy", "type": "url_verification", "challenge": "uitdaging-123"}),
                       content_type="application/json")
    assert check.status == 200 and "uitdaging-123" in check.body
    other = slack.send(json.dumps({"type": "event_callback", "team_id": slack.fake.team_id,
                                   "event": {"type": "message", "user": slack_id("vt-medewerker"), "text": "x"}}),
                       content_type="application/json")
    assert other.status == 200 and "Traceback" not in other.body and slack.fake.homes == {}
