"""Parts reports (issue 15, "Reports"): consumption by model and part, warranty parts cost by
coverage class, stock value, slow movers and stock-outs that held cases. Each is a header and
rows, region-scoped by the session's scope (every table read is ``RegionScoped``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.plugin_api import CaseHold, Charge, ServiceCase, utcnow
from plugins.parts.models import Move, Part, Reservation, Stock, Warehouse

Table = tuple[list[str], list[list[object]]]
SLOW_DAYS = 90


def consumption(session: Session) -> Table:
    rows = session.execute(
        select(ServiceCase.model_code, Part.number, Part.name,
               func.sum(-Move.on_hand_delta), func.sum(-Move.on_hand_delta * Move.unit_cost_cents))
        .join(ServiceCase, ServiceCase.id == Move.case_id)
        .join(Part, Part.id == Move.part_id)
        .where(Move.kind == "issue")
        .group_by(ServiceCase.model_code, Part.number, Part.name)
        .order_by(ServiceCase.model_code, Part.number)).all()
    return (["model", "part", "name", "quantity", "cost_cents"],
            [[m or "-", n, name, int(q or 0), int(c or 0)] for m, n, name, q, c in rows])


def warranty_cost(session: Session) -> Table:
    """What issued parts cost the company, by coverage class: waived lines are its cost."""
    rows = session.execute(
        select(ServiceCase.coverage_class, Charge.waived, func.count(Reservation.id),
               func.sum(Reservation.quantity),
               func.sum(Reservation.quantity * Part.cost_cents),
               func.sum(Charge.quantity * Charge.unit_price_cents))
        .join(Charge, Charge.id == Reservation.charge_id)
        .join(ServiceCase, ServiceCase.id == Reservation.case_id)
        .join(Part, Part.id == Reservation.part_id)
        .where(Reservation.state == "issued", Charge.voided_at.is_(None))
        .group_by(ServiceCase.coverage_class, Charge.waived)
        .order_by(ServiceCase.coverage_class, Charge.waived)).all()
    return (["class", "waived", "lines", "quantity", "cost_cents", "price_cents"],
            [[c or "-", bool(w), int(n), int(q or 0), int(cost or 0), int(p or 0)]
             for c, w, n, q, cost, p in rows])


def stock_value(session: Session) -> Table:
    rows = session.execute(
        select(Warehouse.code, Stock.condition, func.sum(Stock.on_hand),
               func.sum(Stock.on_hand * Part.cost_cents))
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .join(Part, Part.id == Stock.part_id)
        .group_by(Warehouse.code, Stock.condition)
        .order_by(Warehouse.code, Stock.condition)).all()
    return (["warehouse", "condition", "quantity", "value_cents"],
            [[w, c, int(q or 0), int(v or 0)] for w, c, q, v in rows])


def slow_movers(session: Session) -> Table:
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


def stockouts(session: Session) -> Table:
    """Cases held waiting for parts, and for how long (days)."""
    rows = session.execute(
        select(ServiceCase.id, ServiceCase.model_code, CaseHold.placed_at, CaseHold.released_at)
        .join(ServiceCase, ServiceCase.id == CaseHold.case_id)
        .where(CaseHold.kind == "waiting_for_parts").order_by(CaseHold.id)).all()
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


REPORTS: dict[str, Callable[[Session], Table]] = {
    "consumption": consumption, "warranty_cost": warranty_cost, "stock_value": stock_value,
    "slow_movers": slow_movers, "stockouts": stockouts,
}
