"""File > Export…: every exchange the journal recorded (received and sent, all sessions) as
HAR 1.2, JSON lines or a curl script, the format chosen in the file dialog (or by the name's
extension). The writing is the engine's (capture/export/command.py), run on the `io` worker;
the S3 secret typed in the form is redacted wherever it appears, as are Authorization values.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from capture.export.command import ALL, FORMATS, ExportJob
from capture.settings.model import Settings

DEFAULT_NAME = "shothook-exchanges.har"
FILTERS = ";;".join(f"{f.label} (*{f.suffix})" for f in FORMATS)


def choose_exchange_file(parent: QWidget) -> str:
    """The file the user picks ("" when cancelled), given the chosen format's extension when
    the name has none of the three."""
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export every exchange", DEFAULT_NAME, FILTERS
    )
    if not path:
        return ""
    suffixes = [f.suffix for f in FORMATS]
    if Path(path).suffix.lower() in suffixes:
        return path
    picked = next((f.suffix for f in FORMATS if f"(*{f.suffix})" in chosen), FORMATS[0].suffix)
    return path + picked


def exchange_job(path: str, settings: Settings) -> ExportJob:
    """The whole journal, Authorization redacted, the form's S3 secret kept out."""
    secret = settings.storage.secret_key.reveal()
    return ExportJob(Path(path), ALL, keep_auth=False, secrets=(secret,) if secret else ())
