"""Bulk import pages (issue 5): upload a CSV of units or customers, watch it import, download
the error report.

Requests are synchronous here, so the upload is stored under ``var_dir/imports/<id>.csv`` and
imported by a background thread with its own database session, scoped like the uploader's
request (region and audit actor). Progress lives in a small in-process registry; the outcome
is also written to ``<id>.json`` and ``<id>.errors.csv`` so the result page still works after
a restart. The page polls its progress fragment with htmx every 500 ms until the import is
done, and reloads itself (meta refresh, or the "Refresh" link) without JavaScript. Only the
uploader sees an import: anyone else gets "not found".
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.datastructures import State, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.audit import set_actor
from core.db import utcnow
from core.errors import NotFound
from core.i18n import N_
from core.security.scope import SCOPE_KEY, set_scope
from core.services.bulk_import import (
    CUSTOMER_COLUMNS,
    KINDS,
    UNIT_COLUMNS,
    ImportResult,
    run_import,
    write_errors,
)
from core.web.routing import client_address
from core.web.templating import gettext_for, render

log = logging.getLogger("aftersales.imports")

ID_RE = re.compile(r"^[0-9a-f]{32}$")
POLL_MS = 500
SHOWN_ERRORS = 50  # issue 18
#: A result file that says "running" but has not changed for this long is an import whose
#: process stopped (another worker's import keeps its file fresh, once per batch).
STALE_SECONDS = 120


@dataclass
class ImportJob:
    """One upload's import: who started it, how far it got and how it ended."""

    id: str
    user_id: int
    kind: str
    filename: str
    started_at: str
    state: str = "queued"  # queued, running, done, failed
    rows: int = 0
    bytes_read: int = 0
    size: int | None = None
    inserted: int = 0
    duplicates: int = 0
    failed_rows: int = 0
    errors: int = 0
    message: str = ""
    finished_at: str = ""
    #: issue 18: the first errors, shown on the page (the download has them all)
    first_errors: list[list[Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self.state in ("done", "failed", "interrupted")

    @property
    def percent(self) -> int:
        if self.done:
            return 100
        if not self.size:
            return 0
        return min(99, int(self.bytes_read * 100 / self.size))

    def progress(self, rows: int, bytes_read: int, size: int | None) -> None:
        with self._lock:
            self.state = "running"
            self.rows, self.bytes_read = rows, bytes_read
            if size:
                self.size = size

    def finish(self, result: ImportResult) -> None:
        with self._lock:
            self.rows, self.inserted = result.rows, result.inserted
            self.duplicates, self.errors = result.duplicates, len(result.errors)
            self.failed_rows = result.failed_rows
            self.first_errors = [[e.line, e.column, e.reason] for e in
                                 sorted(result.errors, key=lambda e: e.line)[:SHOWN_ERRORS]]
            self.bytes_read = result.bytes_read
            self.finished_at = utcnow().isoformat()
            self.state = "done"

    def fail(self, message: str) -> None:
        with self._lock:
            self.message = message
            self.finished_at = utcnow().isoformat()
            self.state = "failed"

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self)
                    if not f.name.startswith("_")}


_JOBS: dict[str, ImportJob] = {}
_JOBS_LOCK = threading.Lock()


def import_dir(state: State) -> Path:
    return Path(state.settings.var_dir) / "imports"


def _save(folder: Path, job: ImportJob) -> None:
    target = folder / f"{job.id}.json"
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(job.as_dict()), encoding="utf-8")
    temporary.replace(target)


def _load(folder: Path, import_id: str) -> ImportJob | None:
    with _JOBS_LOCK:
        job = _JOBS.get(import_id)
    if job is not None:
        return job
    path = folder / f"{import_id}.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    names = {f.name for f in fields(ImportJob) if not f.name.startswith("_")}
    job = ImportJob(**{k: v for k, v in data.items() if k in names})
    if not job.done and time.time() - path.stat().st_mtime > STALE_SECONDS:
        job.state = "interrupted"  # the process that ran it stopped before it finished
    return job


def _job_for(request: Request) -> ImportJob:
    """The import of the path, if the signed-in user started it; otherwise not found."""
    import_id = str(request.path_params["import_id"])
    job = _load(import_dir(request.app.state), import_id) if ID_RE.match(import_id) else None
    if job is None or job.user_id != request.state.user.id:
        raise NotFound(N_("No such import."))
    return job


def _run(state: State, job: ImportJob, upload: Path, *, region_id: int | None,
         default_region_id: int | None, actor: tuple[int, str, str]) -> None:
    folder = upload.parent
    session = state.sessionmaker()
    set_scope(session, region_id)
    set_actor(session, *actor)

    def progress(rows: int, bytes_read: int, size: int | None) -> None:
        job.progress(rows, bytes_read, size)
        _save(folder, job)

    result: ImportResult | None = None
    failure = ""
    try:
        progress(0, 0, job.size)
        with upload.open("rb") as stream:
            result = run_import(job.kind, session, state.pm, stream, commit=True,
                                progress=progress, name=job.filename,
                                default_region_id=default_region_id)
        session.commit()
        with (folder / f"{job.id}.errors.csv").open("w", encoding="utf-8", newline="") as out:
            write_errors(result.errors, out)
    except Exception as exc:  # the page shows it; the log has the traceback
        session.rollback()
        log.exception("import %s failed", job.id)
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        session.close()
        upload.unlink(missing_ok=True)
    # the page says "done" only once everything above is finished
    if result is not None and not failure:
        job.finish(result)
    else:
        job.fail(failure or "stopped")
    _save(folder, job)


def start_import(request: Request, kind: str, upload: UploadFile) -> ImportJob:
    """Store the upload and import it in a background thread; returns at once."""
    state = request.app.state
    user = request.state.user
    folder = import_dir(state)
    folder.mkdir(parents=True, exist_ok=True)
    import_id = uuid.uuid4().hex
    target = folder / f"{import_id}.csv"
    upload.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    region_id = request.state.db.info.get(SCOPE_KEY)
    job = ImportJob(id=import_id, user_id=user.id, kind=kind,
                    filename=Path(upload.filename or "upload.csv").name,
                    started_at=utcnow().isoformat(), size=target.stat().st_size)
    with _JOBS_LOCK:
        _JOBS[import_id] = job
    _save(folder, job)
    worker = threading.Thread(
        target=_run, name=f"import-{import_id[:8]}", daemon=True, args=(state, job, target),
        kwargs={"region_id": region_id,
                "default_region_id": region_id if region_id is not None else user.region_id,
                "actor": (user.id, user.login, client_address(request))})
    worker.start()
    return job


def _recent(request: Request, limit: int = 10) -> list[ImportJob]:
    folder = import_dir(request.app.state)
    if not folder.is_dir():
        return []
    jobs = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        job = _load(folder, path.stem)
        if job is not None and job.user_id == request.state.user.id:
            jobs.append(job)
        if len(jobs) >= limit:
            break
    return jobs


def _form(request: Request, values: dict[str, str], errors: dict[str, str],
          status_code: int = 200) -> Response:
    return render(request, "imports/form.html", {
        "values": values, "errors": errors, "kinds": KINDS,
        "columns": {"units": UNIT_COLUMNS, "customers": CUSTOMER_COLUMNS},
        "recent": _recent(request),
    }, status_code=status_code)


def import_page(request: Request) -> Response:
    return _form(request, {"kind": request.query_params.get("kind", "units")}, {})


def import_submit(request: Request) -> Response:
    form = request.state.form
    _ = gettext_for(request).gettext
    kind = form.get("kind") if form else None
    upload = form.get("file") if form else None
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = _("Choose what the file holds: units or customers.")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = _("Choose a CSV file to upload.")
    if errors:
        return _form(request, {"kind": kind if isinstance(kind, str) else "units"}, errors,
                     status_code=400)
    assert isinstance(upload, UploadFile) and isinstance(kind, str)
    job = start_import(request, kind, upload)
    return RedirectResponse(f"/desk/import/{job.id}", status_code=303)


def _context(job: ImportJob) -> dict[str, Any]:
    return {"job": job, "poll_ms": POLL_MS, "shown_errors": SHOWN_ERRORS,
            "started": _utc(job.started_at)}


def _utc(stamp: str) -> datetime | None:
    """A stored UTC timestamp (old jobs wrote it without an offset), for the page to show
    in the instance's zone (issue 18)."""
    if not stamp:
        return None
    value = datetime.fromisoformat(stamp)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def import_status(request: Request) -> Response:
    return render(request, "imports/status.html", _context(_job_for(request)))


def import_progress(request: Request) -> Response:
    """The progress fragment the status page polls (htmx)."""
    return render(request, "imports/_progress.html", _context(_job_for(request)))


def import_errors(request: Request) -> Response:
    """The error report as CSV: line, column, reason."""
    job = _job_for(request)
    path = import_dir(request.app.state) / f"{job.id}.errors.csv"
    if not job.done or not path.is_file():
        raise NotFound(N_("The error report is ready when the import has finished."))
    stem = Path(job.filename).stem or "import"
    return Response(path.read_bytes(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_safe(stem)}-errors.csv"'})


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "import"
