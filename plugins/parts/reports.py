"""Parts reports (issue 15, "Reports"): consumption by model and part, warranty parts cost by
coverage class, stock value, slow movers and stock-outs that held cases. Each is a header and
rows, region-scoped by the session's scope (every table read is ``RegionScoped``).

A :class:`Period` (from, to: days in the instance's zone, both included) limits what
happened: parts issued (consumption, warranty cost) and holds that overlap it (stock-outs).
Stock value and slow movers are what the shelves hold now, whatever the period.

The header is machine names (the JSON API's keys); :data:`COLUMN_LABELS` gives each a message
id, so a page and a spreadsheet show it in the reader's language (issue 15 item 2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.plugin_api import N_, CaseHold, Charge, Problems, ServiceCase, utcnow
from plugins.parts.models import Move, Part, Reservation, Stock, Warehouse

Table = tuple[list[str], list[list[object]]]
SLOW_DAYS = 90
#: The longest period a report covers (a typo like 2206 for 2026 is refused, not scanned).
MAX_DAYS = 3660

#: Each column's header in the reader's language (the CSV's money columns end in ``_yuan``).
COLUMN_LABELS = {
    "model": N_("Model"), "part": N_("Part number"), "name": N_("Name"),
    "quantity": N_("Quantity"), "cost_cents": N_("Cost"), "cost_yuan": N_("Cost (yuan)"),
    "class": N_("Coverage class"), "waived": N_("Waived"), "lines": N_("Lines"),
    "price_cents": N_("Price"), "price_yuan": N_("Price (yuan)"),
    "warehouse": N_("Warehouse"), "condition": N_("Condition"),
    "value_cents": N_("Value"), "value_yuan": N_("Value (yuan)"), "on_hand": N_("On hand"),
    "case": N_("Case"), "since": N_("Since"), "still_held": N_("Still held"),
    "days": N_("Days"),
}


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included; ``None`` is open-ended."""

    start: date | None = None
    end: date | None = None

    def bounds(self, session: Session) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants: from the start day's midnight in the instance's zone
        to the midnight after the end day."""
        tz = session.info["settings"].tz
        low = datetime.combine(self.start, time(), tz).astimezone(UTC) if self.start else None
        high = datetime.combine(self.end + timedelta(days=1), time(), tz).astimezone(UTC) \
            if self.end else None
        return low, high


def period_from(data: dict[str, Any]) -> Period:
    """``from`` and ``to`` (YYYY-MM-DD, either may be empty) checked: a real date each, from
    not after to, at most ``MAX_DAYS`` apart; every problem at once (``DomainError``)."""
    problems = Problems()
    start = problems.day(data, "from")
    end = problems.day(data, "to")
    if start is not None and end is not None:
        if start > end:
            problems.add("to", N_("The end of the period is before its start."))
        elif (end - start).days > MAX_DAYS:
            problems.add("to", N_("A report covers at most %(days)s days."), days=MAX_DAYS)
    problems.raise_if_any()
    return Period(start, end)


def _within(column: Any, period: Period, session: Session) -> list[Any]:
    low, high = period.bounds(session)
    found = []
    if low is not None:
        found.append(column >= low)
    if high is not None:
        found.append(column < high)
    return found


def consumption(session: Session, period: Period = Period()) -> Table:
    rows = session.execute(
        select(ServiceCase.model_code, Part.number, Part.name,
               func.sum(-Move.on_hand_delta), func.sum(-Move.on_hand_delta * Move.unit_cost_cents))
        .join(ServiceCase, ServiceCase.id == Move.case_id)
        .join(Part, Part.id == Move.part_id)
        .where(Move.kind == "issue", *_within(Move.at, period, session))
        .group_by(ServiceCase.model_code, Part.number, Part.name)
        .order_by(ServiceCase.model_code, Part.number)).all()
    return (["model", "part", "name", "quantity", "cost_cents"],
            [[m or "-", n, name, int(q or 0), int(c or 0)] for m, n, name, q, c in rows])


def warranty_cost(session: Session, period: Period = Period()) -> Table:
    """What issued parts cost the company, by coverage class: waived lines are its cost."""
    rows = session.execute(
        select(ServiceCase.coverage_class, Charge.waived, func.count(Reservation.id),
               func.sum(Reservation.quantity),
               func.sum(Reservation.quantity * Part.cost_cents),
               func.sum(Charge.quantity * Charge.unit_price_cents))
        .join(Charge, Charge.id == Reservation.charge_id)
        .join(ServiceCase, ServiceCase.id == Reservation.case_id)
        .join(Part, Part.id == Reservation.part_id)
        .where(Reservation.state == "issued", Charge.voided_at.is_(None),
               *_within(Reservation.closed_at, period, session))
        .group_by(ServiceCase.coverage_class, Charge.waived)
        .order_by(ServiceCase.coverage_class, Charge.waived)).all()
    return (["class", "waived", "lines", "quantity", "cost_cents", "price_cents"],
            [[c or "-", bool(w), int(n), int(q or 0), int(cost or 0), int(p or 0)]
             for c, w, n, q, cost, p in rows])


def stock_value(session: Session, period: Period = Period()) -> Table:
    rows = session.execute(
        select(Warehouse.code, Stock.condition, func.sum(Stock.on_hand),
               func.sum(Stock.on_hand * Part.cost_cents))
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .join(Part, Part.id == Stock.part_id)
        .group_by(Warehouse.code, Stock.condition)
        .order_by(Warehouse.code, Stock.condition)).all()
    return (["warehouse", "condition", "quantity", "value_cents"],
            [[w, c, int(q or 0), int(v or 0)] for w, c, q, v in rows])


def slow_movers(session: Session, period: Period = Period()) -> Table:
    """Stock on hand with no issue or transfer out for ``SLOW_DAYS`` days."""
    since = utcnow() - timedelta(days=SLOW_DAYS)
    moved = select(Move.stock_id).where(Move.kind.in_(("issue", "transfer_out")),
                                        Move.at >= since)
    rows = session.execute(
        select(Warehouse.code, Part.number, Stock.condition, Stock.on_hand,
               Stock.on_hand * Part.cost_cents)
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .join(Part, Part.id == Stock.part_id)
        .where(Stock.on_hand > 0, Stock.condition != "faulty", Stock.id.not_in(moved))
        .order_by(Warehouse.code, Part.number)).all()
    return (["warehouse", "part", "condition", "on_hand", "value_cents"],
            [list(r) for r in rows])


def stockouts(session: Session, period: Period = Period()) -> Table:
    """Cases held waiting for parts, and for how long (days): the holds that overlap the
    period (placed before its end, not released before its start)."""
    low, high = period.bounds(session)
    overlap = []
    if high is not None:
        overlap.append(CaseHold.placed_at < high)
    if low is not None:
        overlap.append((CaseHold.released_at.is_(None)) | (CaseHold.released_at >= low))
    rows = session.execute(
        select(ServiceCase.id, ServiceCase.model_code, CaseHold.placed_at, CaseHold.released_at)
        .join(ServiceCase, ServiceCase.id == CaseHold.case_id)
        .where(CaseHold.kind == "waiting_for_parts", *overlap).order_by(CaseHold.id)).all()
    now = utcnow()
    tz = session.info["settings"].tz  # issue 18: the day in the instance's zone, not UTC's
    out: list[list[object]] = []
    for case_id, model, placed, released in rows:
        end = released or now
        out.append([case_id, model or "-",
                    placed.astimezone(tz).date().isoformat() if placed else "",
                    "yes" if released is None else "no",
                    max(0, (end - placed).days) if placed else 0])
    return (["case", "model", "since", "still_held", "days"], out)


REPORTS: dict[str, Callable[[Session, Period], Table]] = {
    "consumption": consumption, "warranty_cost": warranty_cost, "stock_value": stock_value,
    "slow_movers": slow_movers, "stockouts": stockouts,
}
