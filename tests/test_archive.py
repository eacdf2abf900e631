"""A closed case's channel is archived after the profile's grace period — not before, and once."""

from __future__ import annotations

from datetime import datetime

from models.calendar import AMS
from tests.harness import make_console, play


def archived(console):
    return [(datetime.fromisoformat(e["at"]).astimezone(AMS).strftime("%Y-%m-%d %H:%M"), e["channel"])
            for e in console.platform.events if e["kind"] == "archived"]


def test_the_channel_is_archived_after_the_grace_period_once():
    c = make_console(start="2025-06-02T09:00")
    play(c, """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus sluiten VT-2025-0001 reden: geen zorgen na gesprek
klok 2025-07-01T12:00
""")
    assert archived(c) == []                                  # 30 days: not yet on 1 July
    play(c, "klok 2025-07-03T12:00")
    assert archived(c) == [("2025-07-03 00:00", "casus-2025-0001")]   # 30 days: the end of 2 July
    play(c, "klok 2025-08-01T12:00")
    assert len(archived(c)) == 1
