"""Operations (issue 15): `/healthz` (the process answers), `/readyz` (the database answers, its schema is current,
the outbox is not stuck) and `/metrics` (Prometheus: requests by platform and kind, the outbox's backlog, the
sweep, escalations, lapses, delivery failures — never a case, a person or what someone typed); `triagebot db
upgrade`, and servers that refuse an old schema and name that command."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from bot.delivery.inbox import Inbox
from bot.delivery.inbox import backlog as inbox_backlog
from bot.delivery.outbox import backlog
from bot.mattermost.app import request_kind as mattermost_kind
from bot.metrics import Metrics, error_code
from bot.ops import Operations, readiness
from bot.slack.app import request_kind
from bot.storage.db import make_engine
from models.tables import OutboxRow
from tests.harness import clean_env, triagebot_many
from tests.tcp_proxy import TcpProxy
from tests.test_hardening import pg_url, registered, served  # noqa: F401 (the fixture)

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


def call(app, path: str, method: str = "GET", body: bytes = b"", content_type: str = "") -> tuple[int, bytes]:
    got: dict = {}

    def start_response(status, headers, exc_info=None):
        got["status"] = int(status.split()[0])

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": content_type, "wsgi.input": io.BytesIO(body)}
    out = b"".join(app(environ, start_response))
    return got["status"], out


def platform_app(environ, start_response):
    """Stands in for a platform's app: reads the whole body as the real ones do, answers with its length."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(len(body)).encode()]


def pending(engine, due: datetime) -> None:
    with Session(engine) as s:
        s.add(OutboxRow(created_at=due, idempotency_key=f"k{due.timestamp()}", queue="casus-2025-0001",
                        audience="channel", channel="casus-2025-0001", template="herinnering", context={},
                        next_attempt_at=due))
        s.commit()


def test_health_and_readiness(engine):
    metrics = Metrics()
    metrics.watch_backlog("outbox", lambda now: backlog(engine, now), lambda: NOW)       # as the Bot does
    metrics.watch_backlog("inbox", lambda now: inbox_backlog(engine, now), lambda: NOW)
    ops = Operations(platform_app, engine, metrics, "slack", request_kind, lambda: NOW)
    assert call(ops, "/healthz") == (200, b"ok\n")
    status, body = call(ops, "/readyz")
    assert status == 200 and json.loads(body) == {"klaar": True, "problemen": []}
    assert call(ops, "/readyz", "POST")[0] == 405

    pending(engine, NOW + timedelta(hours=3))     # held back until an office opens: waiting, not stuck
    pending(engine, NOW - timedelta(minutes=5))   # due a moment ago: the worker is on it
    assert call(ops, "/readyz")[0] == 200
    pending(engine, NOW - timedelta(minutes=20))  # due 20 minutes and not delivered: nobody is delivering
    status, body = call(ops, "/readyz")
    assert status == 503
    assert json.loads(body)["problemen"] == ["de bezorging staat stil: 2 bericht(en) wachten, het oudste al 20 "
                                             "minuten"]
    text = call(ops, "/metrics")[1].decode()
    assert "triagebot_outbox_backlog 2.0" in text and "triagebot_outbox_oldest_seconds 1200.0" in text
    assert "triagebot_inbox_backlog 0.0" in text


def test_a_request_received_and_not_processed_for_a_minute_makes_the_bot_unready(engine):
    metrics = Metrics()
    metrics.watch_backlog("inbox", lambda now: inbox_backlog(engine, now), lambda: NOW)
    ops = Operations(platform_app, engine, metrics, "slack", request_kind, lambda: NOW)
    Inbox(engine, wall=lambda: NOW - timedelta(seconds=20)).put("slack", "a", "opdracht", "@u", {})
    assert call(ops, "/readyz")[0] == 200              # a processor is on it
    Inbox(engine, wall=lambda: NOW - timedelta(seconds=90)).put("slack", "b", "opdracht", "@v", {})
    status, body = call(ops, "/readyz")
    assert status == 503 and json.loads(body)["problemen"] == [
        "de verwerking staat stil: 2 ontvangen verzoek(en) wachten, het oudste al 90 seconden; draait er een "
        "verwerker (`triagebot start` of `triagebot verwerker`)?"]
    text = call(ops, "/metrics")[1].decode()
    assert "triagebot_inbox_backlog 2.0" in text and "triagebot_inbox_oldest_seconds 90.0" in text


def test_an_empty_or_old_database_is_not_ready_and_a_server_refuses_it_naming_the_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'leeg.db'}"
    engine = make_engine(url)
    assert readiness(engine, NOW).problems == (
        "het databaseschema is niet bij (de database is leeg); voer 'triagebot db upgrade' uit",)
    env = {**clean_env(), "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
           "SLACK_API_URL": "http://127.0.0.1:9/api/", "PORT": "0"}
    start, = triagebot_many([(["start", "--platform", "slack"], env)])
    assert start.returncode != 0 and "Traceback" not in start.text, start.text
    assert "het databaseschema is niet bij (de database is leeg)" in start.text
    assert "`triagebot db upgrade`" in start.text

    upgrade, again = triagebot_many([(["db", "upgrade", "--db", url], None)]) + triagebot_many(
        [(["db", "upgrade", "--db", url], None)])
    assert upgrade.returncode == 0 and upgrade.stdout.startswith("Het databaseschema is bijgewerkt: van een lege "
                                                                 "database naar versie"), upgrade.text
    assert again.stdout.startswith("Het databaseschema was al bij"), again.text
    assert readiness(engine, NOW).ready
    engine.dispose()


def test_request_kinds_and_error_codes_are_small_fixed_sets():
    form = "application/x-www-form-urlencoded"
    assert request_kind({"PATH_INFO": "/slack/events", "CONTENT_TYPE": form}, b"command=%2Fcasus&text=x") == "opdracht"
    click = b"payload=" + json.dumps({"type": "block_actions"}).encode()
    assert request_kind({"PATH_INFO": "/slack/events", "CONTENT_TYPE": form}, click) == "knop"
    assert request_kind({"PATH_INFO": "/slack/events", "CONTENT_TYPE": "application/json"}, b"{}") == "gebeurtenis"
    assert request_kind({"PATH_INFO": "/slack/events", "CONTENT_TYPE": form}, b"payload=%7Bnee") == "anders"
    assert [mattermost_kind({"PATH_INFO": p}, b"") for p in ("/mattermost/knop", "/mattermost/opdracht", "/x")] == [
        "knop", "opdracht", "anders"]
    assert [error_code(e) for e in ("ratelimited", "channel_not_found", "unknown member vt-x", "")] == [
        "ratelimited", "channel_not_found", "anders", "anders"]


@pytest.mark.parametrize("platform", ["slack", "mattermost"])
def test_a_served_bot_counts_what_it_answered_and_names_nobody(served, platform):  # noqa: F811
    bot = served(platform)
    registered(bot)
    bot.command("vt-medewerker", "status VT-2025-0001")
    ready = httpx.get(bot.url + "/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["klaar"] is True
    assert httpx.get(bot.url + "/healthz", timeout=10).text == "ok\n"
    metrics = httpx.get(bot.url + "/metrics", timeout=10)
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert f'triagebot_requests_total{{platform="{platform}",soort="opdracht",status="200"}} 2.0' in text, text
    assert f'triagebot_answer_seconds_count{{platform="{platform}",soort="opdracht"}} 2.0' in text
    assert "triagebot_outbox_backlog 0.0" in text and "triagebot_sweep_seconds_count" in text
    for secret in ("VT-2025", "vt-medewerker", "Arnhem", "casus-2025"):
        assert secret not in text


@pytest.mark.postgres
def test_readyz_turns_unready_when_the_database_goes_and_ready_when_it_returns(pg_engine, tmp_path):
    from tests.fake_slack import FakeSlack
    from tests.served import Served

    port = pg_engine.url.port or 5432
    proxy = TcpProxy((pg_engine.url.host, port))        # the bot reaches PostgreSQL only through this
    fake = FakeSlack().start()
    bot = Served("slack", fake, pg_url(pg_engine).replace(f":{port}/", f":{proxy.port}/"), pg_engine, tmp_path)
    try:
        bot.start()
        assert _wait_for(bot, 200)["klaar"] is True
        proxy.cut()
        assert _wait_for(bot, 503)["problemen"] == ["de database is niet bereikbaar"]
        assert httpx.get(bot.url + "/healthz", timeout=10).status_code == 200     # alive, only not ready
        proxy.restore()
        assert _wait_for(bot, 200)["klaar"] is True
    finally:
        bot.stop()
        fake.stop()
        proxy.cut()


def _wait_for(bot, status: int, timeout: float = 30) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        answer = httpx.get(bot.url + "/readyz", timeout=30)
        if answer.status_code == status:
            return answer.json()
        time.sleep(0.2)
    raise AssertionError(f"/readyz did not answer {status} within {timeout} s")


def test_the_servers_log_never_carries_what_an_exception_quotes():
    import logging

    from bot.cli.logs import JsonLines, TextLines

    record = None
    try:
        raise ValueError("INSERT ... parameters: ('de buurvrouw belde over Jan de Vries')")
    except ValueError:
        import sys
        record = logging.LogRecord("triagebot.outbox", logging.ERROR, __file__, 1, "outbox delivery broke off", None,
                                   sys.exc_info())
    record.outbox_id = 7
    line = json.loads(JsonLines().format(record))
    assert line["bericht"] == "outbox delivery broke off" and line["outbox_id"] == 7 and line["fout"] == "ValueError"
    assert line["waar"] and all("test_ops.py" in w for w in line["waar"])
    for text in (json.dumps(line), TextLines().format(record)):
        assert "Vries" not in text and "buurvrouw" not in text
