"""The bot knows cases by number only. Channel names are pseudonymous, the demo says nothing about a
family or a melder, and free text that carries a person's details is refused and stored nowhere: not in
the case, not in the outbox, not in the audit log (which keeps only who, what and the refusal key).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from bot.cli import demo_script
from tests.harness import make_console, play, show

N1 = "VT-2025-0001"
CHANNEL = re.compile(r"^casus-\d{4}-\d{4}$")
# Our own detectors (not the bot's): what must never show up in a chat or a log.
IDENTITY = {
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+\.[A-Za-z]{2,}"),
    "phone": re.compile(r"(?:\+31|0031|(?<!\d)0)[\s-]?[1-9](?:[\s-]?\d){7,8}(?!\d)"),
    "bsn": re.compile(r"(?<!\d)\d{9}(?!\d)"),
    "postcode": re.compile(r"(?<![\w-])[1-9]\d{3}\s?[A-Z]{2}(?!\w)"),
}
SECRETS = {   # what a worker might type, and what the answer calls it
    "06-12345678": "telefoonnummer", "+31 20 1234567": "telefoonnummer", "j.jansen@example.nl": "e-mailadres",
    "123456782": "bsn", "6811 AB 12": "postcode", "14-02-2016": "geboortedatum",
}
# Where free text goes, and the steps that make the command succeed without the secret.
FREE_TEXT = {
    "besluit reden": ("", f"vt-medewerker: /casus besluit {N1} vv reden: gesprek met vader {{}}"),
    "forceer reden": ("", f"vt-medewerker: /casus besluit {N1} lt forceer reden: afgestemd, bel {{}}"),
    "stagnatie reden": ("", f"lt-arnhem-medewerker: /casus stagnatie {N1} reden: moeder niet bereikbaar op {{}}"),
    "sluiten reden": ("", f"vt-medewerker: /casus sluiten {N1} reden: verhuisd, nieuw adres {{}}"),
    "dienst oordeel": (f"vt-medewerker: /casus besluit {N1} onderzoek",
                       f"vt-medewerker: /casus dienst {N1} afgerond oordeel: vastgesteld bij kind {{}}"),
    "monitoring toelichting": (
        f"vt-medewerker: /casus besluit {N1} vv\nklok +1h\nvt-medewerker: /casus dienst {N1} afgerond\nklok +1h\n"
        "lt-arnhem-medewerker: klik bevestig",
        f"vt-medewerker: /casus monitoring {N1} positief toelichting: contact via {{}}"),
    "weiger reden": (f"vt-medewerker: /casus besluit {N1} lt",
                     f"lt-arnhem-medewerker: klik weiger {N1} reden: gezin al bekend, zie {{}}"),
}


def dump(console) -> str:
    """Everything the database holds, as text: every row of every table."""
    engine = console.bot.engine
    with engine.connect() as conn:
        return "\n".join(str(tuple(row)) for table in sa.inspect(engine).get_table_names()
                         for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))


def case(console) -> dict[str, Any]:
    return {k: v for k, v in show(console, N1).items() if k != "audit"}


def identities(text: str) -> list[tuple[str, str]]:
    return [(name, m.group()) for name, p in IDENTITY.items() for m in p.finditer(text)]


def test_our_detectors_see_every_secret():
    assert all(identities(s) for s in SECRETS if "2016" not in s)


def test_the_demo_transcript_names_cases_only():
    console = make_console(start="2025-05-26T08:30")
    console.run(demo_script())
    events = console.platform.events
    assert len(events) > 80 and {e["kind"] for e in events} >= {"channel_created", "post", "update", "dm", "ephemeral"}
    for e in events:
        text = " ".join(str(e[k] or "") for k in ("channel", "to", "text")) + " ".join(b["value"] for b in e["buttons"])
        assert identities(text) == [], e
        if e["channel"]:
            assert CHANNEL.match(e["channel"]), e["channel"]
        if e["kind"] in ("channel_created", "member_added", "post", "update"):
            assert e["channel"] in console.platform.channels
    assert all(CHANNEL.match(name) for name in console.platform.channels)
    assert len(console.platform.channels) == 6
    assert identities(re.sub(r"[0-9a-f]{32}", "", dump(console))) == []   # without the random outbox keys


@pytest.mark.parametrize("where", sorted(FREE_TEXT))
@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_free_text_with_personal_details_is_refused_and_stored_nowhere(where, secret):
    setup, line = FREE_TEXT[where]
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\n{setup}\nklok +1h")
    before, stored = case(console), dump(console)
    who = line.split(":")[0]
    events = play(console, line.format(secret))
    assert [(e["kind"], e["to"]) for e in events] == [("ephemeral", who)]
    assert events[0]["text"].startswith(f"Uw tekst lijkt een {SECRETS[secret]} te bevatten")
    assert secret not in events[0]["text"]
    assert case(console) == before
    refusal = [a for a in show(console, N1)["audit"] if a["action"] != "casus show"][-1]
    assert (refusal["actor"], refusal["outcome"]) == (who, "geweigerd:persoonsgegevens")
    assert secret not in dump(console) and secret not in stored
    events = play(console, line.format("details staan in het dossier"))                 # the same, anonymised
    assert [e["kind"] for e in events].count("ephemeral") == 1 and case(console) != before


def test_free_text_of_other_refusals_is_not_audited_either():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Ede anoniem")
    lines = [f"/casus besluit {N1} lt reden: GEHEIME onderbouwing",               # vt_houdt_casus
             f"/casus besluit {N1} mdt reden: GEHEIME onderbouwing",              # geen_mdt
             f"/casus besluit {N1} lt forceer reden: GEHEIM!",                    # forceer_zonder_reden
             f"/casus besluit {N1} lt zwaar forceer reden: GEHEIM!",              # forceer_zonder_reden
             f"/casus besluit {N1} gi reden: GEHEIME onderbouwing",               # gi_zonder_gezinsvoogd
             f"/casus monitoring {N1} positief toelichting: GEHEIME toelichting"]   # niet_in_status
    for line in lines:
        play(console, f"vt-medewerker: {line}")
    outcomes = [a["outcome"] for a in show(console, N1)["audit"] if a["action"] != "casus show"]
    assert outcomes[1:] == ["geweigerd:vt_houdt_casus", "geweigerd:geen_mdt", "geweigerd:forceer_zonder_reden",
                            "geweigerd:forceer_zonder_reden", "geweigerd:gi_zonder_gezinsvoogd",
                            "geweigerd:niet_in_status"]
    assert "GEHEIM" not in dump(console)


def test_accepted_free_text_is_kept_with_the_case_not_in_the_audit_log():
    console = make_console()
    play(console, f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit {N1} vv reden: opvallend woord")
    with console.bot.uow() as uow:
        audit = [str((a.actor, a.action, a.outcome, a.detail)) for a in uow.audit.all()]
        assert uow.cases.get(N1).decision.reasoning == "opvallend woord"
    assert not [a for a in audit if "opvallend" in a]


def test_a_year_followed_by_a_short_word_is_not_a_postcode():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, f"vt-medewerker: /casus stagnatie {N1} reden: in 2023 is het gezin al eens besproken")
    assert "Stagnatie gemeld" in events[-1]["text"]


def test_a_mobile_number_written_in_pairs_is_refused():
    console = make_console()
    play(console, "vt-medewerker: /casus nieuw Arnhem")
    events = play(console, f"vt-medewerker: /casus besluit {N1} vv reden: moeder bereikbaar op 06 12 34 56 78")
    assert [e["kind"] for e in events] == ["ephemeral"] and "telefoonnummer" in events[0]["text"]
    assert "12 34 56 78" not in dump(console)
