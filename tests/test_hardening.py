"""The running server under rude, broken and hostile clients: `triagebot serve` in a process of its own on
loopback, the fake Slack or Mattermost in this one. Nothing lost, nothing twice, nobody can stop it.

Each test names the fault it reproduces; together they are the points of the hardening issue: clients that
hang up early, idle or trickle; oversize bodies; bursts on SQLite and PostgreSQL; SIGKILL right after the
platform accepted something; replays after a restart; mentions and links in typed text; very long text;
personal data in every free-text field; malformed requests; five people changing one case at once; a
refused topic; the 10,000th melding of a year.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from bot.mattermost.signing import Signer
from bot.render import WORD_JOINER
from bot.storage.db import make_engine
from models.calendar import AMS
from models.tables import AuditRow, CaseCounter, CaseRow, OutboxRow
from tests.fake_mattermost import FakeMattermost
from tests.fake_slack import FakeSlack
from tests.served import Served, raw_request
from tests.test_privacy import VARIANTS
from tests.worlds import MM_SECRET, MM_TOKENS, TEAM, slack_id

PLATFORMS = ["slack", "mattermost"]
DATABASES = ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)]
REFUSED_REQUEST = "De bot kon dit verzoek niet lezen"


def pg_url(engine) -> str:
    with engine.connect() as c:
        path = c.exec_driver_sql("SHOW search_path").scalar_one()
    return f"{engine.url.render_as_string(hide_password=False)}?options=-csearch_path%3D{path}"


@pytest.fixture
def served(tmp_path, request):
    """A maker of served bots: `served(platform, db)`; stopped (with their fakes) after the test."""
    made: list[Served] = []

    def make(platform: str, db: str = "sqlite", args: tuple[str, ...] = ()) -> Served:
        fake = (FakeSlack() if platform == "slack" else FakeMattermost(team_name=TEAM)).start()
        folder = tmp_path / f"{platform}-{db}-{len(made)}"
        folder.mkdir()
        if db == "sqlite":
            url = f"sqlite:///{folder / 'bot.db'}"
            engine = make_engine(url)
        else:
            engine = request.getfixturevalue("pg_engine")
            url = pg_url(engine)
        bot = Served(platform, fake, url, engine, folder)
        made.append(bot)
        return bot.start(*args)

    yield make
    for bot in made:
        bot.stop()
        bot.fake.stop()
        bot.engine.dispose()


def registered(bot: Served, member: str = "vt-medewerker", gemeente: str = "Arnhem") -> str:
    """A new case, registered and delivered; its number."""
    answer = bot.command(member, f"nieuw {gemeente}")
    assert answer.status == 200, answer.body
    number = next(w for w in answer.text.replace(".", " ").split() if w.startswith("VT-"))
    bot.delivered()
    return number


def state_of(bot: Served) -> tuple:
    """The cases (number, version) and the number of outbox rows: what a change would change."""
    with bot.engine.connect() as c:
        cases = c.execute(sa.select(CaseRow.number, CaseRow.version).order_by(CaseRow.id)).all()
    return cases, bot.count(OutboxRow)


# ---- 1. clients that hang up early --------------------------------------------------------------------
def valid_raw(bot: Served, text: str = "help") -> tuple[str, bytes, dict[str, str]]:
    if bot.platform == "slack":
        body = bot.command_body("vt-medewerker", text)
        return "/slack/events", body, bot.slack_headers(body)
    body = urlencode({"token": MM_TOKENS["/casus"], "command": "/casus", "text": text, "team_id": bot.fake.team_id,
                      "user_id": bot.users["vt-medewerker"], "channel_id": bot.general}).encode()
    return "/mattermost/opdracht", body, {"Content-Type": "application/x-www-form-urlencoded",
                                          "Authorization": f"Token {MM_TOKENS['/casus']}"}


def hang_up(port: int, path: str, body: bytes, headers: dict[str, str], reset: bool) -> None:
    """Send a request and go away before the answer: with a reset, or by closing (the server's answer then
    meets a socket that is gone, which ends a process that lets SIGPIPE kill it)."""
    head = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in headers.items())]
    s = socket.create_connection(("127.0.0.1", port))
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    s.close()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_clients_that_hang_up_before_the_answer_do_not_stop_the_server(served, platform):
    bot = served(platform)
    path, body, headers = valid_raw(bot, "status")
    for i in range(40):
        hang_up(bot.port, path, body if i % 2 else body + b"&x=vervalst", headers, reset=i % 4 < 2)
    time.sleep(0.5)
    assert bot.alive
    assert bot.command("vt-medewerker", "help").status == 200


# ---- 2. idle and trickling connections; oversize bodies --------------------------------------------------
@pytest.mark.parametrize("platform", PLATFORMS)
def test_idle_and_trickling_connections_do_not_hold_up_a_command(served, platform):
    bot = served(platform)
    idle = [socket.create_connection(("127.0.0.1", bot.port)) for _ in range(8)]
    stop = threading.Event()

    def trickle() -> None:
        with socket.create_connection(("127.0.0.1", bot.port)) as s:
            for byte in b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"a" * 100:
                if stop.wait(0.3):
                    return
                s.sendall(bytes([byte]))

    tricklers = [threading.Thread(target=trickle, daemon=True) for _ in range(4)]
    for t in tricklers:
        t.start()
    try:
        time.sleep(1)
        for _ in range(3):
            path, body, headers = valid_raw(bot)
            answer = raw_request(bot.port, path, body, headers)
            assert answer.status == 200 and answer.seconds < 1.0, (answer.status, answer.seconds)
    finally:
        stop.set()
        for s in idle:
            s.close()
    assert bot.alive


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_oversize_body_is_refused_before_it_is_read(served, platform):
    bot = served(platform)
    path = "/slack/events" if platform == "slack" else "/mattermost/opdracht"
    before = bot.rss_kb()
    with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as s:   # announces 100 MB, sends 1 KB
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n".encode() + b"a" * 1024)
        assert s.recv(200).split(b" ")[1] == b"413"
    with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as s:   # no length: chunks until refused
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
        sent = 0
        try:
            while sent < 100 * 1024 * 1024:
                s.sendall(chunk)
                sent += 65536
        except OSError:     # the server answered and closed: it stopped reading
            pass
        assert sent < 20 * 1024 * 1024
    assert bot.alive and bot.rss_kb() - before < 50 * 1024
    assert bot.command("vt-medewerker", "help").status == 200


# ---- 3. a burst: nothing twice -----------------------------------------------------------------------------
def slack_keys(fake: FakeSlack) -> Counter:
    return Counter(m["metadata"]["event_payload"]["key"] for msgs in fake.messages.values() for m in msgs
                   if m.get("metadata"))


def mattermost_keys(fake: FakeMattermost) -> Counter:
    return Counter(p["props"]["triagebot_key"] for p in fake._posts.values() if "triagebot_key" in p["props"])


def case_channels(bot: Served) -> list[str]:
    if bot.platform == "slack":
        return [c.name for c in bot.fake.channels.values() if c.name.startswith("casus-")]
    return [c["name"] for c in (bot.fake.channel_named(n) for n in _mm_names(bot.fake)) if c]


def _mm_names(fake: FakeMattermost) -> list[str]:
    return [c.name for c in fake._channels.values() if c.name.startswith("casus-")]


def sent_rows(bot: Served) -> int:
    return bot.count(OutboxRow, OutboxRow.state == "verzonden", OutboxRow.kind == "post")


def assert_nothing_twice(bot: Served) -> None:
    keys = slack_keys(bot.fake) if bot.platform == "slack" else mattermost_keys(bot.fake)
    assert [k for k, n in keys.items() if n > 1] == []
    assert sum(keys.values()) == sent_rows(bot)
    names = case_channels(bot)
    assert len(names) == len(set(names)) == bot.cases()
    assert not [n for n in names if n.count("-") > 2]          # no casus-2026-0001-2


@pytest.mark.parametrize("platform,db", [("slack", "sqlite"), pytest.param("slack", "pg", marks=pytest.mark.postgres),
                                         ("mattermost", "sqlite")])
def test_a_burst_of_a_hundred_commands_posts_every_message_and_opens_every_channel_once(served, platform, db):
    bot = served(platform, db)
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda i: bot.command("vt-medewerker", "nieuw Arnhem" if i % 2 else "nieuw Ede"),
                                range(100)))
    assert [a.status for a in answers] == [200] * 100
    assert bot.cases() == 100
    bot.delivered(timeout=120)
    assert_nothing_twice(bot)


# ---- 4. SIGKILL right after the platform accepted -----------------------------------------------------------
KILL_AFTER = {("slack", "post"): ("chat.postMessage",), ("slack", "channel"): ("conversations.create",),
              ("mattermost", "post"): ("POST", "/api/v4/posts"),
              ("mattermost", "channel"): ("POST", "/api/v4/channels")}


@pytest.mark.parametrize("what", ["post", "channel"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_sigkill_right_after_the_platform_accepted_leaves_nothing_twice(served, platform, what):
    bot = served(platform)
    killed = threading.Event()

    def kill(call) -> None:
        path = getattr(call, "path", None)
        if not killed.is_set() and (path is None or path == KILL_AFTER[platform, what][-1]):
            bot.kill()             # the platform has it; the bot never hears
            killed.set()

    bot.fake.after(*KILL_AFTER[platform, what], kill)
    bot.command("vt-medewerker", "nieuw Arnhem", wait=0)     # its answer may not come: the bot is killed
    assert killed.wait(20)
    bot.start()                    # a new process on the same database
    bot.command("vt-medewerker", "nieuw Ede")
    bot.delivered()
    assert_nothing_twice(bot)
    assert len(case_channels(bot)) == 2


# ---- 5. replay after a restart -------------------------------------------------------------------------------
def test_a_replayed_signed_request_is_refused_after_a_restart(served):
    bot = served("slack")
    body = bot.command_body("vt-medewerker", "nieuw Arnhem")
    headers = bot.slack_headers(body)
    assert bot.slack_post(body, headers).status == 200
    bot.settled()
    bot.restart()
    assert bot.slack_post(body, headers).status == 401
    bot.settled()
    assert bot.cases() == 1


# ---- 6. mentions and links in typed text ---------------------------------------------------------------------
HOSTILE = "<!channel> <!here> @all @channel <@U0ABC123> <https://evil.example|uitleg> [tekst](https://evil.example)"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_mentions_and_links_in_typed_text_arrive_escaped(served, platform):
    bot = served(platform)
    number = registered(bot)
    assert bot.command("vt-medewerker", f"besluit {number} lt licht gezin-geinformeerd reden: {HOSTILE}").status == 200
    bot.delivered()
    if platform == "slack":
        texts = [m["text"] for msgs in bot.fake.messages.values() for m in msgs if "Onderbouwing" in m["text"]]
        assert texts and not any(c in t for t in texts for c in ("<!channel>", "<!here>", "<@U0ABC123>", "<https"))
        assert all("&lt;!channel&gt;" in t for t in texts)
    else:
        texts = [p["message"] for p in bot.fake._posts.values() if "Onderbouwing" in p["message"]]
        assert texts and not any("[tekst](https" in t for t in texts)
        assert all(r"\[tekst\]\(https://evil.example\)" in t for t in texts)
    assert all(f"@{w}" not in t and f"@{WORD_JOINER}{w}" in t for t in texts for w in ("all", "channel"))


# ---- 7. very long text ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_hundred_thousand_characters_of_free_text_are_refused_at_once(served, platform):
    bot = served(platform)
    number = registered(bot)
    line = f"stagnatie {number} reden: " + "a@a." * 25_000
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        answer = bot.command("vt-medewerker", line)
        timings.append(time.perf_counter() - start)
        assert answer.status == 200 and "100.000 tekens lang" in answer.text
    assert min(timings) < 0.1, timings        # the quadratic pattern took seconds; the length is looked at first
    assert bot.alive


# ---- 8. personal data in every free-text field ----------------------------------------------------------------
FREE_TEXT = [("vt-medewerker", "besluit {n} vv reden: {x}"), ("vt-medewerker", "besluit {n} lt forceer reden: {x}"),
             ("lt-arnhem-medewerker", "stagnatie {n} reden: {x}"), ("vt-medewerker", "sluiten {n} reden: {x}"),
             ("vt-leidinggevende", "pauzeer {n} reden: {x}"), ("vt-medewerker", "dienst {n} afgerond oordeel: {x}"),
             ("vt-medewerker", "monitoring {n} positief toelichting: {x}")]


def test_every_personal_data_variant_is_refused_in_every_free_text_field(served):
    bot = served("slack")
    number = registered(bot)
    assert bot.command("vt-medewerker", f"besluit {number} lt licht gezin-geinformeerd").status == 200
    bot.delivered()
    card = next(m for msgs in bot.fake.messages.values() for m in msgs if "weiger" in json.dumps(m.get("blocks")))
    value = next(e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "weiger")
    channel_id = next(cid for cid, msgs in bot.fake.messages.items() if card in msgs)
    before = state_of(bot)
    missed = []
    for secret in VARIANTS:
        for member, line in FREE_TEXT:
            answer = bot.command(member, line.format(n=number, x=f"zie {secret}"))
            if "Uw tekst lijkt een" not in answer.text:
                missed.append((line, secret, answer.text[:80]))
        submitted = bot.interaction({
            "type": "view_submission", "team": {"id": bot.fake.team_id},
            "user": {"id": slack_id("lt-arnhem-medewerker")}, "api_app_id": bot.fake.app_id, "view": {
                "id": "V1", "type": "modal", "callback_id": "weiger_reden", "private_metadata": f"{value}|{channel_id}",
                "state": {"values": {"reden": {"v": {"type": "plain_text_input", "value": f"zie {secret}"}}}}}})
        if "Uw tekst lijkt een" not in submitted.body:
            missed.append(("weiger reden", secret, submitted.body[:80]))
    assert missed == []
    assert state_of(bot) == before


# ---- 9. malformed requests -------------------------------------------------------------------------------------
def slack_unsigned(bot: Served) -> dict[str, tuple[str, bytes, dict[str, str]]]:
    body = bot.command_body("vt-medewerker", "nieuw Arnhem")
    good = bot.slack_headers(body)
    now = int(time.time())
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return {
        "no signature": ("/slack/events", body, form),
        "forged signature": ("/slack/events", body, {**good, "X-Slack-Signature": "v0=" + "0" * 64}),
        "signature of another secret": ("/slack/events", body, bot.slack_headers(body, secret="een-ander-geheim")),
        "timestamp no number": ("/slack/events", body, {**good, "X-Slack-Request-Timestamp": "gisteren"}),
        "timestamp huge": ("/slack/events", body, {**good, "X-Slack-Request-Timestamp": "9" * 40}),
        "timestamp stale": ("/slack/events", body, bot.slack_headers(body, ts=now - 600)),
        "timestamp future": ("/slack/events", body, bot.slack_headers(body, ts=now + 600)),
        "signature not ascii": ("/slack/events", body, {**good, "X-Slack-Signature": "v0=é"}),
        "body not utf-8": ("/slack/events", b"\xff\xfe\x00", form),
        "other path": ("/slack/anders", body, good),
    }


def slack_signed_garbage(bot: Served) -> dict[str, bytes]:
    user = {"id": slack_id("vt-medewerker")}

    def payload(data) -> bytes:
        return urlencode({"payload": data if isinstance(data, str) else json.dumps(data)}).encode()

    click = bot.click_payload("lt-arnhem-medewerker", "bevestig", "VT-2026-0001:1", "C0NONE")
    return {
        "body not utf-8": b"text=\xff\xfe&command=%2Fcasus",
        "payload no json": payload("{niet json"),
        "payload a list": payload([1, 2, 3]),
        "payload a string": payload('"tekst"'),
        "payload without user": payload({"type": "block_actions", "actions": []}),
        "user not an object": payload({"type": "block_actions", "user": "U1", "actions": []}),
        "user id not text": payload({"type": "block_actions", "user": {"id": 12}, "actions": []}),
        "actions missing": payload({**click, "actions": None}),
        "actions empty": payload({**click, "actions": []}),
        "action without value": payload({**click, "actions": [{"action_id": "bevestig"}]}),
        "action value a number": payload({**click, "actions": [{"action_id": "bevestig", "value": 7}]}),
        "action without id": payload({**click, "actions": [{"value": "VT-2026-0001:1"}]}),
        "action unknown": payload({**click, "actions": [{"action_id": "wis_alles", "value": "x"}]}),
        "channel not an object": payload({**click, "channel": "C1"}),
        "view not an object": payload({"type": "view_submission", "user": user, "view": "x"}),
        "view of another form": payload({"type": "view_submission", "user": user,
                                         "view": {"callback_id": "iets", "private_metadata": "", "state": {}}}),
        "view values of the wrong shape": payload({"type": "view_submission", "user": user, "view": {
            "callback_id": "weiger_reden", "private_metadata": "", "state": {"values": {"reden": ["x"]}}}}),
        "interaction of another type": payload({"type": "shortcut", "user": user}),
        "command without user": urlencode({"command": "/casus", "text": "help", "channel_id": "D1"}).encode(),
        "command unknown": urlencode({"command": "/wis", "text": "", "user_id": user["id"],
                                      "channel_id": "D1"}).encode(),
        "command without text": urlencode({"command": "/casus", "user_id": user["id"], "channel_id": "D1"}).encode(),
        "a field twice": urlencode([("command", "/casus"), ("command", "/tafel"), ("user_id", user["id"]),
                                    ("text", "help"), ("channel_id", "D1")]).encode(),
        "not a form": b"&&==&&",
        "json body": b'{"command": "/casus"}',
    }


def test_malformed_slack_requests_get_4xx_unsigned_and_a_dutch_answer_signed_never_500(served):
    bot = served("slack")
    registered(bot)
    state = state_of(bot)
    for name, (path, body, headers) in slack_unsigned(bot).items():
        audits = bot.audits()
        answer = raw_request(bot.port, path, body, headers)
        assert 400 <= answer.status < 500, (name, answer.status)
        assert bot.audits() == audits, name                     # nobody's request: nothing written
    for name, body in slack_signed_garbage(bot).items():
        audits = bot.audits()
        headers = bot.slack_headers(body)
        if name == "json body":
            headers["Content-Type"] = "application/json"
        answer = bot.slack_post(body, headers)
        assert answer.status == 200 and REFUSED_REQUEST in answer.text, (name, answer.status, answer.body[:200])
        assert bot.audits() == audits + 1, name
    assert state_of(bot) == state and bot.alive


def test_malformed_mattermost_requests_get_4xx_unsigned_and_a_dutch_answer_signed_never_500(served):
    bot = served("mattermost")
    number = registered(bot)
    state = state_of(bot)
    signer = Signer(MM_SECRET)
    token = {"Authorization": f"Token {MM_TOKENS['/casus']}"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    as_json = {"Content-Type": "application/json"}
    user = bot.users["vt-medewerker"]
    unsigned = {
        "no token": ("/mattermost/opdracht", b"command=%2Fcasus&text=help", form),
        "wrong token": ("/mattermost/opdracht", b"command=%2Fcasus&text=help&token=vals",
                        {**form, "Authorization": "Token vals"}),
        "token of the other command": ("/mattermost/opdracht", f"command=%2Fcasus&text=help&token={MM_TOKENS['/tafel']}"
                                       .encode(), form),
        "not utf-8": ("/mattermost/opdracht", b"\xff\xfe", form),
        "button without context": ("/mattermost/knop", json.dumps({"user_id": user}).encode(), as_json),
        "button context forged": ("/mattermost/knop", json.dumps({"user_id": user, "context": {
            "actie": "bevestig", "waarde": f"{number}:1", "sig": "0" * 64}}).encode(), as_json),
        "button context not ascii": ("/mattermost/knop", json.dumps({"user_id": user, "context": {
            "actie": "bevestig", "waarde": f"{number}:1", "sig": "é"}}).encode(), as_json),
        "button body a list": ("/mattermost/knop", b"[1, 2]", as_json),
        "dialog state forged": ("/mattermost/formulier", json.dumps({"user_id": user, "state": "eA==.00"}).encode(),
                                as_json),
        "dialog no json": ("/mattermost/formulier", b"{niet", as_json),
        "other path": ("/mattermost/anders", b"{}", as_json),
    }
    for name, (path, body, headers) in unsigned.items():
        audits = bot.audits()
        answer = raw_request(bot.port, path, body, headers)
        assert 400 <= answer.status < 500, (name, answer.status)
        assert bot.audits() == audits, name
    dialog_state = signer.state(formulier="casus_nieuw", voor=user, kanaal=bot.general, nummer="", antwoord="")
    signed = {
        "command without user": ("/mattermost/opdracht", f"command=%2Fcasus&text=help&token={MM_TOKENS['/casus']}"
                                 .encode(), {**form, **token}),
        "command text not utf-8": ("/mattermost/opdracht", f"command=%2Fcasus&user_id={user}&token="
                                   f"{MM_TOKENS['/casus']}&text=besluit+%ff%fe".encode(), {**form, **token}),
        "button without user": ("/mattermost/knop", json.dumps({"context": signer.context("bevestig", f"{number}:1")})
                                .encode(), as_json),
        "button value of no case": ("/mattermost/knop", json.dumps({"user_id": user, "context": signer.context(
            "bevestig", "geen-casus")}).encode(), as_json),
        "dialog submission not an object": ("/mattermost/formulier", json.dumps({
            "user_id": user, "state": dialog_state, "submission": [1]}).encode(), as_json),
        "dialog state of no form": ("/mattermost/formulier", json.dumps({
            "user_id": user, "state": signer.state(formulier="iets", voor=user), "submission": {}}).encode(), as_json),
    }
    for name, (path, body, headers) in signed.items():
        audits = bot.audits()
        answer = raw_request(bot.port, path, body, headers)
        assert answer.status == 200 and answer.text and "Traceback" not in answer.body, (name, answer.body[:200])
        assert bot.audits() == audits + 1, (name, answer.text)
    assert state_of(bot) == state and bot.alive


# ---- 10. five people changing one case at once -------------------------------------------------------------------
@pytest.mark.parametrize("db", DATABASES)
def test_five_people_changing_one_case_at_once_each_get_an_answer_and_an_audit_entry(served, db):
    bot = served("slack", db)
    number = registered(bot)
    lines = [("vt-medewerker", f"stagnatie {number} reden: geen voortgang"),
             ("lt-arnhem-medewerker", f"stagnatie {number} reden: gezin weigert"),
             ("vt-leidinggevende", f"pauzeer {number} reden: wachten op de Raad"),
             ("vt-leidinggevende", f"hervat {number}"),
             ("lt-arnhem-medewerker", f"status {number}")] * 8
    audits = bot.count(AuditRow, AuditRow.actor != "triagebot")
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda ml: bot.command(*ml), lines))
    assert [a.status for a in answers] == [200] * len(lines)
    assert all(a.text and "Traceback" not in a.body for a in answers)
    with bot.engine.connect() as c:
        rows = c.execute(sa.select(AuditRow.actor, AuditRow.action, AuditRow.outcome)
                         .where(AuditRow.actor != "triagebot").order_by(AuditRow.id)).all()[audits:]
    assert len(rows) == len(lines), Counter((a, b, o) for a, b, o in rows)


# ---- 11. a refused topic -------------------------------------------------------------------------------------
def test_a_topic_slack_refused_once_is_set_by_the_outbox(served):
    bot = served("slack")
    bot.fake.rate_limit("conversations.setTopic", times=1, retry_after=1)
    number = registered(bot)
    end = time.time() + 20
    while time.time() < end and not bot.fake.channel_named(f"casus-{number[3:].lower()}").topic["value"]:
        time.sleep(0.2)
    assert number in bot.fake.channel_named(f"casus-{number[3:].lower()}").topic["value"]


# ---- 12. the 10,000th melding of a year ---------------------------------------------------------------------------
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_ten_thousandth_melding_of_a_year_is_a_case_like_any_other(served, platform):
    bot = served(platform)
    registered(bot)
    year = datetime.now(AMS).year
    with bot.engine.begin() as c:
        c.execute(sa.update(CaseCounter).where(CaseCounter.year == year).values(last=9999))
    number = registered(bot, gemeente="Ede")
    assert number == f"VT-{year}-10000"
    assert f"casus-{year}-10000" in case_channels(bot)
    assert bot.command("vt-medewerker", f"besluit {number} lt licht gezin-geinformeerd").status == 200
    status = bot.command("lt-ede-medewerker", f"status {number}")
    assert status.status == 200 and number in status.text
