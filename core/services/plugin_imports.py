"""Plugin import kinds (``register_import_kinds``, issue 15): a plugin's CSV goes through the
same page and durable job as units and customers.

Core reads the file (header check, batches, line numbers, undecodable lines; the reader of
``bulk_import``) and hands each batch of rows to the kind's ``import_batch``; the job
(``import_runs.run_job``) commits each batch with the run's checkpoint, counters, row errors
and an audit entry, exactly as for core's kinds, so resume and the progress page need nothing
of the plugin. A kind with ``roll_back`` can also be rolled back.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from core.errors import localize
from core.hooktypes import ImportContext, ImportKind, ImportRow
from core.services.bulk_import import (
    BATCH_SIZE,
    ImportResult,
    OnBatch,
    Progress,
    _Reader,
)


def kinds(session: Session) -> dict[str, ImportKind]:
    """The plugins' import kinds of this app, by name."""
    registry = session.info.get("registry")
    return dict(getattr(registry, "import_kinds", {}) or {})


def import_rows(
    kind: ImportKind, session: Session, stream: IO[Any], context: ImportContext, *,
    size: int | None = None, progress: Progress | None = None, batch_size: int = BATCH_SIZE,
    commit: bool = False, encoding: str = "utf-8-sig", skip_through: int = 0,
    on_batch: OnBatch | None = None,
) -> ImportResult:
    """Read ``stream`` as a CSV of ``kind`` and import it batch by batch.

    A batch's errors are kept as English text (the same as core's kinds); the page shows
    them with their line and column.
    """
    reader = _Reader(kind.name, stream, kind.columns, kind.required, size=size,
                     progress=progress, encoding=encoding, skip_through=skip_through,
                     on_batch=on_batch)
    pending: list[ImportRow] = []

    def flush() -> None:
        outcome = kind.import_batch(session, list(pending), context) if pending else None
        inserted = 0
        if outcome is not None:
            inserted = int(outcome.inserted)
            reader.result.inserted += inserted
            reader.result.duplicates += int(outcome.duplicates)
            for line, column, reason in sorted(outcome.errors, key=lambda e: e[0]):
                reader.error(int(line), str(column or ""), localize(reason))
        reader.end_batch(session, commit, inserted > 0)

    for line, row in reader.rows():
        pending.append(ImportRow(line, {k: v for k, v in row.items() if k}))
        if len(pending) >= batch_size:
            flush()
            pending = []
    flush()
    return reader.result


def file_rows(path: Path, kind: ImportKind, chunk: int = 1000) -> Iterator[list[ImportRow]]:
    """The stored file's rows in chunks (for a roll-back), header names lower-cased."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        rows: list[ImportRow] = []
        for cells in reader:
            if len(cells) == len(header):
                rows.append(ImportRow(reader.line_num, dict(zip(header, cells, strict=True))))
            if len(rows) >= chunk:
                yield rows
                rows = []
        if rows:
            yield rows


def context_of(run: Any) -> ImportContext:
    stamp: datetime = run.stamp
    return ImportContext(import_id=run.id, user_id=run.user_id,
                         region_id=run.scope_region_id, stamp=stamp)


def start_import(session: Session, settings: Any, user: Any, kind: str, filename: str,
                 stream: IO[bytes], address: str = "") -> str:
    """Queue an import of a plugin's kind from an API (the import page does the same for a
    form): the file is stored, the ``core.import`` job runs it; returns the run's id (its
    page is ``/desk/import/<id>``). The caller commits, and has checked the permission."""
    from core.errors import DomainError
    from core.i18n import N_
    from core.services import import_runs

    if kind not in kinds(session):
        raise DomainError(N_("Choose what the file holds."), field="kind")
    return import_runs.start(session, settings.var_dir, user, kind=kind, filename=filename,
                             stream=stream, address=address).id


def import_status(session: Session, run_id: str, user: Any) -> dict[str, Any]:
    """An import's progress as JSON for an API: the same counters and first errors as its
    page. Only its uploader sees it (anyone else: ``NotFound``)."""
    from core.services import import_runs

    run = import_runs.get_run(session, run_id, user)
    return {"id": run.id, "kind": run.kind, "file": run.filename,
            "state": import_runs.shown_state(session, run), "rows": run.rows,
            "inserted": run.inserted, "failed_rows": run.failed_rows, "errors": run.errors,
            "checkpoint_line": run.checkpoint_line, "page": f"/desk/import/{run.id}",
            "first_errors": [{"line": e.line, "column": e.column, "reason": e.reason}
                             for e in import_runs.first_errors(session, run)]}
