"""Headless mode: the engine on plain threads, events as JSON lines, progress on stderr.

The exit status is an `Exit` (capture/cli/exits.py). Shots left unfinished in the spool fail
the run (for example stopped by a signal while an upload hung: it is abandoned and resumes on
the next start), and so does an unexpected error, shown on stderr and written to the data
folder's shothook.log. A damaged journal is refused before anything runs (Exit.CONFIG),
naming the file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, TextIO

from capture.cli import query as query_command
from capture.cli import reconcile, wording
from capture.cli import report as report_command
from capture.cli.exits import Exit
from capture.cli.flags import (
    answer_mode_from_args,
    parse_count,
    parse_keep_days,
    parse_seconds,
    parse_spool_cap,
    parse_spool_keep,
    query_asked,
    relay_answer_from_args,
    settings_from_args,
)
from capture.conformance import command as conformance_command
from capture.conformance.suite import SuiteReport
from capture.engine import DataDirFull, Engine
from capture.errors import (
    ConfigError,
    ShotHookError,
    SourceError,
    describe,
    install_excepthooks,
    print_crash,
)
from capture.events import Event, Fanout, JsonLinesWriter
from capture.journal.schema import JournalDamaged
from capture.load import command as load_command
from capture.logs import get_logger, start_logging
from capture.paths import DataDir
from capture.receiver.answers import AnswerMode
from capture.settings.model import Settings
from capture.settings.words import on_command_line
from capture.sources import FrameSource, make_source, open_auto
from capture.storage import make_storage
from capture.storage.base import warnings_in

if TYPE_CHECKING:  # loaded with the session (aiohttp), when a capture starts
    from capture.shooting.session import Session

FIRST_FRAME_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
SIGNAL_DRAIN_S = 5.0
DRAIN_SLICE_S = 0.25  # how often the final wait looks for a signal

_log = get_logger(__name__)


@dataclass(frozen=True)
class Options:
    """A headless run's checked flags."""

    settings: Settings
    count: int | None
    drain: float
    spool_cap: int
    spool_keep: int
    keep_days: int
    answer: AnswerMode
    webhook_only: bool
    relay_answer: bool = False


def run(args: argparse.Namespace, stderr: TextIO = sys.stderr) -> Exit:
    unread = _report_unread(args)
    if unread:
        print(f"shothook: --report: {unread}.", file=stderr)
        return Exit.CONFIG
    if args.load is not None or args.duration is not None:
        return _load(args, stderr)
    if args.conformance is not None:
        return _conformance(args, stderr)
    if query_asked(args):
        return query_command.run(args, sys.stdout, stderr)
    if args.export is not None or args.export_keep_auth:
        from capture.cli import export

        return export.run(args, stderr)
    if args.resend is not None or args.to is not None or args.new_request_id:
        from capture.cli import resend  # loads aiohttp, as a capture does

        return resend.run(args, stderr)
    try:
        settings = settings_from_args(args)
        options = Options(
            settings=settings,
            count=parse_count(args.count),
            drain=parse_seconds("drain_timeout", args.drain_timeout),
            spool_cap=parse_spool_cap(args.spool_cap_mb),
            spool_keep=parse_spool_keep(args.spool_keep_mb),
            keep_days=parse_keep_days(args.keep_days),
            answer=answer_mode_from_args(args),
            webhook_only=bool(args.webhook_only),
            relay_answer=relay_answer_from_args(args, settings.callback.forward_to),
        )
        data_dir = _data_dir(args.data_dir)
        report_command.check(args)
        event_stream = _open_events(None if args.check_storage or args.reconcile else args.events)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    if args.check_storage:
        return _check_storage(settings, data_dir, stderr)
    if args.reconcile or report_command.asked(args):
        return _from_journal(args, data_dir, stderr)
    with (
        event_stream as stream,
        _crash_reporting(data_dir, stderr) as crashes,
        _stop_on_signals() as stop,
    ):
        sink = Fanout(Progress(stderr), _log_event)
        if stream is not None:
            sink.add(JsonLinesWriter(stream))
        code = _run_engine(options, data_dir, sink, stop, stderr)
        code = _report_after(args, options, data_dir, code, stderr)
        if crashes.count and code == Exit.OK:
            code = Exit.FAILED
        if crashes.count:
            print(f"shothook: {crashes.count} unexpected error(s); see {data_dir.log}", file=stderr)
        return code


def _from_journal(args: argparse.Namespace, data_dir: DataDir, stderr: TextIO) -> Exit:
    """--reconcile, or a report or bundle written from the journal: nothing captures."""
    if args.reconcile:
        return reconcile.run(args, data_dir, stderr)
    return report_command.run(args, data_dir, stderr)


def _report_after(
    args: argparse.Namespace, options: Options, data_dir: DataDir, code: Exit, stderr: TextIO
) -> Exit:
    """--report after a capture run (not after one refused before it ran): a report that
    cannot be written fails a run that would have passed."""
    if args.report is None or options.webhook_only or code == Exit.CONFIG:
        return code
    written = report_command.after_run(args, data_dir, stderr)
    return Exit.FAILED if not written and code == Exit.OK else code


def _run_engine(
    options: Options, data_dir: DataDir, sink: Fanout, stop: threading.Event, stderr: TextIO
) -> Exit:
    try:
        engine = Engine(
            data_dir,
            sink,
            spool_cap_bytes=options.spool_cap,
            spool_keep_bytes=options.spool_keep,
            keep_days=options.keep_days,
        )
    except (JournalDamaged, DataDirFull) as exc:  # for the user to act on before anything runs
        print(f"shothook: {exc}", file=stderr)
        return Exit.CONFIG
    except ShotHookError as exc:
        print(f"shothook: {exc}", file=stderr)
        return Exit.FAILED
    try:
        if options.webhook_only:
            return _webhook_only(engine, options, stop, stderr)
        return _capture(engine, options, stop, stderr)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    except SourceError as exc:
        print(f"shothook: --source: {exc}", file=stderr)
        return Exit.CONFIG
    except ShotHookError as exc:
        print(f"shothook: {exc}", file=stderr)
        return Exit.FAILED
    finally:
        stuck = engine.close(STOP_TIMEOUT_S)
        if stuck:
            print(f"shothook: still running at exit: {', '.join(stuck)}", file=stderr)


def _capture(engine: Engine, options: Options, stop: threading.Event, stderr: TextIO) -> Exit:
    settings = options.settings
    source = _open_source(settings.capture.source)
    engine.use_source(source, already_open=True)
    if engine.slot.wait_newer(-1, FIRST_FRAME_TIMEOUT_S) is None:
        raise SourceError(f"{source.label} opened but gave no frame in {FIRST_FRAME_TIMEOUT_S:g} s")
    if not settings.callback.url:
        _start_webhook(engine, settings, options.answer, relay=options.relay_answer)
    session = engine.start_session(settings, count=options.count)
    progress = session.progress
    while not stop.is_set() and not progress.wait_for(lambda p: p.capture_done, 0.25):
        pass
    session.stop_capture()  # on a signal, no new shot may start while the last ones finish
    settled = _drain(session, options.drain, stop)
    if not settled:
        pause, trouble = session.uploads.pause, session.uploads.trouble
        summary = progress.summary()
        if pause is not None:
            why = f"uploads paused: {pause.message}. {pause.advice}"
        elif trouble:
            why = f"storage unreachable: {trouble}"
        elif stop.is_set():
            why = f"stopped by a signal after waiting {SIGNAL_DRAIN_S:g} s for them"
        else:
            why = "time ran out"
        print(
            f"shothook: {summary['pending_uploads']} upload(s) and "
            f"{summary['pending_notifications']} notification(s) unfinished ({why}); "
            f"they stay in the spool at {engine.spool.folder} and resume on the next start",
            file=stderr,
        )
    engine.stop_session(STOP_TIMEOUT_S)
    return Exit.OK if session.succeeded else Exit.FAILED


def _drain(session: Session, timeout: float, stop: threading.Event) -> bool:
    """Waits up to `timeout` (inf: for ever) for what was taken to be stored and notified; a
    signal, before or during the wait, ends it within SIGNAL_DRAIN_S. True if all settled."""
    deadline = time.monotonic() + (SIGNAL_DRAIN_S if stop.is_set() else timeout)
    signalled = stop.is_set()
    while True:
        now = time.monotonic()
        if stop.is_set() and not signalled:
            signalled, deadline = True, min(deadline, now + SIGNAL_DRAIN_S)
        if now >= deadline:
            return session.progress.settled
        if session.drain(min(deadline - now, DRAIN_SLICE_S)):
            return True
        if session.uploads.pause is not None:
            return False


def _start_webhook(
    engine: Engine, settings: Settings, answer: AnswerMode, *, relay: bool = False
) -> str:
    cb = settings.callback
    server = engine.start_webhook(
        cb.webhook_host,
        cb.webhook_port,
        public_url=cb.public_url,
        mode=answer,
        forward_to=cb.forward_to,
        relay_answer=relay,
    )
    return server.url


def _open_source(spec: str) -> FrameSource:
    if spec == "auto":
        return open_auto()
    source = make_source(spec)
    source.open()
    return source


def _webhook_only(engine: Engine, options: Options, stop: threading.Event, stderr: TextIO) -> Exit:
    url = _start_webhook(engine, options.settings, options.answer, relay=options.relay_answer)
    answering = options.answer.describe()
    if target := options.settings.callback.forward_to:
        relaying = "relaying its answer" if options.relay_answer else answering
        answering = f"forwarding to {target}, {relaying}"
    print(
        f"shothook: webhook only, on {url} ({answering}); Ctrl+C to stop",
        file=stderr,
        flush=True,
    )
    stop.wait()
    print("shothook: webhook stopped", file=stderr, flush=True)
    return Exit.OK


def _load(args: argparse.Namespace, stderr: TextIO) -> Exit:
    """--load: --users counts connections here, not publishers, so the capture settings are
    read without it."""
    try:
        settings = settings_from_args(argparse.Namespace(**{**vars(args), "users": None}))
        plan = load_command.parse(args, settings)
    except ConfigError as exc:
        print(f"shothook: {exc}", file=stderr)
        return Exit.CONFIG
    tally = load_command.execute(plan, stderr)
    return Exit.OK if tally.all_good else Exit.FAILED


def _report_unread(args: argparse.Namespace) -> str:
    """Why --report would be ignored in the mode asked ('' when it is read): a report is of a
    capture run, a session or time range from the journal, or a conformance run."""
    modes = {
        "--load": args.load is not None,
        "--query": query_asked(args),
        "--check-storage": bool(args.check_storage),
        "--export": args.export is not None,
        "--resend": args.resend is not None,
        "--reconcile": bool(args.reconcile),
    }
    chosen = next((flag for flag, on in modes.items() if on), "")
    if args.report is None or not chosen:
        return ""
    return f"not with {chosen} (a report is of a capture run, --session, --since or --conformance)"


def _conformance(args: argparse.Namespace, stderr: TextIO) -> Exit:
    """--conformance: the URL graded is the callbackAddr, so --callback-url is not read."""
    try:
        settings = settings_from_args(args)
        job = conformance_command.parse(args, settings)
        data_dir = _data_dir(args.data_dir)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    with _crash_reporting(data_dir, stderr) as crashes:
        outcome = _grade(job, settings, data_dir, stderr)
        written = conformance_command.write_files(job, outcome, stderr)
    return Exit.OK if outcome.ok and written and not crashes.count else Exit.FAILED


def _grade(
    job: conformance_command.Conformance, settings: Settings, data_dir: DataDir, stderr: TextIO
) -> SuiteReport:
    try:
        storage = make_storage(settings.storage, data_dir.storage)
    except ShotHookError as exc:
        print(f"shothook: pictures not uploaded: {describe(exc)}", file=stderr)
        return conformance_command.execute(job, None, stderr)
    try:
        return conformance_command.execute(job, storage, stderr)
    finally:
        storage.close()


def _check_storage(settings: Settings, data_dir: DataDir, stderr: TextIO) -> Exit:
    storage = make_storage(settings.storage, data_dir.storage)
    print(f"checking {storage.label}", file=stderr)
    try:
        steps = storage.check()
    finally:
        storage.close()
    for step in steps:
        mark = "warn" if step.warning else "ok  " if step.ok else "FAIL"
        print(f"  {mark} {step.name}: {step.detail} ({step.ms:.0f} ms)", file=stderr)
        if step.advice:
            print(f"       {'note' if step.warning else 'fix'}: {step.advice}", file=stderr)
    ok = bool(steps) and all(step.ok for step in steps)
    flagged = warnings_in(steps)
    verdict = f"storage works ({flagged} warning(s))" if flagged else "storage works"
    print(verdict if ok else "storage check failed", file=stderr)
    return Exit.OK if ok else Exit.FAILED


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM; the previous handlers come back afterwards."""
    stop = threading.Event()

    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _data_dir(given: str | None) -> DataDir:
    data_dir = DataDir.resolve(given)
    try:
        return data_dir.create()
    except OSError as exc:
        rule = f"a folder ShotHook can create and write ({exc.strerror or exc})"
        raise ConfigError("data_dir", rule, str(data_dir.root)) from None


def _open_events(target: str | None) -> contextlib.AbstractContextManager[IO[str] | None]:
    """Where `--events` goes: nowhere, stdout ('-'), or a file opened now for appending."""
    if target is None or target == "-":
        return contextlib.nullcontext(sys.stdout if target else None)
    stream: IO[str] | None = None
    try:
        stream = open(target, "a", encoding="utf-8")  # noqa: SIM115 - the caller's `with`
        os.write(stream.fileno(), b"")  # writes nothing, but /dev/full and the like refuse it
    except OSError as exc:
        if stream is not None:
            stream.close()
        rule = f"a file that can be written, or - for stdout ({exc.strerror or exc})"
        raise ConfigError("events", rule, target) from None
    return stream


class CrashReporter:
    """Where unexpected errors go in headless mode: stderr and the data folder's log."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, where: str, exc: BaseException) -> None:
        with self._lock:
            self.count += 1
        print_crash(where, exc, self._stream)


@contextlib.contextmanager
def _crash_reporting(data_dir: DataDir, stderr: TextIO) -> Iterator[CrashReporter]:
    """Log to <data dir>/shothook.log and report every unexpected error there and on stderr,
    for the length of the run (the previous hooks and handlers come back afterwards)."""
    stop_logging = start_logging(data_dir.log)  # no console: stderr has the progress lines
    reporter = CrashReporter(stderr)
    restore = install_excepthooks(reporter)
    try:
        yield reporter
    finally:
        restore()
        stop_logging()


def _log_event(event: Event) -> None:
    """The progress lines go to the log file too, so it tells the story of every run."""
    text = wording.line(event)
    if text:
        _log.info("%s", text.strip())


class Progress:
    """Human-readable progress lines on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        text = wording.line(event)
        if text:
            with self._lock:
                print(text, file=self._stream, flush=True)
