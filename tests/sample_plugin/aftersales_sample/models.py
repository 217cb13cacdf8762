"""The sample plugin's one table."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import Base


class SampleNote(Base):
    """A note about a unit, by body code."""

    __tablename__ = "sample_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(400))
