"""What a person typed is text on every platform: it never mentions, links or formats. What the templates
write themselves (bold, mentions of members, code) stays markup."""

from __future__ import annotations

import pytest

from bot.config import load_directory
from bot.render import WORD_JOINER, Renderer
from tests.worlds import DEMO_DIR

HOSTILE = ("<!channel> <!here> <!everyone> @all @channel @here <@U0ABC123> <https://evil.example|uitleg> "
           "[tekst](https://evil.example) **vet** _schuin_ ~doorgestreept~ `code` # kop & meer\n- lijst")


def refused_card(platform: str, reason: str) -> str:
    renderer = Renderer(load_directory(str(DEMO_DIR)), platform)
    return renderer.render("overdracht_geweigerd", {
        "case": "VT-2025-0001", "handover": {"refusal": {"org": "lt-arnhem", "reason": reason}}, "terug": True,
        "stagnatie": {"tussen": ["vt-gelderland-midden", "lt-arnhem"], "door": "lt-arnhem", "reden": reason,
                      "bron": "weigering", "naar": "leidinggevende", "sinds": "2025-06-02T10:00:00+00:00"}})


def test_on_slack_typed_text_cannot_mention_link_or_escape_slacks_markup():
    text = refused_card("slack", HOSTILE)
    for control in ("<!channel>", "<!here>", "<!everyone>", "<@U0ABC123>", "<https://evil.example|uitleg>"):
        assert control not in text
    assert "&lt;!channel&gt;" in text and "&lt;https://evil.example|uitleg&gt;" in text and "&amp; meer" in text
    for word in ("all", "channel", "here"):
        assert f"@{word}" not in text and f"@{WORD_JOINER}{word}" in text
    assert "\n- lijst" not in text                      # one line: no list, no quote of its own
    assert text.startswith("*Overdracht geweigerd*")     # the template's own markup stays


def test_on_mattermost_typed_text_cannot_mention_link_or_format():
    text = refused_card("mattermost", HOSTILE)
    assert "[tekst](https://evil.example)" not in text and r"\[tekst\]\(https://evil.example\)" in text
    assert r"\*\*vet\*\*" in text and r"\_schuin\_" in text and r"\~doorgestreept\~" in text and r"\`code\`" in text
    assert r"\<https://evil.example\|uitleg\>" in text and r"\# kop" in text
    for word in ("all", "channel", "here"):
        assert f"@{word}" not in text and f"@{WORD_JOINER}{word}" in text
    assert "\n- lijst" not in text
    assert text.startswith("**Overdracht geweigerd**")


def test_the_console_shows_what_was_typed():
    assert "<!channel> <!here>" in refused_card("console", "<!channel> <!here>")


@pytest.mark.parametrize("platform", ["slack", "mattermost"])
def test_mentions_of_members_made_by_the_templates_still_notify(platform):
    directory = load_directory(str(DEMO_DIR))
    member = next(m for m in directory.members.values())
    object.__setattr__(member, "chat_ids", {"slack": "U0LID", "mattermost": "j_de.vries-2"})
    text = Renderer(directory, platform).render("opgepakt", _opgepakt(member.id))
    assert ("<@U0LID>" if platform == "slack" else "@j_de.vries-2") in text


def _opgepakt(member: str) -> dict:
    return {"case": "VT-2025-0001", "door": member, "org": "vt-gelderland-midden", "soort": "triage"}
