"""The outbox of messages to customers (DESIGN.md "Core services plugins build on").

A message is written in the same transaction as the event that causes it (a quote to confirm,
a repaired unit, a loaner to bring back), already rendered in the customer's language, so a
rolled-back cause leaves no message and a committed one is never lost. Delivery happens later
(``core.services.messages``); its state and attempts are kept on the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.entities.org import RegionScoped

CHANNELS = ("email", "sms")
#: queued → sent, or → failed (will retry) → dead (gave up); suppressed: opted out / no address.
MESSAGE_STATES = ("queued", "sent", "failed", "dead", "suppressed")


class OutboxMessage(RegionScoped, Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_state_due", "state", "due_at"),
        Index("ix_outbox_message_case_id", "case_id"),
        Index("ix_outbox_message_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the message is (``core.quote_link``, ``loaner.recall``...): the template's id.
    kind: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(160))
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    #: Essential messages (a quote to confirm, a receipt) go even to customers who opted out
    #: of the others (reminders, surveys).
    essential: Mapped[bool] = mapped_column(default=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    #: Who asked for it, e.g. ``core`` or ``loaner``; and any ids the sender wants back.
    source: Mapped[str] = mapped_column(String(40), default="core")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
