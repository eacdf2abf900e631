"""Work in the background for the servers: a request answers first and nudges a worker, which delivers the
outbox (or applies the inbox); it also looks every few seconds, for retries that have come due and for what
another process left."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("triagebot.delivery")


class DeliveryWorker:
    def __init__(self, deliver, interval: float = 5.0, name: str = "outbox"):
        self.deliver, self.interval, self.name = deliver, interval, name
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> DeliveryWorker:
        self._thread.start()
        return self

    def nudge(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.deliver()
            except Exception:   # a failing platform or database must not end the worker
                log.exception("background work failed; will try again", extra={"worker": self.name})
