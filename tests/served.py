"""`triagebot serve` as a process of its own on loopback, against a fake Slack or Mattermost in the test's
process: what the hardening tests attack. The test talks to the bot as a client would (raw sockets, HTTP),
kills it, starts it again on the same database, and looks at the database and the fake platform."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage.db import migrate
from models.tables import AuditRow, CaseRow, InboxRow, OutboxRow
from tests.fake_mattermost import FakeMattermost
from tests.fake_slack import FakeSlack
from tests.worlds import MM_SECRET, MM_TOKENS, SECRET, TEAM, chat_directory, slack_id

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Answer:
    status: int
    body: str
    seconds: float           # until the acknowledgement
    acked: str | None = None     # the acknowledgement's body, when the answer came afterwards (the inbox)
    # what came through the command's response_url so far (also after `command` returned)
    responded: Callable[[], list[str]] = field(default=lambda: [], repr=False)

    @property
    def text(self) -> str:
        """The Dutch text a person would see (a command's `text`, a click's `ephemeral_text`, ...)."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return self.body
        if not isinstance(data, dict):
            return self.body
        return data.get("text") or data.get("ephemeral_text") or data.get("error") or json.dumps(data)


def raw_request(port: int, path: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> Answer:
    """One HTTP/1.1 POST on a fresh connection, written by hand so that nothing is added or checked."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    seconds = time.perf_counter() - start
    head_bytes, _, content = data.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1]) if head_bytes else 0
    return Answer(status, content.decode("utf-8", "replace"), seconds)


class Served:
    """The bot in its own process. `platform` is "slack" or "mattermost"."""

    def __init__(self, platform: str, fake: FakeSlack | FakeMattermost, db_url: str, engine: Engine,
                 folder: Path):
        self.platform, self.fake, self.db_url, self.engine, self.folder = platform, fake, db_url, engine, folder
        self.directory_file = chat_directory(folder)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = folder / f"serve-{platform}.log"
        if platform == "slack":
            from bot.config import load_directory
            for m in load_directory(self.directory_file).members.values():
                fake.add_user(slack_id(m.id), None, m.id)
        else:
            from bot.config import load_directory
            self.users = {m.id: fake.add_user(m.id) for m in load_directory(self.directory_file).members.values()}
            self.general = fake.add_channel("algemeen", members=tuple(self.users.values()))
            for command, token in MM_TOKENS.items():
                fake.register_command(command, f"{self.url}/mattermost/opdracht", token)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATTERMOST_", "TRIAGEBOT_"))}
        env.update(DATABASE_URL=self.db_url, TRIAGEBOT_DIRECTORY=self.directory_file, PORT=str(self.port),
                   PYTHONUNBUFFERED="1")
        if self.platform == "slack":
            env.update(SLACK_BOT_TOKEN=self.fake.token, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=self.fake.base_url)
        else:
            env.update(MATTERMOST_URL=self.fake.base_url, MATTERMOST_BOT_TOKEN=self.fake.token, MATTERMOST_TEAM=TEAM,
                       MATTERMOST_CASUS_TOKEN=MM_TOKENS["/casus"], MATTERMOST_TAFEL_TOKEN=MM_TOKENS["/tafel"],
                       MATTERMOST_SIGNING_SECRET=MM_SECRET, TRIAGEBOT_PUBLIC_URL=self.url)
        return env

    # ---- the process ------------------------------------------------------------------------------------
    def start(self, *args: str) -> Served:
        """`triagebot serve` with `args` (e.g. `--alleen-ontvangen`: only receiving, no processor)."""
        migrate(self.engine)     # `triagebot db upgrade`: a server does not start on an old schema
        cmd = [sys.executable, "-m", "bot.cli", "serve", "--platform", self.platform, *args]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=log)
        end = time.time() + 60
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve ended ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"serve did not listen on {self.port}")

    def processor(self, *args: str) -> subprocess.Popen:
        """`triagebot verwerker` beside the server, on the same database and platform (stop it yourself)."""
        with open(self.folder / "verwerker.log", "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "bot.cli", "verwerker", "--platform", self.platform, *args],
                                    cwd=ROOT, env=self.env(), stdout=log, stderr=log)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> Served:
        self.stop()
        return self.start()

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    # ---- Slack's requests ---------------------------------------------------------------------------------
    def slack_headers(self, body: bytes, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
        ts = int(time.time()) if ts is None else ts
        digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": f"v0={digest}"}

    def slack_post(self, body: bytes, headers: dict[str, str] | None = None) -> Answer:
        return raw_request(self.port, "/slack/events", body, self.slack_headers(body) if headers is None else headers)

    def command_body(self, member: str, text: str, command: str = "/casus", channel_id: str = "D0GENERAL") -> bytes:
        return urlencode({"token": "legacy", "team_id": self.fake.team_id, "channel_id": channel_id,
                          "user_id": slack_id(member), "user_name": member, "command": command, "text": text,
                          "trigger_id": self.fake.new_trigger_id(),
                          "response_url": self.fake.new_response_url(slack_id(member), channel_id)}).encode()

    def command(self, member: str, text: str, command: str = "/casus", *, wait: float = 30) -> Answer:
        """A slash command as a person types it: in the case's channel when the text names a case. The server
        acknowledges it at once and answers through the response_url (`Answer.text`); `wait` for that answer."""
        number = next((w for w in text.split() if w.startswith("VT-")), None)
        if self.platform == "mattermost":
            channel = self.fake.channel_named(_channel(number)) if number else None
            started = time.perf_counter()
            reply = self.fake.slash(member, f"{command} {text}", channel["id"] if channel else self.general)
            answer = Answer(reply.status, reply.text, time.perf_counter() - started)
            return self.answered(answer, lambda: self.fake.responded(reply.hook), wait)
        channel = self.fake.channel_named(_channel(number)) if number else None
        body = self.command_body(member, text, command, channel.id if channel else "D0GENERAL")
        url = parse_qs(body.decode())["response_url"][0]
        return self.answered(self.slack_post(body), lambda: self.fake.responded(url), wait)

    @staticmethod
    def answered(ack: Answer, responded, wait: float) -> Answer:
        """The acknowledgement, with the private answer that came afterwards through the response_url as its
        text (when the acknowledgement itself said nothing)."""
        ack.responded = responded
        if ack.status != 200 or ack.text.strip() not in ("", "{}"):
            return ack
        end = time.time() + wait
        while time.time() < end:
            if texts := responded():
                return Answer(ack.status, json.dumps({"text": "\n\n".join(texts)}), ack.seconds, ack.body, responded)
            time.sleep(0.02)
        return ack

    def interaction(self, payload: dict) -> Answer:
        return self.slack_post(urlencode({"payload": json.dumps(payload)}).encode())

    def click_payload(self, member: str, action: str, value: str, channel_id: str) -> dict:
        return {"type": "block_actions", "team": {"id": self.fake.team_id}, "user": {"id": slack_id(member)},
                "api_app_id": self.fake.app_id, "trigger_id": self.fake.new_trigger_id(),
                "channel": {"id": channel_id}, "container": {"type": "message"},
                "actions": [{"type": "button", "action_id": action, "block_id": "b", "value": value,
                             "action_ts": "1"}]}

    # ---- what the database holds ----------------------------------------------------------------------------
    def count(self, table, *where) -> int:
        with self.engine.connect() as c:
            return c.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()

    def cases(self) -> int:
        return self.count(CaseRow)

    def audits(self) -> int:
        return self.count(AuditRow, AuditRow.action != "casus show")

    def pending(self) -> int:
        return self.count(OutboxRow, OutboxRow.state == "nieuw")

    def settled(self, timeout: float = 60) -> None:
        """Wait until every request the server acknowledged has been applied and answered (the inbox)."""
        end = time.time() + timeout
        while time.time() < end:
            if self.count(InboxRow, InboxRow.state != "beantwoord") == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"requests still waiting in the inbox after {timeout} s")

    def delivered(self, timeout: float = 60) -> None:
        """Wait until the outbox has nothing left to send."""
        end = time.time() + timeout
        while time.time() < end:
            if self.pending() == 0:
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.pending()} outbox rows still pending after {timeout} s")


def _channel(number: str) -> str:
    from models.case import channel_name
    return channel_name(number)
