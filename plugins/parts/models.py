"""Parts records (R-6, P-5, O-1): the catalogue, warehouses and bins, stock by condition, the
ledger of every movement, reservations for cases, transfers, requisitions, reorder points and
the tools register.

Quantities: ``PartsStock.on_hand`` and ``reserved`` are a cache of the ledger
(``PartsMove``), kept in the same transaction as each move under the stock row's lock, and
rebuildable from it (``aftersales parts rebuild``). The database refuses a negative quantity
or a reservation above what is on hand (check constraints), so even a bug cannot store one.

Region scope: the catalogue is HQ's and every region sees it. Warehouses, stock, moves,
reservations, requisitions and tools belong to the warehouse's region. A transfer belongs to
the regional side of it (a shipment HQ → East is East's record too), so both ends see it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.plugin_api import Base, RegionScoped, UTCDateTime, utcnow

CONDITIONS = ("new", "refurbished", "faulty")
#: Every kind of ledger row (issue 15, "Ledger").
MOVE_KINDS = (
    "receive", "reserve", "release", "issue", "return", "faulty_in", "faulty_out",
    "refurbish_out", "refurbish_in", "scrap", "transfer_out", "transfer_in", "adjust",
)
TRANSFER_STATES = ("in_transit", "received")
REQUISITION_STATES = ("submitted", "approved", "rejected", "shipped", "received", "cancelled")
RESERVATION_STATES = ("reserved", "issued", "released", "returned", "expired")


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(sorted({c.strip().upper() for c in text.split(",") if c.strip()}))


class Part(Base):
    """A catalogue entry: a spare part for some models, its cost and price (cents)."""

    __tablename__ = "parts_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    name_zh: Mapped[str] = mapped_column(String(160), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    #: Comma-separated model codes the part fits ("" = any model).
    model_codes: Mapped[str] = mapped_column(String(1000), default="")
    cost_cents: Mapped[int] = mapped_column(default=0)
    price_cents: Mapped[int] = mapped_column(default=0)
    refurbishable: Mapped[bool] = mapped_column(default=False)
    #: Supersession: this part is replaced by that one (new stock is ordered as that one).
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("parts_part.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def models(self) -> tuple[str, ...]:
        return split_codes(self.model_codes)

    def fits(self, model_code: str) -> bool:
        return not self.models or model_code.upper() in self.models

    def label(self, locale: str = "en") -> str:
        name = self.name_zh if locale.startswith("zh") and self.name_zh else self.name
        return f"{self.number} {name}"


class Warehouse(RegionScoped, Base):
    """HQ's central warehouse or a service point's store (O-1)."""

    __tablename__ = "parts_warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    name_zh: Mapped[str] = mapped_column(String(160), default="")
    central: Mapped[bool] = mapped_column(default=False)
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_point.id"))
    active: Mapped[bool] = mapped_column(default=True)


class Bin(Base):
    """A shelf place in a warehouse; a stock row may name its bin."""

    __tablename__ = "parts_bin"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))


class Stock(RegionScoped, Base):
    """What one warehouse holds of one part in one condition; the row every move locks."""

    __tablename__ = "parts_stock"
    __table_args__ = (
        UniqueConstraint("part_id", "warehouse_id", "condition"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts_part.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"), index=True)
    condition: Mapped[str] = mapped_column(String(12))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("parts_bin.id"))
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    part: Mapped[Part] = relationship(lazy="joined")
    warehouse: Mapped[Warehouse] = relationship(lazy="joined")

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Move(RegionScoped, Base):
    """One ledger row: how a stock row's on-hand and reserved quantities changed, and why."""

    __tablename__ = "parts_move"
    __table_args__ = (Index("ix_parts_move_stock_id_id", "stock_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("parts_stock.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts_part.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"))
    condition: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    on_hand_delta: Mapped[int] = mapped_column(default=0)
    reserved_delta: Mapped[int] = mapped_column(default=0)
    unit_cost_cents: Mapped[int] = mapped_column(default=0)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("parts_transfer.id"))
    reason: Mapped[str] = mapped_column(String(400), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Reservation(RegionScoped, Base):
    """Parts set aside for a case at inspection or quote, then issued at repair or released;
    or, without a case (InvenTree #4874), for a purpose and a person until ``expires_at``,
    when the ``parts.expire_reservations`` job gives them back (state ``expired``)."""

    __tablename__ = "parts_reservation"
    __table_args__ = (
        CheckConstraint("case_id IS NOT NULL OR expires_at IS NOT NULL",
                        name="case_or_expiry"),
        Index("ix_parts_reservation_state_expires_at", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("parts_stock.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts_part.id"))
    quantity: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(12), default="reserved")
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: without a case: what the parts are kept for, for whom, and until when
    purpose: Mapped[str] = mapped_column(String(200), default="")
    held_for_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    stock: Mapped[Stock] = relationship(lazy="joined")


class Transfer(RegionScoped, Base):
    """Parts shipped from one warehouse to another: in transit until the receiver confirms."""

    __tablename__ = "parts_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"))
    state: Mapped[str] = mapped_column(String(12), default="in_transit")
    waybill: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(400), default="")
    requisition_id: Mapped[int | None] = mapped_column(ForeignKey("parts_requisition.id"))
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    from_warehouse: Mapped[Warehouse] = relationship(foreign_keys=[from_warehouse_id],
                                                     lazy="joined")
    to_warehouse: Mapped[Warehouse] = relationship(foreign_keys=[to_warehouse_id],
                                                   lazy="joined")
    lines: Mapped[list[TransferLine]] = relationship(lazy="selectin",
                                                     order_by="TransferLine.id")


class TransferLine(Base):
    __tablename__ = "parts_transfer_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("parts_transfer.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts_part.id"))
    condition: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int] = mapped_column()
    received: Mapped[int | None] = mapped_column()
    difference_note: Mapped[str] = mapped_column(String(400), default="")

    part: Mapped[Part] = relationship(lazy="joined")


class Requisition(RegionScoped, Base):
    """A request for parts, with the date they are needed and the case they serve (P-5)."""

    __tablename__ = "parts_requisition"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    needed_by: Mapped[date] = mapped_column()
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    note: Mapped[str] = mapped_column(String(400), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str] = mapped_column(String(400), default="")
    late_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    warehouse: Mapped[Warehouse] = relationship(lazy="joined")
    lines: Mapped[list[RequisitionLine]] = relationship(lazy="selectin",
                                                        order_by="RequisitionLine.id")


class RequisitionLine(Base):
    __tablename__ = "parts_requisition_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("parts_requisition.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts_part.id"))
    quantity: Mapped[int] = mapped_column()
    approved: Mapped[int | None] = mapped_column()

    part: Mapped[Part] = relationship(lazy="joined")


class ReorderPoint(RegionScoped, Base):
    """Below ``minimum`` available (new + refurbished), order up to ``target`` (ERPNext's
    reorder level)."""

    __tablename__ = "parts_reorder"
    __table_args__ = (UniqueConstraint("warehouse_id", "part_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts_part.id"))
    minimum: Mapped[int] = mapped_column()
    target: Mapped[int] = mapped_column()


class Tool(RegionScoped, Base):
    """A controlled tool (O-1, P-5): who has it and when it is due back."""

    __tablename__ = "parts_tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    name_zh: Mapped[str] = mapped_column(String(160), default="")
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("parts_warehouse.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_on: Mapped[date | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class ToolLoan(RegionScoped, Base):
    """The history of a tool's check-outs and returns."""

    __tablename__ = "parts_tool_loan"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("parts_tool.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    out_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_on: Mapped[date] = mapped_column()
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
