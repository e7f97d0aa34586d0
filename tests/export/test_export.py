"""`--headless --export FILE`: a headless run's exchanges (received and sent) as HAR 1.2 that
validates and holds every one, as JSON lines, and as a curl script that, run through a real
bash, reproduces the same bodies at the webhook; secrets kept out; bad targets exit 2."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from aiohttp import web

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.errors import ShotHookError
from capture.export import command, har
from capture.export.fields import Redactor
from capture.journal.exchanges import ExchangeReader
from capture.journal.records import Direction, Exchange, NewShot, Timing
from capture.journal.writer import Journal
from capture.spec.naming import new_sid, object_key, utc_digits
from tests.support.aioapp import serving_app
from tests.support.har_schema import HAR_SCHEMA

RUN_S = 30.0
SECRET_AUTH = "Bearer tok-3141592653"
S3_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def run(*argv: str) -> tuple[Exit, str]:
    err = io.StringIO()
    return headless.run(parse_args(["--headless", *argv]), stderr=err), err.getvalue()


def capture(data: Path, *argv: str) -> None:
    code, err = run(
        *("--source", "synthetic", "--interval", "1", "--count", "2", "--webhook-port", "0"),
        *("--data-dir", str(data), *argv),
    )
    assert code == Exit.OK, err


def journaled(data: Path) -> list[Exchange]:
    reader = ExchangeReader(data / "journal.sqlite3")
    try:
        return list(reader.iter_exchanges())
    finally:
        reader.close()


@dataclass
class Hook:
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    bodies: list[bytes] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    made = Hook()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        with made.lock:
            made.bodies.append(body)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", handle)
    with serving_app(app) as port:
        made.url = f"http://127.0.0.1:{port}/hook"
        yield made


def test_a_headless_runs_har_validates_and_holds_every_exchange(tmp_path: Path) -> None:
    data, har = tmp_path / "data", tmp_path / "run.har"
    capture(data)  # notifications to the embedded webhook: each one sent and received
    exchanges = journaled(data)

    code, err = run("--export", str(har), "--data-dir", str(data))

    assert code == Exit.OK, err
    assert f"exported {len(exchanges)} exchange(s) of session 1 to {har} (HAR 1.2)" in err
    document = json.loads(har.read_text(encoding="utf-8"))
    jsonschema.validate(document, HAR_SCHEMA)
    entries = document["log"]["entries"]
    assert len(entries) == len(exchanges) == 4  # two shots, each sent once and received once
    directions = [e["_shothook"]["direction"] for e in entries]
    assert sorted(directions) == ["received"] * 2 + ["sent"] * 2
    for entry, exchange in zip(entries, exchanges, strict=True):  # imported back, it matches
        assert entry["request"]["postData"]["text"].encode() == exchange.request_body
        assert entry["response"]["status"] == exchange.status == 200
        assert entry["_shothook"]["requestId"] == exchange.request_id
        assert entry["_shothook"]["objectKey"] == exchange.object_key
        assert entry["request"]["url"].startswith("http://127.0.0.1:")
        assert entry["request"]["url"].endswith("/callback")
        t = entry["timings"]
        assert entry["time"] == pytest.approx(
            sum(t[k] for k in ("connect", "send", "wait", "receive") if t[k] > 0), abs=0.01
        )
    sent = [e for e in entries if e["_shothook"]["direction"] == "sent"]
    assert all(e["timings"]["connect"] >= 0 and e["_shothook"]["attempt"] == 1 for e in sent)


def test_jsonl_is_one_exchange_a_line(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "run.jsonl"
    capture(data)

    code, err = run("--export", str(out), "--data-dir", str(data))

    assert code == Exit.OK, err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    exchanges = journaled(data)
    assert [line["id"] for line in lines] == [e.id for e in exchanges]
    assert [line["request"]["body"].encode() for line in lines] == [
        e.request_body for e in exchanges
    ]


def test_the_curl_script_replays_the_sent_notifications(tmp_path: Path, hook: Hook) -> None:
    data, script = tmp_path / "data", tmp_path / "replay.sh"
    capture(data, "--callback-url", hook.url)
    sent = list(hook.bodies)
    hook.bodies.clear()

    code, err = run("--export", str(script), "--data-dir", str(data))

    assert code == Exit.OK, err
    assert "exported 2 exchange(s)" in err  # the sent ones only
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail\n" in text
    done = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=RUN_S, check=False
    )
    assert done.returncode == 0, done.stderr
    assert hook.bodies == sent and len(sent) == 2  # the same bodies, byte for byte


def test_session_last_all_and_an_unknown_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    capture(data)
    capture(data)
    every = len(journaled(data))

    for session, count in (("last", every // 2), ("1", every // 2), ("all", every)):
        out = tmp_path / f"{session}.jsonl"
        code, err = run("--export", str(out), "--session", session, "--data-dir", str(data))
        assert code == Exit.OK, err
        assert len(out.read_text(encoding="utf-8").splitlines()) == count

    code, err = run("--export", str(tmp_path / "x.har"), "--session", "7", "--data-dir", str(data))
    assert code == Exit.CONFIG
    assert err.startswith("shothook: --session: no such session in the journal")
    assert not (tmp_path / "x.har").exists()


def journal_with_secrets(data: Path) -> None:
    """A journal holding one exchange that carries an Authorization value and the S3 secret
    (as a request received from anything else might)."""
    data.mkdir()
    journal = Journal(data / "journal.sqlite3")
    try:
        session = journal.start_session(source="t", storage="s", callback_url="", settings={})
        sid, now = new_sid(), datetime.now(UTC)
        key = object_key("", sid, "c", 1, now)
        shot = journal.add_shot(NewShot(session, 0, sid, 1, "c", key, utc_digits(now), 200, "x"))
        body = f'{{"leak": "{S3_SECRET}"}}'.encode()
        exchange = Exchange(
            direction=Direction.SENT,
            at="2026-01-02T03:04:05.006Z",
            method="POST",
            url=f"http://127.0.0.1:9/hook?k={S3_SECRET}",
            http_version="HTTP/1.1",
            request_headers=(
                (b"Authorization", SECRET_AUTH.encode()),
                (b"X-Key", S3_SECRET.encode()),
            ),
            request_body=body,
            request_size=len(body),
            status=None,
            error="cannot connect",
            timing=Timing(total_ms=1.0),
        )
        journal.add_attempt(
            shot,
            "rid",
            1,
            status=None,
            ms=1.0,
            ok=False,
            error="x",
            body_excerpt="",
            exchange=exchange,
        )
    finally:
        journal.close()


@pytest.mark.parametrize("suffix", [".har", ".jsonl", ".sh"])
def test_secrets_never_appear_and_authorization_only_when_asked(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    journal_with_secrets(data)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    plain, kept = tmp_path / f"plain{suffix}", tmp_path / f"kept{suffix}"

    assert run("--export", str(plain), "--data-dir", str(data))[0] == Exit.OK
    code, err = run("--export", str(kept), "--export-keep-auth", "--data-dir", str(data))
    assert code == Exit.OK, err

    redacted, asked = plain.read_text(encoding="utf-8"), kept.read_text(encoding="utf-8")
    for text in (redacted, asked):
        assert S3_SECRET not in text
        assert "<redacted>" in text
    assert "tok-3141592653" not in redacted
    assert "tok-3141592653" in asked


def test_a_body_not_utf8_goes_as_base64(tmp_path: Path) -> None:
    raw = b"\xff\xfe\x00 not text"
    exchange = Exchange(
        direction=Direction.RECEIVED,
        at="2026-01-02T03:04:05.006Z",
        method="POST",
        url="/callback?a=1&b=",
        http_version="HTTP/1.1",
        request_headers=((b"Host", b"127.0.0.1:8787"), (b"Content-Type", b"application/x-raw")),
        request_body=raw,
        request_size=len(raw),
        status=401,
        response_headers=((b"Content-Type", b"application/octet-stream"),),
        response_body=raw,
        response_size=len(raw),
    )

    entry = har.entry(exchange, Redactor())

    request, response = entry["request"], entry["response"]
    assert request["url"] == "http://127.0.0.1:8787/callback?a=1&b="
    assert request["queryString"] == [{"name": "a", "value": "1"}, {"name": "b", "value": ""}]
    assert request["postData"]["encoding"] == "base64"
    assert base64.b64decode(request["postData"]["text"]) == raw
    assert request["postData"]["mimeType"] == "application/x-raw"
    assert (response["status"], response["statusText"]) == (401, "Unauthorized")
    assert response["content"]["encoding"] == "base64"
    assert base64.b64decode(response["content"]["text"]) == raw
    assert response["content"]["size"] == len(raw)


def test_bad_targets_exit_2_naming_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    journal_with_secrets(data)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = {
        str(tmp_path): "--export: a file to write, not a folder",
        str(tmp_path / "missing" / "x.har"): "--export: a file in a folder that exists",
        str(a_file / "x.har"): "--export: a file in a folder that exists",
        str(tmp_path / "x.txt"): "--export: a file ending in .har, .jsonl, .sh",
    }
    for target, line in cases.items():
        code, err = run("--export", target, "--data-dir", str(data))
        assert code == Exit.CONFIG, target
        assert err.startswith(f"shothook: {line}"), err
    code, err = run("--export-keep-auth", "--data-dir", str(data))
    assert (code, err) == (Exit.CONFIG, "shothook: --export-keep-auth: goes with --export FILE.\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_exits_2(tmp_path: Path) -> None:
    data, locked = tmp_path / "data", tmp_path / "locked"
    journal_with_secrets(data)
    locked.mkdir(mode=0o500)
    try:
        code, err = run("--export", str(locked / "x.har"), "--data-dir", str(data))
    finally:
        locked.chmod(0o700)
    assert code == Exit.CONFIG
    assert err.startswith("shothook: --export: a file that can be written (Permission denied)")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_folder_nobody_can_create_files_in_exits_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    journal_with_secrets(data)
    target = Path("/proc/self/shothook-export.har")  # a folder; not even root creates files there

    code, err = run("--export", str(target), "--data-dir", str(data))

    assert code == Exit.CONFIG
    assert err.startswith("shothook: --export: a file that can be written ("), err
    assert not target.exists()


def test_a_failed_write_leaves_no_half_file(tmp_path: Path) -> None:
    target = tmp_path / "out.har"
    target.write_text("the previous export")

    with pytest.raises(ShotHookError), command._atomic(target) as out:
        out.write("half")
        raise OSError(28, "No space left on device")

    assert target.read_text() == "the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.har"]  # no temporary left
