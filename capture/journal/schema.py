"""The journal file: how it is opened, and its schema as numbered upgrade steps.

A journal records its schema version in the meta row 'schema'. `upgrade` runs, at open, each
step past that version in order, every step in a transaction of its own with the new version,
so a journal is always at one version or the next, never between. A journal newer than this
code is refused: its rows may mean what this code cannot know.

Adding a column (a table, an index): write step N+1 as a function of a cursor and append it to
STEPS, e.g.

    def _v005_shot_labels(cur: sqlite3.Cursor) -> None:
        cur.execute("ALTER TABLE shots ADD COLUMN label TEXT NOT NULL DEFAULT ''")

Bump nothing else: the code's version is the number of steps. A step that has shipped is never
edited or reordered, as journals on users' machines are past it and will not run it again; so
a step spells out its SQL, state names included, as they were when it shipped. (SQLite runs
DDL inside a transaction, which is what makes a step atomic. Rebuilding a table needs foreign
keys off, which `connect` turns on: such a step says so and turns them off itself.)
tests/journal/test_schema.py opens a journal made at version 1 and checks that it upgrades
without losing a row.

A writer's `connect` checks the file first (`PRAGMA quick_check`: every page's structure; it
reads the whole file, about 3 ms a MB from the OS's cache, 30 from a cold disk, measured on a
260 MB journal): a damaged journal (truncated, overwritten, bytes changed on the disk) is
refused with `JournalDamaged`, naming the file and how to start anew, rather than failing later
in the middle of a shot or a callback. Bytes changed inside a thumbnail's image are beyond any
check: SQLite keeps no checksum of a row's contents.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from capture.errors import ShotHookError
from capture.paths import DISK_FULL_ERRNOS, PRIVATE_FILE, private_file, tighten

Step = Callable[[sqlite3.Cursor], None]


# What SQLite answers for a file that is not a sound database (as opposed to one it cannot open,
# lock or write, which are OperationalErrors: a folder's problem, not the file's).
DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class JournalDamaged(ShotHookError):
    """The journal file is damaged; what it still holds cannot be trusted, nor written to."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"the journal {path} is damaged ({detail}).",
            advice=f"Move it aside, with its -wal and -shm files if there are any (for example"
            f" mv {path} {path}.damaged), and ShotHook starts a new journal.",
        )
        self.path = path


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the journal at `path`; a writer's is in WAL mode, and only once the
    file passed `quick_check` (raises JournalDamaged)."""
    if readonly:
        # A URI (the only way to say read-only): the path quoted, or a '#', '?' or '%' in a
        # folder's name would end it early, and SQLite would open (or make) another file.
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro",
            uri=True,
            check_same_thread=False,
            isolation_level=None,
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        _private(path)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            with damage_named(path):
                conn.execute("PRAGMA journal_mode=WAL")  # the first read of the file
                conn.execute("PRAGMA synchronous=NORMAL")
            check_intact(conn, path)
        except BaseException:
            conn.close()
            raise
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.row_factory = sqlite3.Row
    return conn


def _private(path: Path) -> None:
    """The journal file for this user only, made before SQLite makes it with the umask's mode:
    SQLite gives its -wal and -shm files the journal's mode when it makes them. Those left
    from an earlier run lose any access by others too."""
    private_file(path)
    for suffix in ("-wal", "-shm"):
        beside = path.with_name(path.name + suffix)
        if beside.exists():
            tighten(beside, PRIVATE_FILE)


def check_intact(conn: sqlite3.Connection, path: Path) -> None:
    """Raise JournalDamaged unless the journal at `path` (open on `conn`) passes
    `PRAGMA quick_check`, or if SQLite finds it damaged on the way."""
    with damage_named(path):
        found = conn.execute("PRAGMA quick_check(1)").fetchone()
    if found is None or found[0] != "ok":
        text = str(found[0]) if found else "quick_check gave no answer"
        # "*** in database main ***\nPage 236: btreeInitPage() ..." as one line, the page's part
        raise JournalDamaged(path, " ".join(text.replace("*** in database main ***", "").split()))


@contextmanager
def damage_named(path: Path) -> Iterator[None]:
    """SQLite's errors for a damaged file, as JournalDamaged naming `path`; others unchanged."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode not in DAMAGED_CODES:
            raise
        raise JournalDamaged(path, str(exc)) from exc


def upgrade(conn: sqlite3.Connection, path: Path, steps: Sequence[Step] | None = None) -> int:
    """Bring the journal at `path` (open on `conn`) to the version of `steps` (STEPS unless
    given), one transaction per step; returns the version it was at. Raises ShotHookError for
    a journal newer than the steps."""
    steps = STEPS if steps is None else steps
    with damage_named(path):  # damage quick_check missed (in an index's keys, say)
        return _upgrade(conn.cursor(), path, steps)


def _upgrade(cur: sqlite3.Cursor, path: Path, steps: Sequence[Step]) -> int:
    found: int | None = None
    while True:
        cur.execute("BEGIN IMMEDIATE")  # the version is read under the write lock
        try:
            version = stored_version(cur)
            found = version if found is None else found
            if version > len(steps):
                raise ShotHookError(
                    f"the journal {path} is at schema version {version}, newer than this"
                    f" ShotHook knows (version {len(steps)})",
                    advice="Run a newer ShotHook, or move the file away to start a new journal.",
                )
            if version == len(steps):
                cur.execute("COMMIT")
                return found
            steps[version](cur)
            _store_version(cur, version + 1)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")


def stored_version(cur: sqlite3.Cursor) -> int:
    """The schema version the journal records; 0 for a file with no journal in it yet."""
    has_meta = cur.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        return 0
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return int(row[0]) if row else 0


def _store_version(cur: sqlite3.Cursor, version: int) -> None:
    cur.execute(
        "INSERT INTO meta(key, value) VALUES ('schema', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (version,),
    )


def script(sql: str) -> Step:
    """A step that runs the statements of `sql` in order, in the step's transaction (unlike
    `executescript`, which commits first)."""
    statements = _statements(sql)

    def step(cur: sqlite3.Cursor) -> None:
        for statement in statements:
            cur.execute(statement)

    return step


def _statements(sql: str) -> list[str]:
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"an unfinished SQL statement: {current.strip()[:80]!r}")
    return statements


_v001_first_schema = script(
    """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('seq', 0), ('schema', 1);
CREATE TABLE IF NOT EXISTS sessions(
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    stopped_at TEXT,
    source TEXT NOT NULL,
    storage TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    settings_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shots(
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    tick INTEGER NOT NULL,
    sid TEXT NOT NULL,
    uid INTEGER NOT NULL,
    channel TEXT NOT NULL,
    object_key TEXT NOT NULL,
    captured_utc TEXT NOT NULL,
    code INTEGER NOT NULL,
    msg TEXT NOT NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    spool_path TEXT,
    upload_state TEXT NOT NULL,
    upload_tries INTEGER NOT NULL DEFAULT 0,
    upload_error TEXT NOT NULL DEFAULT '',
    upload_location TEXT NOT NULL DEFAULT '',
    uploaded_at TEXT,
    upload_ms REAL,
    request_id TEXT,
    notify_state TEXT NOT NULL DEFAULT 'waiting',
    callback_url TEXT NOT NULL DEFAULT '',
    payload_json TEXT,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shots_seq ON shots(seq);
CREATE INDEX IF NOT EXISTS shots_request ON shots(request_id);
CREATE INDEX IF NOT EXISTS shots_key ON shots(object_key);
CREATE INDEX IF NOT EXISTS shots_open ON shots(upload_state, notify_state);
CREATE TABLE IF NOT EXISTS thumbnails(
    shot_id INTEGER PRIMARY KEY REFERENCES shots(id),
    jpeg BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts(
    id INTEGER PRIMARY KEY,
    shot_id INTEGER NOT NULL REFERENCES shots(id),
    request_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status INTEGER,
    ms REAL NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    body_excerpt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS attempts_shot ON attempts(shot_id);
CREATE TABLE IF NOT EXISTS callbacks(
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    remote TEXT NOT NULL DEFAULT '',
    request_id TEXT,
    object_key TEXT,
    shot_id INTEGER REFERENCES shots(id),
    delivery INTEGER NOT NULL DEFAULT 1,
    answered INTEGER NOT NULL,
    checksum_ok INTEGER,
    verdict TEXT NOT NULL,
    code INTEGER,
    raw_body TEXT NOT NULL,
    body_size INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS callbacks_seq ON callbacks(seq);
CREATE INDEX IF NOT EXISTS callbacks_shot ON callbacks(shot_id);
CREATE INDEX IF NOT EXISTS callbacks_request ON callbacks(request_id);
"""
)


def _v002_spool_paths_relative(cur: sqlite3.Cursor) -> None:
    """Spool paths relative to the data folder, so a moved data folder keeps its waiting shots.
    Version 1 wrote `<data folder>/spool/<file>` in full (POSIX or Windows); a path of any other
    shape stays as it is."""
    rows = cur.execute("SELECT id, spool_path FROM shots WHERE spool_path IS NOT NULL").fetchall()
    for shot_id, path in rows:
        text = str(path)
        parts = re.split(r"[\\/]", text)
        absolute = text.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", text) is not None
        if absolute and len(parts) >= 2 and parts[-2] == "spool" and parts[-1]:
            cur.execute(
                "UPDATE shots SET spool_path = ? WHERE id = ?", (f"spool/{parts[-1]}", shot_id)
            )


def _v003_thumbnails_once(cur: sqlite3.Cursor) -> None:
    """A round's thumbnail stored once, however many users' shots show it: the pictures move
    to thumbnail_images (one row per distinct JPEG, found by its SHA-256) and thumbnails keeps
    which shot shows which picture."""
    cur.execute("ALTER TABLE thumbnails RENAME TO thumbnails_v2")
    cur.execute(
        "CREATE TABLE thumbnail_images(id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE,"
        " jpeg BLOB NOT NULL)"
    )
    cur.execute(
        "CREATE TABLE thumbnails(shot_id INTEGER PRIMARY KEY REFERENCES shots(id),"
        " image_id INTEGER NOT NULL REFERENCES thumbnail_images(id))"
    )
    cur.execute("CREATE INDEX thumbnails_image ON thumbnails(image_id)")
    for shot_id, jpeg in cur.execute("SELECT shot_id, jpeg FROM thumbnails_v2").fetchall():
        digest = hashlib.sha256(bytes(jpeg)).hexdigest()
        cur.execute(
            "INSERT OR IGNORE INTO thumbnail_images(digest, jpeg) VALUES (?, ?)", (digest, jpeg)
        )
        cur.execute(
            "INSERT INTO thumbnails(shot_id, image_id)"
            " SELECT ?, id FROM thumbnail_images WHERE digest = ?",
            (shot_id, digest),
        )
    cur.execute("DROP TABLE thumbnails_v2")


def _v004_shot_lateness(cur: sqlite3.Cursor) -> None:
    """How late each shot was taken after its slot in the schedule, so the window's plot reads
    it back after a restart (the event that says it is gone by then). NULL where unknown: shots
    journaled before this step, and missed ticks (no frame was taken)."""
    cur.execute("ALTER TABLE shots ADD COLUMN late_ms REAL")


def _v005_shot_md5(cur: sqlite3.Cursor) -> None:
    """The MD5 of each shot's JPEG, so a reconciliation can hold a stored object's ETag
    against the bytes that were uploaded. NULL for shots journaled before this step."""
    cur.execute("ALTER TABLE shots ADD COLUMN md5 TEXT")


_v006_resends = script(
    """
CREATE TABLE resends(
    id INTEGER PRIMARY KEY,
    shot_id INTEGER NOT NULL REFERENCES shots(id),
    at TEXT NOT NULL,
    url TEXT NOT NULL,
    request_id TEXT NOT NULL,
    body TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    delivered INTEGER
);
CREATE INDEX resends_shot ON resends(shot_id);
ALTER TABLE attempts ADD COLUMN resend_id INTEGER REFERENCES resends(id);
"""
)
"""A notification sent again by hand (--resend, the window's Resend): what was sent, where,
and why it differs from the original (`note`); its attempts are attempts rows naming it, so
the shot's own attempts (resend_id NULL) still say how the pipeline did."""


_V007_EXCHANGES = script(
    """
CREATE TABLE exchanges(
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL,
    at TEXT NOT NULL,
    shot_id INTEGER,
    callback_id INTEGER,
    attempt_id INTEGER,
    request_id TEXT,
    object_key TEXT,
    remote TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    http_version TEXT NOT NULL,
    request_headers BLOB NOT NULL,
    request_body BLOB NOT NULL,
    request_size INTEGER NOT NULL,
    status INTEGER,
    response_headers BLOB NOT NULL,
    response_body BLOB NOT NULL,
    response_size INTEGER,
    error TEXT NOT NULL DEFAULT '',
    total_ms REAL,
    connect_ms REAL,
    tls_ms REAL,
    first_byte_ms REAL
);
CREATE INDEX exchanges_shot ON exchanges(shot_id);
CREATE INDEX exchanges_callback ON exchanges(callback_id);
"""
)


def _v007_exchanges(cur: sqlite3.Cursor) -> None:
    """Every HTTP exchange whole, as the inspector shows and exports it: each request the
    embedded webhook received (any method or path, accepted or not: direction 'received',
    `url` its path and query as sent) and each attempt the sender made ('sent', `url` the full
    URL), with every header in order and case (names and values as bytes, each followed by a
    NUL, which HTTP never lets into either; see journal/exchanges.py), the bodies as bytes
    (the first 64 KiB; `*_size` the true length, NULL when unknown) and the times. Correlated
    like callbacks and attempts (shot, requestId, object key) and linked to its row
    (`callback_id`, `attempt_id`); no foreign keys, so pruning needs no order. Indexed by shot
    and callback only: each index costs every request the webhook records, and the inspector
    finds a row's traffic by those two. Journals before this step have no exchanges: their
    rows stay as they were."""
    _V007_EXCHANGES(cur)


def _v008_forwards(cur: sqlite3.Cursor) -> None:
    """--forward-to: a request the embedded webhook sent on is an exchange of direction
    'forwarded' (linked to the received one's callbacks row by `callback_id`, `url` the target);
    `relayed` says whether its answer was the one the sender got (--relay-answer). 0 for every
    exchange journaled before this step (none was forwarded)."""
    cur.execute("ALTER TABLE exchanges ADD COLUMN relayed INTEGER NOT NULL DEFAULT 0")


# Step N takes a journal to version N.
STEPS: tuple[Step, ...] = (
    _v001_first_schema,
    _v002_spool_paths_relative,
    _v003_thumbnails_once,
    _v004_shot_lateness,
    _v005_shot_md5,
    _v006_resends,
    _v007_exchanges,
    _v008_forwards,
)


def journal_unwritable(exc: BaseException) -> bool:
    """Whether a journal write failed for want of disk (SQLITE_FULL, or an I/O error growing
    its write-ahead log) rather than a bug."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR)
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS
