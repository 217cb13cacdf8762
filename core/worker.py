"""``aftersales worker``: the long-running process that runs queued jobs (issue 13).

One loop: make sure the periodic jobs have their rows, run every due job (``core.services.
queue.run_due``), then sleep ``[jobs] poll_seconds``. Several workers, on one machine or on
several against one PostgreSQL, share the queue safely (the claim is the lock). SIGTERM or
Ctrl-C lets the running job finish, then the worker exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from starlette.applications import Starlette

from core.services.queue import (
    Outcome,
    release_orphans,
    run_due,
    sync_periodic,
    worker_name,
)

log = logging.getLogger("aftersales.worker")


def run_worker(app: Starlette, stop: threading.Event, *, poll: float | None = None,
               report: Callable[[Outcome], None] | None = None) -> int:
    """Run jobs until ``stop`` is set; returns how many jobs ran."""
    worker = worker_name()
    poll = poll if poll is not None else app.state.settings.jobs.poll_seconds
    ran = 0
    loops = 0
    for job_id in release_orphans(app):  # a previous worker here was killed mid-job
        log.warning("job %s was interrupted by a stopped worker; it runs again", job_id)
    while not stop.is_set():
        if loops % 30 == 0:  # plugins enabled since the last look get their rows
            sync_periodic(app)
        loops += 1
        try:
            outcomes = run_due(app, worker, stop=stop)
        except Exception:
            log.exception("worker %s: claiming failed; retrying after a pause", worker)
            outcomes = []
        for outcome in outcomes:
            ran += 1
            if report is not None:
                report(outcome)
        if not outcomes:
            stop.wait(poll)
    return ran


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM (systemd, ``make run`` stopping) and SIGINT end the loop after the current
    job."""
    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
