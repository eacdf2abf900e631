"""`/tafel overzicht` (issue 16): a leidinggevende's (or gedragswetenschapper's) view of the organisation's open
cases, most urgent first, with links to the channels they are in; on the console, Slack and Mattermost; audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from bot.storage.db import make_engine
from models.tables import AuditRow
from tests.harness import make_console, play

SCRIPT = """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd
klok 2025-06-02T10:00
lt-arnhem-leidinggevende: klik oppakken VT-2025-0001
"""


def link(world) -> str:
    """How the platform links the channel of VT-2025-0001 (Slack: by its id)."""
    if world.name == "slack":
        return f"<#{world.channel('VT-2025-0001').id}>"
    return {"console": "#casus-2025-0001", "mattermost": "~casus-2025-0001"}[world.name]


def test_a_leidinggevende_sees_the_open_cases_of_the_organisation_most_urgent_first(world):
    world.run(SCRIPT.strip().splitlines())
    lt = world.type("lt-arnhem-leidinggevende", "/tafel", "overzicht")
    assert "Overzicht Lokaal team Arnhem" in lt
    assert "VT-2025-0002" not in lt                       # Ede's case: Lokaal team Arnhem is not involved
    late = next(line for line in lt.splitlines() if "bevestiging van de overdracht" in line)
    assert "VERLOPEN" in late and "opgeschaald naar de leidinggevende" in late and "opgepakt door" in late
    assert link(world) in lt                              # a link: the leidinggevende is in the channel

    vt = world.type("vt-leidinggevende", "/tafel", "overzicht")
    numbers = re.findall(r"VT-2025-\d{4}", vt)
    assert numbers.index("VT-2025-0001") < numbers.index("VT-2025-0002")    # a late term before one due soon
    assert link(world) not in vt                          # not in that channel: the number, not a link
    assert "Alleen een leidinggevende" in world.type("lt-arnhem-medewerker", "/tafel", "overzicht")

    engine = world.bot.engine
    with engine.connect() as c:
        looks = c.execute(sa.select(AuditRow.actor, AuditRow.outcome, AuditRow.detail)
                          .where(AuditRow.action == "/tafel overzicht").order_by(AuditRow.id)).all()
    assert [(a, o) for a, o, _ in looks] == [("lt-arnhem-leidinggevende", "ok"), ("vt-leidinggevende", "ok"),
                                             ("lt-arnhem-medewerker", "geweigerd:alleen_leidinggevende")]
    assert looks[0].detail == {"casussen": ["VT-2025-0001"]}
    assert looks[1].detail == {"casussen": ["VT-2025-0001", "VT-2025-0002"]}


def test_the_order_is_late_then_due_soon_then_calm_and_a_long_list_is_cut_at_the_least_urgent(tmp_path):
    console = make_console(db_url=f"sqlite:///{tmp_path / 'o.db'}")
    lines = ["vt-medewerker: /casus nieuw Arnhem"] * 43
    lines += ["vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd", "klok 2025-06-02T10:00",
              "vt-medewerker: /casus nieuw Ede"]
    play(console, "\n".join(lines))
    console.run(["vt-gedragswetenschapper: /tafel overzicht"])
    text = console.platform.events[-1]["text"]
    shown = re.findall(r"VT-2025-\d{4}", text)
    # 0001's confirmation ran late; the triage terms of 0002-0043 end on 3 June, within two working days (so: by
    # number); 0044, registered today, has nothing due soon and is the least urgent
    assert list(dict.fromkeys(shown)) == [f"VT-2025-{n:04d}" for n in range(1, 41)]
    assert "En nog 4 casussen" in text
    engine = make_engine(f"sqlite:///{tmp_path / 'o.db'}")
    with engine.connect() as c:
        detail = c.execute(sa.select(AuditRow.detail).where(AuditRow.action == "/tafel overzicht")).scalar_one()
    assert len(detail["casussen"]) == 40 and "VT-2025-0044" not in detail["casussen"]
