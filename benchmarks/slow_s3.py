"""A loopback S3-ish endpoint that answers every PUT only after a delay: uploads that stall.

Enough of S3's protocol for `S3Storage.put` (boto3 `put_object`, path-style addressing): a PUT
is read whole, held for `delay` seconds, then answered 200 with an ETag. `release()` ends every
hold at once (and answers later PUTs at once), so a window that closes afterwards is not kept
waiting. One thread per connection (`ThreadingHTTPServer`), in the benchmark's own process.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlowS3:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received = 0
        self.answered = 0
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slow-s3", daemon=True
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SlowS3:
        self._thread.start()
        return self

    def release(self) -> None:
        """Answer every held PUT now, and the next ones at once."""
        self._released.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def hold(self) -> None:
        with self._lock:
            self.received += 1
        self._released.wait(self.delay)

    def answered_one(self) -> None:
        with self._lock:
            self.answered += 1


def _handler(server: SlowS3) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and `Expect: 100-continue` answered

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            server.hold()
            self.send_response(200)
            self.send_header("ETag", f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            server.answered_one()

        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the benchmark counts requests itself."""

    return Handler
