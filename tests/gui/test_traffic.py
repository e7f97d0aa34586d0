"""The detail pane's HTTP traffic and the inspector, on exchanges the real webhook journaled over
loopback HTTP: every header in its order and case in the table, the body pretty and raw, the
copy buttons, and Copy as curl, which run through a real bash sends the same request again."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web
from PySide6.QtGui import QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from capture.journal.reader import Detail, RowKind, Status, TimelineReader
from capture.journal.records import Direction, Exchange, Timing
from capture.journal.writer import Journal, NewShot
from gui.code_view import CodeView
from gui.resources import Palette, colour
from gui.timeline.detail import DetailPane
from gui.timeline.traffic import ExchangeInspector, traffic_line
from tests.receiver.test_webhook import SID, note
from tests.support.aioapp import serving_app
from tests.support.engine import running_webhook
from tests.support.events import EventLog
from tests.support.rawhttp import exchange, post, status_of


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    made = Journal(tmp_path / "journal.sqlite3")
    yield made
    made.close()


class Echo:
    """A loopback server keeping the requests a replayed curl sends it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, list[tuple[str, str]], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path_qs, list(request.headers.items()), await request.read()))
        return web.json_response({"ok": True})


def row_detail(journal: Journal, kind: RowKind) -> Detail:
    reader = TimelineReader(journal.path)
    try:
        [row] = [r for r in reader.rows_since(0).rows if r.kind is kind]
        return reader.detail(row)
    finally:
        reader.close()


def shown_pane(qtbot: QtBot, detail: Detail) -> DetailPane:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.resize(420, 900)
    pane.show()
    pane.show_detail(detail, QImage())
    return pane


def a_delivery(journal: Journal, host: str, callback_data: str = "") -> bytes:
    """A shot, and its notification received by the real webhook with headers out of the
    ordinary; the body as sent."""
    n = replace(note(), callback_data=callback_data)
    session = journal.start_session(source="s", storage="x", callback_url="u", settings={})
    shot = journal.add_shot(
        NewShot(session, 0, SID, 7, "room", n.object_key, n.utc, 200, "Supervise complete")
    )
    journal.notification_created(shot, n.request_id, "{}", "u")
    with running_webhook(journal, EventLog()) as server:
        body = n.encode(server.url)
        request = post("/callback?trace=1", body, "X-ODD-Case: One", "x-repeat: a", "X-Repeat: b")
        request = request.replace(b"Host: 127.0.0.1\r\n", f"Host: {host}\r\n".encode())
        assert status_of(exchange(server.port, request)) == 200
    return body


def test_a_delivery_is_listed_and_inspected_whole(qtbot: QtBot, journal: Journal) -> None:
    body = a_delivery(journal, "127.0.0.1:9")
    pane = shown_pane(qtbot, row_detail(journal, RowKind.SHOT))
    assert pane.traffic.list.count() == 1 and pane.traffic.inspect_button.isEnabled()
    assert "← received from 127.0.0.1 · POST /" in pane.traffic.list.item(0).text()
    pane.open_inspector()
    inspector = pane.inspector
    assert inspector is not None and inspector.isVisible()
    qtbot.addWidget(inspector)
    table = inspector.request.headers
    names = [item.text() for r in range(table.rowCount()) if (item := table.item(r, 0))]
    assert names == ["Host", "Content-Length", "Connection", "X-ODD-Case", "x-repeat", "X-Repeat"]
    assert inspector.request.start.text() == "POST /callback?trace=1 HTTP/1.1"
    assert inspector.request.raw.toPlainText() == body.decode()
    assert inspector.request.pretty.toPlainText() == json.dumps(json.loads(body), indent=2)
    assert inspector.request.pretty.highlighter.enabled
    assert inspector.response.start.text() == "HTTP/1.1 200 OK"
    assert json.loads(inspector.response.raw.toPlainText())["checksum"] == "verified"
    assert "total" in inspector.where.text()
    inspector.request.copy_body.click()
    assert QGuiApplication.clipboard().text() == body.decode()
    assert inspector.request.copy_body.text() == "Copied"
    inspector.response.copy_headers.click()
    assert "Content-Type: application/json" in QGuiApplication.clipboard().text()
    inspector.copy_exchange.click()
    whole = QGuiApplication.clipboard().text()
    assert "POST /callback?trace=1 HTTP/1.1" in whole and "HTTP/1.1 200 OK" in whole


def test_copy_as_curl_sends_the_same_request_again(qtbot: QtBot, journal: Journal) -> None:
    echo = Echo()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo.handle)
    with serving_app(app, name="curl-echo") as port:
        body = a_delivery(journal, f"127.0.0.1:{port}", "'quoted' \"double\" $HOME \\ `x` é\n")
        pane = shown_pane(qtbot, row_detail(journal, RowKind.SHOT))
        pane.open_inspector()
        assert pane.inspector is not None
        qtbot.addWidget(pane.inspector)
        pane.inspector.copy_curl.click()
        command = QGuiApplication.clipboard().text()
        done = subprocess.run(
            ["bash", "-c", command + " --silent --show-error --max-time 10"],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    [(path, headers, sent)] = echo.requests
    assert (path, sent) == ("/callback?trace=1", body)
    assert ("X-ODD-Case", "One") in headers
    assert [v for n, v in headers if n.lower() == "x-repeat"] == ["a", "b"]


def test_a_refused_request_is_inspected_from_its_own_row(qtbot: QtBot, journal: Journal) -> None:
    with running_webhook(journal, EventLog()) as server:
        assert status_of(exchange(server.port, post("/other", b"\xff\xfenot json"))) == 404
    detail = row_detail(journal, RowKind.CALLBACK)
    assert detail.row.status is Status.REJECTED
    pane = shown_pane(qtbot, detail)
    assert pane.traffic.list.count() == 1
    pane.open_inspector()
    assert pane.inspector is not None
    qtbot.addWidget(pane.inspector)
    assert pane.inspector.request.raw.toPlainText() == "\\xff\\xfenot json"
    assert not pane.inspector.request.pretty.highlighter.enabled
    assert pane.inspector.response.start.text() == "HTTP/1.1 404 Not Found"
    failed = colour(Palette.FAILED).rgb()
    assert pane.traffic.list.item(0).foreground().color().rgb() == failed


def test_a_row_without_traffic_says_so_and_the_inspector_closes(
    qtbot: QtBot, journal: Journal
) -> None:
    a_delivery(journal, "127.0.0.1:9")
    detail = row_detail(journal, RowKind.SHOT)
    pane = shown_pane(qtbot, detail)
    pane.open_inspector()
    assert pane.inspector is not None and pane.inspector.isVisible()
    qtbot.addWidget(pane.inspector)
    old = Detail(detail.row, "", "", (), "", "")  # a row journaled before the inspector
    pane.show_detail(old, QImage())
    assert pane.traffic.empty.isVisible() and not pane.traffic.list.isVisible()
    assert not pane.traffic.inspect_button.isEnabled()
    assert not pane.inspector.isVisible()
    pane.show_detail(None, QImage())
    assert pane.traffic.list.count() == 0


def test_json_is_coloured_by_its_syntax(qtbot: QtBot) -> None:
    view = CodeView()
    qtbot.addWidget(view)
    view.show_text('{\n  "key": "text",\n  "n": 12,\n  "ok": true\n}', json=True)
    colours = {
        line: {f.format.foreground().color().rgb() for f in block.layout().formats()}
        for line, block in enumerate(_blocks(view))
    }
    assert colour(Palette.SYNTAX_KEY).rgb() in colours[1]
    assert colour(Palette.SYNTAX_STRING).rgb() in colours[1]
    assert colours[2] >= {colour(Palette.SYNTAX_NUMBER).rgb()}
    assert colour(Palette.SYNTAX_LITERAL).rgb() in colours[3]
    view.show_text("plain 12 true", json=False)
    assert [block.layout().formats() for block in _blocks(view)] == [[]]


def _blocks(view: CodeView) -> list:  # type: ignore[type-arg]
    block, out = view.document().firstBlock(), []
    while block.isValid():
        out.append(block)
        block = block.next()
    return out


def test_the_inspector_fits_a_laptop_screen(qtbot: QtBot) -> None:
    inspector = ExchangeInspector()
    qtbot.addWidget(inspector)
    hint = inspector.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 680, hint


def test_each_direction_has_its_own_arrow() -> None:
    base = Exchange(Direction.SENT, "2026-12-03T10:00:00.000Z", "POST", "http://h/cb", "HTTP/1.1",
                    (), b"{}", 2, 500, attempt=2, timing=Timing(total_ms=12.4))  # fmt: skip
    assert traffic_line(base) == "→ attempt 2 · POST http://h/cb · 500 · 12 ms"
    forwarded = base._replace(direction=Direction.FORWARDED, url="http://t/hook", status=None)
    assert traffic_line(forwarded) == "⇢ forwarded · POST http://t/hook · no answer · 12 ms"
    received = base._replace(direction=Direction.RECEIVED, url="/callback", remote="127.0.0.1")
    assert traffic_line(received).startswith("← received from 127.0.0.1 · POST /callback")
