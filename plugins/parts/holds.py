"""Stock set aside without a case (issue 15 item 4; InvenTree #4874 "reserve stock without an
order"): for a purpose and a person, until an expiry, when the ``parts.expire_reservations``
job gives it back.

Never oversold: the reservation is taken under the stock row's lock (``ledger.locked_stock``),
the same lock a case's reservation, an issue or a shipment takes, and the decision is made
on the re-read row; the ``reserved <= on_hand`` check constraint is the last line. So a
caseless reservation and a case's reservation competing for the last unit: exactly one gets
it (tests/plugins/parts/test_stock_holds.py, parallel requests on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    Conflict,
    NotFound,
    Problems,
    User,
    audit,
    lock_row,
    utcnow,
)
from plugins.parts import stock as ledger
from plugins.parts.models import CONDITIONS, Reservation, Stock

#: The longest a caseless reservation may last: stock kept "for later" is stock nobody has.
MAX_DAYS = 90


def _quantity(problems: Problems, data: dict[str, Any]) -> int:
    value = problems.integer(data, "quantity", minimum=1)
    if value is not None and value > 100000:
        problems.add("quantity", N_("At most %(max)s."), max=100000)
    return value or 0


def reserve_stock(session: Session, actor: User | None, data: dict[str, Any]
                  ) -> Reservation:
    """``{part, warehouse, quantity, condition?, purpose, held_for? (user id), expires_on
    (YYYY-MM-DD, the last day kept)}``: set parts aside without a case. 409 when fewer are
    available than asked (nothing is reserved then)."""
    from plugins.parts import services

    problems = Problems()
    quantity = _quantity(problems, data)
    condition = problems.choice(data, "condition", CONDITIONS[:2], required=False) or "new"
    purpose = problems.text(data, "purpose", max_length=200, label=N_("Purpose"))
    expires_on = problems.day(data, "expires_on", required=True)
    held_for = None
    if data.get("held_for") not in (None, ""):
        held_id = problems.integer(data, "held_for", required=False)
        held_for = session.get(User, held_id) if held_id is not None else None
        if held_id is not None and held_for is None:
            problems.add("held_for", N_("No such user."))
    today = services.today(session)
    if expires_on is not None and expires_on < today:
        problems.add("expires_on", N_("The expiry cannot be in the past."))
    elif expires_on is not None and expires_on > today + timedelta(days=MAX_DAYS):
        problems.add("expires_on", N_("Keep parts aside for at most %(days)s days."),
                     days=MAX_DAYS)
    part, warehouse = services._part_and_warehouse(session, problems, data)
    problems.raise_if_any()
    assert part is not None and warehouse is not None and expires_on is not None
    tz = session.info["settings"].tz
    expires_at = datetime.combine(expires_on + timedelta(days=1), time(), tz)
    row = ledger.locked_stock(session, part.id, warehouse.id, condition, create=False)
    available = row.available if row is not None else 0
    if row is None or available < quantity:
        raise Conflict(N_("Only %(available)s of %(part)s available at %(warehouse)s."),
                       params={"available": available, "part": part.number,
                               "warehouse": warehouse.code},
                       code="insufficient_stock", field="quantity",
                       extra={"available": available})
    reservation = Reservation(case_id=None, stock_id=row.id, part_id=part.id,
                              quantity=quantity, region_id=row.region_id, purpose=purpose,
                              held_for_id=held_for.id if held_for else None,
                              expires_at=expires_at,
                              created_by_id=actor.id if actor else None)
    session.add(reservation)
    session.flush()
    ledger.apply(session, row, "reserve", reserved=quantity, actor=actor,
                 reason=f"reservation {reservation.id}: {purpose}")
    audit.record(session, "parts_reservation", reservation.id, "reserve",
                 after={"part": part.number, "warehouse": warehouse.code,
                        "quantity": quantity, "purpose": purpose,
                        "expires_at": expires_at.isoformat()}, region_id=row.region_id)
    return reservation


def get_hold(session: Session, reservation_id: int) -> Reservation:
    found = session.get(Reservation, reservation_id)
    if found is None or found.case_id is not None:
        raise NotFound(N_("No such reservation."))
    return found


def _give_back(session: Session, reservation: Reservation, actor: User | None, state: str
               ) -> None:
    row = lock_row(session, Stock, reservation.stock_id)
    assert row is not None
    ledger.apply(session, row, "release", reserved=-reservation.quantity, actor=actor,
                 reason=f"reservation {reservation.id} {state}")
    reservation.state, reservation.closed_at = state, utcnow()


def release_stock(session: Session, reservation_id: int, actor: User | None) -> Reservation:
    """Give a caseless reservation back before it expires; 409 when it is no longer held."""
    found = get_hold(session, reservation_id)
    reservation = lock_row(session, Reservation, found.id)
    assert reservation is not None
    if reservation.state != "reserved":
        raise Conflict(N_("This reservation is already %(state)s."),
                       params={"state": reservation.state}, code="not_reserved")
    _give_back(session, reservation, actor, "released")
    audit.record(session, "parts_reservation", reservation.id, "release",
                 region_id=reservation.region_id)
    return reservation


def expire(session: Session, now: datetime) -> int:
    """The job: every caseless reservation past its expiry goes back to the shelf (state
    ``expired``). Each is re-read under its lock, so a release at the same moment is not
    counted twice; stock rows are taken in ascending id order (no deadlock)."""
    due = list(session.execute(select(Reservation.id, Reservation.stock_id).where(
        Reservation.state == "reserved", Reservation.case_id.is_(None),
        Reservation.expires_at <= now)).all())
    count = 0
    for reservation_id, _stock_id in sorted(due, key=lambda r: (r[1], r[0])):
        reservation = lock_row(session, Reservation, reservation_id)
        if reservation is None or reservation.state != "reserved":
            continue
        _give_back(session, reservation, None, "expired")
        count += 1
    session.flush()
    return count


def holds(session: Session, *, open_only: bool = True) -> list[Reservation]:
    query = select(Reservation).where(Reservation.case_id.is_(None))
    if open_only:
        query = query.where(Reservation.state == "reserved")
    return list(session.scalars(query.order_by(Reservation.expires_at, Reservation.id)))
