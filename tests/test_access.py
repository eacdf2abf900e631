"""Who may do what. Every refusal answers the person privately in Dutch, changes no case, sends nothing
to a channel and is audited as `geweigerd:<key>`. Each refused command is then given to VT, which
succeeds: so the refusal was about the person, not about the state of the case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.render import templates_dir
from commands.model import Click
from tests.harness import make_console, play, show

N1 = "VT-2025-0001"
VT_ONLY = {   # command -> the script that makes VT's own use of it succeed
    "nieuw": ("", "/casus nieuw Arnhem"),
    "besluit": ("vt-medewerker: /casus nieuw Arnhem", f"/casus besluit {N1} vv"),
    "overdracht": (f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                   f"klok +1h\n"
                   f"lt-arnhem-medewerker: klik weiger {N1} reden: eerst overleg\nklok +1h",
                   f"/casus overdracht {N1} opnieuw"),
    "dienst": (f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} vv\nklok +1h",
               f"/casus dienst {N1} afgerond"),
    "huisverbod": ("vt-medewerker: /casus nieuw Arnhem", f"/casus huisverbod {N1} start"),
    "monitoring": (f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} vv\nklok +1h\n"
                   f"vt-medewerker: /casus dienst {N1} afgerond\nklok +1h\nlt-arnhem-medewerker: klik bevestig\n"
                   "klok +1h", f"/casus monitoring {N1} positief"),
    "sluiten": ("vt-medewerker: /casus nieuw Arnhem", f"/casus sluiten {N1} reden: geen zorgen meer"),
}
NOT_VT = ["lt-arnhem-medewerker", "lt-arnhem-leidinggevende", "gi-gezinsvoogd", "gemeente-arnhem"]


def snapshot(console) -> dict[str, Any]:
    """Every case as `casus show` reports it, without the audit list; and the channels that exist."""
    with console.bot.uow() as uow:
        numbers = uow.cases.numbers()
    cases = {n: {k: v for k, v in show(console, n).items() if k != "audit"} for n in numbers}
    return {"cases": cases, "channels": sorted(console.platform.channels)}


def audits(console) -> list[tuple[str, str, str | None]]:
    with console.bot.uow() as uow:
        return [(a.actor, a.outcome, a.case_number) for a in uow.audit.all() if a.action != "casus show"]


def refused(console, who: str, line: str | Click, key: str) -> str:
    """`line` as typed in the console, or a click on a button in a direct message (not in a channel)."""
    before, log, first = snapshot(console), audits(console), len(console.platform.events)
    if isinstance(line, Click):
        for answer in console.bot.click(line):
            console.platform.ephemeral(answer.to, None, answer.text)
    else:
        console.line(f"{who}: {line}")
    events = console.platform.events[first:]
    assert [(e["kind"], e["to"]) for e in events] == [("ephemeral", who)], "only a private answer"
    assert snapshot(console) == before, "a refusal changes nothing"
    after = audits(console)
    assert after[:len(log)] == log and [(a, o) for a, o, _ in after[len(log):]] == [(who, f"geweigerd:{key}")]
    assert (templates_dir() / "weigering" / f"{key}.j2").is_file()
    assert not [w for w in (" the ", " not ", "error", "None", "Traceback") if w in events[0]["text"]]   # Dutch
    return events[0]["text"]


def ok(console, who: str, line: str) -> None:
    events = play(console, f"{who}: {line}")
    assert audits(console)[-1][:2] == (who, "ok"), [e["text"] for e in events]


@pytest.fixture
def two_regions(tmp_path) -> str:
    """The demo directory plus a second VT region (IJsselland: Zwolle) with its own lokaal team."""
    data = yaml.safe_load((Path(__file__).parents[1] / "bot/demo/directory.yaml").read_text(encoding="utf-8"))
    data["organisaties"] += [
        {"id": "vt-ijsselland", "naam": "Veilig Thuis IJsselland", "soort": "vt", "gemeenten": ["Zwolle"],
         "leden": [{"id": "vt-zwolle", "naam": "VT-medewerker IJsselland", "rol": "medewerker", "tafel": True}]},
        {"id": "lt-zwolle", "naam": "Lokaal team Zwolle", "soort": "lt", "gemeenten": ["Zwolle"],
         "leden": [{"id": "lt-zwolle-medewerker", "naam": "Medewerker lokaal team Zwolle", "rol": "medewerker",
                    "tafel": True}]},
    ]
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


# ---- only VT ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", NOT_VT)
@pytest.mark.parametrize("command", sorted(VT_ONLY))
def test_only_vt_may_change_the_course_of_a_case(command, who):
    setup, line = VT_ONLY[command]
    console = make_console()
    play(console, setup)
    text = refused(console, who, line, "alleen_vt")
    assert text.startswith("Alleen Veilig Thuis")
    ok(console, "vt-medewerker", line)


def test_vt_of_another_region_cannot_register_or_decide_for_our_gemeenten(two_regions):
    console = make_console(directory=two_regions)
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    assert "Arnhem niet" in refused(console, "vt-zwolle", "/casus nieuw Arnhem", "gemeente_niet_van_uw_vt")
    for command in ("besluit", "huisverbod", "sluiten"):
        refused(console, "vt-zwolle", VT_ONLY[command][1], "alleen_vt")
    for line in (f"/casus status {N1}", f"/casus stagnatie {N1} reden: loopt vast", f"/casus contact {N1}"):
        assert "niet betrokken" in refused(console, "vt-zwolle", line, "geen_toegang")
    ok(console, "vt-zwolle", "/casus nieuw Zwolle")
    refused(console, "vt-medewerker", "/casus besluit VT-2025-0002 vv", "alleen_vt")
    refused(console, "lt-arnhem-medewerker", "/casus status VT-2025-0002", "geen_toegang")
    agenda = play(console, "vt-zwolle: /tafel agenda")[0]["text"]
    assert "VT-2025-0002" in agenda and N1 not in agenda and "Arnhem" not in agenda


# ---- involvement: stagnatie, status, contact -----------------------------------------------------------
INVOLVED_LINES = [f"/casus status {N1}", f"/casus stagnatie {N1} reden: afspraken lopen vast", f"/casus contact {N1}"]


@pytest.mark.parametrize("line", INVOLVED_LINES)
def test_a_lokaal_team_of_another_gemeente_is_not_involved(line):
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    text = refused(console, "lt-ede-medewerker", line, "geen_toegang")
    assert "niet betrokken bij casus VT-2025-0001" in text
    ok(console, "lt-arnhem-medewerker", line)


@pytest.mark.parametrize("line", INVOLVED_LINES)
def test_both_lokale_teams_of_a_case_in_two_gemeenten_are_involved(line):
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem,Ede\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    ok(console, "lt-ede-leidinggevende", line)


@pytest.mark.parametrize("line", INVOLVED_LINES)
def test_the_gi_is_involved_only_when_a_gezinsvoogd_is(line):
    console = make_console()
    play(console, f"""
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd
        vt-medewerker: /casus nieuw Arnhem gezinsvoogd
        vt-medewerker: /casus besluit VT-2025-0002 gi gezin-geinformeerd
        klok +1h
    """)
    refused(console, "gi-gezinsvoogd", line, "geen_toegang")
    ok(console, "gi-gezinsvoogd", line.replace(N1, "VT-2025-0002"))


@pytest.mark.parametrize("line", [*INVOLVED_LINES, "/casus help", "/tafel help"])
def test_gemeente_members_see_no_case_but_may_read_the_help(line):
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    if "help" in line:
        assert "Triagetafel-bot" in play(console, f"gemeente-arnhem: {line}")[0]["text"]
    else:
        refused(console, "gemeente-arnhem", line, "geen_toegang")


def test_gemeente_members_may_not_see_the_agenda_nor_press_a_button():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    text = refused(console, "gemeente-arnhem", "/tafel agenda", "alleen_tafel")
    assert text.startswith("Alleen Veilig Thuis, de lokale teams")
    refused(console, "gemeente-arnhem", f"klik bevestig {N1}", "niet_de_ontvanger")
    refused(console, "gi-gezinsvoogd", f"klik weiger {N1} reden: niet voor ons", "niet_de_ontvanger")


def test_the_gi_agenda_shows_only_cases_with_a_gezinsvoogd():
    console = make_console()
    play(console, f"""
        vt-medewerker: /casus nieuw Arnhem
        vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd
        klok +1h
        lt-arnhem-medewerker: klik weiger {N1} reden: gezin al bekend bij jeugdteam
    """)
    refused(console, "gi-gezinsvoogd", f"/casus status {N1}", "geen_toegang")
    agenda = play(console, "gi-gezinsvoogd: /tafel agenda")[0]["text"]
    assert N1 not in agenda and "jeugdteam" not in agenda


# ---- escalation: pauzeer, hervat, 'Ik pak dit op' ------------------------------------------------------
def test_only_a_leidinggevende_of_an_involved_organisation_may_pause_and_resume():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    pause = f"/casus pauzeer {N1} reden: wachten op de Raad"
    for who in ("vt-medewerker", "lt-arnhem-medewerker", "lt-arnhem-gedragswetenschapper"):
        assert "Alleen een leidinggevende" in refused(console, who, pause, "alleen_leidinggevende")
        refused(console, who, f"/casus hervat {N1}", "alleen_leidinggevende")
    for who in ("lt-ede-leidinggevende", "gi-leidinggevende", "gemeente-arnhem"):
        refused(console, who, pause, "geen_toegang")
    ok(console, "lt-arnhem-leidinggevende", pause)
    refused(console, "vt-leidinggevende", f"/casus hervat {N1}", "niet_gepauzeerd")    # only its own terms
    ok(console, "lt-arnhem-leidinggevende", f"/casus hervat {N1}")


def test_only_the_owning_organisation_may_take_up_its_escalation():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    events = play(console, f"lt-arnhem-medewerker: /casus stagnatie {N1} reden: afspraken lopen vast")
    lt_button = next(e["buttons"][0]["value"] for e in events if e["to"] == "lt-arnhem-leidinggevende")
    for who, key in (("lt-arnhem-medewerker", "alleen_leidinggevende"), ("vt-leidinggevende", "niet_de_eigenaar"),
                     ("lt-ede-leidinggevende", "niet_de_eigenaar"), ("gemeente-arnhem", "alleen_leidinggevende")):
        refused(console, who, Click(who, "oppakken", lt_button), key)
    refused(console, "lt-arnhem-leidinggevende", Click("lt-arnhem-leidinggevende", "oppakken", f"{N1}:d1"),
            "escalatie_niet_open")                                                   # the triage term: met
    console.bot.click(Click("lt-arnhem-gedragswetenschapper", "oppakken", lt_button))
    assert audits(console)[-1][:2] == ("lt-arnhem-gedragswetenschapper", "ok")


# ---- strangers -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("line", [
    "/casus nieuw Arnhem", f"/casus besluit {N1} vv", f"/casus status {N1}", f"/casus contact {N1}",
    f"/casus stagnatie {N1} reden: loopt vast", f"/casus sluiten {N1} reden: klaar ermee", "/tafel agenda",
    "/casus help", f"klik bevestig {N1}", f"klik weiger {N1} reden: niet bekend", f"/casus pauzeer {N1} reden: Raad",
    Click("iemand-anders", "oppakken", f"{N1}:d1"),
])
def test_an_unknown_user_gets_the_onbekend_lid_answer(line):
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} lt gezin-geinformeerd\n"
                  f"klok +1h")
    text = refused(console, "iemand-anders", line, "onbekend_lid")
    assert "niet in de adressenlijst" in text
