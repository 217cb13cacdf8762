"""Return and exchange requests recorded on a case, with the decision shown to the customer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import Base, Message, UTCDateTime, utcnow
from plugins.warranty.texts import loaded


class ReturnRequest(Base):
    __tablename__ = "warranty_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # return | exchange | repair
    decided_on: Mapped[date] = mapped_column()
    # the condition checklist (R-2 … R-5) and the facts of
    defects: Mapped[str] = mapped_column(String(64), default="")
    performance_mismatch: Mapped[bool] = mapped_column(default=False)
    human_factor: Mapped[bool] = mapped_column(default=False)
    quality_problem: Mapped[bool] = mapped_column(default=False)
    used: Mapped[bool] = mapped_column(default=True)
    well_kept: Mapped[bool] = mapped_column(default=False)
    # the decision, as shown
    outcome: Mapped[str] = mapped_column(String(40))
    coverage_class: Mapped[str | None] = mapped_column(String(1))
    charged: Mapped[bool] = mapped_column(default=False)
    customer_pays_shipping: Mapped[bool] = mapped_column(default=False)
    clauses: Mapped[str] = mapped_column(String(120))
    #: The reason as a message id and its parameters (``texts.stored``), shown in the
    #: reader's language; a reason kept before ids (w0002) that matched none is the old
    #: English text with no parameters, shown as it is.
    reason_id: Mapped[str] = mapped_column(Text)
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Every amount the decision made, shown with it (issue 18): what the customer gets back
    #: for a return (R-8: the price less depreciation; R-1: the price), the exchange's price
    #: difference (positive: the customer pays it; negative: paid back; R-1, R-8), the
    #: shipping entered that the customer pays (R-8, W-C), and the unit's price they came
    #: from. None: not part of this decision.
    refund_cents: Mapped[int | None] = mapped_column()
    price_difference_cents: Mapped[int | None] = mapped_column()
    shipping_cents: Mapped[int | None] = mapped_column()
    price_cents: Mapped[int | None] = mapped_column()
    exchange_model_code: Mapped[str] = mapped_column(String(32), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def reason(self) -> Message:
        """The decision's reason, for ``localize`` on a page or ``texts.text_in``."""
        return loaded(self.reason_id, self.reason_params)
