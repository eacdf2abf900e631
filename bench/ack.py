"""Benchmark: how fast `triagebot serve` answers Slack and Mattermost, compared with a bare app.

    python bench/ack.py [--requests 200] [--pg postgresql://postgres@127.0.0.1:5432/test]
                        [--platform slack|mattermost|beide] [--processen N | --verwerker]

Slack: starts the fake Slack Web API (tests/fake_slack.py, in a process of its own so that its work does
not share the load generator's GIL), `triagebot serve` against it and a bare Bolt app that only acks,
behind the same HTTP server (`bot.serving.http_server`) and with Bolt in the same mode (the listener runs
in the request's thread). Sends signed slash commands (`/casus status` of a real case, `/tafel agenda`)
and button clicks on that case's handover card.

Mattermost: starts the fake Mattermost server (tests/fake_mattermost.py, its own process), `triagebot
serve --platform mattermost` against it and a bare WSGI app that only answers, behind the same HTTP
server. Sends what the Mattermost server would: slash commands with their tokens and button clicks with
the bot's signed context.

Every slash command carries a response_url at a sink in the bench's process: the bot stores the command in its
inbox and acknowledges it at once, its processor applies it and posts the private answer there.

The bot runs on SQLite (a fresh file) or with --pg in a fresh schema of that PostgreSQL database, dropped
afterwards. At 1, 10 and 50 concurrent requests it prints p50/p99 of the time until the server's answer (ack),
the bare app's p99 and the ratio, p50/p99 end to end (a slash command sent → its private answer received), and
the server's CPU time per request (all it did for it, also after answering). Targets (issue 15): ack p99 at
50 concurrent within 1.5× of the bare app; end to end p99 at 50 concurrent ≤ 500 ms on PostgreSQL; CPU per
request ≤ 2.5 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"


def upgrade(env: dict[str, str]) -> None:
    """`triagebot db upgrade`: a server does not start on an empty or old schema."""
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


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


# Bolt as the bot uses it (the listener in the request's thread: process_before_response=True), behind the
# bot's own HTTP server: the difference between the two is the bot's own work
BARE = """
import sys
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from bot.serving import http_server
client = WebClient(token=sys.argv[3], base_url=sys.argv[4])   # Bolt asks auth.test once: of the same fake
app = App(client=client, signing_secret=sys.argv[2], token_verification_enabled=False, process_before_response=True)
for c in ("/casus", "/tafel"):
    app.command(c)(lambda ack: ack(text="ok"))
for a in ("bevestig", "oppakken"):
    app.action(a)(lambda ack: ack())
http_server("127.0.0.1", int(sys.argv[1]), SlackRequestHandler(app)).serve_forever()
"""

# the fake Slack Web API in its own process; users come on stdin, it answers with its address and token
FAKE = """
import json, sys
from tests.fake_slack import FakeSlack
fake = FakeSlack().start()
for user_id, name in json.loads(sys.stdin.readline()):
    fake.add_user(user_id, None, name)
print(fake.base_url, fake.token, flush=True)
sys.stdin.read()   # until the bench closes stdin
fake.stop()
"""


class Sink:
    """Where the bot's private answers arrive (the response_url of every slash command the bench sends): the
    moment each arrived, for the end-to-end time (request sent → answer received)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        sink = self
        self.arrived: dict[str, float] = {}
        self.ids = itertools.count()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink.arrived.setdefault(self.path.rsplit("/", 1)[-1], time.perf_counter())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def new(self) -> tuple[str, str]:
        """(an answer's id, the response_url that receives it)."""
        key = str(next(self.ids))
        return key, f"http://127.0.0.1:{self.server.server_address[1]}/r/{key}"

    def wait(self, keys: list[str], timeout: float = 30) -> None:
        end = time.time() + timeout
        while time.time() < end and any(k not in self.arrived for k in keys):
            time.sleep(0.01)


SINK: Sink | None = None


def wait_for(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def bodies(n: int, number: str) -> list[Request]:
    out = []
    for i in range(n):
        if i % 3 == 2:
            payload = {"type": "block_actions", "user": {"id": slack_id("lt-arnhem-medewerker")},
                       "team": {"id": "T0FAKE0001"}, "api_app_id": "A0FAKEAPP1", "trigger_id": f"{i}.1.x",
                       "channel": {"id": "D0BENCH"}, "container": {"type": "message"},
                       "actions": [{"type": "button", "action_id": "bevestig", "block_id": "b",
                                    "value": f"{number}:1", "action_ts": f"{i}.{time.time_ns()}"}]}
            out.append(slack_request(urlencode({"payload": json.dumps(payload)})))
        else:
            command, text = ("/casus", f"status {number}") if i % 3 == 0 else ("/tafel", "agenda")
            key, url = SINK.new()
            out.append(slack_request(urlencode({
                "team_id": "T0FAKE0001", "channel_id": "D0BENCH", "command": command,
                "user_id": slack_id(PEOPLE[i % len(PEOPLE)]), "text": text,
                "trigger_id": f"{i}.{time.time_ns()}.x", "response_url": url}), key))
    return out


Request = tuple[str, dict, bytes, str | None]     # path, headers, body, the key of its answer at the sink


def post(port: int, request: Request) -> tuple[float, bytes]:
    return sent(port, request)[1:]


def sent(port: int, request: Request) -> tuple[float, float, bytes]:
    """(the moment it was sent, the time until the server's answer, the answer)."""
    path, headers, body, _ = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"status {response.status}")
    return start, elapsed, data


def slack_request(body: str, key: str | None = None) -> Request:
    return "/slack/events", signed(body), body.encode(), key


@dataclass
class Timed:
    ack: float                  # seconds until the server's answer
    end_to_end: float | None    # seconds until the private answer arrived (a command; None for a click)


def one(port: int, request: Request) -> Timed:
    start, elapsed, data = sent(port, request)
    key = request[3]
    if key is None:
        return Timed(elapsed, None)
    if data.strip() not in (b"", b"{}"):        # answered in the response itself (the bare apps)
        SINK.arrived.setdefault(key, start + elapsed)
    SINK.wait([key])
    return Timed(elapsed, SINK.arrived[key] - start if key in SINK.arrived else float("inf"))


# ---- Mattermost: the bench plays the Mattermost server's part (token-carrying commands, signed contexts) ----
MM = {"tokens": {"/casus": "bench-casus-token", "/tafel": "bench-tafel-token"},
      "secret": "bench-mattermost-signing-secret-0123456789", "users": {}}

# a bare WSGI app that only answers, behind the same HTTP server: the difference is the bot's own work
BARE_MM = """
import sys
from bot.serving import http_server
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b'{"response_type": "ephemeral", "text": "ok"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
http_server("127.0.0.1", int(sys.argv[1]), app).serve_forever()
"""

# the fake Mattermost server in its own process; usernames come on stdin, it answers address, token and ids
FAKE_MM = """
import json, sys
from tests.fake_mattermost import FakeMattermost
fake = FakeMattermost(team_name="triagetafel").start()
ids = {name: fake.add_user(name) for name in json.loads(sys.stdin.readline())}
print(fake.base_url, fake.token, json.dumps(ids), flush=True)
sys.stdin.read()
fake.stop()
"""


def mm_command(command: str, text: str, user: str = "vt-medewerker", answered: bool = True) -> Request:
    """A slash command as Mattermost sends it; `answered`: with a response_url at the sink."""
    token = MM["tokens"][command]
    key, url = SINK.new() if answered else (None, "")
    form = urlencode({"token": token, "command": command, "text": text, "user_id": MM["users"][user],
                      "channel_id": "bench0channel0id000000000a", "trigger_id": f"t{time.time_ns()}",
                      "response_url": url})
    return "/mattermost/opdracht", {"Authorization": f"Token {token}",
                                    "Content-Type": "application/x-www-form-urlencoded"}, form.encode(), key


def mm_bodies(n: int, number: str) -> list[Request]:
    from bot.mattermost.signing import Signer

    context = Signer(MM["secret"]).context("bevestig", f"{number}:1")
    out = []
    for i in range(n):
        if i % 3 == 2:
            click = {"user_id": MM["users"]["lt-arnhem-medewerker"], "channel_id": "bench0channel0id000000000a",
                     "post_id": "bench0post0id0000000000000", "trigger_id": f"t{i}", "type": "button",
                     "context": context}
            out.append(("/mattermost/knop", {"Content-Type": "application/json"}, json.dumps(click).encode(), None))
        else:
            person = PEOPLE[i % len(PEOPLE)]
            out.append(mm_command("/casus", f"status {number}", person) if i % 3 == 0 else
                       mm_command("/tafel", "agenda", person))
    return out


def cpu_seconds(pids: tuple[int, ...]) -> float:
    """User + system CPU time so far (Linux) of processes, all their threads, and of their children (the server
    processes of `serve --processen N`)."""
    total, found, wanted = 0.0, False, {str(p) for p in pids}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if stat.parent.name in wanted or fields[1] in wanted:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            found = True
    return total if found else float("nan")


def load(port: int, concurrency: int, n: int, number: str, bodies_of) -> list[Timed]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda b: one(port, b), bodies_of(n, number)))


def settle(pid: tuple[int, ...], timeout: float = 10) -> None:
    """Wait until the server is idle: it may still do work it took on after answering (a click's private
    answer, the outbox), which must neither spill into the next measurement nor be left out of its CPU."""
    end, last = time.time() + timeout, cpu_seconds(pid)
    while time.time() < end:
        time.sleep(0.2)
        now = cpu_seconds(pid)
        if not now - last >= 0.005:   # (also when the CPU time cannot be read)
            return
        last = now


def measured(port: int, pid: tuple[int, ...], concurrency: int, n: int, number: str,
             bodies_of) -> tuple[list[Timed], float]:
    """Latencies, and the server's CPU time per request (ms) over the run, work after the answer included."""
    settle(pid)
    before = cpu_seconds(pid)
    times = load(port, concurrency, n, number, bodies_of)
    settle(pid)
    return times, (cpu_seconds(pid) - before) / n * 1000


def pg_schema(base: str) -> tuple[str, object]:
    """A fresh schema in the PostgreSQL database `base` and the URL that uses it; the cleanup drops it."""
    import sqlalchemy as sa

    from bot.storage.db import make_engine

    schema = f"bench_ack_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(admin.url).update_query_dict({"options": f"-csearch_path={schema}"})

    def cleanup() -> None:
        with admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    return url.render_as_string(hide_password=False), cleanup


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def measure_all(label: str, base: str, port: int, pid: tuple[int, ...], bare_port: int, bare_pid: tuple[int, ...],
                requests: int, number: str, bodies_of) -> None:
    """Warm up, then 1, 10 and 50 at once against the bot and its bare counterpart; one line per step: the
    answer (ack) of every request, the end-to-end time of the slash commands (until their private answer
    arrived through the response_url), the server's CPU per request (everything it did for it)."""
    for p in (port, bare_port):
        load(p, 10, 30, number, bodies_of)               # warm up (fresh bodies: no two requests are alike)
    time.sleep(1)                                        # the first card's messages are delivered
    print(f"\n{label}, {requests} requests per row")
    print(f"{'':12s} {'ack p50':>9s} {'p99':>8s} {base + ' p99':>14s} {'ratio':>6s} {'e2e p50':>9s} {'p99':>8s}"
          f" {'CPU/req':>8s} {'bare':>6s}")
    for concurrency in (1, 10, 50):
        bot, bot_cpu = measured(port, pid, concurrency, requests, number, bodies_of)
        bare, bare_cpu = measured(bare_port, bare_pid, concurrency, requests, number, bodies_of)
        ack, bare_ack = [t.ack for t in bot], [t.ack for t in bare]
        e2e = [t.end_to_end for t in bot if t.end_to_end is not None]
        print(f"{concurrency:3d} parallel {pct(ack, 50):7.1f}ms {pct(ack, 99):6.1f}ms {pct(bare_ack, 99):12.1f}ms "
              f"{pct(ack, 99) / pct(bare_ack, 99):5.2f}× {pct(e2e, 50):7.1f}ms {pct(e2e, 99):6.1f}ms"
              f" {bot_cpu:6.1f}ms {bare_cpu:4.1f}ms", flush=True)


def run_slack(args, folder: Path, database_url: str) -> None:
    directory = demo_directory(folder, "slack", slack_id)
    fake = subprocess.Popen([sys.executable, "-c", FAKE], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    procs: list[subprocess.Popen] = []
    try:
        users = [[slack_id(m), m] for m in members(directory)]
        fake.stdin.write(json.dumps(users) + "\n")
        fake.stdin.flush()
        base_url, token = fake.stdout.readline().split()
        bot_port, bare_port = free_port(), free_port()
        env = {**os.environ, "SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": base_url, "PORT": str(bot_port), "DATABASE_URL": database_url,
               "TRIAGEBOT_DIRECTORY": str(folder / "adressen.yaml")}
        upgrade(env)
        procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", *processes(args)], cwd=ROOT, env=env,
                                  stderr=open(folder / "serve.log", "w")),
                 subprocess.Popen([sys.executable, "-c", BARE, str(bare_port), SECRET, token, base_url], cwd=ROOT),
                 *processor(args, env, folder)]
        wait_for(bot_port)
        wait_for(bare_port)
        body = urlencode({"team_id": "T0FAKE0001", "channel_id": "D0BENCH", "command": "/casus",
                          "user_id": slack_id("vt-medewerker"), "text": "nieuw Arnhem", "trigger_id": "0.1.x"})
        answer = post(bot_port, slack_request(body))[1].decode()    # a case to look at and a card to click
        number = answer.split()[1]                                  # "Casus VT-2026-0001 is geregistreerd; ..."
        decision = body.replace("nieuw+Arnhem", f"besluit+{number}+lt+licht+gezin-geinformeerd")
        decided = post(bot_port, slack_request(decision))[1].decode()
        if not number.startswith("VT-") or "vastgelegd" not in decided:
            raise RuntimeError(f"the bot did not register and decide a case: {answer!r}, {decided!r}")
        measure_all(f"Slack: triagebot serve on {database_name(args)}", "bare Bolt", bot_port, bot_pids(procs),
                    bare_port, (procs[1].pid,), args.requests, number, bodies)
    finally:
        stop(procs, fake)


def run_mattermost(args, folder: Path, database_url: str) -> None:
    directory = demo_directory(folder, "mattermost", lambda member: member)
    fake = subprocess.Popen([sys.executable, "-c", FAKE_MM], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    procs: list[subprocess.Popen] = []
    try:
        fake.stdin.write(json.dumps(members(directory)) + "\n")
        fake.stdin.flush()
        base_url, token, user_ids = fake.stdout.readline().split(" ", 2)
        MM["users"] = json.loads(user_ids)
        bot_port, bare_port = free_port(), free_port()
        env = {**os.environ, "MATTERMOST_URL": base_url, "MATTERMOST_BOT_TOKEN": token,
               "MATTERMOST_TEAM": "triagetafel",
               "MATTERMOST_CASUS_TOKEN": MM["tokens"]["/casus"], "MATTERMOST_TAFEL_TOKEN": MM["tokens"]["/tafel"],
               "MATTERMOST_SIGNING_SECRET": MM["secret"], "TRIAGEBOT_PUBLIC_URL": f"http://127.0.0.1:{bot_port}",
               "PORT": str(bot_port), "DATABASE_URL": database_url,
               "TRIAGEBOT_DIRECTORY": str(folder / "adressen.yaml")}
        upgrade(env)
        procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--platform", "mattermost",
                                   *processes(args)], cwd=ROOT,
                                  env=env, stderr=open(folder / "serve-mm.log", "w")),
                 subprocess.Popen([sys.executable, "-c", BARE_MM, str(bare_port)], cwd=ROOT),
                 *processor(args, env, folder, "mattermost")]
        wait_for(bot_port)
        wait_for(bare_port)
        answer = json.loads(post(bot_port, mm_command("/casus", "nieuw Arnhem", answered=False))[1])["text"]
        number = answer.split()[1]
        line = f"besluit {number} lt licht gezin-geinformeerd"
        decided = json.loads(post(bot_port, mm_command("/casus", line, answered=False))[1])["text"]
        if not number.startswith("VT-") or "vastgelegd" not in decided:
            raise RuntimeError(f"the bot did not register and decide a case: {answer!r}, {decided!r}")
        measure_all(f"Mattermost: triagebot serve --platform mattermost on {database_name(args)}", "bare WSGI",
                    bot_port, bot_pids(procs), bare_port, (procs[1].pid,), args.requests, number, mm_bodies)
    finally:
        stop(procs, fake)


def stop(procs: list[subprocess.Popen], fake: subprocess.Popen) -> None:
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
    fake.stdin.close()       # the fake stops when its stdin closes
    fake.wait(timeout=10)


PEOPLE = [f"vt-bench-{i:02d}" for i in range(50)]     # who sends the commands: 50 people, as at 50 at once


def demo_directory(folder: Path, platform: str, chat_id) -> dict:
    """The demo directory with 50 more Veilig Thuis workers: the load comes from 50 people (each person's
    requests are applied in order, one after the other; different people's side by side)."""
    directory = yaml.safe_load((ROOT / "bot" / "demo" / "directory.yaml").read_text(encoding="utf-8"))
    vt = next(org for org in directory["organisaties"] if org["id"].startswith("vt-"))
    vt["leden"] += [{"id": p, "naam": f"VT-medewerker {p[-2:]}", "rol": "medewerker", "tafel": True} for p in PEOPLE]
    for org in directory["organisaties"]:
        for m in org["leden"]:
            m["chat"] = {platform: chat_id(m["id"])}
    (folder / "adressen.yaml").write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    return directory


def members(directory: dict) -> list[str]:
    return [m["id"] for org in directory["organisaties"] for m in org["leden"]]


def database_name(args) -> str:
    return (("PostgreSQL" if args.pg else "SQLite") + (f", {args.processen} processen" if args.processen > 1 else "")
            + (", --alleen-ontvangen met een verwerker" if args.verwerker else ""))


def processes(args) -> list[str]:
    if args.verwerker:
        return ["--alleen-ontvangen"]
    return ["--processen", str(args.processen)] if args.processen > 1 else []


def processor(args, env: dict, folder: Path, platform: str = "slack") -> list[subprocess.Popen]:
    """With --verwerker: `triagebot verwerker` beside the server (which then only receives)."""
    if not args.verwerker:
        return []
    return [subprocess.Popen([sys.executable, "-m", "bot.cli", "verwerker", "--platform", platform], cwd=ROOT,
                             env=env, stderr=open(folder / "verwerker.log", "w"))]


def bot_pids(procs: list[subprocess.Popen]) -> tuple[int, ...]:
    """The bot's processes: the server, and the processor beside it (the bare app is the second)."""
    return (procs[0].pid, *(p.pid for p in procs[2:]))


def main() -> None:
    global SINK
    SINK = Sink()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--pg", metavar="URL", help="run the bot on PostgreSQL (a fresh schema in this database)")
    p.add_argument("--platform", choices=["slack", "mattermost", "beide"], default="beide")
    p.add_argument("--processen", type=int, default=1, help="triagebot serve --processen N")
    p.add_argument("--verwerker", action="store_true",
                   help="triagebot serve --alleen-ontvangen, with a triagebot verwerker beside it")
    args = p.parse_args()
    for platform, run in (("slack", run_slack), ("mattermost", run_mattermost)):
        if args.platform not in (platform, "beide"):
            continue
        folder = Path(tempfile.mkdtemp(prefix=f"bench-ack-{platform}-"))
        database_url, cleanup = (pg_schema(args.pg) if args.pg else (f"sqlite:///{folder / 'b.db'}", lambda: None))
        try:
            run(args, folder, database_url)
        finally:
            cleanup()


if __name__ == "__main__":
    threading.excepthook = lambda args: None
    main()
