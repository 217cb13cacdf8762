"""Charges, customer confirmations (W-4), payments with receipts and the finance handover
(P-4). Money is integer cents of CNY everywhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.entities.catalogue import Unit
from core.entities.org import RegionScoped
from core.entities.users import User
from core.errors import Message, message_from_json, message_to_json, render


def money_text(text: str, params: Mapping[str, Any] | None,
               gettext: Callable[[str], str] | None = None) -> str:
    """A money line's words in the reader's language (issue 18). The system writes a message
    id with its parameters (``params`` is a dict, ``{}`` when it has none) and it is
    translated here; a person's words (``params`` is None) are shown as typed. Without
    ``gettext`` it is the English text (the API's ``description``)."""
    if params is None:
        return text
    return render(text, message_from_json(params), gettext)


def stored_text(value: str | Message) -> tuple[str, dict[str, Any] | None]:
    """What a money line keeps of words given as text (a person's, kept as typed) or as a
    :class:`Message` (the system's: its id, and its parameters as JSON)."""
    if isinstance(value, Message):
        return value.template, message_to_json(value.params)
    return value, None


def as_message(text: str, params: Mapping[str, Any] | None) -> str | Message:
    """The inverse of :func:`stored_text`: a parameter for another message (a history line
    that names the charge) that is translated with it, or a person's words as they are."""
    return text if params is None else Message(text, message_from_json(params))

CHARGE_KINDS = ("labour", "part", "shipping", "other")
CONFIRMATION_METHODS = ("phone", "signature", "link")
PAYMENT_METHODS = ("cash", "card", "bank_transfer", "wechat_pay", "alipay")


class Charge(Base):
    """A quote line. Lines are never deleted: removing one voids it (and the quote)."""

    __tablename__ = "charge"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(400))
    #: Set when the system wrote the line: ``description`` is then a message id and these
    #: its parameters (issue 18); None for a line a person typed.
    description_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_cents: Mapped[int] = mapped_column()
    #: Waived lines keep their amount, reason and clause (W-A, R-6...), and are not payable.
    waived: Mapped[bool] = mapped_column(default=False)
    waive_reason: Mapped[str] = mapped_column(String(400), default="")
    clause: Mapped[str] = mapped_column(String(32), default="")
    #: R-6: a refurbished part may replace a faulty one in warranty.
    refurbished: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    def description_text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The line in the reader's language (see :func:`money_text`)."""
        return money_text(self.description, self.description_params, gettext)

    @property
    def description_message(self) -> str | Message:
        return as_message(self.description, self.description_params)

    @property
    def payable_cents(self) -> int:
        return 0 if self.waived or self.voided_at else self.amount_cents


class Confirmation(Base):
    """The customer's answer to one version of the quote (W-4): who, when, how."""

    __tablename__ = "confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    quote_version: Mapped[int] = mapped_column()
    total_cents: Mapped[int] = mapped_column()
    accepted: Mapped[bool] = mapped_column()
    method: Mapped[str] = mapped_column(String(16))
    customer_name: Mapped[str] = mapped_column(String(160))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(400), default="")


class ConfirmationLink(Base):
    """A single-use, expiring link the customer opens to see and answer the quote."""

    __tablename__ = "confirmation_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    quote_version: Mapped[int] = mapped_column()
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReceiptCounter(Base):
    """The last receipt number of a service point; incremented under a row lock so numbers
    have no gaps and no repeats (P-4)."""

    __tablename__ = "receipt_counter"

    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"),
                                                  primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Handover(RegionScoped, Base):
    """Cash a collector hands to finance as a batch; finance confirms what it received."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    declared_cents: Mapped[int] = mapped_column()
    received_cents: Mapped[int | None] = mapped_column()
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(400), default="")
    #: Cash paid out on credit notes in this batch; declared_cents is cash in minus this.
    paid_out_cents: Mapped[int] = mapped_column(default=0, server_default="0")

    collector: Mapped[User] = relationship(foreign_keys=[collector_id], lazy="joined")

    @property
    def difference_cents(self) -> int | None:
        return None if self.received_cents is None else self.received_cents - self.declared_cents


class Payment(RegionScoped, Base):
    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("service_point_id", "receipt_number"),
        Index("ix_payment_collector_handover", "collected_by_id", "handover_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    receipt_number: Mapped[int] = mapped_column()
    amount_cents: Mapped[int] = mapped_column()
    method: Mapped[str] = mapped_column(String(16))
    collected_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id"), index=True)

    collected_by: Mapped[User] = relationship(lazy="joined")

    @property
    def receipt(self) -> str:
        return f"{self.receipt_number:06d}"


# --- money out (issue 10, item 5): credits owed, credit notes paid, unit swaps ------------

CREDIT_KINDS = ("refund", "exchange_settlement", "deposit", "write_off")
CREDIT_NOTE_KINDS = ("refund", "exchange_settlement", "overpayment", "deposit")
#: A deposit (a loaner's, issue 14) is held outside the case's charges and payments: giving
#: it back is capped by the deposit alone, and it is not cash of the till's handover.
DEPOSIT = "deposit"


class CaseCredit(Base):
    """What the company owes the customer on a case: an R-8 refund (price less depreciation),
    an R-1 refund, or an exchange's price difference in the customer's favour. Paying it out
    is a credit note; a refund never exceeds what was paid on the case plus these credits."""

    __tablename__ = "case_credit"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(String(400))
    #: A message id's parameters when the system wrote ``description`` (issue 18).
    description_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    clause: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def description_text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The credit in the reader's language (see :func:`money_text`)."""
        return money_text(self.description, self.description_params, gettext)

    @property
    def description_message(self) -> str | Message:
        return as_message(self.description, self.description_params)


class CreditNoteCounter(Base):
    """The last credit-note number of a service point, taken under a row lock like
    receipts: gapless, never repeated."""

    __tablename__ = "credit_note_counter"

    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"),
                                                  primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class CreditNote(RegionScoped, Base):
    """Money out of the till to the customer: a refund or an exchange settlement. The amount
    is positive; its sign in the handover is minus (cash in minus cash out)."""

    __tablename__ = "credit_note"
    __table_args__ = (
        UniqueConstraint("service_point_id", "number"),
        Index("ix_credit_note_payer_handover", "paid_by_id", "handover_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    number: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[int] = mapped_column()
    method: Mapped[str] = mapped_column(String(16))
    clause: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(String(400), default="")
    #: A message id's parameters when the system wrote ``note`` (a deposit refund's reason).
    note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    paid_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id"), index=True)

    paid_by: Mapped[User] = relationship(lazy="joined")

    @property
    def credit_note(self) -> str:
        return f"{self.number:06d}"

    @property
    def signed_cents(self) -> int:
        return -self.amount_cents

    def note_text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The reason in the reader's language (see :func:`money_text`)."""
        return money_text(self.note, self.note_params, gettext)


class UnitSwap(Base):
    """An approved exchange (R-1, R-8): the replacement unit goes to the customer, the
    returned unit goes back to the company. One per case."""

    __tablename__ = "unit_swap"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), unique=True)
    returned_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    replacement_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    clause: Mapped[str] = mapped_column(String(32), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    returned_unit: Mapped[Unit] = relationship(foreign_keys=[returned_unit_id], lazy="joined")
    replacement_unit: Mapped[Unit] = relationship(foreign_keys=[replacement_unit_id],
                                                  lazy="joined")
