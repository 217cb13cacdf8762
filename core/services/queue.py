"""The durable job queue (issue 13): enqueue work, claim it, run it, retry it.

Why rows and not threads: a web process may be restarted at any time, and several workers
(on several machines against one PostgreSQL) share the work. A job is claimed in its own short
transaction -- ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never pick the
same row and never wait for each other; inside the write lock (``BEGIN IMMEDIATE``) on SQLite
-- and marked ``running`` with a lease. The handler then runs in a second transaction that
also marks the job ``done``, guarded by "this worker still holds the claim", so the work's
effects and its completion commit together or not at all. An error rolls the handler back and
puts the job back ``queued`` with backoff, or ``dead`` after ``max_attempts``.

A claim whose lease lapsed (its worker died) is taken over by the next claim, counting as an
attempt. Periodic jobs (``register_jobs``) are rows keyed ``periodic:<id>`` that go back to
``queued`` at their next due time.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import set_actor
from core.db import utcnow
from core.entities import QueuedJob
from core.errors import Conflict, DomainError, NotFound
from core.hooktypes import Job, JobKind
from core.i18n import N_
from core.services.locking import lock_row

log = logging.getLogger("aftersales.jobs")

#: The app (``core.app.create_app``): only its ``state`` (sessionmaker, settings, registry) is
#: used, so services stay free of the web layer.
Starlette = Any
PERIODIC = "periodic:"
MAX_BACKOFF = timedelta(hours=6)
_counter = count(1)


def worker_name() -> str:
    """A claim owner's id: host, process and a per-process counter (threads differ too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}:" \
        f"{next(_counter)}"


def _registry(session: Session) -> Any:
    return session.info.get("registry")


def enqueue(session: Session, kind: str, payload: Mapping[str, Any] | None = None, *,
            due: datetime | None = None, max_attempts: int | None = None,
            unique_key: str | None = None) -> QueuedJob:
    """Queue ``kind`` to run once with ``payload`` (plain JSON), not before ``due``.

    Written in the caller's transaction: the job exists exactly when its cause commits.
    ``kind`` must be registered (``register_job_kinds``); a payload that is not JSON, an
    unknown kind or a ``unique_key`` already queued raise ``DomainError``/``Conflict``.
    """
    registry = _registry(session)
    spec: JobKind | None = registry.job_kinds.get(kind) if registry is not None else None
    if registry is not None and spec is None:
        raise DomainError(N_("Unknown job kind %(kind)r."), params={"kind": kind}, field="kind")
    data = dict(payload or {})
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise DomainError(N_("A job's payload must be plain JSON."), field="payload") from exc
    if unique_key is not None and session.scalar(
            select(QueuedJob.id).where(QueuedJob.unique_key == unique_key)) is not None:
        raise Conflict(N_("That work is already queued."))
    job = QueuedJob(kind=kind, payload=data, state="queued", due_at=due or utcnow(),
                    attempts=0, last_error="", result="", locked_by="",
                    max_attempts=max_attempts or (spec.max_attempts if spec else 5),
                    unique_key=unique_key)
    session.add(job)
    session.flush()
    return job


def _known_kinds(app: Starlette) -> list[str]:
    registry = app.state.registry
    return [*registry.job_kinds, *(PERIODIC + job_id for job_id in registry.jobs)]


def sync_periodic(app: Starlette) -> int:
    """Make sure every registered periodic job has its row (due now when new); returns how
    many rows were added. Safe to run from several workers at once (unique key)."""
    added = 0
    for job in app.state.registry.jobs.values():
        key = PERIODIC + job.id
        with app.state.sessionmaker() as session:
            if session.scalar(select(QueuedJob.id).where(QueuedJob.unique_key == key)):
                continue
            session.add(QueuedJob(kind=key, payload={}, state="queued", due_at=utcnow(),
                                  attempts=0, max_attempts=0, last_error="", result="",
                                  locked_by="", unique_key=key))
            try:
                session.commit()
                added += 1
            except IntegrityError:
                session.rollback()
    return added


def process_alive(pid: int) -> bool:
    """Whether a process of this machine still runs (a claim's owner, for instance)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


def release_orphans(app: Starlette) -> list[int]:
    """Jobs left ``running`` by a process of this machine that no longer exists (killed,
    crashed, machine restarted) are released at once instead of after their lease: called
    when a worker starts and by ``tick``. Returns their ids; the next claim runs them again
    as an interrupted attempt."""
    host = socket.gethostname()
    released: list[int] = []
    with app.state.sessionmaker() as session:
        running = session.scalars(select(QueuedJob).where(
            QueuedJob.state == "running", QueuedJob.locked_by.like(f"{host}:%")))
        for job in running:
            try:
                pid = int(job.locked_by.split(":")[1])
            except (IndexError, ValueError):
                continue
            if pid != os.getpid() and not process_alive(pid):
                job.lease_until = utcnow() - timedelta(seconds=1)
                released.append(job.id)
        session.commit()
    return released


def periodic_due_now(app: Starlette) -> None:
    """Make every waiting periodic job due now: ``tick`` from cron runs each one per call
    (cron sets the cadence), as it always did."""
    with app.state.sessionmaker() as session:
        session.execute(update(QueuedJob)
                        .where(QueuedJob.state == "queued",
                               QueuedJob.kind.like(f"{PERIODIC}%"))
                        .values(due_at=utcnow())
                        .execution_options(synchronize_session=False))
        session.commit()


def claim(app: Starlette, worker: str, now: datetime | None = None) -> int | None:
    """Claim the next due job for ``worker`` and return its id (``None``: nothing due).

    Due means ``queued`` with ``due_at`` passed, or ``running`` with a lapsed lease (its
    worker died). Only kinds this app knows are claimed, so a worker without a plugin leaves
    that plugin's jobs to the workers that have it.
    """
    now = now or utcnow()
    lease = timedelta(minutes=app.state.settings.jobs.lease_minutes)
    with app.state.sessionmaker() as session:
        statement = (
            select(QueuedJob)
            .where(QueuedJob.kind.in_(_known_kinds(app)),
                   or_(and_(QueuedJob.state == "queued", QueuedJob.due_at <= now),
                       and_(QueuedJob.state == "running", QueuedJob.lease_until < now)))
            .order_by(QueuedJob.due_at, QueuedJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job = session.scalars(statement).first()
        if job is None:
            session.rollback()
            return None
        interrupted = job.state == "running"
        job.attempts += 1
        if interrupted:
            job.last_error = f"interrupted: the worker {job.locked_by} stopped mid-run"
            if 0 < job.max_attempts < job.attempts:
                job.state, job.finished_at, job.locked_by = "dead", now, ""
                session.commit()
                return claim(app, worker, now)
        job.state, job.locked_by, job.started_at = "running", worker, now
        job.lease_until = now + lease
        session.commit()
        return job.id


def _backoff(app: Starlette, attempts: int) -> timedelta:
    base = app.state.settings.jobs.backoff_seconds
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _still_mine(session: Session, job_id: int, worker: str, values: dict[str, Any]) -> bool:
    """Finish the job only while this worker holds the claim (a lapsed lease may have been
    taken over; then this run's effects are rolled back, never committed twice)."""
    moved = session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == job_id, QueuedJob.state == "running",
               QueuedJob.locked_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return moved == 1


@dataclass(frozen=True)
class Outcome:
    job_id: int
    kind: str
    state: str
    summary: str


def run_claimed(app: Starlette, job_id: int, worker: str) -> Outcome:
    """Run a job this worker has claimed, then record done / retry / dead."""
    registry = app.state.registry
    settings = app.state.settings
    with app.state.sessionmaker() as session:
        job = session.get(QueuedJob, job_id)
        assert job is not None
        kind, payload, attempts = job.kind, dict(job.payload or {}), job.attempts
        max_attempts = job.max_attempts
        periodic: Job | None = registry.jobs.get(kind[len(PERIODIC):]) \
            if kind.startswith(PERIODIC) else None
        spec: JobKind | None = registry.job_kinds.get(kind)
        set_actor(session, None, f"job:{kind.removeprefix(PERIODIC)}", "local")
        try:
            now = utcnow()
            if periodic is not None:
                summary = str(periodic.run(session, settings, now))
            elif spec is not None:
                summary = str(spec.run(session, payload, settings))
            else:  # pragma: no cover - claim only picks known kinds
                raise RuntimeError(f"no handler for job kind {kind!r}")
            finished = utcnow()
            values: dict[str, Any] = {"result": summary[:500], "finished_at": finished,
                                      "locked_by": "", "lease_until": None,
                                      "last_error": ""}
            if periodic is not None:
                values.update(state="queued", attempts=0,
                              due_at=now + timedelta(minutes=periodic.every_minutes))
                state = "queued"
            else:
                values["state"] = state = "done"
            if not _still_mine(session, job_id, worker, values):
                session.rollback()
                return Outcome(job_id, kind, "lost", "the claim was taken over; rolled back")
            session.commit()
            return Outcome(job_id, kind, state, summary)
        except Exception as exc:
            session.rollback()
            error = f"{type(exc).__name__}: {exc}"
            log.warning("job %s (%s) failed: %s\n%s", job_id, kind, error,
                        traceback.format_exc())
    return _record_failure(app, job_id, worker, kind, payload, attempts, max_attempts,
                           error, periodic, spec)


def _record_failure(app: Starlette, job_id: int, worker: str, kind: str,
                    payload: dict[str, Any], attempts: int, max_attempts: int, error: str,
                    periodic: Job | None, spec: JobKind | None) -> Outcome:
    now = utcnow()
    dead = periodic is None and 0 < max_attempts <= attempts
    values: dict[str, Any] = {"last_error": error[:4000], "finished_at": now,
                              "locked_by": "", "lease_until": None}
    if dead:
        values["state"] = "dead"
    else:
        delay = _backoff(app, attempts)
        if periodic is not None:
            delay = min(delay, timedelta(minutes=periodic.every_minutes))
        values.update(state="queued", due_at=now + delay)
    with app.state.sessionmaker() as session:
        set_actor(session, None, f"job:{kind}", "local")
        if not _still_mine(session, job_id, worker, values):
            session.rollback()
            return Outcome(job_id, kind, "lost", error)
        if spec is not None and spec.on_failure is not None:
            spec.on_failure(session, payload, error, dead)
        session.commit()
    return Outcome(job_id, kind, values["state"], error)


def run_due(app: Starlette, worker: str | None = None, limit: int | None = None,
            stop: threading.Event | None = None) -> list[Outcome]:
    """Claim and run due jobs until none is left (or ``limit`` ran, or ``stop`` is set)."""
    worker = worker or worker_name()
    outcomes: list[Outcome] = []
    while limit is None or len(outcomes) < limit:
        if stop is not None and stop.is_set():
            break
        job_id = claim(app, worker)
        if job_id is None:
            break
        outcomes.append(run_claimed(app, job_id, worker))
    return outcomes


# --- the admin jobs page's actions --------------------------------------------------------


def retry_job(session: Session, job_id: int) -> QueuedJob:
    """Put a dead, cancelled or waiting job back in the queue, due now, with fresh attempts."""
    job = lock_row(session, QueuedJob, job_id)
    if job is None:
        raise NotFound(N_("No such job."))
    if job.state not in ("dead", "cancelled", "queued"):
        raise Conflict(N_("Only a dead, cancelled or waiting job can be retried."))
    job.state, job.due_at, job.attempts = "queued", utcnow(), 0
    return job


def cancel_job(session: Session, job_id: int) -> QueuedJob:
    """Cancel a job that is waiting (a running one finishes; a periodic one cannot be)."""
    job = lock_row(session, QueuedJob, job_id)
    if job is None:
        raise NotFound(N_("No such job."))
    if job.state != "queued" or job.kind.startswith(PERIODIC):
        raise Conflict(N_("Only a waiting, non-periodic job can be cancelled."))
    job.state, job.finished_at = "cancelled", utcnow()
    return job
