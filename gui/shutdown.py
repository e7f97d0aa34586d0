"""Closing the window as named steps (gui/steps.py), in two phases the controller runs:

1. `closing_steps`, when the window is asked to close: nothing new starts, blocking calls stop
   being waited on, the settings waiting for their save delay are saved, every worker is asked
   to stop, then the engine closes on `control` (the session, its workers and the webhook, within
   ENGINE_CLOSE_TIMEOUT_S), with a deadline (CLOSE_DEADLINE_MS) after which phase 2 runs anyway.
2. `finishing_steps`, once the engine has closed, failed to, or the deadline passed: the task
   queues stop and every worker and queue is joined (JOIN_TIMEOUT_S each), then the window
   closes. What is still running after that is the controller's to report (`closed`).

Every wait is bounded, so closing ends however the engine behaves; a step that fails is
reported (logged with its traceback) and the steps after it still run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from gui.main_window import RunState
from gui.steps import Step

if TYPE_CHECKING:
    from gui.controller import AppController

ENGINE_CLOSE_TIMEOUT_S = 4.0
CLOSE_DEADLINE_MS = 9000  # the engine's close, plus the queue ahead of it on `control`
JOIN_TIMEOUT_S = 2.0


def closing_steps(c: AppController) -> list[Step]:
    return [
        Step("abandon blocking calls", c.closing_token.set),
        Step("show closing", lambda: c.window.set_state(RunState.CLOSING)),
        Step("stop polling the source", c.status_timer.stop),
        Step("save unsaved settings", lambda: save_unsaved_settings(c)),
        Step("ask the workers to stop", lambda: ask_workers_to_stop(c)),
        Step("close the engine", lambda: close_engine(c)),
        Step("set the close deadline", lambda: set_close_deadline(c)),
    ]


def finishing_steps(c: AppController) -> list[Step]:
    return [
        Step("stop the task queues", lambda: stop_task_queues(c)),
        Step("join the workers", lambda: join_workers(c)),
        Step("join the task queues", lambda: join_task_queues(c)),
        Step("close the detail reader", lambda: close_detail_reader(c)),
        Step("close the window", lambda: close_window(c)),
    ]


# -- closing -------------------------------------------------------------------------------------


def save_unsaved_settings(c: AppController) -> None:
    """An edit still inside its save delay is saved now (on `io`, joined in phase 2)."""
    if c.save_timer.isActive():
        c.save_timer.stop()
        c.save_settings()


def ask_workers_to_stop(c: AppController) -> None:
    for worker in c.workers:
        worker.request_stop()


def close_engine(c: AppController) -> None:
    def failed(exc: BaseException) -> None:
        c.reporter.report("closing", exc)
        c.finish(["engine"])

    c.control.submit(
        lambda: c.engine.close(ENGINE_CLOSE_TIMEOUT_S), on_done=c.finish, on_error=failed
    )


def set_close_deadline(c: AppController) -> None:
    QTimer.singleShot(CLOSE_DEADLINE_MS, c, lambda: c.finish(["engine (timed out)"]))


# -- finishing -----------------------------------------------------------------------------------


def stop_task_queues(c: AppController) -> None:
    for queue in c.queues:
        queue.stop()


def join_workers(c: AppController) -> None:
    for worker in c.workers:
        worker.join(JOIN_TIMEOUT_S)


def join_task_queues(c: AppController) -> None:
    for queue in c.queues:
        queue.join(JOIN_TIMEOUT_S)


def close_detail_reader(c: AppController) -> None:
    if c.detail_reader is not None:
        c.detail_reader.close()


def close_window(c: AppController) -> None:
    c.window.allow_close()
    c.window.close()
