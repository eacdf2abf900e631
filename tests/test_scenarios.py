"""The same scenarios on the console, on Slack and on Mattermost: the adapters only translate, so the bot
records the same case states, answers and audit entries everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.cli import demo_script
from models.tables import AuditRow
from tests.worlds import ConsoleWorld, World

PLATFORMS = ["console", "slack", "mattermost"]


@pytest.fixture(scope="module")
def console_demo(tmp_path_factory) -> World:
    w = ConsoleWorld(tmp_path_factory.mktemp("console"), "2025-05-26T08:30")
    w.run(demo_script())
    return w


def comparable(report: dict) -> dict:
    keep = ("number", "status", "route", "weight", "holders", "ledger", "regie_ledger", "deadlines", "handovers")
    out = {k: report[k] for k in keep}
    for h in out["handovers"]:
        h.pop("requested_at", None)     # the console clicks at the simulated minute, like the others
    return out


def test_the_demo_gives_the_same_case_states_everywhere(world, console_demo):
    world.run(demo_script())
    numbers = [f"VT-2025-{n:04d}" for n in range(1, 7)]
    assert all(console_demo.report(n) is not None for n in numbers)
    for number in numbers:
        assert comparable(world.report(number)) == comparable(console_demo.report(number)), (world.name, number)


def test_only_the_receiving_organisation_confirms_and_only_once(world):
    world.line("vt-medewerker: /casus nieuw Arnhem")
    world.line("vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd reden: gezin wil hulp")
    outsider = world.line("vt-medewerker: klik bevestig VT-2025-0001")      # in the channel, not the receiver
    first = world.line("lt-arnhem-medewerker: klik bevestig VT-2025-0001")
    second = world.line("lt-arnhem-leidinggevende: klik bevestig VT-2025-0001")
    assert outsider.startswith("Alleen Lokaal team Arnhem kan deze overdracht")
    assert first.startswith("U heeft de overdracht van VT-2025-0001 bevestigd")
    assert second is None or second.startswith("Deze overdracht is al bevestigd door")   # or the button is gone
    report = world.report("VT-2025-0001")
    outcomes = [(a["actor"], a["outcome"]) for a in report["audit"] if a["action"] == "klik:bevestig"]
    assert outcomes[:2] == [("vt-medewerker", "geweigerd:niet_de_ontvanger"), ("lt-arnhem-medewerker", "ok")]
    assert [c["by"] for c in report["handovers"][0]["confirmations"]] == ["lt-arnhem-medewerker"]


def test_a_refused_handover_records_its_reason_and_returns_to_vt(world):
    world.line("vt-medewerker: /casus nieuw Arnhem")
    world.line("vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd")
    world.line("lt-arnhem-medewerker: klik weiger VT-2025-0001 reden: hoort bij een ander team")
    report = world.report("VT-2025-0001")
    assert report["status"] == "te_overdragen"
    assert report["handovers"][0]["refusal"]["reason"] == "hoort bij een ander team"


@pytest.mark.parametrize("line, answer", [
    ("/casus besluit VT-2025-0001 xyz", "route"),
    ("/casus besluit VT-2025-0009 lt gezin-geinformeerd", "VT-2025-0009"),
    ("/casus nieuw Utrecht", "Utrecht"),
    ("/casus stagnatie VT-2025-0001 reden: bel 06-12345678", "telefoonnummer"),
    ("/tafel bestaatniet", "bestaatniet"),
])
def test_bad_input_gets_a_dutch_answer_and_changes_nothing(world, line, answer):
    world.line("vt-medewerker: /casus nieuw Arnhem")
    before = world.report("VT-2025-0001")
    text = world.line(f"vt-medewerker: {line}")
    assert answer.lower() in text.lower() and "Traceback" not in text
    assert comparable(world.report("VT-2025-0001")) == comparable(before)
    assert world.report("VT-2025-0002") is None
    with Session(world.bot.engine) as s:
        last = s.execute(select(AuditRow).where(AuditRow.action != "casus show").order_by(AuditRow.id.desc())).first()
    assert (last[0].actor, last[0].outcome.startswith("geweigerd:")) == ("vt-medewerker", True)


def test_a_case_is_closed_together_with_the_button_everywhere(world):
    """000 §7.3: the lokaal team proposes (stabiele veiligheid), Veilig Thuis agrees with the button."""
    world.run(["vt-medewerker: /casus nieuw Arnhem",
               "vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd",
               "klok +1h", "lt-arnhem-medewerker: klik bevestig VT-2025-0001"])
    alone = world.line("vt-medewerker: /casus sluiten VT-2025-0001 reden: klaar")
    assert "niet alleen sluiten" in alone and world.report("VT-2025-0001")["status"] == "overgedragen"
    asked = world.line("lt-arnhem-medewerker: /casus afsluiten VT-2025-0001 geen-incidenten risicofactoren herstel")
    assert asked.startswith("Uw voorstel om VT-2025-0001 af te sluiten")
    outsider = world.line("lt-arnhem-medewerker: klik akkoord VT-2025-0001")
    assert outsider.startswith("Alleen Veilig Thuis stemt in")
    agreed = world.line("vt-medewerker: klik akkoord VT-2025-0001")
    assert agreed.startswith("U stemde in met het afsluiten van VT-2025-0001")
    report = world.report("VT-2025-0001")
    assert (report["status"], report["closed_reason"], report["regie"]) == ("gesloten", "stabiele_veiligheid", [])
    outcomes = [(a["actor"], a["outcome"]) for a in report["audit"] if a["action"] == "klik:akkoord"]
    assert outcomes == [("lt-arnhem-medewerker", "geweigerd:alleen_vt_stemt_in"), ("vt-medewerker", "ok")]


def test_after_the_handover_everywhere_document_monitoring_weging_and_signals(world):
    """Issue 13's actions on every platform: the document button, the four monitoring questions and their
    follow-up, a gezamenlijke weging, and a change of signals — the same records and states everywhere."""
    world.run(["vt-medewerker: /casus nieuw Arnhem", "vt-medewerker: /casus signaal VT-2025-0001 +letsel",
               "vt-medewerker: /casus besluit VT-2025-0001 vv", "klok +1d",
               "vt-medewerker: /casus dienst VT-2025-0001 afgerond", "klok +1h",
               "lt-arnhem-medewerker: klik bevestig VT-2025-0001"])
    assert world.line("vt-medewerker: klik document VT-2025-0001").startswith("Vastgelegd dat het overdrachtsdocument")
    world.run(["klok +3wd", "vt-medewerker: /casus monitoring VT-2025-0001 voorwaarden=ja directe-veiligheid=nee "
               "stabiele-veiligheid=nee herstel=ja",
               "vt-medewerker: /casus monitoring VT-2025-0001 vervolg ondersteuning",
               "lt-arnhem-medewerker: /casus weging VT-2025-0001 reden: deur blijft dicht"])
    done = world.line("vt-medewerker: /casus weging VT-2025-0001 uitkomst advies")
    assert done.startswith("De uitkomst van de gezamenlijke weging")
    report = world.report("VT-2025-0001")
    assert [r["kind"] for r in report["records"]] == [
        "toewijzing", "signalen", "dienst_afgerond", "document_verstuurd", "monitoring", "monitoring_vervolg",
        "weging_gevraagd", "weging_besloten"]
    assert (report["status"], report["holders"], report["regie"], report["signals"]) == (
        "overgedragen", ["lt-arnhem"], ["lt-arnhem"], ["letsel"])
