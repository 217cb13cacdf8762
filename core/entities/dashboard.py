"""The dashboard's shared figures: turnaround medians as last computed, per region scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class TurnaroundSnapshot(Base):
    """The P-6 medians of every window for one region scope, as computed at ``computed_at``
    (issue 11). ``scope`` is ``"all"`` (HQ, every region) or ``"region:<id>"``: the reader's
    own scope picks the row, so a regional user never reads another region's figures. Not a
    ``RegionScoped`` entity because HQ's row spans regions; only
    ``core.services.turnaround_snapshots`` reads and writes it."""

    __tablename__ = "turnaround_snapshot"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``{"30": [turnaround, ...], "90": [...]}``, each as ``Turnaround.as_json()``
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
