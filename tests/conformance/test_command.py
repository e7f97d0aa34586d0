"""`--headless --conformance URL`: exit 0 when nothing failed, 1 when something did, 2 on bad
arguments naming the flag; the JUnit XML parses with one testcase per scenario, the JSON
report holds every exchange; pictures are uploaded first."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from aiohttp import web

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.conformance.scenarios import NAMES
from tests.conformance.conftest import Hook, serving

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--burst", "5", "--sustain", "10,1"]


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code = headless.run(parse_args(["--headless", *argv]), stderr=err)
    return code, err.getvalue()


def test_a_correct_webhook_exits_0_and_writes_both_reports(hook: Hook, tmp_path: Path) -> None:
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "report.json"
    code, err = run(
        ["--conformance", hook.url, "--junit", str(junit), "--report-json", str(report),
         "--data-dir", str(tmp_path / "data"), *QUICK]
    )  # fmt: skip
    assert code == Exit.OK, err
    assert f"{hook.url}: conforms (11 pass, 1 skip)" in err
    cases = ET.parse(junit).getroot().findall("./testsuite/testcase")
    assert len(cases) == len(NAMES) == 12
    assert [c.get("name", "").split(" ")[1].rstrip(":") for c in cases] == list(NAMES)
    assert not ET.parse(junit).getroot().findall(".//failure")
    data = json.loads(report.read_text())
    exchanges = [x for s in data["scenarios"] for x in s["exchanges"]]
    assert len(exchanges) == len(hook.bodies)
    assert {x["request"]["body"].encode() for x in exchanges} == set(hook.bodies)
    assert all(x["answer"]["status"] == 200 for x in exchanges if x["fault"] == "")


def test_pictures_are_in_the_storage_before_their_notifications(hook: Hook, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    code, err = run(
        ["--conformance", hook.url, "--scenarios", "complete,limits", "--storage-dir", str(shots),
         "--data-dir", str(tmp_path / "data")]
    )  # fmt: skip
    assert code == Exit.OK, err
    keys = [json.loads(b)["object"] for b in hook.bodies]
    assert len(keys) == 5
    for key in keys:
        assert (shots / key).read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG


def test_a_failing_webhook_exits_1_with_failures_in_the_junit(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serving(Hook(behaviour=lambda _h, _r: web.Response(text="OK"))) as hook:
        code, err = run(
            ["--conformance", hook.url, "--scenarios", "1,answer-shape", "--junit", str(junit),
             "--data-dir", str(tmp_path)]
        )  # fmt: skip
    assert code == Exit.FAILED
    assert "does not conform (2 fail)" in err
    failures = ET.parse(junit).getroot().findall(".//failure")
    assert len(failures) == 2
    assert "not JSON" in failures[1].get("message", "")


def test_the_html_report_opens_offline_and_escapes_what_the_webhook_sent(tmp_path: Path) -> None:
    page = tmp_path / "grading.html"
    hostile = '<img src="http://evil.example/x.png"><script>alert(1)</script>'
    with serving(Hook(behaviour=lambda _h, _r: web.Response(text=hostile))) as hook:
        code, err = run(
            ["--conformance", hook.url, "--scenarios", "1,answer-shape", "--report", str(page),
             "--data-dir", str(tmp_path)]
        )  # fmt: skip
    assert code == Exit.FAILED, err
    text = page.read_text("utf-8")
    assert f"Conformance of {hook.url}" in text and "does not conform (2 fail)" in text
    assert text.count('class="badge g-fail">FAIL<') == 2
    assert "not JSON" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    parser = Links()
    parser.feed(text)
    assert parser.links == [] and parser.scripts == 0


class Links(HTMLParser):
    """Every src and href a browser would fetch, and every script element."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def test_an_html_report_not_named_html_exits_2(hook: Hook, tmp_path: Path) -> None:
    bad = str(tmp_path / "grading.txt")
    code, err = run(["--conformance", hook.url, "--report", bad, "--data-dir", str(tmp_path)])
    assert code == Exit.CONFIG
    assert err.startswith("shothook: --report: a file name ending in .html"), err
    assert hook.bodies == []


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--scenarios", "complete,nonsense"], "--scenarios"),
        (["--scenarios", "13"], "--scenarios"),
        (["--scenarios", ","], "--scenarios"),
        (["--burst", "0"], "--burst"),
        (["--burst", "9" * 40], "--burst"),
        (["--sustain", "20"], "--sustain"),
        (["--sustain", "nan,10"], "--sustain"),
        (["--sustain", "20,-1"], "--sustain"),
        (["--sustain", "1e309,1"], "--sustain"),
    ],
)
def test_bad_arguments_exit_2_naming_the_flag(extra: list[str], flag: str, tmp_path: Path) -> None:
    code, err = run(["--conformance", "http://127.0.0.1:9/cb", "--data-dir", str(tmp_path), *extra])
    assert code == Exit.CONFIG
    assert err.startswith(f"shothook: {flag}:"), err
    assert "Traceback" not in err


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/cb", "127.0.0.1:8787", "http://[::1/cb", ""])
def test_a_bad_url_exits_2_naming_the_flag(url: str, tmp_path: Path) -> None:
    code, err = run(["--conformance", url, "--data-dir", str(tmp_path)])
    assert code == Exit.CONFIG
    assert err.startswith("shothook: --conformance:"), err


def test_a_report_file_that_is_a_folder_exits_2_before_anything_is_sent(
    hook: Hook, tmp_path: Path
) -> None:
    code, err = run(
        ["--conformance", hook.url, "--junit", str(tmp_path), "--data-dir", str(tmp_path)]
    )
    assert code == Exit.CONFIG
    assert err.startswith("shothook: --junit: a file name to write, not a folder"), err
    assert hook.bodies == []


def test_the_whole_suite_with_its_defaults_as_a_user_runs_it(hook: Hook, tmp_path: Path) -> None:
    """The command the README gives, in a subprocess: every scenario, 50 at once, 20/s for 10 s."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--headless", "--conformance", hook.url,
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sustained" in done.stderr and "200 notifications at 20/s for 10 s" in done.stderr
    assert "all 50 concurrent notifications answered" in done.stderr
    assert done.stdout == ""
