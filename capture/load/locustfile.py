"""Locust's user class for loads past one machine: each user POSTs spec-exact notifications
(the engine's payload code: distinct requestIds, real keys, the checksum for --host's URL) and
counts an answer good only when it is a 200 with a JSON body, as the real service does.

    uv run locust -f capture/load/locustfile.py --host URL --headless -u N -r R -t 30s

FastHttpUser rather than HttpUser: geventhttpclient sends several times the requests per core
that requests' sessions do, and the load test's point is rate per worker. --host is the full
callback URL (path included): the checksum is made for it exactly as given.
"""

from __future__ import annotations

import json
import os
from typing import Any

from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

from capture.load.bodies import HEADERS, BodyMaker, Publisher

# Each user sends at most this many a second (LOAD_USER_RATE overrides), so -u N sets the rate.
USER_RATE = float(os.environ.get("LOAD_USER_RATE", "10"))


class Notifier(FastHttpUser):
    wait_time = constant_throughput(USER_RATE)

    def on_start(self) -> None:
        self._maker = BodyMaker(str(self.host), Publisher())
        self._sent = 0

    @task
    def notify(self) -> None:
        body = self._maker.body(self._sent)
        self._sent += 1
        # bytes as they are: the checksum was made over these exact bytes' fields, and
        # geventhttpclient sends bytes unchanged (Locust's annotation names only str and dict).
        with self.client.post(
            "",
            data=body,  # type: ignore[arg-type]
            headers=HEADERS,
            name="notification",
            catch_response=True,
        ) as answer:
            _judge(answer)


def _judge(answer: Any) -> None:
    if answer.status_code != 200:
        answer.failure(f"status {answer.status_code} (the real service counts only 200)")
        return
    try:
        json.loads(answer.content or b"")
    except ValueError:
        answer.failure("answer is not JSON")
        return
    answer.success()
