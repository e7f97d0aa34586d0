"""Every setting and every command-line option, each declared once.

`SETTINGS` holds one entry per setting: its group and name (the attribute in `model.py`), its
default, its check (in `rules.py`), and, where they apply, its flag (with metavar and help), its
form row (label, placeholder, note) and the storage kind it belongs to. `RUN_OPTIONS` holds the
flags that set no saved setting (the mode, --count, --events, ...). From these follow: the
dataclasses' defaults and rules (`model.py`), the argparse flags and how a given flag is applied
(`capture/cli/flags.py`), the settings file's fields and their fallback to defaults
(`store.py`), and the window's form rows (`gui/settings/fields.py` `add_setting`).

When adding a setting:
1. Its entry here, and in `SETTINGS` in its group's place (the group's rules run in this order).
   Give it a flag, metavar and help if the command line sets it, a label (and placeholder, note)
   if the window's form edits it, `only_for` if it belongs to one storage kind.
2. Its check in `rules.py` (text or the typed value in, typed value out, `ConfigError` naming
   the field and the rule), unless an existing one fits.
3. Its attribute in its group's dataclass in `model.py`: `name: type = ENTRY.default`.
4. With a label: its form row in its tab, `add_text(ENTRY)` or `add_setting(ENTRY, editor)`
   (the Storage tab also fills and reads each of its values by name).
5. With a flag: its row in README.md's flag table, with the metavar and the default.
6. Its example value, and with a rule a value breaking it, in tests/support/settings.py.
tests/settings/test_table.py, tests/cli/test_flags.py and tests/gui/test_settings.py fail until
each step agrees with the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, Generic, TypeVar

from capture.settings.rules import (
    EXTRA_INFO_MAX_BYTES,
    INTERVAL_MAX,
    INTERVAL_MIN,
    UID_MAX,
    UID_MIN,
    USERS_MAX,
    AddressingStyle,
    Secret,
    StorageKind,
    as_secret,
    check_bucket,
    check_channel,
    check_extra_info,
    check_folder,
    check_host,
    check_http_url,
    check_interval,
    check_jpeg_quality,
    check_port,
    check_prefix,
    check_region,
    check_uid,
    check_users,
    choice_of,
)

_T = TypeVar("_T")
_DASH = "\N{EN DASH}"

GROUPS = ("capture", "storage", "callback")
# The --help sections, in order; a setting's section is its group's.
MODE, FILES = "mode", "files and output"
SECTION_OF_GROUP = {
    "capture": "capture",
    "storage": "storage",
    "callback": "notifications and webhook",
}
SECTIONS = (MODE, *SECTION_OF_GROUP.values(), FILES)


@dataclass(frozen=True)
class Setting(Generic[_T]):
    """One setting. `check` takes text (a flag, a form field) or the typed value and returns the
    typed value or raises `ConfigError` naming `field`, the name users and tests see."""

    group: str
    name: str
    default: _T
    check: Callable[[Any], _T]
    field: str = ""  # defaults to `name`
    flag: str = ""
    metavar: str = ""
    help: str = ""  # the flag's; " (default ...)" is added for a non-empty default
    flag_check: Callable[[str], _T] | None = None  # when a flag is stricter than the form
    label: str = ""  # the form row's; empty when no form row edits it
    placeholder: str = ""
    note: str = ""  # shown under the form row
    only_for: StorageKind | None = None  # checked only for this kind; its flag selects it
    secret: bool = False  # never written to a file, log, journal or export

    def __post_init__(self) -> None:
        if not self.field:
            object.__setattr__(self, "field", self.name)

    @property
    def dest(self) -> str:
        """The flag's attribute in argparse's namespace."""
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def flag_help(self) -> str:
        return f"{self.help} (default {self.default})" if self.default else self.help

    @property
    def choices(self) -> list[str] | None:
        if isinstance(self.default, StrEnum):
            return [member.value for member in type(self.default)]
        return None

    def from_flag(self, text: str) -> _T:
        return (self.flag_check or self.check)(text)

    def applies_to(self, group: object) -> bool:
        """Whether this setting's rule holds for `group` (its storage kind, if it has one)."""
        return self.only_for is None or getattr(group, "kind", None) is self.only_for


@dataclass(frozen=True)
class RunOption:
    """A flag that sets no saved setting. Without a metavar it is a switch."""

    flag: str
    section: str
    help: str
    metavar: str = ""
    default: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


def _url(group: str, name: str, field: str, *, flag_required: bool, **rest: Any) -> Setting[str]:
    """A setting holding an http(s) URL, empty for none; its flag may require one."""
    return Setting(
        group,
        name,
        "",
        partial(check_http_url, field, required=False),
        field=field,
        flag_check=partial(check_http_url, field, required=True) if flag_required else None,
        **rest,
    )


# -- capture -----------------------------------------------------------------------------------

SOURCE = Setting(
    "capture",
    "source",
    "auto",
    # Checked when it opens (make_source reads it with rules.source_kind): the window shows
    # a source it cannot open as a banner and falls back to the test pattern; it picks one in
    # its header.
    str,
    flag="--source",
    metavar="synthetic|INDEX|PATH|URL",
    help="synthetic | camera index | video file | stream URL",
)
INTERVAL = Setting(
    "capture",
    "interval",
    10,
    check_interval,
    flag="--interval",
    metavar="S",
    help=f"seconds between shots, {INTERVAL_MIN}..{INTERVAL_MAX}",
    label="Interval (s)",
    placeholder=f"{INTERVAL_MIN}{_DASH}{INTERVAL_MAX}",
)
CHANNEL = Setting(
    "capture",
    "channel",
    "shothook-demo",
    check_channel,
    flag="--channel",
    metavar="NAME",
    help="channel name",
    label="Channel",
    placeholder="channel name",
)
UID = Setting(
    "capture",
    "uid",
    1001,
    check_uid,
    flag="--uid",
    metavar="N",
    help=f"user id, {UID_MIN}..{UID_MAX}",
    label="User id (uid)",
    placeholder=f"{UID_MIN}{_DASH}{UID_MAX}",
)
EXTRA_INFO = Setting(
    "capture",
    "extra_info",
    "",
    check_extra_info,
    field="extraInfo",
    flag="--extra-info",
    metavar="TEXT",
    help=f"extraInfo, sent as callbackData (<= {EXTRA_INFO_MAX_BYTES} bytes)",
    label="extraInfo",
    placeholder="optional, sent as callbackData",
)
JPEG_QUALITY = Setting(
    "capture",
    "jpeg_quality",
    85,
    check_jpeg_quality,
    flag="--jpeg-quality",
    metavar="Q",
    help="1..100",
    label="JPEG quality",
    placeholder=f"1{_DASH}100",
)
USERS = Setting(
    "capture",
    "users",
    1,
    check_users,
    flag="--users",
    metavar="N",
    help="simulated publishers with consecutive uids",
    label="Simulated users",
    placeholder=f"1{_DASH}{USERS_MAX}",
    note="publishers with consecutive uids",
)

# -- storage -----------------------------------------------------------------------------------

KIND = Setting(
    "storage", "kind", StorageKind.LOCAL, choice_of(StorageKind, "kind"), label="Storage"
)
DIRECTORY = Setting(
    "storage",
    "directory",
    "",  # the default folder in the data dir
    str,  # the form's Test connection writes there; the flag is checked on the disk at start
    field="storage_dir",  # as the flag says it (the saved setting keeps its name)
    flag="--storage-dir",
    metavar="DIR",
    help="local folder for shots (default: in the data dir)",
    flag_check=partial(check_folder, "storage_dir"),
    label="Folder",
    only_for=StorageKind.LOCAL,
)
PREFIX = Setting(
    "storage",
    "prefix",
    "",
    check_prefix,
    flag="--prefix",
    metavar="A/B",
    help="filename prefix, parts of [A-Za-z0-9] joined by /",
    label="Filename prefix",
    placeholder="optional, e.g. shots/demo",
)
ENDPOINT = _url(
    "storage",
    "endpoint",
    "endpoint",
    flag_required=True,  # AWS is the flag left out; an empty one is a script's unset variable
    flag="--s3-endpoint",
    metavar="URL",
    help="S3-compatible endpoint URL (AWS when omitted)",
    label="Endpoint",
    placeholder="empty for AWS S3",
    only_for=StorageKind.S3,
)
REGION = Setting(
    "storage",
    "region",
    "",
    check_region,
    flag="--region",
    metavar="R",
    help="bucket region",
    label="Region",
    only_for=StorageKind.S3,
)
BUCKET = Setting(
    "storage",
    "bucket",
    "",
    check_bucket,
    flag="--bucket",
    metavar="B",
    help="bucket name (selects S3 storage)",
    label="Bucket",
    only_for=StorageKind.S3,
)
ACCESS_KEY = Setting(
    "storage",
    "access_key",
    "",
    str,  # headless runs take keys from the standard AWS chain, not from flags
    label="Access key",
    placeholder="empty: the standard AWS credential chain",
    only_for=StorageKind.S3,
)
SECRET_KEY = Setting(
    "storage",
    "secret_key",
    Secret(),
    as_secret,
    label="Secret key",
    only_for=StorageKind.S3,
    secret=True,
)
ADDRESSING_STYLE = Setting(
    "storage",
    "addressing_style",
    AddressingStyle.AUTO,
    choice_of(AddressingStyle, "addressing_style"),
    flag="--addressing-style",
    metavar="|".join(AddressingStyle),
    help="S3 addressing",
    label="Addressing",
    only_for=StorageKind.S3,
)

# -- notifications and the webhook -------------------------------------------------------------

CALLBACK_URL = _url(
    "callback",
    "url",
    "callback_url",
    flag_required=True,
    flag="--callback-url",
    metavar="URL",
    help="where to POST notifications (default: embedded)",
    label="Callback URL",
    placeholder="empty: the embedded webhook below",
)
PUBLIC_URL = _url(
    "callback",
    "public_url",
    "public_url",
    flag_required=True,
    flag="--public-url",
    metavar="URL",
    help="the URL a tunnel exposes the webhook at",
    label="Public URL",
    placeholder="optional: the URL a tunnel exposes it at",
    note="Checksums are verified against this callbackAddr too.",
)
WEBHOOK_HOST = Setting(
    "callback",
    "webhook_host",
    "127.0.0.1",
    check_host,
    flag="--webhook-host",
    metavar="IP",
    help="address the webhook listens on",
    label="Listen on",
)
WEBHOOK_PORT = Setting(
    "callback",
    "webhook_port",
    8787,
    check_port,
    flag="--webhook-port",
    metavar="P",
    help="port for the webhook",
    label="Port",
    note="Address and port apply at the next launch.",
)
FORWARD_TO = _url(
    "callback",
    "forward_to",
    "forward_to",
    flag_required=True,
    flag="--forward-to",
    metavar="URL",
    help="the embedded webhook forwards each request on its callback path to URL (method, "
    "body and headers as received, hop-by-hop headers excepted) and records the answer",
    label="Forward to",
    placeholder="optional: a webhook to forward each request to",
    note="Each request is sent on as received, its answer recorded beside it (from the next"
    " launch).",
)

SETTINGS: tuple[Setting[Any], ...] = (
    SOURCE,
    INTERVAL,
    CHANNEL,
    UID,
    EXTRA_INFO,
    JPEG_QUALITY,
    USERS,
    KIND,
    DIRECTORY,
    PREFIX,
    ENDPOINT,
    REGION,
    BUCKET,
    ACCESS_KEY,
    SECRET_KEY,
    ADDRESSING_STYLE,
    CALLBACK_URL,
    PUBLIC_URL,
    WEBHOOK_HOST,
    WEBHOOK_PORT,
    FORWARD_TO,
)

# -- flags that set no saved setting -----------------------------------------------------------

COUNT = RunOption("--count", "capture", "headless: stop after N rounds of shots", "N")
WEBHOOK_ANSWER = RunOption(
    "--webhook-answer",
    "notifications and webhook",
    "how the embedded webhook answers: normal (default), text, status:CODE, delay:SECONDS, "
    "body:FILE, seq:CODE,CODE,..., non-json or drop (to watch the sender retry)",
    "MODE",
)
DRAIN_TIMEOUT = RunOption(
    "--drain-timeout",
    FILES,
    "headless: seconds to wait for pending uploads/notifications at the end",
    "S",
    default="60",
)
KEEP_DAYS = RunOption(
    "--keep-days",
    FILES,
    "days the journal keeps finished sessions, their thumbnails and kept images (default 30; "
    "0 keeps everything); a shot still waiting is never forgotten",
    "DAYS",
    default="30",
)
RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption("--headless", MODE, "run without a window"),
    RunOption("--webhook-only", MODE, "headless: run only the embedded webhook"),
    RunOption(
        "--check-storage",
        MODE,
        "headless: test the storage (reach, write, read back, delete) and exit",
    ),
    RunOption(
        "--reconcile",
        MODE,
        "headless: hold the storage against the journal and the callbacks of --session "
        "(missing, resized or altered objects, strays) and exit",
    ),
    RunOption(
        "--session",
        MODE,
        "headless --reconcile, --export, --report, --bundle: the session, an id or last "
        "(default); --export also takes all",
        "ID",
    ),
    RunOption(
        "--export",
        MODE,
        "headless: write the recorded exchanges (received and sent) of --session to FILE, "
        "by its extension: .har (HAR 1.2), .jsonl (one a line) or .sh (a curl script "
        "replaying the sent notifications), then exit",
        "FILE",
    ),
    RunOption(
        "--export-keep-auth",
        MODE,
        "headless --export: keep Authorization header values (redacted by default)",
    ),
    RunOption(
        "--since",
        MODE,
        "headless --report, --bundle: instead of a session, the rows from this time "
        "(ISO 8601, or 15m ago) to --until (default now)",
        "T",
    ),
    RunOption(
        "--until", MODE, "headless --report, --bundle with --since: rows before this time", "T"
    ),
    RunOption(
        "--report",
        FILES,
        "headless: write the session report to FILE.html (and its JSON twin to FILE.json) when "
        "the capture run ends; with --session, from the journal without running; with "
        "--conformance, the grading as an HTML page",
        "FILE.html",
    ),
    RunOption(
        "--bundle",
        FILES,
        "headless: write a diagnostic bundle of --session (report, log, settings, exchanges; "
        "redacted) to FILE.zip and exit",
        "FILE.zip",
    ),
    RunOption("--autostart", MODE, "window: start capturing at once"),
    RunOption(
        "--load",
        MODE,
        "headless: send RATE spec-exact notifications a second to --callback-url for "
        "--duration seconds (open-loop), over --users connections (default 64), then exit",
        "RATE",
    ),
    RunOption("--duration", MODE, "headless --load: seconds the load lasts", "S"),
    RunOption(
        "--conformance",
        MODE,
        "headless: grade the webhook at URL against the real service's rules (12 scenarios), "
        "print the table, exit 0 when nothing failed",
        "URL",
    ),
    RunOption(
        "--scenarios",
        MODE,
        "headless --conformance: only these scenarios, by name or number (1,7,forged-checksum)",
        "LIST",
    ),
    RunOption(
        "--burst", MODE, "headless --conformance: notifications sent at once (default 50)", "N"
    ),
    RunOption(
        "--sustain",
        MODE,
        "headless --conformance: the steady load, notifications a second and seconds "
        "(default 20,10)",
        "RATE,SECONDS",
    ),
    RunOption("--junit", FILES, "headless --conformance: write JUnit XML to FILE", "FILE"),
    RunOption(
        "--report-json",
        FILES,
        "headless --conformance: write the JSON report (every exchange) to FILE",
        "FILE",
    ),
    RunOption(
        "--query",
        MODE,
        "headless: print the journal's rows holding TEXT ('' for all) as JSON lines, then exit",
        "TEXT",
    ),
    RunOption(
        "--query-status",
        MODE,
        "headless --query: only rows in this status group (ok, pending, failed, foreign)",
        "GROUP",
    ),
    RunOption("--query-session", MODE, "headless --query: only this session's rows", "ID|last"),
    RunOption(
        "--query-since", MODE, "headless --query: rows from this time (ISO 8601, or 15m ago)", "T"
    ),
    RunOption("--query-until", MODE, "headless --query: rows before this time", "T"),
    RunOption(
        "--resend",
        MODE,
        "headless: send the journaled notification with this requestId again, as the spec's "
        "retry (same body, same requestId, 5 s, 3 attempts), then exit",
        "REQUEST_ID",
    ),
    RunOption(
        "--to",
        MODE,
        "headless --resend: send it to URL instead (its checksum made for that callbackAddr)",
        "URL",
    ),
    RunOption(
        "--new-request-id",
        MODE,
        "headless --resend: give it a new requestId (its checksum made again)",
    ),
    COUNT,
    WEBHOOK_ANSWER,
    RunOption(
        "--webhook-reject-bad-checksum",
        "notifications and webhook",
        "the embedded webhook answers 401 to a notification whose checksum does not verify",
    ),
    RunOption(
        "--relay-answer",
        "notifications and webhook",
        "with --forward-to: answer the sender with the forward target's status, headers and "
        "body (a failed forward: 502) instead of the webhook's own answer mode",
    ),
    RunOption("--data-dir", FILES, "journal, settings and spool (default: user data dir)", "DIR"),
    RunOption(
        "--events", FILES, "headless: write JSON-lines events to FILE, or - (stdout)", "FILE"
    ),
    RunOption(
        "--spool-cap-mb",
        FILES,
        # The default is the spool's DEFAULT_CAP_BYTES in MiB: importing capture.storage here
        # would be circular (it imports the model), so tests/settings/test_table.py checks it.
        "most megabytes of shots waiting to upload kept in the spool (default 1024); "
        "past it new shots are refused and notified as 206",
        "MB",
    ),
    RunOption(
        "--spool-keep-mb",
        FILES,
        # The default is the spool's DEFAULT_KEEP_UPLOADED_BYTES in MiB (see --spool-cap-mb).
        "most megabytes of uploaded shots kept in the spool for the window's detail pane "
        "(default 256; 0 keeps none); the oldest are deleted first",
        "MB",
    ),
    DRAIN_TIMEOUT,
    KEEP_DAYS,
)


def in_group(group: str) -> tuple[Setting[Any], ...]:
    return tuple(s for s in SETTINGS if s.group == group)


def with_flags(section: str) -> tuple[Setting[Any] | RunOption, ...]:
    """The flags of one --help section: its settings', then its run options."""
    settings = tuple(s for s in SETTINGS if s.flag and SECTION_OF_GROUP[s.group] == section)
    return settings + tuple(r for r in RUN_OPTIONS if r.section == section)


def by_field(field: str) -> Setting[Any] | None:
    """The setting a ConfigError's field names, if any."""
    return next((s for s in SETTINGS if s.field == field), None)
