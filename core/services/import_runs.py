"""Bulk imports as durable jobs (issue 13): start, run, see, resume, roll back.

The upload is stored under ``var_dir/imports/<id>.csv`` and an :class:`ImportRun` row is
queued with a ``core.import`` job in the same transaction; ``aftersales worker`` runs it
(``make run`` starts one beside the server). Every batch commits its rows together with the
run's counters, its checkpoint (the last line handled), its row errors and an audit entry,
so what a killed process leaves behind is exact: the page shows the run *interrupted* as soon
as its worker is gone (the job's owner process is not alive, or its lease lapsed; no timeout),
with the rows saved so far. The importer then chooses: resume (a new job that starts after the
checkpoint, so no row is read twice) or roll back (the rows this import inserted are deleted,
found by the import's own ``created_at`` stamp and the file's keys, refused if a case already
uses one).

The job is not retried by itself (``max_attempts=1``): whether to resume or roll back an
import cut short is the importer's decision, not the queue's.
"""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pluggy
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.audit import set_actor
from core.db import utcnow
from core.entities import Customer, ImportRowError, ImportRun, QueuedJob, Unit, User
from core.errors import Conflict, DomainError, NotFound
from core.i18n import N_
from core.security.scope import SCOPE_KEY, set_scope
from core.services import plugin_imports, queue
from core.services.bulk_import import (
    BATCH_SIZE,
    KINDS,
    UNIT_BATCH_SIZE,
    ImportResult,
    RowError,
    run_import,
    write_errors,
)
from core.services.locking import lock_row

KIND = "core.import"
#: Errors kept on the run's page; the CSV report has every one.
SHOWN_ERRORS = 50
FINISHED = ("done", "failed", "rolled_back")


def import_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "imports"


def upload_path(var_dir: Path, run: ImportRun) -> Path:
    return import_dir(var_dir) / f"{run.id}.csv"


def audit_entity(kind: str) -> str:
    """The audit log's entity of an import: ``unit_import``, ``customer_import``, or a
    plugin kind's ``<name>_import``."""
    return f"{kind[:-1]}_import" if kind in KINDS else f"{kind}_import"


def start(session: Session, var_dir: Path, user: User, *, kind: str, filename: str,
          stream: IO[bytes], address: str = "", batch_size: int | None = None) -> ImportRun:
    """Store the upload and queue its import; the caller commits (the run and its job exist
    exactly when the request commits). ``kind`` is core's (units, customers) or a plugin's
    (``register_import_kinds``); the caller has checked the user may import it."""
    if kind not in KINDS and kind not in plugin_imports.kinds(session):
        raise DomainError(N_("Choose what the file holds: units or customers."), field="kind")
    if batch_size is None:
        batch_size = UNIT_BATCH_SIZE if kind == "units" else BATCH_SIZE
    run_id = uuid.uuid4().hex
    folder = import_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{run_id}.csv"
    with target.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    scope = session.info.get(SCOPE_KEY)
    run = ImportRun(id=run_id, user_id=user.id, user_login=user.login, address=address[:64],
                    scope_region_id=scope, kind=kind,
                    default_region_id=scope if scope is not None else user.region_id,
                    filename=Path(filename or "upload.csv").name[:255],
                    size=target.stat().st_size, batch_size=batch_size, stamp=utcnow(),
                    state="queued")
    session.add(run)
    session.flush()
    run.job_id = queue.enqueue(session, KIND, {"import_id": run_id}, max_attempts=1).id
    return run


def get_run(session: Session, run_id: str, user: User) -> ImportRun:
    """The import, if ``user`` started it; anyone else gets "not found"."""
    run = session.get(ImportRun, run_id) if len(run_id) == 32 else None
    if run is None or run.user_id != user.id:
        raise NotFound(N_("No such import."))
    return run


def recent(session: Session, user: User, limit: int = 10) -> list[ImportRun]:
    return list(session.scalars(select(ImportRun).where(ImportRun.user_id == user.id)
                                .order_by(ImportRun.started_at.desc()).limit(limit)))


def shown_state(session: Session, run: ImportRun, jobs: dict[int, QueuedJob] | None = None
                ) -> str:
    """What the page says: a run whose worker is gone is *interrupted*, at once. ``jobs``
    (from :func:`jobs_of`) saves a query per run on a list."""
    if run.state not in ("queued", "running"):
        return run.state
    job = (jobs.get(run.job_id) if jobs is not None else session.get(QueuedJob, run.job_id)) \
        if run.job_id else None
    if job is None or job.state in ("dead", "cancelled", "done"):
        return "interrupted"
    if job.state == "running" and _owner_gone(job):
        return "interrupted"
    return run.state


def _owner_gone(job: QueuedJob) -> bool:
    lease = job.lease_until
    if lease is not None and lease < utcnow():
        return True
    host, _, rest = job.locked_by.partition(":")
    if host != socket.gethostname():
        return False
    try:
        pid = int(rest.split(":")[0])
    except ValueError:
        return False
    return not queue.process_alive(pid)


def jobs_of(session: Session, runs: list[ImportRun]) -> dict[int, QueuedJob]:
    """The queue rows of unfinished runs, in one statement."""
    ids = [run.job_id for run in runs if run.job_id and run.state in ("queued", "running")]
    if not ids:
        return {}
    return {job.id: job for job in session.scalars(select(QueuedJob)
                                                   .where(QueuedJob.id.in_(ids)))}


def first_errors(session: Session, run: ImportRun, limit: int = SHOWN_ERRORS
                 ) -> list[ImportRowError]:
    return list(session.scalars(select(ImportRowError)
                                .where(ImportRowError.import_id == run.id)
                                .order_by(ImportRowError.line, ImportRowError.id).limit(limit)))


def write_report(session: Session, run: ImportRun, out: IO[str]) -> None:
    """Every error of the run, in file order, as ``line, column, reason`` CSV."""
    rows = session.execute(select(ImportRowError.line, ImportRowError.column,
                                  ImportRowError.reason)
                           .where(ImportRowError.import_id == run.id)
                           .order_by(ImportRowError.line, ImportRowError.id)
                           .execution_options(yield_per=2000))
    write_errors([RowError(line, column, reason) for line, column, reason in rows], out)


# --- the job ----------------------------------------------------------------------------


def run_job(session: Session, payload: dict[str, Any], settings: Any) -> str:
    """The ``core.import`` job: import the stored file from the run's checkpoint on."""
    run = session.get(ImportRun, str(payload.get("import_id", "")))
    if run is None or run.state in FINISHED:
        return "nothing to do"
    pm: pluggy.PluginManager = session.info["pm"]
    set_scope(session, run.scope_region_id)
    set_actor(session, run.user_id, run.user_login, run.address)
    run.state = "running"
    session.commit()
    path = upload_path(settings.var_dir, run)
    run_id = run.id

    base_rows, base_duplicates = run.rows, run.duplicates
    handed = {"inserted": 0}  # what this run's earlier batches already added to the counters
    lease = timedelta(minutes=settings.jobs.lease_minutes)

    def on_batch(result: ImportResult, last_line: int, fresh: list[RowError]) -> None:
        current = session.get(ImportRun, run_id)
        assert current is not None
        added = result.inserted - handed["inserted"]
        handed["inserted"] = result.inserted
        current.inserted += added
        current.rows = base_rows + result.rows
        current.duplicates = base_duplicates + result.duplicates
        current.bytes_read = result.bytes_read
        current.checkpoint_line = last_line
        current.batches += 1
        if fresh:
            session.execute(insert(ImportRowError), [
                {"import_id": run_id, "line": e.line, "column": e.column[:64],
                 "reason": e.reason[:1000]} for e in fresh])
            current.errors += len(fresh)
        current.failed_rows = _failed_rows(session, run_id)
        audit.record(session, audit_entity(current.kind), run_id, "import_batch", after={
            "file": current.filename, "batch": current.batches, "through_line": last_line,
            "inserted": added, "errors": len(fresh)}, region_id=current.scope_region_id)
        if current.job_id:  # a long import keeps its claim: the lease runs per batch
            session.execute(update(QueuedJob).where(QueuedJob.id == current.job_id)
                            .values(lease_until=utcnow() + lease)
                            .execution_options(synchronize_session=False))

    plugin_kind = plugin_imports.kinds(session).get(run.kind)
    try:
        with path.open("rb") as stream:
            if plugin_kind is not None:
                plugin_imports.import_rows(
                    plugin_kind, session, stream, plugin_imports.context_of(run),
                    commit=True, skip_through=run.checkpoint_line, on_batch=on_batch,
                    batch_size=run.batch_size, size=run.size)
            else:
                run_import(run.kind, session, pm, stream, commit=True, name=run.filename,
                           default_region_id=run.default_region_id, created_at=run.stamp,
                           skip_through=run.checkpoint_line, on_batch=on_batch,
                           batch_size=run.batch_size, size=run.size)
    except Exception as exc:  # recorded on the run; the rows of finished batches stay
        session.rollback()
        failed = session.get(ImportRun, run_id)
        assert failed is not None
        failed.state, failed.finished_at = "failed", utcnow()
        failed.message = f"{type(exc).__name__}: {exc}"[:500]
        session.commit()
        raise
    done = session.get(ImportRun, run_id)
    assert done is not None
    done.state, done.finished_at = "done", utcnow()
    audit.record(session, audit_entity(done.kind), run_id, "import", after={
        "file": done.filename, "rows": done.rows, "inserted": done.inserted,
        "duplicates": done.duplicates, "failed_rows": done.failed_rows},
        region_id=done.scope_region_id)
    return f"{done.inserted} of {done.rows} rows imported"


def _failed_rows(session: Session, run_id: str) -> int:
    return int(session.scalar(select(func.count(func.distinct(ImportRowError.line)))
                              .where(ImportRowError.import_id == run_id)) or 0)


# --- the importer's choices -------------------------------------------------------------


def _interrupted(session: Session, run_id: str, user: User) -> ImportRun:
    run = get_run(session, run_id, user)
    locked = lock_row(session, ImportRun, run.id)
    assert locked is not None
    if shown_state(session, locked) != "interrupted":
        raise Conflict(N_("Only an interrupted import can be resumed or rolled back."),
                       code="invalid_state")
    return locked


def resume(session: Session, run_id: str, user: User) -> ImportRun:
    """Queue the rest of an interrupted import: it starts after the last committed line."""
    run = _interrupted(session, run_id, user)
    run.state = "queued"
    run.message = ""
    run.job_id = queue.enqueue(session, KIND, {"import_id": run.id}, max_attempts=1).id
    audit.record(session, audit_entity(run.kind), run.id, "import_resume",
                 after={"from_line": run.checkpoint_line + 1},
                 region_id=run.scope_region_id)
    return run


def roll_back(session: Session, var_dir: Path, run_id: str, user: User) -> int:
    """Delete what an interrupted import inserted; returns how many rows went.

    The rows are this import's by their ``created_at`` (the run's stamp) and their key in the
    file (body code or phone); a row a case or a unit already refers to cannot go, and then
    nothing goes (409)."""
    run = _interrupted(session, run_id, user)
    if run.kind not in KINDS:
        return _roll_back_plugin(session, var_dir, run)
    model: Any = Unit if run.kind == "units" else Customer
    key = Unit.body_code if run.kind == "units" else Customer.phone
    removed = 0
    try:
        with session.begin_nested():
            for keys in _file_keys(upload_path(var_dir, run), run.kind):
                removed += session.execute(delete(model).where(
                    model.created_at == run.stamp, key.in_(keys))
                    .execution_options(synchronize_session=False)).rowcount or 0
    except IntegrityError as exc:
        raise Conflict(N_("Some imported rows are already in use (a case or a unit refers "
                          "to them), so the import cannot be rolled back. Resume it "
                          "instead."), code="in_use") from exc
    run.state, run.finished_at = "rolled_back", utcnow()
    audit.record(session, audit_entity(run.kind), run.id, "import_roll_back",
                 after={"removed": removed}, region_id=run.scope_region_id)
    return removed


def _roll_back_plugin(session: Session, var_dir: Path, run: ImportRun) -> int:
    """A plugin kind's roll-back: its ``roll_back`` deletes what this import inserted."""
    kind = plugin_imports.kinds(session).get(run.kind)
    if kind is None or kind.roll_back is None:
        raise Conflict(N_("This kind of import cannot be rolled back. Resume it instead."),
                       code="no_roll_back")
    context = plugin_imports.context_of(run)
    removed = 0
    try:
        with session.begin_nested():
            for rows in plugin_imports.file_rows(upload_path(var_dir, run), kind):
                removed += int(kind.roll_back(session, context, rows))
    except IntegrityError as exc:
        raise Conflict(N_("Some imported rows are already in use (a case or a unit refers "
                          "to them), so the import cannot be rolled back. Resume it "
                          "instead."), code="in_use") from exc
    run.state, run.finished_at = "rolled_back", utcnow()
    audit.record(session, audit_entity(run.kind), run.id, "import_roll_back",
                 after={"removed": removed}, region_id=run.scope_region_id)
    return removed


def _file_keys(path: Path, kind: str, chunk: int = 1000) -> Iterator[list[str]]:
    """The file's keys (body codes, or phones), in chunks for ``IN`` lists."""
    import csv

    from core import bodycode

    column = "body_code" if kind == "units" else "phone"
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
        keys: list[str] = []
        for row in reader:
            value = (row.get(column) or "").strip()
            if value:
                keys.append(bodycode.normalise(value) if kind == "units" else value)
            if len(keys) >= chunk:
                yield keys
                keys = []
        if keys:
            yield keys
