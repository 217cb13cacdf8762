"""The durable job queue (issue 13): enqueue, claim, retry with backoff, dead, periodic rows,
lapsed leases, two workers in parallel on both backends, ``tick``/``worker`` and the jobs page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.db import utcnow
from core.entities import AuditEvent, QueuedJob
from core.errors import Conflict, DomainError
from core.hooktypes import Job, JobKind
from core.services.queue import (
    claim,
    enqueue,
    run_claimed,
    run_due,
    sync_periodic,
)
from core.worker import run_worker
from tests.core.test_hooks import Install
from tests.support import Harness

ADMIN = "hq-admin"


def _kinds(runs: list[Any], fail_first: int = 0,
           failures: list[tuple[Any, bool]] | None = None) -> Callable[[], list[JobKind]]:
    calls = {"n": 0}

    def echo(session: Any, payload: dict[str, Any], settings: Any) -> str:
        calls["n"] += 1
        if calls["n"] <= fail_first:
            raise RuntimeError(f"boom {calls['n']}")
        runs.append(payload["n"])
        return f"echo {payload['n']}"

    def on_failure(session: Any, payload: dict[str, Any], error: str, dead: bool) -> None:
        if failures is not None:
            failures.append((payload["n"], dead))

    return lambda: [JobKind("qt.echo", "Echo", echo, max_attempts=3, on_failure=on_failure)]


def test_hook_register_job_kinds(install: Install, make_app: Callable[..., Harness]) -> None:
    runs: list[int] = []
    install("qt", register_job_kinds=_kinds(runs))
    h = make_app(plugins=["qt"])
    with h.session() as session:
        job = enqueue(session, "qt.echo", {"n": 7})
        later = enqueue(session, "qt.echo", {"n": 8}, due=utcnow() + timedelta(hours=1))
        session.commit()
        with pytest.raises(DomainError):
            enqueue(session, "qt.nope", {})
        with pytest.raises(DomainError):
            enqueue(session, "qt.echo", {"when": datetime.now()})
        session.rollback()
    outcomes = run_due(h.app)
    assert [(o.job_id, o.state, o.summary) for o in outcomes] == [(job.id, "done", "echo 7")]
    assert runs == [7]
    assert run_due(h.app) == []  # nothing else is due; the later one waits
    with h.session() as session:
        done = session.get(QueuedJob, job.id)
        assert done is not None and done.state == "done" and done.attempts == 1
        assert done.result == "echo 7" and done.locked_by == ""
        assert session.get(QueuedJob, later.id).state == "queued"  # type: ignore[union-attr]


def test_unique_key_refuses_a_second_live_job(install: Install,
                                              make_app: Callable[..., Harness]) -> None:
    install("qt", register_job_kinds=_kinds([]))
    h = make_app(plugins=["qt"])
    with h.session() as session:
        enqueue(session, "qt.echo", {"n": 1}, unique_key="import:1")
        with pytest.raises(Conflict):
            enqueue(session, "qt.echo", {"n": 1}, unique_key="import:1")


def test_failures_retry_with_backoff_then_die(install: Install,
                                              make_app: Callable[..., Harness]) -> None:
    runs: list[int] = []
    failures: list[tuple[int, bool]] = []
    install("qt", register_job_kinds=_kinds(runs, fail_first=99, failures=failures))
    h = make_app(plugins=["qt"], jobs={"backoff_seconds": 60})
    with h.session() as session:
        job_id = enqueue(session, "qt.echo", {"n": 1}).id
        session.commit()
    before = utcnow()
    [first] = run_due(h.app)
    assert first.state == "queued" and "RuntimeError: boom 1" in first.summary
    with h.session() as session:
        job = session.get(QueuedJob, job_id)
        assert job is not None and job.attempts == 1 and "boom 1" in job.last_error
        assert job.due_at >= before + timedelta(seconds=59)  # backoff: not due again yet
    assert run_due(h.app) == []
    for attempt, expected_delay in ((2, 120), (3, None)):
        with h.session() as session:
            session.execute(update(QueuedJob).values(due_at=utcnow()))
            session.commit()
        start = utcnow()
        [outcome] = run_due(h.app)
        with h.session() as session:
            job = session.get(QueuedJob, job_id)
            assert job is not None and job.attempts == attempt
            if expected_delay:
                assert outcome.state == "queued"
                assert job.due_at >= start + timedelta(seconds=expected_delay - 1)
            else:
                assert outcome.state == "dead" and job.state == "dead"
    assert failures == [(1, False), (1, False), (1, True)]
    assert runs == []
    with h.session() as session:
        session.execute(update(QueuedJob).values(due_at=utcnow()))
        session.commit()
    assert run_due(h.app) == []  # dead stays dead


def test_handler_effects_and_done_commit_together(install: Install,
                                                  make_app: Callable[..., Harness]) -> None:
    """A failing handler's writes are rolled back; a lapsed claim's run commits nothing."""
    from core import audit

    def write_then_fail(session: Any, payload: dict[str, Any], settings: Any) -> str:
        audit.record(session, "qt", payload["n"], "touched")
        if payload["n"] == 1:
            raise ValueError("after writing")
        return "wrote"

    install("qt", register_job_kinds=lambda: [JobKind("qt.write", "W", write_then_fail)])
    h = make_app(plugins=["qt"])
    with h.session() as session:
        enqueue(session, "qt.write", {"n": 1})
        second = enqueue(session, "qt.write", {"n": 2}).id
        session.commit()
    run_due(h.app, limit=1)

    def touched() -> int:
        with h.session() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.entity == "qt")) or 0)

    assert touched() == 0
    # worker A claims the second job, its lease lapses, worker B takes it over and runs it
    assert claim(h.app, "worker-a") == second
    with h.session() as session:
        session.execute(update(QueuedJob).where(QueuedJob.id == second)
                        .values(lease_until=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert claim(h.app, "worker-b") == second
    with h.session() as session:
        job = session.get(QueuedJob, second)
        assert job is not None and job.attempts == 2 and "interrupted" in job.last_error
    late = run_claimed(h.app, second, "worker-a")
    assert late.state == "lost" and touched() == 0
    assert run_claimed(h.app, second, "worker-b").state == "done"
    assert touched() == 1


def test_periodic_jobs_are_rows_that_reschedule(install: Install,
                                                make_app: Callable[..., Harness]) -> None:
    runs: list[datetime] = []

    def tick(session: Any, settings: Any, now: datetime) -> str:
        runs.append(now)
        return f"ran {len(runs)}"

    install("qp", register_jobs=lambda: [Job("qp.tick", "Tick", tick, every_minutes=15)])
    h = make_app(plugins=["qp"])
    h.app.state.registry.jobs.pop("core.turnaround")  # only this plugin's job here
    assert sync_periodic(h.app) == 1
    assert sync_periodic(h.app) == 0
    [outcome] = run_due(h.app)
    assert outcome.kind == "periodic:qp.tick" and outcome.state == "queued"
    assert run_due(h.app) == []
    with h.session() as session:
        row = session.scalars(select(QueuedJob)).one()
        assert row.state == "queued" and row.result == "ran 1"
        assert row.due_at - runs[0] >= timedelta(minutes=15) - timedelta(seconds=1)
        row.due_at = utcnow()
        session.commit()
    assert [o.summary for o in run_due(h.app)] == ["ran 2"]


def test_two_workers_never_run_one_job_twice(install: Install,
                                             make_app: Callable[..., Harness],
                                             backend: str) -> None:
    runs: list[int] = []
    lock = threading.Lock()

    def slow_echo(session: Any, payload: dict[str, Any], settings: Any) -> str:
        time.sleep(0.005)
        with lock:
            runs.append(payload["n"])
        return "ok"

    install("qt", register_job_kinds=lambda: [JobKind("qt.slow", "Slow", slow_echo)])
    h = make_app(plugins=["qt"])
    total = 40
    with h.session() as session:
        for n in range(total):
            enqueue(session, "qt.slow", {"n": n})
        session.commit()
    barrier = threading.Barrier(2)
    per_worker: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            barrier.wait(5)
            per_worker[name] = len(run_due(h.app, name))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(runs) == list(range(total))  # every job ran, none twice
    assert sum(per_worker.values()) == total
    with h.session() as session:
        states = [tuple(row) for row in session.execute(
            select(QueuedJob.state, func.count()).group_by(QueuedJob.state))]
    assert states == [("done", total)]


def test_worker_loop_runs_jobs_until_stopped(install: Install,
                                             make_app: Callable[..., Harness]) -> None:
    runs: list[int] = []
    install("qt", register_job_kinds=_kinds(runs))
    h = make_app(plugins=["qt"])
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(h.app, stop), kwargs={"poll": 0.05})
    thread.start()
    try:
        with h.session() as session:
            enqueue(session, "qt.echo", {"n": 3})
            session.commit()
        deadline = time.monotonic() + 10
        while not runs and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert runs == [3] and not thread.is_alive()


def test_jobs_page_shows_errors_and_retries_and_cancels(
        install: Install, make_app: Callable[..., Harness]) -> None:
    install("qt", register_job_kinds=_kinds([], fail_first=99))
    h = make_app(plugins=["qt"])
    with h.session() as session:
        dead = enqueue(session, "qt.echo", {"n": 1}, max_attempts=1).id
        waiting = enqueue(session, "qt.echo", {"n": 2}, due=utcnow() + timedelta(days=1)).id
        session.commit()
    assert [o.state for o in run_due(h.app)] == ["dead"]
    admin = h.client(ADMIN)
    page = admin.get("/admin/jobs")
    assert page.status_code == 200
    assert f'data-job="{dead}" data-job-state="dead"' in page.text
    assert "RuntimeError: boom 1" in page.text
    assert admin.get("/admin/jobs?state=dead").text.count("data-job=") == 1
    assert admin.form(f"/admin/jobs/{dead}/retry").status_code == 200
    assert admin.form(f"/admin/jobs/{waiting}/cancel").status_code == 200
    with h.session() as session:
        assert session.get(QueuedJob, dead).state == "queued"  # type: ignore[union-attr]
        assert session.get(QueuedJob, waiting).state == "cancelled"  # type: ignore[union-attr]
    again = admin.form(f"/admin/jobs/{waiting}/cancel")  # not waiting any more: refused
    assert again.status_code == 200 and "Only a waiting" in again.text
    assert admin.form("/admin/jobs/99999/retry").status_code == 200
    clerk = h.client("hq-clerk")
    assert clerk.get("/admin/jobs").status_code == 403
    assert clerk.post(f"/admin/jobs/{dead}/retry",
                      data={"csrf_token": clerk.csrf()}).status_code == 403


KILLED_WORKER = """
import sys, time
from core.app import create_app
from core.settings import load_settings
from core.services.queue import claim, worker_name
app = create_app(load_settings())
print(claim(app, worker_name()), flush=True)
time.sleep(60)  # killed here, mid-job
"""


def test_a_killed_worker_is_seen_at_once_and_its_job_runs_again(
        make_app: Callable[..., Harness], backend: str) -> None:
    """A real process claims a job and is killed; the next worker on this machine releases
    the job at once (not after its lease), runs it as an interrupted attempt, exactly once."""
    import os
    import signal
    import subprocess
    import sys

    from core.entities import OutboxMessage, ServiceCase
    from core.services.messages import queue_message
    from core.services.queue import release_orphans
    from tests.core.test_attachments import open_case
    from tests.core.test_backup import env_for

    h = make_app(plugins=[])
    case_id = open_case(h)
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        message = queue_message(session, kind="test.note", channel="sms",
                                recipient="13900000001", subject="Note", body="Hello",
                                case=case)
        session.commit()
    worker = subprocess.Popen([sys.executable, "-c", KILLED_WORKER], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, **env_for(h)})
    try:
        claimed = worker.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    with h.session() as session:
        job = session.get(QueuedJob, int(claimed))
        assert job is not None and job.state == "running"
        assert job.locked_by.split(":")[1] == str(worker.pid)
        assert job.lease_until is not None and job.lease_until > utcnow()  # lease not over
    assert run_due(h.app) == []  # a live lease: nobody may take it yet
    assert release_orphans(h.app) == [int(claimed)]
    job_id = claim(h.app, "restarted")
    assert job_id == int(claimed)
    with h.session() as session:
        job = session.get(QueuedJob, job_id)
        assert job is not None and job.attempts == 2
        assert f"interrupted: the worker {job.locked_by}" not in job.last_error  # new owner
        assert "interrupted" in job.last_error
    assert run_claimed(h.app, job_id, "restarted").state == "done"
    with h.session() as session:
        sent = session.get(OutboxMessage, message.id)
        assert sent is not None and (sent.state, sent.attempts) == ("sent", 1)
    assert (h.settings.var_dir / "outbox.log").read_text().count('"to": "13900000001"') == 1


def test_two_worker_processes_deliver_each_message_once(make_app: Callable[..., Harness],
                                                        backend: str) -> None:
    """Several workers on several machines share one database (issue 13): two real
    ``aftersales tick`` processes, started together on 30 queued messages, deliver each once."""
    import os
    import subprocess
    import sys

    from core.entities import OutboxMessage, ServiceCase
    from core.services.messages import queue_message
    from tests.core.test_attachments import open_case
    from tests.core.test_backup import env_for

    h = make_app(plugins=[])
    case_id = open_case(h)
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        for n in range(30):
            queue_message(session, kind="test.note", channel="sms", recipient=f"139{n:08d}",
                          subject="Note", body="Hello", case=case)
        session.commit()
    env = {**os.environ, **env_for(h)}
    ticks = [subprocess.Popen([sys.executable, "-m", "core.cli", "tick"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [tick.communicate(timeout=120) for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0], outputs
    with h.session() as session:
        states = session.scalars(select(OutboxMessage.state)
                                 .where(OutboxMessage.kind == "test.note")).all()
        attempts = session.scalars(select(OutboxMessage.attempts)
                                   .where(OutboxMessage.kind == "test.note")).all()
    assert states == ["sent"] * 30 and set(attempts) == {1}
    log = (h.settings.var_dir / "outbox.log").read_text(encoding="utf-8")
    assert all(log.count(f'"to": "139{n:08d}"') == 1 for n in range(30))
