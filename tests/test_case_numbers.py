"""Case numbers past 9999 in a year: a large region receives around that many meldingen. The 10,000th
melding gets `VT-<jaar>-10000` and works everywhere: commands, buttons, channel names, order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from commands.parse import case_from_channel
from models.case import CASE_NUMBER, case_number, case_order, channel_name
from models.tables import CaseCounter
from tests.harness import make_console, play, show


def test_numbers_grow_past_four_digits_and_are_written_one_way():
    assert case_number(2026, 7) == "VT-2026-0007"
    assert case_number(2026, 10000) == "VT-2026-10000"
    assert case_number(2026, 999999) == "VT-2026-999999"
    with pytest.raises(ValueError):
        case_number(2026, 1_000_000)
    for good in ("VT-2026-0001", "VT-2026-9999", "VT-2026-10000", "VT-2026-123456"):
        assert CASE_NUMBER.match(good)
        assert case_from_channel(channel_name(good)) == good
    for bad in ("VT-2026-010000", "VT-2026-001", "VT-2026-1234567", "VT-26-0001", "VT-2026-00001"):
        assert not CASE_NUMBER.match(bad)
    assert channel_name("VT-2026-10000") == "casus-2026-10000"


def test_numbers_sort_by_year_then_volgnummer_not_as_text():
    numbers = ["VT-2026-10000", "VT-2025-9999", "VT-2026-2000", "VT-2026-0001"]
    assert sorted(numbers, key=case_order) == ["VT-2025-9999", "VT-2026-0001", "VT-2026-2000", "VT-2026-10000"]


def test_the_ten_thousandth_melding_of_a_year_is_registered_and_handled_like_any_other():
    console = make_console(start="2025-06-02T09:00")
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    with Session(console.bot.engine) as s:          # a busy year: 9,999 meldingen so far
        s.execute(sa.update(CaseCounter).values(last=9999))
        s.commit()
    events = play(console, "vt-medewerker: /casus nieuw Ede")
    assert any("VT-2025-10000 is geregistreerd" in e["text"] for e in events if e["kind"] == "ephemeral")
    assert any(e["kind"] == "channel_created" and e["channel"] == "casus-2025-10000" for e in events)
    play(console, "vt-medewerker: /casus besluit VT-2025-10000 lt licht gezin-geinformeerd reden: gezin wil hulp\n"
                  "lt-ede-medewerker: klik bevestig VT-2025-10000")
    report = show(console, "VT-2025-10000")
    assert report["handovers"][0]["state"] == "bevestigd"
    agenda = play(console, "lt-ede-medewerker: /tafel agenda")
    assert not any("kan niet" in e["text"] for e in agenda)
