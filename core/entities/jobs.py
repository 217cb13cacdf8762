"""Periodic job bookkeeping: a row per job is the lock two machines contend for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class JobRun(Base):
    __tablename__ = "job_run"

    job_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_summary: Mapped[str] = mapped_column(String(500), default="")
