"""Loaner records (E-1, E-2): the units of each service point's pool, the loans lent against
cases, each unit's history and the deposit money the plugin holds.

Region scope: a unit belongs to its home service point's region; a loan, its history rows and
its money belong to the case's region (``RegionScoped``), so a regional user never sees
another region's pool or loans. The database itself refuses a second open loan of one unit:
``open_unit_id`` is set to the unit while the loan is open and is unique.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from core.plugin_api import (
    Base,
    RegionScoped,
    ServiceCase,
    ServicePoint,
    User,
    UTCDateTime,
    across_regions,
    message_from_json,
    render_message,
    utcnow,
)
from plugins.loaner import policy


class LoanerUnit(RegionScoped, Base):
    """One unit of a pool: body code, model, condition, what goes with it, where it lives."""

    __tablename__ = "loaner_unit"
    __table_args__ = (Index("ix_loaner_unit_point_model_status", "service_point_id",
                            "model_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(String(64), unique=True)
    model_code: Mapped[str] = mapped_column(String(32))
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    condition: Mapped[str] = mapped_column(String(16), default="good")
    #: The accessories that go out with the unit, one per line.
    accessories: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="available")
    retired_reason: Mapped[str] = mapped_column(String(400), default="")
    notes: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    service_point: Mapped[ServicePoint] = relationship(lazy="joined")

    @property
    def accessory_list(self) -> list[str]:
        return policy.split_accessories(self.accessories)


class Loan(RegionScoped, Base):
    """A loaner lent against a case: the request, the approval of the lending point, what
    went out (checklist, condition, deposit, the agreement as signed), the recall, the
    reminders and what came back."""

    __tablename__ = "loaner_loan"
    __table_args__ = (Index("ix_loaner_loan_status_expected", "status", "expected_return"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("loaner_unit.id"), index=True)
    #: The unit while the loan is open, NULL once it is closed: unique, so one unit is never
    #: in two open loans even if application code were wrong (ANCHORS: SI#2347, SI#14476).
    open_unit_id: Mapped[int | None] = mapped_column(ForeignKey("loaner_unit.id"),
                                                     unique=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    reason: Mapped[str] = mapped_column(String(400))
    needed_by: Mapped[date | None] = mapped_column()
    other_model_reason: Mapped[str] = mapped_column(String(400), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The unit's home point when it is not the case's: that point accepts or declines.
    approval_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_point.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(400), default="")
    lent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accessories_out: Mapped[list[str] | None] = mapped_column(JSON)
    condition_out: Mapped[str] = mapped_column(String(16), default="")
    deposit_cents: Mapped[int] = mapped_column(default=0)
    deposit_method: Mapped[str] = mapped_column(String(16), default="")
    #: The loan agreement as the customer signed it, in their language (kept unchanged).
    agreement_text: Mapped[str] = mapped_column(Text, default="")
    agreement_language: Mapped[str] = mapped_column(String(8), default="")
    signed_by: Mapped[str] = mapped_column(String(160), default="")
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expected_return: Mapped[date | None] = mapped_column()
    overdue_since: Mapped[date | None] = mapped_column()
    last_reminder_on: Mapped[date | None] = mapped_column()
    #: The day the reminder before the due date went out (one per loan; l0002).
    due_reminder_on: Mapped[date | None] = mapped_column()
    reminders: Mapped[int] = mapped_column(default=0)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: [{"item", "state": "ok"|"missing"|"damaged", "price_cents"}]
    accessories_back: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    condition_back: Mapped[str] = mapped_column(String(16), default="")
    charges_cents: Mapped[int] = mapped_column(default=0)
    refund_cents: Mapped[int] = mapped_column(default=0)
    #: A supervisor's written exception letting the case close with the loaner still out.
    exception_reason: Mapped[str] = mapped_column(String(400), default="")

    unit: Mapped[LoanerUnit] = relationship(lazy="joined", foreign_keys=[unit_id])
    case: Mapped[ServiceCase] = relationship(lazy="joined")
    requested_by: Mapped[User | None] = relationship(lazy="joined",
                                                     foreign_keys=[requested_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in policy.OPEN_LOAN_STATUSES

    @property
    def loaner(self) -> LoanerUnit:
        """The unit lent, also when it is another region's: HQ's pool lends to a
        distributor's case (E-2), and the case's region must read what was lent to it (its
        body code, model, accessories, lender) although the unit itself stays HQ's. Read
        only: writing the unit stays with its own region (``services._lock_unit``)."""
        if self.unit is not None:
            return self.unit
        found = self.__dict__.get("_loaner")  # kept by ``services.with_loaners``
        if found is not None:
            return found  # type: ignore[no-any-return]
        session = object_session(self)
        assert session is not None
        with across_regions(session):
            unit = session.get(LoanerUnit, self.unit_id)
        assert unit is not None  # a loan's unit is never deleted
        self.__dict__["_loaner"] = unit
        return unit


class LoanerEvent(RegionScoped, Base):
    """One line of a loaner unit's history: added, requested, lent, recalled, reminded,
    returned, checked, retired. ``region_id`` is the region of the record it concerns.

    ``note`` is a message id marked with ``N_`` formatted with ``params`` (l0002), or text a
    user typed (``params`` empty); ``text(gettext)`` shows it in the reader's language."""

    __tablename__ = "loaner_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("loaner_unit.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loaner_loan.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"))
    kind: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(String(400), default="")
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship(lazy="joined")

    def text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The note, translated by ``gettext`` when given (English without)."""
        if not self.note:
            return ""
        if not self.params:  # typed text, or a message id without parameters
            return gettext(self.note) if gettext is not None else self.note
        return render_message(self.note, message_from_json(self.params), gettext)


class LoanerMoney(RegionScoped, Base):
    """Deposit money of a loan: the deposit taken (+), the part kept to pay charges (-) and
    the refund (-). The case's payments are core's; this is what the lending point holds
    in trust. A refund recorded by core (``record_refund``) is referenced, not repeated."""

    __tablename__ = "loaner_money"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loaner_loan.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"))
    kind: Mapped[str] = mapped_column(String(16))  # deposit | kept | refund
    amount_cents: Mapped[int] = mapped_column()
    method: Mapped[str] = mapped_column(String(16), default="")
    #: "core:<id>" when core recorded the movement, "" when it is only in this ledger.
    core_ref: Mapped[str] = mapped_column(String(40), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoanerTerms(Base):
    """A product model's loaner terms (l0003): the deposit suggested when a unit of the model
    is lent, and the price list of its accessories and parts charged when one comes back
    missing or damaged (``{"Rack ears": 8000}``, cents). One row per model, the same for
    every pool: the model is the catalogue's, not a region's."""

    __tablename__ = "loaner_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_code: Mapped[str] = mapped_column(String(32), unique=True)
    deposit_cents: Mapped[int] = mapped_column(default=0)
    prices: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def price_of(self, item: str) -> int | None:
        """The listed price of ``item`` (case does not matter), ``None`` when not listed."""
        wanted = item.strip().lower()
        return next((int(cents) for name, cents in (self.prices or {}).items()
                     if name.strip().lower() == wanted), None)


class LoanerReservation(RegionScoped, Base):
    """A unit booked ahead for a case's period, both days included (l0004; ANCHORS SI#5081):
    the customer's project is known to come. ``booked`` reservations of one unit never
    overlap (decided under the unit's row lock); a request for the unit during a period
    booked by another case is refused. ``region_id`` is the case's."""

    __tablename__ = "loaner_reservation"
    __table_args__ = (Index("ix_loaner_reservation_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("loaner_unit.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    start_on: Mapped[date] = mapped_column()
    end_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked | cancelled
    reason: Mapped[str] = mapped_column(String(400), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancel_note: Mapped[str] = mapped_column(String(400), default="")

    unit: Mapped[LoanerUnit] = relationship(lazy="joined")
