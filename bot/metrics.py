"""What the bot counts for its operators, in Prometheus's format (`/metrics`): requests and how fast they were
answered, the inbox's and the outbox's backlog, the sweep's duration, escalations by rung, lapsed deadlines and delivery
failures. Never a case number, a member or anything a person typed: every label has a small, fixed set of
values. One registry per bot (not the library's global one), so a test or a second bot starts at zero."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_CODE = re.compile(r"^[a-z_]{1,40}$")
# seconds: Slack wants an answer within 3
ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
SWEEP_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def error_code(message: str) -> str:
    """A platform's error as a label: its code ("ratelimited", "channel_not_found"), or "anders"."""
    return message if _CODE.match(message or "") else "anders"


class Backlog(Collector):
    """A queue's backlog, read from the database at every scrape: the outbox (messages due and not yet delivered,
    and how long the oldest has been due) or the inbox (requests received and not yet applied or answered, and
    how long the oldest has waited)."""

    HELP = {"outbox": ("Berichten die bezorgd moeten worden en nog niet zijn",
                       "Hoe lang het oudste onbezorgde bericht al bezorgd had moeten zijn"),
            "inbox": ("Ontvangen verzoeken die nog niet zijn uitgevoerd of beantwoord",
                      "Hoe lang het oudste wachtende verzoek al wacht")}

    def __init__(self, name: str, read: Callable[[datetime], tuple[int, float]], now: Callable[[], datetime]):
        self.name, self.read, self.now = name, read, now

    def collect(self):
        try:
            count, oldest = self.read(self.now())
        except Exception:       # the database is away: /readyz says so; the metrics leave these out
            return
        backlog_help, oldest_help = self.HELP[self.name]
        yield GaugeMetricFamily(f"triagebot_{self.name}_backlog", backlog_help, value=count)
        yield GaugeMetricFamily(f"triagebot_{self.name}_oldest_seconds", oldest_help, value=oldest)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("triagebot_requests", "Verzoeken van het chatplatform",
                                ["platform", "soort", "status"], registry=r)
        self.answer = Histogram("triagebot_answer_seconds", "Hoe snel de bot een verzoek beantwoordde",
                                ["platform", "soort"], buckets=ANSWER_BUCKETS, registry=r)
        self.sweep = Histogram("triagebot_sweep_seconds", "Duur van één ronde van de termijnbewaking",
                               buckets=SWEEP_BUCKETS, registry=r)
        self.rungs = Counter("triagebot_escalations", "Treden van de opschalingsladder die de klok nam",
                             ["trede"], registry=r)
        self.lapsed = Counter("triagebot_lapsed_deadlines", "Termijnen die verliepen", ["termijn"], registry=r)
        self.delivery_failures = Counter("triagebot_delivery_failures", "Bezorgpogingen die het platform weigerde",
                                         ["platform", "fout"], registry=r)

    def watch_backlog(self, name: str, read: Callable[[datetime], tuple[int, float]],
                      now: Callable[[], datetime]) -> None:
        """`name`: "outbox" or "inbox"."""
        self.registry.register(Backlog(name, read, now))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
