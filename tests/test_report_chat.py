"""`/tafel rapport` and the monthly report (issue 16): a leidinggevende gets a month's report of the organisation —
a PNG summary and the whole report as HTML — in a direct message or the organisation's report channel; counts of
the organisation's own cases, checked here against the generated year (fixed seed); small numbers hidden where the
report leaves Veilig Thuis; no free text of a case; only leidinggevenden; a bad month answered in Dutch and nothing
queued; the monthly report goes once per month and organisation, also with two processes at once (PostgreSQL)."""

from __future__ import annotations

import dataclasses
import html as htmllib
import re
import shutil
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa

from bot.app import Bot
from bot.config import load_directory
from bot.console.console import SimClock
from bot.console.console_platform import ConsolePlatform
from bot.render import Renderer
from bot.storage.db import make_engine
from commands import reports
from commands.model import Invocation
from models.calendar import AMS
from models.directory import Directory, Organisation
from models.membership import involved
from models.report import HIDDEN, SMALL
from models.tables import AuditRow, MonthlyReportRow, OutboxRow
from models.types import REPORT_RECEIVERS, OrgKind
from tests.year_of_cases import free_texts

JUNE = ("2025-06-01", "2025-07-01")
REFUSALS = ("Alleen een leidinggevende", "Een rapport gaat over een maand die voorbij is",
            "geen rapportkanaal", "begrijp")


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=AMS)


def with_report_channel(directory: Directory, org_id: str, channels: dict[str, str]) -> Directory:
    orgs = [dataclasses.replace(o, report_channels=channels) if o.id == org_id else o
            for o in directory.organisations.values()]
    return Directory(orgs, directory.members.values())


@pytest.fixture
def chat(year, tmp_path):
    """A bot on a copy of the generated year's database, on the console platform, in July 2025."""
    path = tmp_path / "jaar.db"
    shutil.copy(year["folder"] / "jaar.db", path)
    engine = make_engine(f"sqlite:///{path}")
    made = []

    def make(directory: Directory | None = None, profile=None, now: str = "2025-07-08T10:00") -> Bot:
        directory = directory or load_directory(None)
        profile = profile or year["profile"]
        clock = SimClock(at(now))
        bot = Bot(directory, profile, engine, ConsolePlatform(directory, clock),
                  Renderer(directory, "console", profile.wording), clock)
        made.append(bot)
        return bot
    yield make
    engine.dispose()


def shared(bot: Bot) -> list[dict]:
    """What the console platform shared as files: (where, text, {name: bytes})."""
    platform = bot.port
    return [{"where": m["channel"], "text": m["text"], "files": {n: platform.files[n] for n in m["files"]}}
            for m in platform.messages.values() if m.get("files")]


def ask(bot: Bot, member: str, text: str = "rapport") -> str:
    [answer] = bot.command(Invocation(member, "/tafel", text))
    return answer.text


def meldingen(html: str) -> str:
    return htmllib.unescape(re.search(r'<span id="meldingen">([^<]*)</span>', html).group(1))


def cells(html: str) -> list[str]:
    return [htmllib.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", html)]


COUNT_COLUMNS = {"aantal", "op tijd", "te laat", "totaal", "eigenaar", "leidinggevende of gedragswetenschapper",
                 "gemeente"}      # the columns that hold counts ("gemeente" first in a table: the gemeente's name)


def counts(html: str) -> list[str]:
    """Every cell of the HTML's tables under a column of counts."""
    found = []
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        headers = [htmllib.unescape(h) for h in re.findall(r"<th>([^<]*)</th>", table)]
        for row in re.findall(r"<tr>(<td>.*?)</tr>", table, re.S):
            values = [htmllib.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", row)]
            found += [v for i, (h, v) in enumerate(zip(headers, values, strict=True))
                      if h in COUNT_COLUMNS and not (i == 0 and h == "gemeente")]
    return found


def june(states, keep=lambda s: True) -> list:
    return [s for s in states if "2025-06" == f"{s.received_at.astimezone(AMS):%Y-%m}" and keep(s)]


def test_a_vt_leidinggevende_gets_june_for_the_whole_region_in_a_direct_message(chat, year):
    bot = chat()
    answer = ask(bot, "vt-leidinggevende", "rapport 2025-06")
    assert "juni 2025" in answer and "privéberichten" in answer
    [share] = shared(bot)
    assert share["where"] == "@vt-leidinggevende" and "Rapport juni 2025" in share["text"]
    png, page = (share["files"][f"rapport-2025-06-vt-gelderland-midden.{ext}"] for ext in ("png", "html"))
    assert png.startswith(b"\x89PNG")
    html = page.decode()
    expected = [e for e in year["log"] if e[0] == "nieuw" and f"{e[3]:%Y-%m}" == "2025-06"]   # the generator's
    assert meldingen(html) == str(len(expected)) and len(expected) >= SMALL
    assert HIDDEN not in cells(html)                      # VT's own report: nothing hidden...
    assert [c for c in counts(html) if c.isdigit() and 0 < int(c) < SMALL]     # ...also a count below 5
    with bot.engine.connect() as c:
        row = c.execute(sa.select(AuditRow.actor, AuditRow.outcome, AuditRow.detail)
                        .where(AuditRow.action == "/tafel rapport")).one()
    assert row == ("vt-leidinggevende", "ok", {"maand": "2025-06", "organisatie": "vt-gelderland-midden",
                                               "naar": "prive"})


def test_a_lokaal_team_gets_its_own_cases_with_counts_below_five_hidden(chat, year):
    bot = chat()
    ask(bot, "lt-ede-leidinggevende")          # in July: June
    [share] = shared(bot)
    assert share["where"] == "@lt-ede-leidinggevende" and '"< 5"' in share["text"]
    html = share["files"]["rapport-2025-06-lt-ede.html"].decode()
    own = june(year["states"], lambda s: "lt-ede" in involved(s))
    other = june(year["states"], lambda s: "lt-ede" not in involved(s))
    assert own and other                                  # there is something to leave out
    shown = meldingen(html)
    assert shown == (str(len(own)) if len(own) >= SMALL else HIDDEN)
    shown_counts = counts(html)
    assert HIDDEN in shown_counts                         # a month of one team has small counts...
    assert all(c == HIDDEN or c == "0" or int(c) >= SMALL for c in shown_counts)    # ...and none of 1 to 4 shows
    assert "Lokaal team Arnhem" not in html.split("<h2>Triagebesluiten per gemeente")[1]   # not Arnhem's routes


def test_no_chat_report_contains_a_cases_free_text(chat, year):
    texts = free_texts(year["states"])
    assert "hoort bij een ander team" in texts
    bot = chat()
    for member in ("vt-leidinggevende", "lt-arnhem-leidinggevende"):
        ask(bot, member, "rapport 2025-06")
    for share in shared(bot):
        content = share["text"] + share["files"][next(n for n in share["files"] if n.endswith(".html"))].decode()
        assert not [t for t in texts if t in content]
        assert not re.search(r"VT-\d{4}-\d{4}", content)     # nor a case number


@pytest.mark.parametrize("member,text,refusal", [
    ("vt-medewerker", "rapport", "Alleen een leidinggevende"),
    ("vt-gedragswetenschapper", "rapport", "Alleen een leidinggevende"),
    ("gemeente-arnhem", "rapport", "Alleen een leidinggevende"),
    ("vt-leidinggevende", "rapport 2025-07", "Een rapport gaat over een maand die voorbij is"),
    ("vt-leidinggevende", "rapport 2025-13", "Een rapport gaat over een maand die voorbij is"),
    ("vt-leidinggevende", "rapport juni", "begrijp"),
    ("vt-leidinggevende", "rapport kanaal", "geen rapportkanaal"),
])
def test_who_may_not_or_what_cannot_be_is_answered_in_dutch_and_nothing_is_queued(chat, member, text, refusal):
    bot = chat()
    with bot.engine.connect() as c:
        before = c.execute(sa.select(sa.func.count()).select_from(OutboxRow)).scalar_one()
    answer = ask(bot, member, text)
    assert refusal in answer, answer
    with bot.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(OutboxRow)).scalar_one() == before
        outcome = c.execute(sa.select(AuditRow.outcome).where(AuditRow.action == "/tafel rapport")).scalar_one()
    assert outcome.startswith("geweigerd")
    assert shared(bot) == []


def test_with_kanaal_the_report_goes_to_the_organisations_report_channel(chat):
    directory = with_report_channel(load_directory(None), "lt-arnhem", {"console": "rapporten-lt-arnhem"})
    bot = chat(directory)
    bot.port.open_channel("rapporten-lt-arnhem", ["lt-arnhem-leidinggevende"], "Rapporten")
    assert "rapportkanaal van Lokaal team Arnhem" in ask(bot, "lt-arnhem-leidinggevende", "rapport kanaal")
    [share] = shared(bot)
    assert share["where"] == "rapporten-lt-arnhem" and set(share["files"]) == {
        "rapport-2025-06-lt-arnhem.png", "rapport-2025-06-lt-arnhem.html"}


MONTHLY = frozenset(REPORT_RECEIVERS)      # vt, lt, gi and gemeente


def test_the_monthly_report_goes_on_the_first_working_day_once_to_each_organisation(chat, year):
    profile = dataclasses.replace(year["profile"], monthly_report=MONTHLY)
    directory = load_directory(None)
    early = chat(profile=profile, now="2025-07-01T08:59")      # Tuesday 1 July, before nine
    assert early.monthly_reports_now() == [] and shared(early) == []
    bot = chat(profile=profile, now="2025-07-01T09:00")
    sent = bot.monthly_reports_now()
    kinds = {o.id for o in directory.organisations.values() if o.kind in MONTHLY}
    assert set(sent) == kinds
    to = sorted(s["where"] for s in shared(bot))
    assert to == sorted(f"@{m.id}" for m in directory.members.values()
                        if m.role is REPORT_RECEIVERS[directory.org(m.org_id).kind])
    gemeente = next(s for s in shared(bot) if s["where"] == "@gemeente-ede")
    html = gemeente["files"]["rapport-2025-06-gemeente-ede.html"].decode()
    ede = june(year["states"], lambda s: "Ede" in s.gemeenten)
    assert meldingen(html) == (str(len(ede)) if len(ede) >= SMALL else HIDDEN) and HIDDEN in cells(html)
    assert bot.monthly_reports_now() == []                # once
    later = chat(profile=profile, now="2025-07-15T09:00")
    assert later.monthly_reports_now() == [] and shared(later) == []
    with bot.engine.connect() as c:
        marks = c.execute(sa.select(sa.func.count()).select_from(MonthlyReportRow)).scalar_one()
        audited = c.execute(sa.select(AuditRow.detail).where(AuditRow.action == "maandrapport")).scalars().all()
    assert marks == len(kinds) and sorted(d["organisatie"] for d in audited) == sorted(kinds)


def test_a_month_starting_on_a_holiday_weekend_waits_for_the_first_working_day(year):
    profile = dataclasses.replace(year["profile"], monthly_report=MONTHLY)
    # 1 November 2025 is a Saturday: the report about October goes on Monday 3 November
    assert reports.monthly_due(profile, at("2025-11-01T10:00")) is None
    assert reports.monthly_due(profile, at("2025-11-03T08:00")) is None
    assert [d.isoformat() for d in reports.monthly_due(profile, at("2025-11-03T09:00"))] == ["2025-10-01",
                                                                                             "2025-11-01"]
    assert reports.monthly_due(profile, at("2026-01-02T09:00")) is not None     # 1 January: a holiday


def test_nobody_gets_a_monthly_report_unless_the_profile_asks(chat):
    bot = chat(now="2025-07-01T10:00")
    assert bot.monthly_reports_now() == [] and shared(bot) == []


def test_an_organisation_with_a_report_channel_gets_the_monthly_report_there_not_in_direct_messages(chat, year):
    profile = dataclasses.replace(year["profile"], monthly_report=frozenset({OrgKind.LT}))
    directory = with_report_channel(load_directory(None), "lt-ede", {"console": "rapporten-lt-ede"})
    bot = chat(directory, profile, now="2025-07-01T09:30")
    bot.port.open_channel("rapporten-lt-ede", ["lt-ede-leidinggevende"], "Rapporten")
    assert sorted(bot.monthly_reports_now()) == ["lt-arnhem", "lt-ede"]
    assert sorted(s["where"] for s in shared(bot)) == ["@lt-arnhem-leidinggevende", "rapporten-lt-ede"]


def test_an_organisation_that_left_the_directory_before_delivery_gets_nothing_and_the_row_fails(chat):
    bot = chat()
    ask(bot, "lt-ede-leidinggevende", "rapport 2025-06")       # delivered at once on the console
    gone = Directory([o for o in bot.directory.organisations.values() if o.id != "lt-ede"],
                     [m for m in bot.directory.members.values() if m.org_id != "lt-ede"])
    message = reports.report_message(Organisation("lt-ede", "Lokaal team Ede", OrgKind.LT, ("Ede",)),
                                     *(datetime.fromisoformat(d).date() for d in JUNE), to="lt-ede-leidinggevende",
                                     asked_by=None)
    later = chat(gone)
    with later.uow() as uow:
        uow.outbox.add(message, case=None, at=later.clock())
        uow.commit()
    later.deliver_now()
    with later.engine.connect() as c:
        states = c.execute(sa.select(OutboxRow.state, OutboxRow.last_error).where(OutboxRow.kind == "report")
                           .order_by(OutboxRow.id)).all()
    assert states[0].state == "verzonden" and states[-1].state == "mislukt" and "not in the directory" in \
        states[-1].last_error


def test_two_processes_sending_the_monthly_report_at_once_send_it_once(year, engine):
    profile = dataclasses.replace(year["profile"], monthly_report=MONTHLY)
    directory = load_directory(None)
    clock = SimClock(at("2025-07-01T09:00"))
    bots = [Bot(directory, profile, engine, ConsolePlatform(directory, clock), Renderer(directory, "console"), clock)
            for _ in range(2)]
    start = threading.Barrier(2)
    got: list[list[str]] = [[], []]

    def run(i: int) -> None:
        start.wait()
        got[i] = reports.monthly(bots[i].uow, directory, profile, at("2025-07-01T09:00"))
    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds = sorted(o.id for o in directory.organisations.values() if o.kind in MONTHLY)
    assert sorted(got[0] + got[1]) == kinds                # each organisation once, by one or the other
    with engine.connect() as c:
        queued = c.execute(sa.select(OutboxRow.recipient).where(OutboxRow.kind == "report")).scalars().all()
    assert sorted(queued) == sorted(m.id for m in directory.members.values()
                                    if m.role is REPORT_RECEIVERS[directory.org(m.org_id).kind])



def files_to(world, member: str) -> list[tuple[str, str, bytes]]:
    """(text with it, file name, bytes) of every file the bot shared in its direct messages with `member`."""
    if world.name == "console":
        platform = world.console.platform
        return [(m["text"], n, platform.files[n]) for m in platform.messages.values()
                if m["channel"] == f"@{member}" for n in m.get("files", ())]
    if world.name == "slack":
        from tests.worlds import slack_id

        fake = world.fake
        dms = [c.id for c in fake.channels.values() if c.is_im and slack_id(member) in c.members]
        return [(m["text"], f["name"], fake.file_content(f["id"]))
                for dm in dms for m in fake.messages_in(dm) for f in m.get("files", [])]
    fake = world.fake
    dm = fake.direct_channel(fake.bot_user_id, world.users[member])
    if dm is None:
        return []
    return [(next(p["message"] for p in fake._posts.values() if p["id"] == f["post_id"]), f["name"], f["content"])
            for f in fake.files_in(dm)]


def test_the_report_arrives_as_two_files_in_a_direct_message_on_every_platform(world):
    world.run(["vt-medewerker: /casus nieuw Arnhem", "vt-medewerker: /casus nieuw Ede",
               "vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd"])
    world.clock.now = at("2025-06-03T10:00")
    answer = world.type("vt-leidinggevende", "/tafel", "rapport")
    assert "mei 2025" in answer and "privéberichten" in answer
    shared_files = files_to(world, "vt-leidinggevende")
    assert sorted(name for _, name, _ in shared_files) == ["rapport-2025-05-vt-gelderland-midden.html",
                                                           "rapport-2025-05-vt-gelderland-midden.png"]
    [(text, _, png), (_, _, page)] = sorted(shared_files, key=lambda f: f[1], reverse=True)
    assert "Rapport mei 2025" in text and png.startswith(b"\x89PNG")
    assert meldingen(page.decode()) == "2" and "<img" in page.decode()
    assert files_to(world, "lt-arnhem-leidinggevende") == []     # nobody else


def test_a_slack_app_installed_without_files_write_fails_the_report_visibly_not_silently(tmp_path):
    from bot.slack.spec import SCOPES
    from tests.fake_slack import FakeSlack
    from tests.worlds import SlackWorld, chat_directory, slack_id

    with FakeSlack(scopes=set(SCOPES) - {"files:write"}) as fake:     # the manifest before December 2026
        world = SlackWorld(fake, chat_directory(tmp_path), f"sqlite:///{tmp_path / 'slack.db'}", "2025-06-03T10:00")
        world.type("vt-leidinggevende", "/tafel", "rapport")
        with world.bot.engine.connect() as c:
            row = c.execute(sa.select(OutboxRow.state, OutboxRow.last_error).where(OutboxRow.kind == "report")).one()
        assert row == ("mislukt", "missing_scope")      # permanent: not tried again
        assert fake.files == {}
        dm = next(c.id for c in fake.channels.values() if c.is_im and slack_id("vt-leidinggevende") in c.members)
        [told] = [m["text"] for m in fake.messages_in(dm)]   # who asked hears why, and what to do about it
        assert "kon niet worden gedeeld" in told and "files:write" in told and "/tafel rapport 2025-05" in told


def test_the_journal_of_a_dry_run_records_which_files_went_where_but_not_their_bytes(tmp_path):
    import hashlib

    from bot.console.journal_platform import JournalPlatform
    from bot.port import Attachment

    journal = JournalPlatform(tmp_path / "journaal.jsonl")
    png = Attachment("rapport-2025-06-lt-ede.png", "image/png", "Samenvatting juni 2025", b"\x89PNG-bytes")
    assert journal.upload("Rapport juni 2025", [png], "sleutel-1", member="lt-ede-leidinggevende") == "sleutel-1"
    [record] = journal.records()
    assert record["to"] == "lt-ede-leidinggevende" and record["text"] == "Rapport juni 2025"
    assert record["files"] == [{"name": png.name, "mime": "image/png", "size": len(png.content),
                                "sha256": hashlib.sha256(png.content).hexdigest()}]
    assert "PNG-bytes" not in (tmp_path / "journaal.jsonl").read_text(encoding="utf-8")
    assert journal.find("sleutel-1") == "sleutel-1"       # a second attempt after a crash sees it went


def test_on_mattermost_a_report_shared_before_a_crash_is_recognised_not_shared_again(tmp_path):
    from bot.port import Attachment
    from tests.worlds import mattermost_world

    fake, world = mattermost_world(tmp_path)
    try:
        port = world.bot.port
        page = Attachment("rapport-2025-05-lt-ede.html", "text/html", "Rapport mei 2025", b"<html></html>")
        first = port.upload("Rapport mei 2025", [page], "sleutel-9", member="lt-ede-leidinggevende")
        port._sent.clear()                    # a new process: nothing in memory of what was sent
        assert port.find("sleutel-9") is None
        assert port.recover("sleutel-9", None, "lt-ede-leidinggevende") == first    # found on the server
        dm = fake.direct_channel(fake.bot_user_id, world.users["lt-ede-leidinggevende"])
        assert [f["name"] for f in fake.files_in(dm)] == [page.name]
    finally:
        fake.stop()
