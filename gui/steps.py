"""Start-up and closing as lists of small named steps, run in order (gui/startup.py,
gui/shutdown.py), in the shape of Dangerzone's start-up tasks: each step can be run and tested
alone, the log says which step ran (at debug level), and a step that raises is reported through
the window's crash handler (gui/errors.py) naming the phase and the step, while the steps after
it still run: a window whose camera listing failed must still come up, and a close whose
settings flush failed must still stop every thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from capture.logs import get_logger

_log = get_logger(__name__)

Report = Callable[[str, BaseException], None]  # ErrorReporter.report: where, what went wrong


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], object]


def run_steps(phase: str, steps: Sequence[Step], report: Report) -> list[str]:
    """Run `steps` in order on this thread; a failure is reported as `phase: step name`. Returns
    the names of the steps that failed."""
    failed: list[str] = []
    for step in steps:
        _log.debug("%s: %s", phase, step.name)
        try:
            step.run()
        except Exception as exc:  # reported, never swallowed; the next step still runs
            report(f"{phase}: {step.name}", exc)
            failed.append(step.name)
    return failed
