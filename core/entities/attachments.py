"""Files attached to records (issue 13): photos and PDFs on cases, units and plugins' records.

The bytes live under ``var_dir/attachments`` named by their SHA-256 (the same photo attached
twice is stored once); the row says whose it is, what it is and the random ``token`` its URL
carries -- never a path or a counter, so nothing can be guessed. ``region_id`` is the owning
record's region (none for a unit: units are not region-scoped) and is checked on every
download.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``case``, ``unit`` or a plugin's own kind (``loaner.loan``).
    owner_kind: Mapped[str] = mapped_column(String(60))
    owner_id: Mapped[int] = mapped_column()
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    #: Checked from the bytes, not taken from the browser: image/jpeg, image/png,
    #: image/webp or application/pdf.
    content_type: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200), default="")
    has_thumbnail: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
