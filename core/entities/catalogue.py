"""Customers, product models and units (T-1, W-1, P-2).

A unit is identified by its body code (W-1) and is not region-scoped: the same amplifier may
be sold in one region and serviced in another. Its owner (a customer) and its cases are
region-scoped, so a regional user sees the unit but only their own region's people and cases.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.entities.org import RegionScoped

PRODUCT_LINES = ("amplifier", "mixer", "microphone", "other")


class Customer(RegionScoped, Base):
    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_phone", "phone"),
        Index("ix_customer_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    company: Mapped[str] = mapped_column(String(160), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # issue 18: a duplicate merged into another record points at it; an anonymised record
    # (PIPL, on request) keeps its cases and money but no personal details.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # issue 13: the language messages are written in ("" = the instance's default) and the
    # customer's opt-out of non-essential messages (reminders, surveys).
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    messages_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())


class ProductModel(Base):
    __tablename__ = "product_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    name_zh: Mapped[str] = mapped_column(String(160), default="")  # issue 18
    product_line: Mapped[str] = mapped_column(String(32), default="other")
    list_price_cents: Mapped[int] = mapped_column(default=0)
    #: W-2 per-model override of the warranty months; None means the instance setting.
    warranty_months: Mapped[int | None] = mapped_column()
    oem: Mapped[bool] = mapped_column(default=False)


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (Index("ix_unit_model_id", "model_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: W-1: our products are identified by it; for a product not ours it is kept as text.
    body_code: Mapped[str] = mapped_column(String(64), unique=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("product_model.id"))
    model_text: Mapped[str] = mapped_column(String(120), default="")
    #: W-2: read from the body code; None for products not ours.
    factory_date: Mapped[date | None] = mapped_column()
    own_product: Mapped[bool] = mapped_column(default=True)
    oem: Mapped[bool] = mapped_column(default=False)
    sold_to_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    sold_on: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Given back to the company in an exchange (R-1, R-8); cleared when it goes out again.
    returned_to_company_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    model: Mapped[ProductModel | None] = relationship(lazy="joined")
    sold_to: Mapped[Customer | None] = relationship(lazy="joined")

    @property
    def model_label(self) -> str:
        return self.model.code if self.model else self.model_text
