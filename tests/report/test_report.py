"""The session report and the diagnostic bundle, from real runs: a headless capture to an S3
server that checks signatures (the secret key from the environment, as a user gives it), the
report written when the run ends and again from the journal, then parsed as a browser would
read it: nothing it would fetch (every src and href inline), every shot's key, a plot, never
the secret. The bundle of a session whose webhook received a request carrying an
Authorization header, grepped file by file. Bad flags exit 2 naming the flag."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

import main
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.journal.exchanges import REDACTED, redacted
from capture.paths import DataDir
from capture.receiver.answers import AnswerMode
from capture.report import write_report
from capture.report.bundle import Redactor, write_bundle
from capture.settings.model import CaptureSettings, Settings
from capture.sources import SyntheticSource
from tests.support.engine import query, running_engine
from tests.support.events import EventLog
from tests.support.s3 import AuthMoto, shared_auth_moto
from tests.support.waits import WAIT_S

HEADLESS_RUN = headless.run
URL_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "poster", "data", "action"}


@pytest.fixture
def auth_moto(request: pytest.FixtureRequest) -> AuthMoto:
    return shared_auth_moto(request)


class Page(HTMLParser):
    """What a browser would fetch or run: every URL-holding attribute, script and link."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append(value)
            if name == "style" and value:
                self.styles.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def assert_offline(html: str) -> Page:
    page = parse(html)
    outside = [u for u in page.urls if not (u.startswith("data:") or u.startswith("#"))]
    assert outside == [], f"the page would fetch {outside}"
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(page.tags)
    assert all("url(" not in s and "@import" not in s for s in page.styles)
    return page


def run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """main.main as a user runs it (its choice of mode included), its stderr read back."""
    err = io.StringIO()
    monkeypatch.setattr(headless, "run", lambda args: HEADLESS_RUN(args, stderr=err))
    return main.main(argv), err.getvalue()


def shot_keys(data_dir: DataDir) -> list[str]:
    return [str(r[0]) for r in query(data_dir, "SELECT object_key FROM shots ORDER BY id")]


def test_a_headless_run_writes_a_report_that_opens_offline_with_every_shot_and_no_secret(
    auth_moto: AuthMoto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = auth_moto.good.secret_key
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth_moto.good.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    data_dir = DataDir.resolve(tmp_path / "data")
    common = ["--headless", "--data-dir", str(data_dir.root)]
    run = [
        *common,
        *("--s3-endpoint", auth_moto.server.endpoint, "--bucket", auth_moto.bucket),
        *("--region", "us-east-1", "--source", "synthetic", "--count", "3", "--interval", "1"),
        *("--webhook-port", "0", "--report", str(tmp_path / "run.html")),
    ]
    err = io.StringIO()
    assert headless.run(parse_args(run), stderr=err) == Exit.OK, err.getvalue()
    assert f"written to {tmp_path / 'run.html'} and {tmp_path / 'run.json'}" in err.getvalue()
    keys = shot_keys(data_dir)
    assert len(keys) == 3

    # Traps: a hand-edited settings file holding the secret, and a log line that leaked it.
    data_dir.settings.write_text(json.dumps({"storage": {"secret_key": secret, "bucket": "b"}}))
    with data_dir.log.open("a", encoding="utf-8") as log:
        log.write(f"a leak: {secret}\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIA/x\n")

    # Again from the journal, without running; and the bundle.
    again = tmp_path / "again.html"
    bundle = tmp_path / "bundle.zip"
    err = io.StringIO()
    args = parse_args(
        [*common, "--session", "last", "--report", str(again), "--bundle", str(bundle)]
    )
    assert headless.run(args, stderr=err) == Exit.OK, err.getvalue()

    for html_file in (tmp_path / "run.html", again):
        html = html_file.read_text("utf-8")
        page = assert_offline(html)
        assert "svg" in page.tags, "at least one inline SVG plot"
        assert sum(1 for u in page.urls if u.startswith("data:image/jpeg;base64,")) == 3
        assert all(key in html for key in keys)
        assert secret not in html
        twin = json.loads(html_file.with_suffix(".json").read_text("utf-8"))
        assert sorted(r["object_key"] for r in twin["rows"]) == sorted(keys)
        assert twin["ok"] is True and twin["counters"]["notified"] == 3
        assert all(r["stages_ms"]["total"] is not None for r in twin["rows"])
        assert twin["session"]["settings"]["storage"]["bucket"] == auth_moto.bucket
        assert "matplotlib" in twin["versions"] and "aiohttp" in twin["versions"]
        assert secret not in json.dumps(twin)

    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        contents = {name: archive.read(name) for name in names}
    assert {"report.html", "report.json", "shothook.log", "settings.json", "exchanges.har"} <= (
        names
    )
    for name, data in contents.items():
        assert secret.encode() not in data, f"the secret key in {name}"
    assert b"a leak: <redacted>" in contents["shothook.log"]
    assert b"AKIA/x" not in contents["shothook.log"]
    assert json.loads(contents["settings.json"])["storage"]["secret_key"] == REDACTED
    assert all(key.encode() in contents["report.html"] for key in keys)


def test_the_bundle_redacts_authorization_sent_to_the_embedded_webhook(tmp_path: Path) -> None:
    token = "Bearer tok-" + secrets.token_hex(16)
    data_dir = DataDir.resolve(tmp_path / "data").create()
    settings = Settings(capture=CaptureSettings(source="synthetic", interval=1))
    log = EventLog()
    with running_engine(data_dir, log) as engine:
        source = SyntheticSource()
        source.open()
        engine.use_source(source, already_open=True)
        assert engine.slot.wait_newer(-1, WAIT_S) is not None  # a frame before the first tick
        server = engine.start_webhook("127.0.0.1", 0)
        assert server.ready.wait(WAIT_S)
        session = engine.start_session(settings, count=2)
        sent = [
            (b'{"hello": "world"}', {"Authorization": token, "Content-Type": "application/json"}),
            (b"\xff\xfe not utf-8", {"Proxy-Authorization": token}),
        ]
        for body, headers in sent:
            request = urllib.request.Request(server.url, body, headers, method="POST")
            try:
                urllib.request.urlopen(request, timeout=10).close()
            except urllib.error.HTTPError as refused:  # the webhook refuses it: still journaled
                refused.close()
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.drain(WAIT_S)
        engine.stop_session()
    target = tmp_path / "out" / "bundle.zip"
    target.parent.mkdir()
    bundle = write_bundle(data_dir, "last", target)
    assert bundle.session_id == 1
    with zipfile.ZipFile(target) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    value = token.removeprefix("Bearer ").encode()
    for name, data in contents.items():
        assert value not in data, f"the Authorization value in {name}"
    entries = json.loads(contents["exchanges.har"])["log"]["entries"]
    pairs = [(h["name"], h["value"]) for e in entries for h in e["request"]["headers"]]
    assert ("Authorization", REDACTED) in pairs
    assert ("Proxy-Authorization", REDACTED) in pairs
    posted = [e["request"].get("postData", {}) for e in entries]
    # b"\xff\xfe not utf-8", as HAR carries bytes that are not text
    assert any(p.get("encoding") == "base64" and p["text"] == "//4gbm90IHV0Zi04" for p in posted)
    assert any(p.get("text") == '{"hello": "world"}' for p in posted)
    # The session's own notifications are there too, as sent and as the webhook received them.
    assert {"received", "sent"} <= {e["_shothook"]["direction"] for e in entries}
    keys = shot_keys(data_dir)
    assert all(any(e["_shothook"]["objectKey"] == key for e in entries) for key in keys)


def test_failures_come_first_and_hostile_text_is_escaped(tmp_path: Path) -> None:
    """The webhook answers 500 from the second shot on, so shots 2 and 3 fail after 3 attempts
    and are listed before shot 1; a callback whose fields are HTML and a URL is shown as text."""
    data_dir = DataDir.resolve(tmp_path / "data").create()
    hostile = '<script>alert(1)</script><img src="http://evil.example/x.png">'
    with running_engine(data_dir, EventLog()) as engine:
        source = SyntheticSource()
        source.open()
        engine.use_source(source, already_open=True)
        assert engine.slot.wait_newer(-1, WAIT_S) is not None  # a frame before the first tick
        server = engine.start_webhook("127.0.0.1", 0)
        assert server.ready.wait(WAIT_S)
        settings = Settings(capture=CaptureSettings(source="synthetic", interval=1))
        session = engine.start_session(settings, count=3)
        assert session.progress.wait_for(lambda p: p.notified >= 1, WAIT_S)
        server.set_mode(AnswerMode.parse("status:500"))
        body = json.dumps({"requestId": hostile, "object": hostile, "code": 200, "checksum": "x"})
        request = urllib.request.Request(server.url, body.encode(), method="POST")
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as refused:
            refused.close()
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.progress.wait_for(lambda p: p.notify_failed == 2 and p.settled, WAIT_S)
        engine.stop_session()
    files = write_report(data_dir.journal, "last", tmp_path / "r.html")
    twin = json.loads(files.json.read_text("utf-8"))
    groups = [r["group"] for r in twin["rows"]]
    assert groups[:2] == ["failed", "failed"] and "ok" in groups[2:], twin["rows"]
    assert [r["id"] for r in twin["rows"][:2]] == [2, 3]
    assert all(len(r["attempts"]) == 3 for r in twin["rows"][:2])
    assert twin["ok"] is False
    assert any(v["grade"] == "fail" and "2 of" in v["text"] for v in twin["verdicts"])
    html = files.html.read_text("utf-8")
    page = assert_offline(html)
    assert "script" not in page.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index('class="failed"') < html.index('class="status-ok"')


def test_a_report_of_a_session_with_no_shot_says_so_and_still_opens_offline(
    tmp_path: Path,
) -> None:
    data_dir = DataDir.resolve(tmp_path / "data").create()
    with running_engine(data_dir, EventLog()) as engine:
        engine.start_webhook("127.0.0.1", 0)
        source = SyntheticSource()
        source.open()
        engine.use_source(source, already_open=True)
        assert engine.slot.wait_newer(-1, WAIT_S) is not None  # a frame before the first tick
        engine.start_session(Settings(capture=CaptureSettings(source="synthetic", interval=60)))
        engine.stop_session()
    files = write_report(data_dir.journal, 1, tmp_path / "r.html")
    html = files.html.read_text("utf-8")
    assert_offline(html)
    assert "ShotHook session 1 report" in html


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--report", "{tmp}/r.txt", "--session", "last"], "--report: a file name ending in .html"),
        (["--report", "{tmp}/no/such/r.html", "--session", "last"], "--report:"),
        (["--report", "{tmp}", "--session", "last"], "--report:"),
        (["--bundle", "{tmp}/b.tar"], "--bundle: a file name ending in .zip"),
        (["--bundle", "{tmp}/b.zip", "--session", "0"], "--session: a session id"),
        (["--report", "{tmp}/r.html", "--session", "abc"], "--session: a session id"),
        (["--report", "{tmp}/r.html", "--session", "last"], "--session: no journal at"),
        (["--headless", "--source", "synthetic", "--report", "{tmp}/r.pdf"], "--report:"),
        (["--webhook-only", "--report", "{tmp}/r.html"], "--report: the report of a capture run"),
        (
            ["--headless", "--load", "10", "--duration", "1", "--report", "{tmp}/r.html"],
            "--report: not with --load",
        ),
        (["--headless", "--query", "x", "--report", "{tmp}/r.html"], "--report: not with --query"),
        (
            ["--headless", "--check-storage", "--report", "{tmp}/r.html"],
            "--report: not with --check-storage",
        ),
    ],
)
def test_bad_flags_exit_2_naming_the_flag_before_anything_runs(
    flags: list[str], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    argv = [f.replace("{tmp}", str(tmp_path)) for f in flags] + ["--data-dir", str(data)]
    status, err = run_main(argv, monkeypatch)
    assert status == Exit.CONFIG
    assert err.startswith("shothook: ") and named in err, err
    assert not (data / "journal.sqlite3").exists(), "nothing ran"
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.zip"))


def test_an_unknown_session_is_named_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = DataDir.resolve(tmp_path / "data").create()
    with running_engine(data_dir, EventLog()) as engine:
        engine.start_webhook("127.0.0.1", 0)
        source = SyntheticSource()
        source.open()
        engine.use_source(source, already_open=True)
        assert engine.slot.wait_newer(-1, WAIT_S) is not None  # a frame before the first tick
        engine.start_session(Settings(capture=CaptureSettings(source="synthetic", interval=60)))
        engine.stop_session()
    argv = ["--data-dir", str(data_dir.root), "--session", "7"]
    status, err = run_main([*argv, "--report", str(tmp_path / "r.html")], monkeypatch)
    assert status == Exit.CONFIG
    assert "shothook: --session: no such session in the journal (it has session 1) (got 7)." in err
    status, err = run_main([*argv, "--bundle", str(tmp_path / "b.zip")], monkeypatch)
    assert status == Exit.CONFIG and "--session: no such session" in err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "b.zip").exists()
    status, err = run_main(
        ["--data-dir", str(data_dir.root), "--bundle", str(tmp_path / "b.zip")], monkeypatch
    )
    assert status == Exit.OK and "diagnostic bundle of session 1 written" in err, err
    assert zipfile.is_zipfile(tmp_path / "b.zip")


def test_redaction_of_headers_bodies_and_text() -> None:
    headers = ((b"AUTHORIZATION", b"Basic dTpw"), (b"Cookie", b"s=1"), (b"X-Ok", b"\xe9"))
    mark = REDACTED.encode()
    assert redacted(headers) == ((b"AUTHORIZATION", mark), (b"Cookie", mark), (b"X-Ok", b"\xe9"))
    redact = Redactor(["s3cr3t/key+", "ab"])  # too short a "secret" is left alone
    text = redact.text('x s3cr3t/key+ y "authorization": "Basic zz" https://u:p@h/ ab')
    assert "s3cr3t" not in text and "Basic zz" not in text and "u:p@" not in text
    assert text.endswith(" ab") and f"https://{REDACTED}@h/" in text


def test_a_time_range_reports_every_row_captured_then_whatever_its_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = DataDir.resolve(tmp_path / "data")
    run = [
        *("--headless", "--data-dir", str(data_dir.root), "--source", "synthetic"),
        *("--count", "2", "--interval", "1", "--webhook-port", "0"),
    ]
    for _ in range(2):
        assert headless.run(parse_args(run), stderr=io.StringIO()) == Exit.OK
    # From the end of the first session (a session's first frame may be older than its start).
    second = str(query(data_dir, "SELECT stopped_at FROM sessions WHERE id = 1")[0][0])
    keys = shot_keys(data_dir)
    common = ["--headless", "--data-dir", str(data_dir.root)]

    only = tmp_path / "second.html"
    status, err = run_main([*common, "--report", str(only), "--since", second], monkeypatch)
    assert status == Exit.OK, err
    assert f"report of {second} to now (sessions 2)" in err
    twin = json.loads(only.with_suffix(".json").read_text("utf-8"))
    assert [s["id"] for s in twin["sessions"]] == [2] and twin["session"] is None
    assert sorted(r["object_key"] for r in twin["rows"]) == sorted(keys[2:])
    assert twin["range"] == {"since": second, "until": None}
    assert twin["counters"]["shots"] == 2 and twin["counters"]["notified"] == 2
    assert_offline(only.read_text("utf-8"))

    both = tmp_path / "both.html"
    bundle = tmp_path / "both.zip"
    flags = ["--report", str(both), "--bundle", str(bundle), "--since", "1d", "--until", "0s"]
    status, err = run_main([*common, *flags], monkeypatch)
    assert status == Exit.OK, err
    twin = json.loads(both.with_suffix(".json").read_text("utf-8"))
    assert [s["id"] for s in twin["sessions"]] == [1, 2]
    assert sorted(r["object_key"] for r in twin["rows"]) == sorted(keys)
    html = both.read_text("utf-8")
    assert "<h3>Session 1</h3>" in html and "<h3>Session 2</h3>" in html
    with zipfile.ZipFile(bundle) as archive:
        entries = json.loads(archive.read("exchanges.har"))["log"]["entries"]
    assert {e["_shothook"]["objectKey"] for e in entries} == set(keys)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--since", "yesterday"], "--since: an ISO 8601 time"),
        (["--since", "1d", "--session", "1"], "--since: a time range or --session, not both"),
        (["--since", "1h", "--until", "2h"], "--until: a time after --since"),
        (["--since", "2099-01-01T00:00:00Z"], "--since: a time range holding rows"),
    ],
)
def test_bad_time_ranges_exit_2_naming_the_flag(
    flags: list[str], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = DataDir.resolve(tmp_path / "data")
    run = [
        *("--headless", "--data-dir", str(data_dir.root), "--source", "synthetic"),
        *("--count", "1", "--interval", "1", "--webhook-port", "0"),
    ]
    assert headless.run(parse_args(run), stderr=io.StringIO()) == Exit.OK
    argv = ["--headless", "--data-dir", str(data_dir.root), "--report", str(tmp_path / "r.html")]
    status, err = run_main([*argv, *flags], monkeypatch)
    assert status == Exit.CONFIG and err.startswith("shothook: ") and named in err, err
    assert not (tmp_path / "r.html").exists()


def test_main_py_as_a_user_runs_it(tmp_path: Path) -> None:
    """The commands the README shows, as processes: a run that writes its report, the same
    report from the journal without --headless (no display needed), and an unknown session."""
    root = Path(__file__).resolve().parents[2]
    data = str(tmp_path / "data")

    def run(*flags: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "main.py", "--data-dir", data, *flags],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=WAIT_S * 2,
            check=False,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "DISPLAY": ""},
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done

    capture = ["--headless", "--source", "synthetic", "--count", "2", "--interval", "1"]
    done = run(*capture, "--webhook-port", "0", "--report", str(tmp_path / "run.html"))
    assert done.returncode == 0, done.stderr
    assert_offline((tmp_path / "run.html").read_text("utf-8"))
    done = run("--report", str(tmp_path / "again.html"), "--session", "last")
    assert done.returncode == 0, done.stderr
    assert "report of session 1 (2 rows) written to" in done.stderr
    assert (tmp_path / "again.json").is_file()
    done = run("--bundle", str(tmp_path / "b.zip"), "--session", "5")
    assert done.returncode == 2
    assert "shothook: --session: no such session in the journal (it has session 1)" in done.stderr
