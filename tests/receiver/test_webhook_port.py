"""The embedded webhook keeps its port: a quick restart binds the same port again although the
last run's connections are still in TIME_WAIT on it; a port another process listens on is
still refused, and the move to the next one is said in `webhook_listening`."""

from __future__ import annotations

import http.client
import socket

from capture import events
from capture.engine import Engine
from tests.receiver.test_webhook import START_S, note, request
from tests.support.events import EventLog

RESTARTS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keep_alive_exchange(port: int) -> http.client.HTTPConnection:
    """A request on a connection left open, so that the server's stop closes it first and
    the server's side of it waits in TIME_WAIT on the webhook's port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=START_S)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    return conn


def test_twenty_quick_restarts_each_get_the_same_port_back(
    engine: Engine, event_log: EventLog
) -> None:
    port = _free_port()
    for n in range(1, RESTARTS + 1):
        mark = event_log.mark()
        server = engine.start_webhook(port=port)
        [listening] = event_log.since(mark, events.WEBHOOK_LISTENING)
        assert (server.port, listening["port"], listening["note"]) == (port, port, ""), n
        assert "port_taken" not in listening
        conn = _keep_alive_exchange(port)
        assert request(server.url, body=note(n).encode(server.url)).status == 200
        assert engine.stop_webhook() == []
        conn.close()


def test_a_port_another_process_listens_on_is_named_as_taken(
    engine: Engine, event_log: EventLog
) -> None:
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a restarted server
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = engine.start_webhook(port=port)
        [listening] = event_log.wait_for(events.WEBHOOK_LISTENING)
        assert server.port != port
        assert listening["port_taken"] == port
        assert listening["url"] == f"http://127.0.0.1:{server.port}/callback"
