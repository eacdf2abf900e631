"""What the bot counts for its operators, in Prometheus's format (`/metrics`): requests and how fast they were
answered, the outbox's backlog, the sweep's duration, escalations by rung, lapsed deadlines and delivery
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
    """The outbox's backlog, read from the database at every scrape: how many messages are due and not yet
    delivered, and how long the oldest of them has been due."""

    def __init__(self, read: Callable[[datetime], tuple[int, float]], now: Callable[[], datetime]):
        self.read, self.now = read, now

    def collect(self):
        try:
            count, oldest = self.read(self.now())
        except Exception:       # the database is away: /readyz says so; the metrics leave these out
            return
        yield GaugeMetricFamily("triagebot_outbox_backlog", "Berichten die bezorgd moeten worden en nog niet zijn",
                                value=count)
        yield GaugeMetricFamily("triagebot_outbox_oldest_seconds",
                                "Hoe lang het oudste onbezorgde bericht al bezorgd had moeten zijn", value=oldest)


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

    def watch_backlog(self, read: Callable[[datetime], tuple[int, float]], now: Callable[[], datetime]) -> None:
        self.registry.register(Backlog(read, now))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
