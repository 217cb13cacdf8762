"""The service case, the spine every plugin hangs off (DESIGN.md), and its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.entities.catalogue import Customer, Unit
from core.entities.org import RegionScoped, ServicePoint
from core.entities.users import User
from core.errors import message_from_json, render

STATES = (
    "registered", "inspected", "quoted", "confirmed", "declined", "dispatched", "in_repair",
    "repaired", "returned", "closed", "refused", "cancelled",
)
OPEN_STATES = tuple(s for s in STATES if s not in ("closed", "refused", "cancelled"))
CHANNELS = ("walk_in", "phone", "shipped_in", "on_site")
FAULT_CAUSES = (
    "normal", "improper_use", "improper_maintenance", "improper_storage", "force_majeure",
)


class ServiceCase(RegionScoped, Base):
    __tablename__ = "service_case"
    __table_args__ = (
        Index("ix_service_case_region_state_id", "region_id", "state", "id"),
        Index("ix_service_case_point_state", "service_point_id", "state"),
        Index("ix_service_case_opened_at", "opened_at"),
        Index("ix_service_case_contact_phone", "contact_phone"),
        # issue 11: the dashboard's open cases by state and age read only this index, and
        # each turnaround stage reads the range of cases whose stage ended in the window
        Index("ix_service_case_state_opened_at", "state", "opened_at"),
        Index("ix_service_case_dispatched_at", "dispatched_at"),
        Index("ix_service_case_repaired_at", "repaired_at"),
        Index("ix_service_case_returned_at", "returned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="registered")
    # P-2 intake
    channel: Mapped[str] = mapped_column(String(16))
    body_code_text: Mapped[str] = mapped_column(String(64), default="")
    model_code: Mapped[str] = mapped_column(String(32), default="")
    own_product: Mapped[bool] = mapped_column(default=True)
    contact_name: Mapped[str] = mapped_column(String(160))
    contact_phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(400))
    purchase_date: Mapped[date | None] = mapped_column()
    fault_description: Mapped[str] = mapped_column(Text)
    #: The decision date of coverage (POLICY: "for a case it is the intake date").
    intake_on: Mapped[date] = mapped_column()
    # W-3 inspection
    coverage_class: Mapped[str | None] = mapped_column(String(1))
    coverage_source: Mapped[str] = mapped_column(String(16), default="")
    coverage_reason: Mapped[str] = mapped_column(String(400), default="")
    #: Parameters when ``coverage_reason`` is a message id with them ("Overridden by
    #: %(name)s: %(reason)s", issue 18); None: a fixed sentence or a person's words.
    coverage_reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fault_found: Mapped[str] = mapped_column(Text, default="")
    # P-3 dispatch, P-7 on-site
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    onsite_address: Mapped[str] = mapped_column(String(400), default="")
    onsite_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    onsite_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # W-4: every change to payable lines bumps the quote version; confirmations name one.
    quote_version: Mapped[int] = mapped_column(default=0)
    # How the unit went back: "repaired", or "unrepaired" after a declined quote (W-4).
    outcome: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # W-1 refusal, cancellation and reopening reasons
    refusal_clauses: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(400), default="")
    # P-6 turnaround timestamps
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    service_point: Mapped[ServicePoint] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="joined")
    technician: Mapped[User | None] = relationship(lazy="joined")

    @property
    def reference(self) -> str:
        return self.reference_of(self.id)

    @staticmethod
    def reference_of(case_id: int) -> str:
        """The reference printed for a case id (for views that read cases as rows)."""
        return f"SC-{case_id:06d}"

    def coverage_reason_text(self, gettext: Callable[[str], str] | None = None) -> str:
        """Why the case has its class, in the reader's language."""
        if not self.coverage_reason:
            return ""
        if self.coverage_reason_params is None:
            return gettext(self.coverage_reason) if gettext else self.coverage_reason
        return render(self.coverage_reason, message_from_json(self.coverage_reason_params),
                      gettext)


class CaseEvent(Base):
    """What happened to a case, in order. Corrections are new events (T-2)."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16), default="")
    to_state: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship(lazy="joined")

    def note_text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The note in the reader's language. A note recorded as a message id with parameters
        (``record_case_event(..., Message(N_("..."), {...}))``) keeps them in
        ``data["note_params"]`` and is formatted here; a plain note is translated as it is
        (a fixed sentence) or shown as typed (a person's words)."""
        if not self.note:
            return ""
        params = (self.data or {}).get("note_params")
        if params is None:
            return gettext(self.note) if gettext else self.note
        return render(self.note, message_from_json(params), gettext)


class FaultLine(Base):
    """A fault found at inspection (W-3) and its cause (W-A exclusions)."""

    __tablename__ = "fault_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    description: Mapped[str] = mapped_column(String(400))
    cause: Mapped[str] = mapped_column(String(32), default="normal")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
