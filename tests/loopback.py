"""An HTTP server on a free loopback port, in a thread: what the fake chat platforms run on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Loopback:
    def __init__(self, handler: type[BaseHTTPRequestHandler], fake: object, name: str):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.fake = fake  # type: ignore[attr-defined]   # the handler finds its fake here
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), name=name,
                                       daemon=True)  # a short poll interval makes stop() quick
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
