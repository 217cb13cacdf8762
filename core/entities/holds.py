"""Holds: a case paused with a reason without leaving its state (DESIGN.md).

A case in repair may wait for parts, for the customer or for a loaner; the hold says so on the
case, in lists and on the dashboard, and its duration counts apart in turnaround (P-6). The
kinds are declared by core and plugins through ``register_hold_kinds``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class CaseHold(Base):
    """One hold on a case; ``released_at`` is empty while it lasts."""

    __tablename__ = "case_hold"
    __table_args__ = (
        Index("ix_case_hold_case_released", "case_id", "released_at"),
        Index("ix_case_hold_kind_released", "kind", "released_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(400), default="")
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    release_note: Mapped[str] = mapped_column(String(400), default="")
