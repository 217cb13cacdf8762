"""The durable job queue (issue 13): one row per piece of work that happens later.

A row is the job's whole state, so a worker may die at any point and another (on another
machine, against the same PostgreSQL) picks the work up: ``queued`` rows whose ``due_at`` has
come are claimed (``running``, with the worker's id and a lease), finished (``done``), or, on
an error, put back ``queued`` later with the error kept (backoff), until ``max_attempts``
makes them ``dead``. Periodic jobs (the ``register_jobs`` hook) are rows too, keyed by
``unique_key``, that go back to ``queued`` at their next due time instead of ``done``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

#: queued → running → done; running → queued (retry later) → … → dead; queued → cancelled.
JOB_STATES = ("queued", "running", "done", "dead", "cancelled")


class QueuedJob(Base):
    __tablename__ = "queued_job"
    __table_args__ = (
        Index("ix_queued_job_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A registered job kind (``register_job_kinds``) or ``periodic:<job id>``.
    kind: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: The last run's one-line summary (what the handler returned).
    result: Mapped[str] = mapped_column(String(500), default="")
    #: At most one live row per key (periodic jobs, "one import per upload").
    unique_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Who holds the claim (``host:pid:n``) and until when; a lapsed lease is reclaimable.
    locked_by: Mapped[str] = mapped_column(String(120), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
