"""Every Dutch text: each refusal key has its template, and every template renders strictly on all three
platforms with the contexts the bot really produces (captured from console scenarios, plus the notes
fed to `commands.messages.for_notes` directly). A scenario that covers every message is below.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import pytest
import sqlalchemy as sa
import yaml

from bot.cli import demo_script
from bot.config import load_directory, load_profile
from bot.delivery.inbox import Texts
from bot.render import PLATFORMS, Renderer, templates_dir
from commands.dispatch import failure
from commands.messages import for_notes
from commands.model import Click, Invocation
from commands.parse import ParseError
from commands.ports import ConcurrentChange
from commands.sync import synchronise
from models.calendar import AMS
from models.directory import Directory
from models.events import (
    BewaartermijnVerstreken,
    GemeenteAntwoord,
    OverdrachtBevestigd,
    OverdrachtGevraagd,
    StagnatieGemeld,
    Toegewezen,
    ToewijzingVervallen,
)
from models.rules import GUARDS, Context
from tests.harness import make_console

ROOT = Path(__file__).resolve().parents[1]
NOT_POSITIVE = "voorwaarden=ja directe-veiligheid=nee stabiele-veiligheid=nee herstel=ja"   # a monitoring moment
ENGLISH = (" the ", " is not ", "error", "None", "null", "Traceback", "Undefined", "{{", "{%", " please ")
SCENARIO = """
vt-medewerker: /casus nieuw Arnhem gezinsvoogd spoed signalen=letsel
vt-medewerker: /casus besluit VT-2025-0001 lt gezin-geinformeerd
vt-medewerker: /casus besluit VT-2025-0001 gi gezin-geinformeerd reden: gezinsvoogd is betrokken
klok +1h
gi-gezinsvoogd: klik bevestig
gi-leidinggevende: klik bevestig
vt-medewerker: /casus overdracht VT-2025-0001
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus besluit VT-2025-0002 gi gezin-geinformeerd
vt-medewerker: /casus besluit VT-2025-0002 mdt gezin-geinformeerd
vt-medewerker: /casus besluit VT-2025-0002 lt zwaar gezin-geinformeerd
vt-medewerker: /casus besluit VT-2025-0002 lt gezin-geinformeerd forceer
vt-medewerker: /casus besluit VT-2025-0002 xyz
vt-medewerker: /casus overdracht VT-2025-0002 reden: graag snel
lt-ede-medewerker: /casus besluit VT-2025-0002 vv
lt-arnhem-medewerker: /casus status VT-2025-0002
lt-ede-medewerker: /casus contact VT-2025-0002
vt-medewerker: /casus huisverbod VT-2025-0002 advies
vt-medewerker: /casus huisverbod VT-2025-0002 start 2025-05-25
vt-medewerker: /casus huisverbod VT-2025-0002 start
vt-medewerker: /casus huisverbod VT-2025-0002 advies 2025-05-20
vt-medewerker: /casus huisverbod VT-2025-0002 pauze
vt-medewerker: /casus huisverbod VT-2025-0002 verlengd
vt-medewerker: /casus huisverbod VT-2025-0002 verlengd
vt-medewerker: /casus huisverbod VT-2025-0002 advies
vt-medewerker: /casus status VT-2025-0002
vt-medewerker: /casus besluit VT-2025-0002 onderzoek zwaar reden: ernstige zorgen
vt-medewerker: /casus dienst VT-2025-0002 afgerond
vt-medewerker: /casus dienst VT-2025-0002 klaar
vt-medewerker: /casus huisverbod VT-2025-0002 einde
vt-medewerker: /casus status VT-2025-0002
klok +1h
vt-medewerker: /casus dienst VT-2025-0002 afgerond zonder-monitoring oordeel: huiselijk geweld vastgesteld
vt-medewerker: /casus dienst VT-2025-0002 afgerond oordeel: huiselijk geweld vastgesteld
lt-arnhem-medewerker: klik bevestig VT-2025-0002
lt-ede-medewerker: klik weiger VT-2025-0002
klok +1h
lt-ede-medewerker: klik bevestig VT-2025-0002
lt-ede-medewerker: /casus contact VT-2025-0002 2025-07-01
lt-ede-medewerker: /casus contact VT-2025-0002 2025-01-01
lt-ede-medewerker: /casus contact VT-2025-0002 2025-13-01
lt-ede-medewerker: /casus contact VT-2025-0002
vt-medewerker: /casus monitoring VT-2025-0002 misschien
vt-medewerker: /casus monitoring VT-2025-0002 <niet-positief> toelichting: afspraken niet nagekomen
vt-medewerker: /casus monitoring VT-2025-0002 vervolg ondersteuning
vt-medewerker: /casus monitoring VT-2025-0002 vervolg ondersteuning
vt-medewerker: /casus monitoring VT-2025-0002 vervolg weetniet
vt-medewerker: /casus monitoring VT-2025-0002 herstel=misschien
vt-medewerker: /casus monitoring VT-2025-0002 positief
vt-medewerker: /casus monitoring VT-2025-0002 positief
lt-ede-medewerker: /casus stagnatie VT-2025-0002
lt-ede-medewerker: /casus stagnatie VT-2025-0002 reden: bel 06-12345678
lt-ede-medewerker: /casus stagnatie VT-2025-0002 reden: gezin weigert hulp
vt-medewerker: /casus sluiten VT-2025-0002 reden: stabiele veiligheid bereikt
vt-medewerker: /casus status VT-2025-0002
vt-medewerker: /casus stagnatie VT-2025-0002 reden: toch weer zorgen
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0003 lt licht gezin-geinformeerd
klok +1h
lt-arnhem-medewerker: klik weiger VT-2025-0003 reden: past niet bij het aanbod
lt-arnhem-medewerker: klik bevestig VT-2025-0003
vt-medewerker: /tafel agenda
klok +1h
vt-medewerker: /casus overdracht VT-2025-0003 opnieuw
vt-medewerker: /casus nieuw Arnhem,Ede ontvangen=2025-05-20T10:00 anoniem
vt-medewerker: /casus besluit VT-2025-0004 lt gezin-geinformeerd
vt-medewerker: /casus besluit VT-2025-0004 lt licht gezin-geinformeerd forceer reden: afgestemd met beide teams
vt-medewerker: /casus nieuw Ede ontvangen=2025-05-20T10:00
vt-medewerker: /casus pauzeer VT-2025-0005 reden: wachten op de Raad
vt-leidinggevende: /casus pauzeer VT-2025-0005 reden: wachten op de Raad
vt-leidinggevende: /casus pauzeer VT-2025-0005 reden: wachten op de Raad
vt-leidinggevende: /casus hervat VT-2025-0005
vt-leidinggevende: /casus hervat VT-2025-0005
vt-medewerker: /casus signaal VT-2025-0005 +geen-hulp-nodig -acuut
vt-medewerker: /casus signaal VT-2025-0005 +letsel -letsel
vt-medewerker: /casus signaal VT-2025-0005 -acuut
vt-medewerker: /casus signaal VT-2025-0005
vt-medewerker: /casus besluit VT-2025-0005 lt gezin-geinformeerd
vt-medewerker: /casus besluit VT-2025-0005 lt gezin-geinformeerd forceer reden: het gezin vraagt zelf om hulp
vt-medewerker: /casus signaal VT-2025-0005 -geen-hulp-nodig
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus besluit VT-2025-0006 lt licht
vt-medewerker: /casus geinformeerd VT-2025-0006 niet
vt-medewerker: /casus geinformeerd VT-2025-0006 niet reden: gezin onbereikbaar, de brief volgt
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus geinformeerd VT-2025-0007
lt-ede-medewerker: /casus toewijzen VT-2025-0007
lt-ede-medewerker: /casus toewijzen VT-2025-0007 niemand
lt-ede-medewerker: /casus toewijzen VT-2025-0007 vt-leidinggevende
lt-ede-medewerker: /casus toewijzen VT-2025-0007 lt-ede-leidinggevende
vt-medewerker: /casus toewijzen VT-2025-0007 vt-medewerker
vt-medewerker: /casus toewijzen VT-2025-0007 vt-gedragswetenschapper
lt-ede-medewerker: /casus geinformeerd VT-2025-0002
vt-medewerker: /tafel agenda
lt-ede-medewerker: /tafel agenda 2025-05-27
vt-medewerker: /casus nieuw
vt-medewerker: /casus nieuw Utrecht
vt-medewerker: /casus nieuw Arnhem,arnhem
vt-medewerker: /casus nieuw Arnhem signalen=kwijt
vt-medewerker: /casus nieuw Arnhem ontvangen=2030-01-01
vt-medewerker: /casus nieuw Arnhem zomaar
vt-medewerker: /casus status
vt-medewerker: /casus status VT-2025-0999
vt-medewerker: /casus verwijder
vt-medewerker: /zoek
vt-medewerker: /casus help onzin
vt-medewerker: /casus help
gemeente-arnhem: /tafel agenda
iemand: /casus status VT-2025-0001
vt-zwolle: /casus nieuw Arnhem
vt-zwolle: /casus nieuw Zwolle gezinsvoogd
vt-zwolle: /casus nieuw Dorp
""".replace("<niet-positief>", NOT_POSITIVE)
HELP = ["nieuw", "besluit", "overdracht", "dienst", "contact", "huisverbod", "monitoring", "stagnatie", "status",
        "sluiten", "afsluiten", "weging", "signaal", "document", "bevestig", "agenda", "knoppen"]


def directory_file(folder: Path) -> str:
    """The demo directory with chat ids, plus VT IJsselland (Zwolle, Dorp) with a lokaal team for Zwolle only."""
    data = yaml.safe_load((ROOT / "bot/demo/directory.yaml").read_text(encoding="utf-8"))
    data["organisaties"] += [
        {"id": "vt-ijsselland", "naam": "Veilig Thuis IJsselland", "soort": "vt", "gemeenten": ["Zwolle", "Dorp"],
         "leden": [{"id": "vt-zwolle", "naam": "VT-medewerker IJsselland", "rol": "medewerker", "tafel": True}]},
        {"id": "lt-zwolle", "naam": "Lokaal team Zwolle", "soort": "lt", "gemeenten": ["Zwolle"], "leden": []}]
    for i, member in enumerate(m for org in data["organisaties"] for m in org["leden"]):
        member["chat"] = {"slack": f"U{i:04d}", "mattermost": f"mm{i}"}
    path = folder / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def take_up(console) -> None:
    """'Ik pak dit op' on the escalations of the refused handover of VT-2025-0003: wrong people, then right."""
    buttons = [(e["to"], e["buttons"][0]["value"]) for e in console.platform.events
               if e["kind"] == "dm" and e["buttons"] and e["buttons"][0]["value"].startswith("VT-2025-0003:")]
    (first, value), (other, _) = buttons[:2]
    for who in ("vt-medewerker", other, first, first):     # alleen_leidinggevende, niet_de_eigenaar, ok, al_opgepakt
        console.bot.click(Click(who, "oppakken", value))
    console.bot.click(Click(first, "oppakken", "VT-2025-0003:d1"))       # the triage term: escalatie_niet_open


def gap_alarm(console) -> None:
    """Break the ledger of an open case behind the bot's back: the janitor sounds the alarm."""
    with console.bot.engine.begin() as conn:
        conn.execute(sa.text('UPDATE ledger_entries SET "end" = start, end_reason = \'kapot\' WHERE "end" IS NULL '
                             "AND case_id = (SELECT id FROM cases WHERE number = 'VT-2025-0004')"))
    console.bot.janitor_now()
    console.bot.deliver_now()


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict[str, Any]:
    """Play the demo and the scenario; record every (template, context) and every call of for_notes."""
    path = directory_file(tmp_path_factory.mktemp("dir"))
    rendered: list[tuple[str, dict[str, Any]]] = []
    notes: list[tuple] = []

    def recording_for_notes(directory, before, after, found, actor):
        notes.append((directory, before, after, found, actor))
        return for_notes(directory, before, after, found, actor)

    with pytest.MonkeyPatch.context() as mp:
        for module in [m for m in list(sys.modules.values())
                       if getattr(m, "for_notes", None) is for_notes and m is not sys.modules[__name__]]:
            mp.setattr(module, "for_notes", recording_for_notes)     # wherever the bot imported it
        demo, console = make_console(start="2025-05-26T08:30"), make_console(directory=path)
        zl = make_console("zuid-limburg", start="2025-06-02T09:00")
        for c in (demo, console, zl):
            original = c.bot.renderer.render
            mp.setattr(c.bot.renderer, "render",
                       lambda t, ctx, original=original: rendered.append((t, ctx)) or original(t, ctx))
        demo.run(demo_script())
        zl.run(ZUID_LIMBURG.strip().splitlines())
        zl.clock.now += timedelta(days=400)      # past the retention period: closed cases reduced, channels go
        reduced = zl.bot.retention_now().reduced
        console.run(SCENARIO.strip().splitlines() + [f"lt-ede-medewerker: /casus help {t}" for t in HELP])
        console.bot.command(Invocation("vt-medewerker", "/casus", "stagnatie reden: een reden: twee"))
        for text in REFUSED_FREE_TEXT:      # the privacy check's refusals (commands/privacy.py)
            console.bot.command(Invocation("vt-medewerker", "/casus", text))
        Texts(console.bot.renderer).lost()     # the inbox's note for an answer lost in a crash
        console.bot.command(Invocation("vt-leidinggevende", "/tafel", "overzicht"))
        for text in ("rapport", "rapport 2099-01", "rapport kanaal"):      # the month's report, and two refusals
            console.bot.command(Invocation("lt-arnhem-leidinggevende", "/tafel", text))
        for fout, kanaal in (("missing_scope", False), ("not_in_channel", True), ("anders", False)):   # not shared
            console.bot.renderer.render("rapport_mislukt", {"van": "2025-05-01", "organisatie": "lt-arnhem",
                                                            "fout": fout, "kanaal": kanaal})
        console.bot.home("vt-leidinggevende")     # Slack's Home tab, and what it says when not all of it fits
        console.bot.renderer.render("startpagina_vol", {})
        console.bot.click(Click("lt-arnhem-medewerker", "vergeet", "VT-2025-0003:2"))
        console.bot.click(Click("lt-arnhem-medewerker", "bevestig", "VT-2025-0003:9"))
        take_up(console)
        gone = load_directory(path)         # the worker assigned above left Veilig Thuis
        synchronise(console.bot.uow, Directory(gone.organisations.values(), [
            m for m in gone.members.values() if m.id != "vt-gedragswetenschapper"]), console.bot.profile_for,
            console.clock())
        console.bot.deliver_now()
        console.line("klok +15wd")          # reminders, lapses, rungs up to the gemeente
        gap_alarm(console)
        console.line("klok +31d")           # the channel of the case closed above is archived
        for key in ADAPTER_KEYS:            # refusals the chat adapters find (forms, requests, failures)
            console.bot.command_error("vt-medewerker", "klik", ParseError(key))
        for trouble in (ConcurrentChange("x"), RuntimeError("x")):   # a change in the way; a fault of the bot
            console.bot._render(failure(console.bot.env(), "vt-medewerker", "/casus status", "VT-2025-0003",
                                        trouble).private)
    with console.bot.uow() as uow:
        state = uow.cases.get("VT-2025-0003")
    ctx = Context(now=datetime(2025, 6, 10, 9, tzinfo=AMS), actor="vt-medewerker", actor_org="vt-gelderland-midden",
                  profile=load_profile("gelderland-midden"))
    nobody = replace(state, orgs=replace(state.orgs, lts=()))        # unreachable through the commands
    nog = replace(ctx, profile=load_profile("noord-oost-gelderland"))      # 001 §1: the document first
    for guard, day in (("document_eerst", None), ("afspraak_bij_bevestiging", None),
                       ("afspraak_bij_bevestiging", date(2020, 1, 1))):
        refused = GUARDS[guard](state, OverdrachtBevestigd(1, "lt-arnhem", day), nog)
        rendered.append((f"weigering/{refused.key}", {"case": state.number, **dict(refused.params)}))
    for guard, s, event in (("heeft_ontvangers", nobody, OverdrachtGevraagd()),
                            ("vraag_aan_gemeente_open", state, GemeenteAntwoord("gemeente-arnhem")),
                            ("reden_verplicht", state, StagnatieGemeld(" ")),
                            # the commands name only a colleague; a lapse another run already recorded is silent
                            ("toewijzen_mag", state, Toegewezen("lt-arnhem-medewerker", "lt-arnhem")),
                            ("toewijzing_loopt", state, ToewijzingVervallen("lt-ede-medewerker", "lt-ede"))):
        refused = GUARDS[guard](s, event, ctx)
        rendered.append((f"weigering/{refused.key}", {"case": state.number, **dict(refused.params)}))
    with zl.bot.uow() as uow:
        gone = uow.cases.get(reduced[0])
    for s, now in ((gone, zl.clock()), (replace(gone, reduced_at=None), gone.closed_at)):   # once; not yet
        refused = GUARDS["bewaartermijn_om"](s, BewaartermijnVerstreken(), replace(ctx, now=now, profile=zl.profile))
        rendered.append((f"weigering/{refused.key}", {"case": gone.number, **dict(refused.params)}))
    return {"rendered": rendered, "notes": notes, "directory": load_directory(path)}


# Zuid-Limburg: informing the directbetrokkenen and the gemeente's answer (002 bijlage 3b, §5.5)
ZUID_LIMBURG = """
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd reden: gezin wil hulp
vt-medewerker: /casus geinformeerd VT-2025-0001
vt-medewerker: /casus antwoord VT-2025-0001 toelichting: niet van mij
klok 2025-08-25T10:00
lt-arnhem-medewerker: /casus geinformeerd VT-2025-0001
gemeente-arnhem: /casus antwoord VT-2025-0001 toelichting: wij spreken het lokaal veld aan
vt-medewerker: /casus nieuw Arnhem signalen=structureel
vt-medewerker: /casus besluit VT-2025-0002 vv
vt-medewerker: /casus dienst VT-2025-0002 afgerond
lt-arnhem-medewerker: klik bevestig VT-2025-0002
vt-medewerker: /casus sluiten VT-2025-0002 reden: klaar
vt-medewerker: /casus afsluiten VT-2025-0002 akkoord
vt-medewerker: /casus afsluiten VT-2025-0002 geen-incidenten risicofactoren herstel
lt-arnhem-medewerker: /casus afsluiten VT-2025-0002 zomaar
lt-arnhem-medewerker: /casus afsluiten VT-2025-0002 geen-incidenten
lt-arnhem-medewerker: /casus afsluiten VT-2025-0002 geen-incidenten risicofactoren herstel
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0003 vv
vt-medewerker: /casus dienst VT-2025-0003 afgerond
lt-arnhem-medewerker: klik bevestig VT-2025-0003
vt-medewerker: /casus document VT-2025-0003
vt-medewerker: /casus document VT-2025-0003
vt-medewerker: /casus monitoring VT-2025-0003 <niet-positief> toelichting: nog zorgen
lt-arnhem-medewerker: /casus afsluiten VT-2025-0003 geen-incidenten risicofactoren herstel
vt-medewerker: /casus monitoring VT-2025-0003 vervolg beschermtafel
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus sluiten VT-2025-0004 reden: geen zorgen na gesprek
vt-medewerker: /casus stagnatie VT-2025-0004 reden: toch weer zorgen
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit VT-2025-0005 lt licht gezin-geinformeerd
lt-arnhem-medewerker: klik bevestig VT-2025-0005
gi-gezinsvoogd: /casus weging VT-2025-0005 reden: niet binnen
lt-arnhem-medewerker: /casus weging VT-2025-0005 uitkomst advies
vt-medewerker: /casus weging VT-2025-0005 reden: niet binnen
lt-arnhem-medewerker: /casus weging VT-2025-0005 reden: drie keer aangebeld
lt-arnhem-medewerker: /casus weging VT-2025-0005 reden: nog eens
lt-arnhem-medewerker: /casus weging VT-2025-0005 uitkomst misschien
lt-arnhem-medewerker: /casus weging VT-2025-0005 oneens reden: wij zien het anders
lt-arnhem-medewerker: /casus weging VT-2025-0005 reden: weer niet binnen
vt-medewerker: /casus weging VT-2025-0005 uitkomst advies toelichting: medewerker gaat mee
lt-arnhem-medewerker: /casus weging VT-2025-0005 reden: opnieuw niet binnen
vt-medewerker: /casus weging VT-2025-0005 uitkomst sluiten
klok +200d
lt-arnhem-medewerker: /casus afsluiten VT-2025-0003 geen-incidenten risicofactoren herstel toelichting: gaat goed
lt-arnhem-medewerker: /casus afsluiten VT-2025-0003 geen-incidenten risicofactoren herstel
lt-arnhem-medewerker: klik akkoord VT-2025-0003
vt-medewerker: /casus afsluiten VT-2025-0003 niet-akkoord reden: eerst het gesprek van volgende week
lt-arnhem-medewerker: /casus afsluiten VT-2025-0003 geen-incidenten risicofactoren herstel
vt-medewerker: klik akkoord VT-2025-0003
vt-medewerker: /casus status VT-2025-0003
klok +31d
""".replace("<niet-positief>", NOT_POSITIVE)


# Free text the privacy check refuses: each kind of personal data (`wat`), each field too long, a hidden character.
REFUSED_FREE_TEXT = [f"stagnatie VT-2025-0003 reden: {t}" for t in (
    "bsn 123456782", "bel 06-12345678", "mail j@example.nl", "6811 AB", "geboren 3 maart 2019",
    "NL91 ABNA 0417 1643 00", "Kerkstraat 12", "x" * 501, "piep\x07", "a\u202eb", "a\u200bb")] + [
    "dienst VT-2025-0003 afgerond oordeel: " + "x" * 1001,
    "monitoring VT-2025-0003 positief toelichting: " + "x" * 1001]

ADAPTER_KEYS = {k for p in (ROOT / "bot").rglob("*.py")
                for k in re.findall(r'ParseError\(\s*"(\w+)"', p.read_text(encoding="utf-8"))}


def keys_in_source() -> set[str]:
    found: set[str] = set(ADAPTER_KEYS)
    domain = [(p, r'Refused\.of\(\s*"(\w+)"') for p in (ROOT / "models/rules.py", ROOT / "models/lifecycle.py")]
    commands = [(p, r'(?:ParseError|Denied)\(\s*"(\w+)"') for p in (ROOT / "commands").glob("*.py")]
    for path, pattern in domain + commands:
        found |= set(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def all_templates() -> set[str]:
    root = templates_dir()
    return {str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.j2")
            if not any(part.startswith("_") for part in p.relative_to(root).parts)}


def dutch(text: str) -> None:
    assert text.strip(), "empty text"
    for word in ENGLISH:
        assert word not in text, f"{word!r} in {text!r}"


def test_every_refusal_key_has_a_dutch_template():
    keys = keys_in_source()
    assert len(keys) >= 45 and {"alleen_vt", "persoonsgegevens", "vt_houdt_casus", "onbekend_lid"} <= keys
    missing = sorted(k for k in keys if not (templates_dir() / "weigering" / f"{k}.j2").is_file())
    assert missing == []
    assert {t.removeprefix("weigering/") for t in all_templates() if t.startswith("weigering/")} == keys


def test_the_renderer_is_strict():
    renderer = Renderer(load_directory(), "slack")
    assert renderer.env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        renderer.render("klaar/nieuw", {"case": "VT-2025-0001"})


def test_every_template_is_rendered_by_the_scenarios(run):
    assert all_templates() - {t for t, _ in run["rendered"]} == set()


def test_every_template_renders_on_every_platform_in_dutch(run):
    renderers = {p: Renderer(run["directory"], p) for p in PLATFORMS}
    seen: set[str] = set()
    for template, context in run["rendered"]:
        key = template + json.dumps(context, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        texts = {p: r.render(template, context) for p, r in renderers.items()}
        for platform, text in texts.items():
            dutch(text)
            assert ("**" in text) == (platform != "slack" and "**" in texts["console"]), (platform, text)
    assert len(seen) > 150


def test_mentions_follow_the_platform(run):
    renderers = {p: Renderer(run["directory"], p) for p in PLATFORMS}
    context = next(c for t, c in run["rendered"] if t == "weigering/al_bevestigd")
    texts = {p: r.render("weigering/al_bevestigd", context) for p, r in renderers.items()}
    assert re.search(r"door @Medewerker lokaal team Ede op", texts["console"])
    assert re.search(r"door <@U\d{4}> op", texts["slack"]) and re.search(r"door @mm\d+ op", texts["mattermost"])


def test_for_notes_turns_every_note_into_messages_with_plain_json_contexts(run):
    emitted = set(re.findall(r'note\(\s*"(\w+)"', (ROOT / "models/lifecycle.py").read_text(encoding="utf-8")))
    seen = {n.key for *_, found, _ in run["notes"] for n in found}
    assert emitted <= seen
    renderers = {p: Renderer(run["directory"], p) for p in PLATFORMS}
    templates, said = set(), set()
    for directory, before, after, found, actor in run["notes"]:
        for note in found:
            if for_notes(directory, before, after, (note,), actor):
                said.add(note.key)
        for m in for_notes(directory, before, after, found, actor):
            context = json.loads(json.dumps(m.context))     # the outbox keeps contexts as JSON
            assert context == m.context, m.template
            for r in renderers.values():
                dutch(r.render(m.template, context))
            templates.add(m.template)
    assert seen - said == {"termijn_verlopen"}     # a lapse is told by the ladder's first rung ("trede")
    assert {"casus_kanaal", "gemeente_cc", "monitoring_gestart", "gemeente_melding", "opschaling_dm",
            "triagetermijn_overschreden_lg", "overdracht_verzoek", "zicht_verschoven"} <= templates
