"""The stock ledger (issue 15, "Ledger"): every change of a stock row is one ``Move``, written
in the same transaction as the change, under the stock row's lock.

Why a lock and not a check: two requests that both read "1 available" and both issue it would
take 2 (InvenTree #12478, Odoo #32857). ``lock_row`` makes the second wait until the first
commits and re-reads the row, so the decision is taken on committed quantities. The check
constraints of ``parts_stock`` are the last line: a negative quantity cannot be stored at all.

Several rows are always locked in ascending id order, so two transfers never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.plugin_api import N_, Conflict, NotFound, User, lock_row
from plugins.parts.models import CONDITIONS, Move, Part, Stock, Warehouse


def find_stock(session: Session, part_id: int, warehouse_id: int, condition: str
               ) -> Stock | None:
    return session.scalars(select(Stock).where(
        Stock.part_id == part_id, Stock.warehouse_id == warehouse_id,
        Stock.condition == condition)).first()


def locked_stock(session: Session, part_id: int, warehouse_id: int, condition: str, *,
                 create: bool) -> Stock | None:
    """The stock row, locked and freshly read; created (empty) first when ``create``.

    Two first receipts of the same part at once both try to insert: the loser's insert fails
    on the unique constraint inside a savepoint and it locks the winner's row instead.
    """
    if condition not in CONDITIONS:
        raise NotFound(N_("No such condition."))
    row = find_stock(session, part_id, warehouse_id, condition)
    if row is None:
        if not create:
            return None
        warehouse = session.get(Warehouse, warehouse_id)
        if warehouse is None:
            raise NotFound(N_("No such warehouse."))
        try:
            with session.begin_nested():
                row = Stock(part_id=part_id, warehouse_id=warehouse_id, condition=condition,
                            region_id=warehouse.region_id, on_hand=0, reserved=0)
                session.add(row)
        except IntegrityError:
            row = find_stock(session, part_id, warehouse_id, condition)
            if row is None:  # pragma: no cover - the other insert rolled back
                raise Conflict(N_("The stock changed meanwhile; try again."),
                               code="retry") from None
    return lock_row(session, Stock, row.id)


def lock_many(session: Session, keys: Iterable[tuple[int, int, str]], *, create: bool
              ) -> dict[tuple[int, int, str], Stock | None]:
    """Lock several stock rows (part, warehouse, condition) in a fixed order (no deadlock)."""
    found: dict[tuple[int, int, str], Stock | None] = {}
    existing = {key: find_stock(session, *key) for key in set(keys)}
    order = sorted(existing, key=lambda k: (existing[k].id if existing[k] else 1 << 60, k))
    for key in order:
        found[key] = locked_stock(session, *key, create=create)
    return found


def apply(session: Session, stock: Stock, kind: str, *, on_hand: int = 0, reserved: int = 0,
          actor: User | None = None, case_id: int | None = None,
          transfer_id: int | None = None, reason: str = "") -> Move:
    """Change a *locked* stock row and write its ledger row; ``Conflict`` (409) when the
    result would be negative or reserve more than is on hand."""
    new_on_hand = stock.on_hand + on_hand
    new_reserved = stock.reserved + reserved
    if new_on_hand < 0 or new_reserved < 0 or new_reserved > new_on_hand:
        raise Conflict(
            N_("Not enough %(part)s (%(condition)s) in %(warehouse)s: %(available)s "
               "available."),
            params={"part": stock.part.number, "condition": stock.condition,
                    "warehouse": stock.warehouse.code, "available": stock.available},
            code="insufficient_stock",
            extra={"available": stock.available, "on_hand": stock.on_hand})
    stock.on_hand = new_on_hand
    stock.reserved = new_reserved
    move = Move(stock_id=stock.id, part_id=stock.part_id, warehouse_id=stock.warehouse_id,
                condition=stock.condition, kind=kind, on_hand_delta=on_hand,
                reserved_delta=reserved, unit_cost_cents=stock.part.cost_cents,
                case_id=case_id, transfer_id=transfer_id, reason=reason[:400],
                user_id=actor.id if actor else None, region_id=stock.region_id)
    session.add(move)
    session.flush()
    return move


@dataclass(frozen=True)
class Drift:
    """A stock row whose cached quantities differ from its ledger."""

    stock_id: int
    part: str
    warehouse: str
    condition: str
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int


def compare(session: Session, *, fix: bool = False) -> list[Drift]:
    """Rebuild every stock row's quantities from the ledger and list the rows that differ;
    with ``fix`` the rows are set to the ledger's values (the ledger is the truth)."""
    sums = {row.stock_id: (int(row.on_hand or 0), int(row.reserved or 0)) for row in
            session.execute(select(Move.stock_id, func.sum(Move.on_hand_delta).label("on_hand"),
                                   func.sum(Move.reserved_delta).label("reserved"))
                            .group_by(Move.stock_id))}
    drifts = []
    rows = session.execute(select(Stock, Part.number, Warehouse.code)
                           .join(Part, Part.id == Stock.part_id)
                           .join(Warehouse, Warehouse.id == Stock.warehouse_id)
                           .order_by(Stock.id)).all()
    for stock, number, code in rows:
        on_hand, reserved = sums.get(stock.id, (0, 0))
        if (on_hand, reserved) != (stock.on_hand, stock.reserved):
            drifts.append(Drift(stock.id, number, code, stock.condition, stock.on_hand,
                                on_hand, stock.reserved, reserved))
            if fix:
                locked = lock_row(session, Stock, stock.id)
                assert locked is not None
                locked.on_hand, locked.reserved = on_hand, reserved
    if fix:
        session.flush()
    return drifts
