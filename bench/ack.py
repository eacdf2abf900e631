"""Benchmark: how fast `triagebot serve` acknowledges Slack, compared with a bare slack-bolt app.

    python bench/ack.py [--requests 200]

Starts the fake Slack Web API (tests/fake_slack.py), `triagebot serve` against it (SQLite, the demo
directory with Slack ids), and a bare Bolt app that only acks, both on loopback. Sends signed slash
commands (`/casus status`, `/tafel agenda`) and button clicks at 1, 10 and 50 concurrent requests and
prints p50/p99 of the time until the answer, for both, and the ratio. Targets on this machine: p99 under
150 ms at 50 concurrent, within 1.5× of bare Bolt.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slack_id(member: str) -> str:
    return "U" + hashlib.sha1(member.encode()).hexdigest()[:9].upper()


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}"}


BARE = """
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
client = WebClient(token=sys.argv[3], base_url=sys.argv[4])   # Bolt asks auth.test once: of the same fake
app = App(client=client, signing_secret=sys.argv[2], token_verification_enabled=False)
for c in ("/casus", "/tafel"):
    app.command(c)(lambda ack: ack(text="ok"))
for a in ("bevestig", "oppakken"):
    app.action(a)(lambda ack: ack())
class S(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128
class Q(WSGIRequestHandler):
    def log_message(self, *a): pass
make_server("127.0.0.1", int(sys.argv[1]), SlackRequestHandler(app), server_class=S, handler_class=Q).serve_forever()
"""


def wait_for(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def bodies(n: int) -> list[str]:
    out = []
    for i in range(n):
        if i % 3 == 2:
            payload = {"type": "block_actions", "user": {"id": slack_id("lt-arnhem-medewerker")},
                       "team": {"id": "T0FAKE0001"}, "api_app_id": "A0FAKEAPP1", "trigger_id": f"{i}.1.x",
                       "channel": {"id": "D0BENCH"}, "container": {"type": "message"},
                       "actions": [{"type": "button", "action_id": "bevestig", "block_id": "b",
                                    "value": "VT-2025-0001:1", "action_ts": f"{i}.{time.time_ns()}"}]}
            out.append(urlencode({"payload": json.dumps(payload)}))
        else:
            command, text = ("/casus", "status VT-2025-0001") if i % 3 == 0 else ("/tafel", "agenda")
            out.append(urlencode({"team_id": "T0FAKE0001", "channel_id": "D0BENCH", "command": command,
                                  "user_id": slack_id("vt-medewerker"), "text": text,
                                  "trigger_id": f"{i}.{time.time_ns()}.x"}))
    return out


def one(port: int, body: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("POST", "/slack/events", body=body.encode(), headers=signed(body))
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"status {response.status}")
    return elapsed


def load(port: int, concurrency: int, n: int) -> list[float]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda b: one(port, b), bodies(n)))


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=200)
    args = p.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-ack-"))
    directory = yaml.safe_load((ROOT / "bot" / "demo" / "directory.yaml").read_text(encoding="utf-8"))
    for org in directory["organisaties"]:
        for m in org["leden"]:
            m["chat"] = {"slack": slack_id(m["id"])}
    (folder / "adressen.yaml").write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    with FakeSlack() as fake:
        for org in directory["organisaties"]:
            for m in org["leden"]:
                fake.add_user(slack_id(m["id"]), None, m["id"])
        bot_port, bare_port = free_port(), free_port()
        env = {**os.environ, "SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.base_url, "PORT": str(bot_port), "DATABASE_URL": f"sqlite:///{folder / 'b.db'}",
               "TRIAGEBOT_DIRECTORY": str(folder / "adressen.yaml")}
        procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env,
                                  stderr=open(folder / "serve.log", "w")),
                 subprocess.Popen([sys.executable, "-c", BARE, str(bare_port), SECRET, fake.token, fake.base_url],
                                  cwd=ROOT)]
        try:
            wait_for(bot_port)
            wait_for(bare_port)
            body = urlencode({"team_id": "T0FAKE0001", "channel_id": "D0BENCH", "command": "/casus",
                              "user_id": slack_id("vt-medewerker"), "text": "nieuw Arnhem", "trigger_id": "0.1.x"})
            one(bot_port, body)                          # a case to look at and a card to click
            body = body.replace("nieuw+Arnhem", "besluit+VT-2025-0001+lt+licht")
            one(bot_port, body)
            for port in (bot_port, bare_port):
                load(port, 10, 30)                       # warm up (fresh bodies: no two requests are alike)
            print(f"{'':12s} {'triagebot p50':>14s} {'p99':>8s} {'bare Bolt p50':>14s} {'p99':>8s} {'ratio p99':>10s}")
            for concurrency in (1, 10, 50):
                bot = load(bot_port, concurrency, args.requests)
                bare = load(bare_port, concurrency, args.requests)
                print(f"{concurrency:3d} parallel {pct(bot, 50):12.1f}ms {pct(bot, 99):7.1f}ms "
                      f"{pct(bare, 50):12.1f}ms {pct(bare, 99):7.1f}ms {pct(bot, 99) / pct(bare, 99):9.2f}×",
                      flush=True)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    threading.excepthook = lambda args: None
    main()
