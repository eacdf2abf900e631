"""Retention (issue 14): a closed case is kept for the profile's `bewaartermijn.casus` and then reduced to what
the audit log and anonymous statistics need — every word a person wrote and every worker's id gone, from the case
and from the outbox — and its channel is deleted where the platform lets a bot (Mattermost with
EnableAPIChannelDeletion) and stays archived and empty where it does not (Slack). On SQLite and on PostgreSQL;
the dry run changes nothing; the audit log keeps everything."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session

from bot.cli.privacy import retention_summary
from bot.config import load_directory, load_profile
from bot.console.console import Console
from bot.storage.audit_chain import first_break
from models.calendar import AMS
from models.case import channel_name
from models.events import BewaartermijnVerstreken
from models.lifecycle import apply
from models.retention import reduced
from models.rules import Context, Refused
from models.tables import AuditRow, OutboxRow
from tests.harness import play

GM = load_profile("gelderland-midden")
N1, N2 = "VT-2025-0001", "VT-2025-0002"
WRITTEN = ("de school maakt zich geen zorgen", "hoort bij een ander team", "ouders staan open voor hulp")
SCRIPT = f"""
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit {N1} geen reden: de school maakt zich geen zorgen
vt-medewerker: /casus nieuw Ede
vt-medewerker: /casus besluit {N2} lt gezin-geinformeerd reden: ouders staan open voor hulp
lt-ede-medewerker: klik weiger {N2} reden: hoort bij een ander team
klok +31d
"""


def everything_in(engine) -> str:
    """Every row of every table, as text: what someone with the database in hand could read."""
    with engine.connect() as conn:
        return "\n".join(str(row) for table in AuditRow.metadata.sorted_tables for row in conn.execute(select(table)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def test_a_closed_case_is_reduced_after_its_period_on_both_databases(engine):
    console = Console.on(engine, load_directory(None), GM, at("2025-06-02T09:00"))
    play(console, SCRIPT)
    bot = console.bot
    assert console.platform.channels[channel_name(N1)].archived

    # the period runs (12 months after the closing, to the end of that day): a dry run, then a real one, change
    # nothing yet
    console.clock.now = at("2026-06-02T23:59")
    before = everything_in(engine)
    waiting = bot.retention_now(dry_run=True)
    assert (waiting.reduced, waiting.waiting, waiting.next_due[0]) == ([], 1, N1)
    assert bot.retention_now().reduced == []
    assert everything_in(engine) == before

    console.clock.now = at("2026-06-03T00:00")
    dry = bot.retention_now(dry_run=True)
    with Session(engine) as s:
        kept = s.execute(select(OutboxRow.kind).where(OutboxRow.case_number == N1)).scalars().all()
    assert {"open_channel", "post", "archive"} <= set(kept)
    assert dry.reduced == [N1] and dry.messages == len(kept)
    assert everything_in(engine) == before                       # a dry run changes nothing

    done = bot.retention_now()
    assert done.reduced == [N1] and done.messages == dry.messages and done.failed == []
    with bot.uow() as uow:
        case = uow.cases.get(N1)
        other = uow.cases.get(N2)
        audit = [(a.actor, a.action, a.outcome) for a in uow.audit.for_case(N1)]
    # what stays: the facts statistics count, as organisations and moments
    assert case.reduced_at == console.clock.now and case.closed_reason == "triagebesluit_geen"
    assert case.decision.route.value == "geen" and case.gemeenten == ("Arnhem",) and case.closed_at
    # what goes: what people wrote, and who they were
    assert case.decision.reasoning == "" and case.decision.decided_by == ""
    assert all(r.text == "" and r.by == "" for r in case.records) and case.records
    assert case.assigned == {}
    text = everything_in(engine)
    assert WRITTEN[0] not in text                               # nowhere in the database any more
    assert WRITTEN[1] in text and WRITTEN[2] in text            # the open case keeps its words
    assert other.reduced_at is None
    # its messages are gone from the outbox; what is left is the channel's deletion, carried out
    with Session(engine) as s:
        rows = s.execute(select(OutboxRow.kind, OutboxRow.state, OutboxRow.platform_ref)
                         .where(OutboxRow.case_number == N1)).all()
    assert rows == [("delete", "verzonden", "verwijderd")]
    assert channel_name(N1) not in console.platform.channels and channel_name(N2) in console.platform.channels
    assert audit[-2:] == [("triagebot", "bewaartermijn", "ok"), ("triagebot", "kanaal_verwijderd", "verwijderd")]
    # the audit log keeps every entry, still one unbroken chain
    with Session(engine) as s:
        broken, checked, _ = first_break(s.execute(select(AuditRow).order_by(AuditRow.id)).scalars())
        assert broken is None and checked == s.execute(select(sa.func.count()).select_from(AuditRow)).scalar_one()

    # once is enough: a next run finds nothing to do
    again = bot.retention_now()
    assert again.reduced == [] and again.failed == []


def test_a_reduced_case_refuses_a_second_reduction_and_a_case_in_its_period_any(engine):
    console = Console.on(engine, load_directory(None), GM, at("2025-06-02T09:00"))
    play(console, SCRIPT)
    with console.bot.uow() as uow:
        case = uow.cases.get(N1)
    early = apply(case, BewaartermijnVerstreken(), Context(at("2026-06-02T12:00"), "triagebot", "triagebot", GM))
    assert isinstance(early, Refused) and early.key == "bewaartermijn_loopt"
    assert console.bot.renderer.render("weigering/bewaartermijn_loopt", {"case": N1, **dict(early.params)}) == (
        f"De bewaartermijn van {N1} loopt nog tot en met dinsdag 2 juni 2026: pas daarna kort de bot de casus in. "
        "Er is niets gewijzigd.")
    with console.bot.uow() as uow:
        still_open = uow.cases.get(N2)
    refused = apply(still_open, BewaartermijnVerstreken(), Context(at("2027-01-01T12:00"), "triagebot", "triagebot",
                                                                    GM))
    assert isinstance(refused, Refused) and refused.key == "niet_in_status"
    gone = reduced(case, at("2026-06-03T00:00"))
    again = apply(gone, BewaartermijnVerstreken(), Context(at("2026-07-01T12:00"), "triagebot", "triagebot", GM))
    assert isinstance(again, Refused) and again.key == "al_ingekort"


@pytest.mark.parametrize("deletion", [True, False], ids=["verwijderen-mag", "verwijderen-mag-niet"])
def test_the_channel_goes_where_the_platform_lets_the_bot_and_stays_archived_and_empty_where_not(world, deletion):
    if world.name in ("console", "slack") and not deletion:
        pytest.skip("only a Mattermost server can refuse the deletion (the console always allows it, Slack never)")
    if world.name == "mattermost":
        world.fake.allow_permanent_delete = deletion       # the server's EnableAPIChannelDeletion
    world.run(["vt-medewerker: /casus nieuw Ede",
               f"vt-medewerker: /casus besluit {N1} geen reden: de school maakt zich geen zorgen", "klok +31d"])
    world.clock.now = at("2026-06-03T00:00")
    assert world.bot.retention_now().reduced == [N1]
    deleted = world.name != "slack" and deletion                  # Slack never lets a bot delete a channel
    name = channel_name(N1)
    if world.name == "console":
        assert name not in world.console.platform.channels
    elif world.name == "slack":
        channel = world.fake.channel_named(name)
        assert channel.is_archived and set(channel.members) <= {world.fake.bot_user_id}
    else:
        channel = world.fake.channel_named(name)
        assert (channel is None) == deleted
        assert deleted or (channel["delete_at"] and set(world.fake.members_of(channel["id"])) <= {
            world.fake.bot_user_id})
    outcome = [a["outcome"] for a in world.report(N1)["audit"] if a["action"] == "kanaal_verwijderd"]
    assert outcome == ["verwijderd" if deleted else "blijft_gearchiveerd"]


def test_the_report_says_what_goes_what_stays_and_that_the_audit_log_is_never_pruned(engine):
    console = Console.on(engine, load_directory(None), GM, at("2025-06-02T09:00"))
    play(console, SCRIPT)
    console.clock.now = at("2026-06-02T12:00")
    text = retention_summary(console.bot.retention_now(dry_run=True), GM, dry_run=True)
    assert text.startswith("Proef (er verandert niets): geen gesloten casus is langer dan de bewaartermijn")
    assert f"1 gesloten casus(sen) wachten nog op hun bewaartermijn; de eerste is {N1}, na 02-06-2026." in text
    console.clock.now = at("2026-06-03T00:00")
    text = retention_summary(console.bot.retention_now(dry_run=True), GM, dry_run=True)
    assert text.startswith("Proef (er verandert niets): 1 gesloten casus(sen) zijn langer dan de bewaartermijn "
                           "(12 maanden na het sluiten) gesloten en zouden worden ingekort.")
    assert f"  {N1}" in text and "op Slack kan een bot dat niet" in text
    assert "De bot wist nooit iets uit de auditlog" in text or "de bot wist nooit iets uit de auditlog" in text
    console.clock.now = at("2031-01-01T00:00")
    text = retention_summary(console.bot.retention_now(dry_run=True), GM, dry_run=True)
    assert "regel(s) zijn ouder dan de eigen bewaartermijn (60 maanden)" in text


def test_two_processes_reducing_at_once_reduce_each_case_once(pg_engine):
    """The daily job of two bot processes, and an administrator's run, at the same moment (PostgreSQL)."""
    from concurrent.futures import ThreadPoolExecutor

    console = Console.on(pg_engine, load_directory(None), GM, at("2025-06-02T09:00"))
    play(console, "\n".join(f"vt-medewerker: /casus nieuw Arnhem\nvt-medewerker: /casus besluit VT-2025-{n:04d} geen "
                            "reden: geen zorgen over de veiligheid" for n in range(1, 7)) + "\nklok +31d")
    console.clock.now = at("2026-07-01T12:00")
    with ThreadPoolExecutor(max_workers=3) as pool:
        reports = list(pool.map(lambda _: console.bot.retention_now(), range(3)))
    assert sorted(n for r in reports for n in r.reduced) == [f"VT-2025-{n:04d}" for n in range(1, 7)]
    assert all(r.failed == [] for r in reports)
    with Session(pg_engine) as s:
        deletions = s.execute(select(OutboxRow.case_number).where(OutboxRow.kind == "delete")).scalars().all()
        runs = s.execute(select(AuditRow.case_number).where(AuditRow.action == "bewaartermijn",
                                                            AuditRow.outcome == "ok")).scalars().all()
    assert sorted(deletions) == sorted(runs) == [f"VT-2025-{n:04d}" for n in range(1, 7)]
