"""Notices to staff (issue 13/15/16): what the system has to tell a colleague, in-app.

Staff have logins, not mailboxes: a late requisition, an escalated complaint or a job that
died is a notice in the user's inbox (the count in the top bar), stored as a message id with
parameters and shown in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class StaffNotice(Base):
    __tablename__ = "staff_notice"
    __table_args__ = (Index("ix_staff_notice_user_id_read_at_id", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: who sent it: ``core`` or the plugin's name
    source: Mapped[str] = mapped_column(String(32), default="core")
    #: a message id (``N_``) with ``%(name)s`` placeholders filled from ``params``
    subject: Mapped[str] = mapped_column(String(400))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: a page of this instance the notice is about (``/desk/cases/12``), or ""
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
