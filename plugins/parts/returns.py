"""Faulty parts awaiting return to HQ (R-6, issue 15 item 3): what each service point's store
holds in the ``faulty`` condition, how long it has waited, and sending it to HQ's central
warehouse in one transfer.

The age is the ledger's: the stock row's incoming faulty moves (``faulty_in``,
``transfer_in``), newest first, until they add up to what is on hand now (first in, first
out): the oldest of those is how long the oldest faulty part has waited. One query reads the
moves of every listed row (no query per row).

Region scope: stock rows and moves are ``RegionScoped``, so a distributor sees and sends only
its own; HQ sees every store. The central warehouse the parts go to is HQ's, found outside
the scope (its stock is touched only when HQ confirms the receipt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import N_, Conflict, NotFound, Problems, Region, User
from plugins.parts.models import Move, Part, Stock, Transfer, Warehouse

ORDERS = ("age", "warehouse", "part")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Awaiting:
    """Faulty parts of one kind at one store, waiting to go back to HQ."""

    stock: Stock
    quantity: int
    waiting_since: datetime | None

    @property
    def warehouse(self) -> Warehouse:
        return self.stock.warehouse

    @property
    def part(self) -> Part:
        return self.stock.part

    def age_days(self, now: datetime) -> int:
        return max(0, (now - self.waiting_since).days) if self.waiting_since else 0


def awaiting_return(session: Session, *, warehouse: str = "", part: str = "",
                    order: str = "age") -> list[Awaiting]:
    """Faulty stock at every store but a central warehouse, filtered by warehouse and part
    code, ordered by age (oldest first), warehouse or part."""
    query = (select(Stock).join(Warehouse, Warehouse.id == Stock.warehouse_id)
             .join(Part, Part.id == Stock.part_id)
             .where(Stock.condition == "faulty", Stock.on_hand > Stock.reserved,
                    Warehouse.central.is_(False)))
    if warehouse.strip():
        query = query.where(Warehouse.code == warehouse.strip().upper())
    if part.strip():
        query = query.where(Part.number == part.strip().upper())
    rows = list(session.scalars(query.order_by(Stock.id)))
    since = _waiting_since(session, rows)
    items = [Awaiting(row, row.available, since.get(row.id)) for row in rows]
    if order == "warehouse":
        items.sort(key=lambda i: (i.warehouse.code, i.part.number))
    elif order == "part":
        items.sort(key=lambda i: (i.part.number, i.warehouse.code))
    else:
        items.sort(key=lambda i: (i.waiting_since is None, i.waiting_since or _EPOCH,
                                  i.stock.id))
    return items


def _waiting_since(session: Session, rows: list[Stock]) -> dict[int, datetime]:
    """Per stock row, when its oldest faulty part still on hand came in (first in, first
    out), from one query of the rows' incoming moves."""
    if not rows:
        return {}
    left = {row.id: row.on_hand for row in rows}
    found: dict[int, datetime] = {}
    moves = session.execute(select(Move.stock_id, Move.on_hand_delta, Move.at).where(
        Move.stock_id.in_(list(left)), Move.on_hand_delta > 0)
        .order_by(Move.stock_id, Move.id.desc()))
    for stock_id, delta, at in moves:
        if left[stock_id] <= 0:
            continue
        left[stock_id] -= int(delta)
        found[stock_id] = at
    return found


def central_warehouse(session: Session) -> Warehouse:
    """HQ's central warehouse (of any region's view: the destination of a return)."""
    saved = session.info.get("region_id")
    session.info["region_id"] = None
    try:
        found = session.scalars(select(Warehouse).join(Region, Region.id == Warehouse.region_id)
                                .where(Warehouse.central.is_(True), Warehouse.active.is_(True),
                                       Region.is_hq.is_(True))
                                .order_by(Warehouse.id)).first()
    finally:
        session.info["region_id"] = saved
    if found is None:
        raise Conflict(N_("HQ has no central warehouse to send faulty parts to."),
                       code="no_central_warehouse")
    return found


def send_to_hq(session: Session, actor: User | None, data: dict[str, Any]) -> Transfer:
    """Send a store's faulty parts to HQ in one transfer: all of them, or the stock rows
    listed in ``stock_ids``; ``waybill`` optional. The parts are in transit until HQ
    confirms the receipt (differences recorded there)."""
    from plugins.parts import services

    problems = Problems()
    waybill = problems.text(data, "waybill", required=False, max_length=64)
    source = None
    try:
        source = services.get_warehouse(session, data.get("warehouse"))
    except NotFound as error:
        problems.add_error("warehouse", error)
    chosen: set[int] | None = None
    raw = data.get("stock_ids")
    if raw not in (None, "", []):
        items = raw if isinstance(raw, list) else [raw]
        try:
            chosen = {int(str(i)) for i in items}
        except ValueError:
            problems.add("stock_ids", N_("List the stock rows to send by their ids."))
    problems.raise_if_any()
    assert source is not None
    if source.central:
        raise Conflict(N_("The parts are already in a central warehouse."),
                       code="already_central", field="warehouse")
    waiting = [i for i in awaiting_return(session, warehouse=source.code)
               if chosen is None or i.stock.id in chosen]
    if chosen is not None and {i.stock.id for i in waiting} != chosen:
        raise Conflict(N_("Some of the chosen parts are no longer waiting at %(warehouse)s."),
                       params={"warehouse": source.code}, code="not_waiting",
                       field="stock_ids")
    if not waiting:
        raise Conflict(N_("No faulty parts are waiting at %(warehouse)s."),
                       params={"warehouse": source.code}, code="nothing_to_send")
    target = central_warehouse(session)
    return services.ship(session, actor, {
        "from_warehouse": source.code, "to_warehouse": target.code, "waybill": waybill,
        "note": "R-6",
        "lines": [{"part": i.part.id, "quantity": i.quantity, "condition": "faulty"}
                  for i in waiting]})
