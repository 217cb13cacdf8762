"""The organisation (O-1): HQ and regional distributors, each with service points."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.db import Base


class RegionScoped:
    """Mixin for records that belong to one region.

    Every ORM query of a regional user is filtered to that region centrally
    (``core.security.scope``); views never filter by hand.
    """

    @declared_attr
    def region_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("region.id"), index=True)


class Region(Base):
    """HQ is a region too (``is_hq``); its users see every region."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120), default="")
    is_hq: Mapped[bool] = mapped_column(default=False)


class ServicePoint(RegionScoped, Base):
    """Where cases are taken in and repaired: HQ's service centre or a distributor's office."""

    __tablename__ = "service_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    name_zh: Mapped[str] = mapped_column(String(160), default="")  # issue 18
    address: Mapped[str] = mapped_column(String(400), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region] = relationship(lazy="joined")
