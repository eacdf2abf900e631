"""The privacy commands as the functional administrator runs them, in processes of their own:
`triagebot adressen synchroniseer [--proef]` and `triagebot bewaartermijn [--uitvoeren]`. A dry run shows what
would happen and changes nothing but the audit log's note that it was looked at; the real run does it, on
behalf of whoever ran it. Dutch throughout, never a traceback."""

from __future__ import annotations

import getpass

import yaml
from sqlalchemy import select
from sqlmodel import Session

from bot.storage.db import make_engine
from models.tables import AuditRow, CaseRow, ChannelMemberRow
from tests.harness import ROOT, make_console, play, triagebot_many
from tests.test_cli import assert_dutch

N1, N2 = "VT-2025-0001", "VT-2025-0002"


def seeded(tmp_path) -> str:
    """A database (the console's, in 2025) with a case closed long ago and one still open."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    console = make_console(db_url=url, start="2025-06-02T09:00")
    play(console, f"""
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit {N1} geen reden: de school maakt zich geen zorgen
vt-medewerker: /casus nieuw Ede
lt-ede-medewerker: /casus status {N2}
klok +31d
""")
    console.bot.engine.dispose()
    return url


def rows(url: str, model, *where):
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return s.execute(select(model).where(*where)).scalars().all()
    finally:
        engine.dispose()


def test_bewaartermijn_is_a_dry_run_until_told_to_carry_it_out(tmp_path):
    url = seeded(tmp_path)          # closed on 2 June 2025: with 12 months, past its period today
    dry, = triagebot_many([(["bewaartermijn", "--db", url], None)])
    assert_dutch(dry)
    assert dry.returncode == 0, dry.text
    assert dry.stdout.startswith("Proef (er verandert niets): 1 gesloten casus(sen)"), dry.stdout
    assert f"  {N1}\n" in dry.stdout and "triagebot bewaartermijn --uitvoeren" in dry.stdout
    assert all(c.reduced_at is None for c in rows(url, CaseRow))

    done, again = triagebot_many([(["bewaartermijn", "--db", url, "--uitvoeren"], None)]) + triagebot_many(
        [(["bewaartermijn", "--db", url, "--uitvoeren"], None)])
    assert done.returncode == 0 and done.stdout.startswith("1 gesloten casus(sen) ingekort"), done.text
    assert again.stdout.startswith("0 gesloten casus(sen) ingekort"), again.text
    reduced = {c.number: c.reduced_at for c in rows(url, CaseRow)}
    assert reduced[N1] is not None and reduced[N2] is None
    runs = [(a.action, a.on_behalf_of) for a in rows(url, AuditRow, AuditRow.actor == "beheerder")]
    me = getpass.getuser()
    assert runs == [("bewaartermijn proef", me), ("bewaartermijn", me), ("bewaartermijn", me)]
    assert [(a.action, a.on_behalf_of) for a in rows(url, AuditRow, AuditRow.case_number == N1)][-1] == (
        "bewaartermijn", me)


def test_adressen_synchroniseer_shows_then_takes_a_leaver_out(tmp_path):
    url = seeded(tmp_path)
    data = yaml.safe_load((ROOT / "bot/demo/directory.yaml").read_text(encoding="utf-8"))
    for org in data["organisaties"]:
        org["leden"] = [m for m in org.get("leden", []) if m["id"] != "lt-ede-medewerker"]
        if org["id"] == "lt-ede":     # someone else takes the seat at the table
            org["leden"].append({"id": "lt-ede-nieuw", "naam": "Nieuw Ede", "rol": "medewerker", "tafel": True,
                                 "email": "nieuw@ede.example"})
    path = tmp_path / "adressen.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    dry, = triagebot_many([(["adressen", "synchroniseer", "--proef", "--db", url, "--adressenlijst", str(path)],
                            None)])
    assert_dutch(dry)
    assert dry.returncode == 0, dry.text
    assert f"  eruit: lt-ede-medewerker uit {N2}" in dry.stdout and f"  erbij: lt-ede-nieuw in {N2}" in dry.stdout
    assert dry.stdout.startswith("Proef: "), dry.stdout
    before = {(m.case_number, m.member_id) for m in rows(url, ChannelMemberRow)}
    assert (N2, "lt-ede-medewerker") in before

    done, = triagebot_many([(["adressen", "synchroniseer", "--db", url, "--adressenlijst", str(path)], None)])
    assert done.returncode == 0, done.text
    after = {(m.case_number, m.member_id) for m in rows(url, ChannelMemberRow)}
    assert after == before - {(N2, "lt-ede-medewerker")} | {(N2, "lt-ede-nieuw")}
    assert "De draaiende bot voert het uit op het chatplatform" in done.stdout
