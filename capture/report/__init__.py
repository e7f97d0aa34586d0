"""The session report (`--report`, File > Export report…) and the diagnostic bundle
(`--bundle`, File > Export diagnostic bundle…), made from the journal alone, Qt-free.

`write_report` writes FILE.html (one self-contained page) and its JSON twin beside it
(FILE.json, the same facts); `capture.report.bundle` zips them with the log, the settings and
the session's exchanges, every file redacted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from capture.errors import ShotHookError
from capture.paths import write_atomic
from capture.report.facts import ReportFacts, gather, to_json

__all__ = ["ReportFiles", "json_twin", "render_report", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    json: Path
    facts: ReportFacts


def json_twin(html: Path) -> Path:
    """Where the JSON twin of the page at `html` goes: beside it, FILE.json."""
    return html.with_suffix(".json")


def render_report(facts: ReportFacts) -> tuple[str, str]:
    """The page and its JSON twin, as text."""
    from capture.report.html import render  # matplotlib loads with the plots

    return render(facts), json.dumps(to_json(facts), indent=2, ensure_ascii=False) + "\n"


def write_report(
    journal: Path,
    ref: str | int,
    html: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReportFiles:
    """The report of session `ref` (an id or `last`), or of the time range [since, until), to
    `html` and its twin; a ConfigError naming --session for a session the journal lacks
    (--since for an empty range), a ShotHookError when a file cannot be written."""
    facts = gather(journal, ref, since=since, until=until)
    page, twin = render_report(facts)
    target = json_twin(html)
    write_file(html, page.encode("utf-8"))
    write_file(target, twin.encode("utf-8"))
    return ReportFiles(html, target, facts)


def write_file(path: Path, data: bytes) -> None:
    """`data` to `path` whole (or not at all), in a folder that exists; an OSError in words."""
    if not path.parent.is_dir():
        raise ShotHookError(
            f"cannot write {path}: the folder {path.parent} does not exist",
            advice="choose a file in a folder you can write",
        )
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise ShotHookError(
            f"cannot write {path}: {exc.strerror or exc}",
            advice="choose a file in a folder you can write",
        ) from None
