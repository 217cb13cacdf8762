"""Bulk imports as durable work (issue 13): the run and its row errors live in the database.

The import runs in ``aftersales worker`` as a job; each batch's rows, its errors, the run's
counters and its checkpoint (the last line handled) commit together, so a process killed
mid-way leaves a run that says exactly how far it got, and a resume starts after that line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

#: queued → running → done | failed; running with its worker gone reads as interrupted until
#: resumed (→ queued) or rolled back (→ rolled_back).
IMPORT_STATES = ("queued", "running", "done", "failed", "interrupted", "rolled_back")


class ImportRun(Base):
    """One uploaded file's import. ``stamp`` is the ``created_at`` of every row it inserts,
    which is how a roll-back finds exactly this import's rows."""

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    user_login: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    #: the importer's region scope (None: HQ) and the region of customers without a code
    scope_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    default_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer, default=0)
    batch_size: Mapped[int] = mapped_column(Integer)
    stamp: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="queued")
    job_id: Mapped[int | None] = mapped_column(Integer)
    checkpoint_line: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    bytes_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    failed_rows: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportRowError(Base):
    """A row that was not imported and why: ``(line, column, reason)``, written with its
    batch."""

    __tablename__ = "import_row_error"
    __table_args__ = (Index("ix_import_row_error_import_id_line", "import_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[str] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(1000), default="")
