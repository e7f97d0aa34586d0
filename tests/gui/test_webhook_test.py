"""The "Test a webhook" window: opened from its action on the embedded webhook's URL, it grades
a real loopback webhook with its table filling as results land, stops at once when asked,
names a bad URL, and saves JUnit XML that parses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from pytestqt.qtbot import QtBot

from capture.conformance.scenarios import NAMES
from gui.app import App
from gui.conformance import WebhookTestDialog
from tests.conformance.conftest import Hook, serving

AppFactory = Callable[..., App]
RUN_MS = 60_000


@pytest.fixture
def hook() -> Iterator[Hook]:
    with serving(Hook()) as running:
        yield running


def opened(qtbot: QtBot, app: App) -> WebhookTestDialog:
    app.window.show()
    qtbot.waitUntil(lambda: app.controller.engine.webhook is not None)
    app.window.commands["test_webhook"].trigger()
    dialog = app.controller.webhook_test
    assert dialog is not None and dialog.isVisible()
    return dialog


def quick(dialog: WebhookTestDialog, url: str, seconds: float = 1.0) -> None:
    dialog.url.setText(url)
    dialog.burst.setValue(5)
    dialog.rate.setValue(10)
    dialog.seconds.setValue(seconds)


def test_it_grades_a_webhook_row_by_row_and_saves_junit(
    qtbot: QtBot, make_app: AppFactory, hook: Hook, tmp_path: Path
) -> None:
    app = make_app()
    dialog = opened(qtbot, app)
    assert dialog.url.text().startswith("http://127.0.0.1:")  # the embedded webhook's URL
    assert dialog.url.text().endswith("/callback")
    quick(dialog, hook.url)
    landed: list[int] = []
    dialog._signals.result.connect(lambda r: landed.append(r.number))
    dialog.run_button.click()
    assert dialog.run_button.text() == "Stop"
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=RUN_MS)
    assert landed == list(range(1, 13))  # one row at a time, in order
    grades = [dialog.table.item(r, 2).text() for r in range(12)]  # type: ignore[union-attr]
    assert grades == ["pass"] * 11 + ["skip"]
    assert dialog.progress.value() == 12
    assert "conforms (11 pass, 1 skip)" in dialog.summary.text()
    assert dialog.run_button.text() == "Run" and dialog.save.isEnabled()
    dialog.table.selectRow(8)  # burst
    assert "all 5 concurrent notifications answered" in dialog.detail.toPlainText()
    assert "5 exchange(s)" in dialog.detail.toPlainText()
    out = tmp_path / "junit.xml"
    dialog.write_report(out)
    cases = ET.parse(out).getroot().findall(".//testcase")
    assert [c.get("name", "").split(" ")[1].rstrip(":") for c in cases] == list(NAMES)
    assert "saved to" in dialog.summary.text()
    page = tmp_path / "grading.html"
    dialog.write_report(page)
    assert page.read_text("utf-8").count('class="badge g-pass">pass<') == 11


def test_a_bad_url_is_named_and_nothing_runs(qtbot: QtBot, make_app: AppFactory) -> None:
    dialog = opened(qtbot, make_app())
    dialog.url.setText("ftp://example.com/cb")
    dialog.run_button.click()
    assert not dialog.error.isHidden()
    said = dialog.error.text()
    assert said.startswith("Webhook URL: must be an http:// or https:// URL with a host"), said
    assert not dialog.running and dialog.run_button.text() == "Run"


def test_stop_ends_the_run_at_once(qtbot: QtBot, make_app: AppFactory, hook: Hook) -> None:
    dialog = opened(qtbot, make_app())
    quick(dialog, hook.url, seconds=600)
    dialog.run_button.click()
    sustained = NAMES.index("sustained")
    qtbot.waitUntil(
        lambda: dialog.table.item(sustained, 2).text() == "running…",  # type: ignore[union-attr]
        timeout=RUN_MS,
    )
    dialog.run_button.click()  # Stop
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.report is not None and dialog.report.stopped
    assert len(dialog.report.results) == sustained
    assert "stopped before the end" in dialog.summary.text()


def test_closing_the_main_window_during_a_run_stops_it(
    qtbot: QtBot, make_app: AppFactory, close_app: Callable[[App], list[str]], hook: Hook
) -> None:
    app = make_app()
    dialog = opened(qtbot, app)
    quick(dialog, hook.url, seconds=600)
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=RUN_MS)
    assert close_app(app) == []
    assert not dialog.running
