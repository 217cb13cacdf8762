"""Bulk import pages (issues 5 and 13): upload a CSV of units or customers, watch it import,
download the error report, resume or roll back an import that was cut short.

The upload is stored and imported by ``aftersales worker`` as a durable job
(``core.services.import_runs``); this page only reads the run's row, so it shows the same
progress whichever process runs the import and after any restart. The page polls its
progress fragment with htmx every 500 ms until the import is done, and reloads itself (meta
refresh, or the "Refresh" link) without JavaScript. Only the uploader sees an import: anyone
else gets "not found".
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.entities import ImportRun
from core.errors import Forbidden, NotFound
from core.i18n import N_
from core.services import import_runs, plugin_imports
from core.services.bulk_import import CUSTOMER_COLUMNS, KINDS, UNIT_COLUMNS
from core.web.forms import see_other
from core.web.routing import client_address
from core.web.templating import flash, gettext_for, render

POLL_MS = 500
SHOWN_ERRORS = import_runs.SHOWN_ERRORS  # issue 18
#: Core's kinds: who may import them, their label and the note on their columns.
CORE_PERMISSION = "unit.import"
CORE_KINDS = {
    "units": (N_("Units"), UNIT_COLUMNS, N_(
        "Only body_code is required. Our products' body codes are read for the model and "
        "factory date (format MODEL-YYMMDD-SEQ, e.g. PA2400-240315-00042); own_product and "
        "oem are 1/0, true/false or yes/no; sold_on is YYYY-MM-DD; customer_phone names an "
        "existing customer.")),
    "customers": (N_("Customers"), CUSTOMER_COLUMNS, N_(
        "name, address and phone are required. An empty region_code means your own region; "
        "the same name and phone in a region is the same customer.")),
}


@dataclass(frozen=True)
class KindChoice:
    """A kind of file the signed-in user may import, as the form lists it."""

    name: str
    label: str
    columns: tuple[str, ...]
    help: str


def kind_choices(request: Request) -> list[KindChoice]:
    """Core's kinds (``unit.import``) and the plugins' (``register_import_kinds``, each with
    its own permission) this user may import; none at all is 403."""
    permissions = request.state.permissions
    found = [KindChoice(name, label, columns, help_text)
             for name, (label, columns, help_text) in CORE_KINDS.items()
             if CORE_PERMISSION in permissions]
    found += [KindChoice(kind.name, kind.label, kind.columns, kind.help)
              for kind in plugin_imports.kinds(request.state.db).values()
              if kind.permission in permissions]
    if not found:
        raise Forbidden(N_("You may not import files."))
    return found


def kind_label(session: Session, kind: str) -> str:
    if kind in CORE_KINDS:
        return CORE_KINDS[kind][0]
    found = plugin_imports.kinds(session).get(kind)
    return found.label if found is not None else kind


@dataclass
class ImportJob:
    """What the pages show of one import."""

    id: str
    kind: str
    filename: str
    state: str
    label: str = ""
    started: datetime | None = None
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    failed_rows: int = 0
    errors: int = 0
    percent: int = 0
    checkpoint_line: int = 0
    message: str = ""
    first_errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.state not in ("queued", "running")


def shown(session: Session, run: ImportRun, *, with_errors: bool = False,
          jobs: dict[int, Any] | None = None) -> ImportJob:
    state = import_runs.shown_state(session, run, jobs)
    done = state not in ("queued", "running")
    percent = 100 if state in ("done", "rolled_back") else \
        min(99, int(run.bytes_read * 100 / run.size)) if run.size else 0
    job = ImportJob(id=run.id, kind=run.kind, filename=run.filename, state=state,
                    label=kind_label(session, run.kind),
                    started=run.started_at, rows=run.rows, inserted=run.inserted,
                    duplicates=run.duplicates, failed_rows=run.failed_rows,
                    errors=run.errors, percent=percent if done or state == "running" else 0,
                    checkpoint_line=run.checkpoint_line, message=run.message)
    if with_errors and done and run.errors:
        job.first_errors = [(e.line, e.column, e.reason)
                            for e in import_runs.first_errors(session, run, SHOWN_ERRORS)]
    return job


def _form(request: Request, values: dict[str, str], errors: dict[str, str],
          status_code: int = 200) -> Response:
    session = request.state.db
    choices = kind_choices(request)
    runs = import_runs.recent(session, request.state.user)
    jobs = import_runs.jobs_of(session, runs)  # one statement for the list, not one per run
    return render(request, "imports/form.html", {
        "values": values, "errors": errors, "kinds": choices,
        "recent": [shown(session, run, jobs=jobs) for run in runs],
    }, status_code=status_code)


def import_page(request: Request) -> Response:
    chosen = request.query_params.get("kind") or kind_choices(request)[0].name
    return _form(request, {"kind": chosen}, {})


def import_submit(request: Request) -> Response:
    form = request.state.form
    _ = gettext_for(request).gettext
    kind = form.get("kind") if form else None
    upload = form.get("file") if form else None
    errors: dict[str, str] = {}
    allowed = [choice.name for choice in kind_choices(request)]
    if kind not in allowed:
        errors["kind"] = _("Choose what the file holds: units or customers.") \
            if set(allowed) <= set(KINDS) else _("Choose what the file holds.")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = _("Choose a CSV file to upload.")
    if errors:
        return _form(request, {"kind": kind if isinstance(kind, str) else "units"}, errors,
                     status_code=400)
    assert isinstance(upload, UploadFile) and isinstance(kind, str)
    upload.file.seek(0)
    run = import_runs.start(request.state.db, request.app.state.settings.var_dir,
                            request.state.user, kind=kind, filename=upload.filename or "",
                            stream=upload.file, address=client_address(request))
    return RedirectResponse(f"/desk/import/{run.id}", status_code=303)


def _run_of(request: Request) -> ImportRun:
    kind_choices(request)  # only someone who may import sees imports
    return import_runs.get_run(request.state.db, str(request.path_params["import_id"]),
                               request.state.user)


def _context(request: Request) -> dict[str, Any]:
    job = shown(request.state.db, _run_of(request), with_errors=True)
    return {"job": job, "poll_ms": POLL_MS, "shown_errors": SHOWN_ERRORS,
            "started": job.started}


def import_status(request: Request) -> Response:
    return render(request, "imports/status.html", _context(request))


def import_progress(request: Request) -> Response:
    """The progress fragment the status page polls (htmx)."""
    return render(request, "imports/_progress.html", _context(request))


def import_errors(request: Request) -> Response:
    """The error report as CSV: line, column, reason."""
    session = request.state.db
    run = _run_of(request)
    if not shown(session, run).done:
        raise NotFound(N_("The error report is ready when the import has finished."))
    out = io.StringIO()
    import_runs.write_report(session, run, out)
    stem = Path(run.filename).stem or "import"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_safe(stem)}-errors.csv"'})


def import_resume(request: Request) -> Response:
    """Queue the rest of an interrupted import, from the line after the last saved batch."""
    run = import_runs.resume(request.state.db, str(request.path_params["import_id"]),
                             request.state.user)
    _ = gettext_for(request).gettext
    flash(request, _("The import goes on from line %(line)d.")
          % {"line": run.checkpoint_line + 1})
    return see_other(f"/desk/import/{run.id}")


def import_roll_back(request: Request) -> Response:
    """Delete the rows an interrupted import inserted (after a confirmation on the page)."""
    import_id = str(request.path_params["import_id"])
    removed = import_runs.roll_back(request.state.db, request.app.state.settings.var_dir,
                                    import_id, request.state.user)
    ngettext = gettext_for(request).ngettext
    flash(request, ngettext("%(num)d imported row was removed.",
                            "%(num)d imported rows were removed.", removed)
          % {"num": removed})
    return see_other(f"/desk/import/{import_id}")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "import"
