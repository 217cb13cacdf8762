"""Reservations ahead (ANCHORS: SI#5081, "future reservations", open for years elsewhere): a
unit of the pool booked for a case's coming period, both days included.

Two bookings of one unit never overlap: each is decided under the unit's row lock, so of two
clerks booking overlapping periods at once one gets it and the other a clear 409 naming the
period taken (``tests/plugins/loaner/test_reservations.py`` proves it with parallel requests
on SQLite and PostgreSQL). A request to lend a unit (``services.request_loan``) is refused
while another case holds a booking that overlaps the days it is needed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import core.plugin_api as plugin_api
from core.plugin_api import (
    N_,
    Conflict,
    DomainError,
    Message,
    NotFound,
    Problems,
    User,
    across_regions,
    audit,
    local_today,
    lock_case,
    lock_row,
    record_case_event,
)
from plugins.loaner import policy
from plugins.loaner.models import LoanerReservation, LoanerUnit

#: The longest period one booking covers, and how far ahead one may book.
MAX_DAYS = 90
MAX_AHEAD_DAYS = 366


def overlapping(session: Session, unit_id: int, first: date, last: date, *,
                other_than_case: int | None = None) -> list[LoanerReservation]:
    """Booked reservations of the unit sharing at least one day with ``first..last``."""
    query = select(LoanerReservation).where(
        LoanerReservation.unit_id == unit_id, LoanerReservation.status == "booked",
        LoanerReservation.start_on <= last, LoanerReservation.end_on >= first)
    if other_than_case is not None:
        query = query.where(LoanerReservation.case_id != other_than_case)
    with across_regions(session):  # HQ's unit may be booked by any region's case
        return list(session.scalars(query.order_by(LoanerReservation.start_on)))


def booked_units(session: Session, first: date, last: date, *,
                 other_than_case: int | None = None) -> set[int]:
    """The units booked by another case on some day of ``first..last`` (one query)."""
    query = select(LoanerReservation.unit_id).where(
        LoanerReservation.status == "booked", LoanerReservation.start_on <= last,
        LoanerReservation.end_on >= first)
    if other_than_case is not None:
        query = query.where(LoanerReservation.case_id != other_than_case)
    with across_regions(session):
        return set(session.scalars(query))


def of_unit(session: Session, unit_id: int) -> list[LoanerReservation]:
    return list(session.scalars(select(LoanerReservation).where(
        LoanerReservation.unit_id == unit_id).order_by(LoanerReservation.start_on,
                                                       LoanerReservation.id)))


def reserve(session: Session, actor: User | None, data: dict[str, Any]) -> LoanerReservation:
    """Book ``unit_id`` for ``case_id`` from ``start_on`` to ``end_on`` (both included)."""
    problems = Problems()
    unit_id = problems.integer(data, "unit_id")
    case_id = problems.integer(data, "case_id")
    first = problems.day(data, "start_on", required=True)
    last = problems.day(data, "end_on", required=True)
    reason = problems.text(data, "reason", max_length=400, label=N_("Reason"))
    problems.raise_if_any()
    assert first is not None and last is not None
    today = local_today(session.info["settings"])
    if first < today:
        raise DomainError(N_("The period starts in the past."), field="start_on")
    if last < first:
        raise DomainError(N_("The period ends before it starts."), field="end_on")
    if (last - first).days + 1 > MAX_DAYS:
        raise DomainError(N_("A booking covers at most %(n)s days."), params={"n": MAX_DAYS},
                          field="end_on")
    if first > today + timedelta(days=MAX_AHEAD_DAYS):
        raise DomainError(N_("Book at most %(n)s days ahead."), params={"n": MAX_AHEAD_DAYS},
                          field="start_on")
    case = lock_case(session, plugin_api.get_case(session, case_id).id)
    if case.state not in policy.REQUEST_STATES:
        raise Conflict(N_("A loaner is requested while the repair is under way, not when the "
                          "case is %(state)s."), params={"state": case.state},
                       code="invalid_state")
    unit = lock_row(session, LoanerUnit, unit_id)
    if unit is None:
        raise NotFound(N_("No such loaner unit."), field="unit_id")
    if unit.status == "retired":
        raise Conflict(N_("Loaner %(code)s is retired."), params={"code": unit.body_code},
                       code="unit_retired", field="unit_id")
    if unit.model_code.upper() != (case.model_code or "").upper():
        raise DomainError(N_("E-2 lends a unit of the same model (%(model)s); another "
                             "model needs a supervisor."), params={"model": case.model_code},
                          field="unit_id", status_code=403, code="forbidden")
    taken = overlapping(session, unit.id, first, last)
    if taken:
        raise Conflict(N_("Loaner %(code)s is already booked from %(start)s to %(end)s."),
                       params={"code": unit.body_code, "start": taken[0].start_on.isoformat(),
                               "end": taken[0].end_on.isoformat()},
                       code="unit_booked", field="start_on")
    booking = LoanerReservation(unit_id=unit.id, case_id=case.id, start_on=first, end_on=last,
                                reason=reason, region_id=case.region_id,
                                created_by_id=actor.id if actor else None)
    session.add(booking)
    session.flush()
    record_case_event(session, case.id, actor, "loaner.booked", Message(
        N_("Loaner %(code)s booked from %(start)s to %(end)s: %(reason)s"),
        {"code": unit.body_code, "start": first.isoformat(), "end": last.isoformat(),
         "reason": reason}), {"reservation_id": booking.id})
    audit.record(session, "loaner_reservation", booking.id, "create", after={
        "unit": unit.body_code, "case_id": case.id, "start_on": first.isoformat(),
        "end_on": last.isoformat()}, region_id=booking.region_id)
    return booking


def cancel(session: Session, reservation_id: object, actor: User | None, note: str, *,
           any_booking: bool) -> LoanerReservation:
    """Whoever booked it (or a supervisor: ``loaner.cancel_any``) cancels a booking."""
    note = (note or "").strip()
    if not note:
        raise DomainError(N_("Say why the booking is cancelled."), field="note")
    try:
        number = int(str(reservation_id))
    except ValueError:
        raise NotFound(N_("No such booking.")) from None
    booking = lock_row(session, LoanerReservation, number)
    if booking is None:
        raise NotFound(N_("No such booking."))
    if not any_booking and (actor is None or actor.id != booking.created_by_id):
        raise DomainError(N_("Only whoever made the booking, or a supervisor, may cancel it."),
                          status_code=403, code="forbidden")
    if booking.status != "booked":
        raise Conflict(N_("This booking was already cancelled."), code="invalid_state")
    booking.status = "cancelled"
    booking.cancel_note = note[:400]
    record_case_event(session, booking.case_id, actor, "loaner.booking_cancelled", Message(
        N_("Loaner booking from %(start)s to %(end)s cancelled: %(note)s"),
        {"start": booking.start_on.isoformat(), "end": booking.end_on.isoformat(),
         "note": note}), {"reservation_id": booking.id})
    audit.record(session, "loaner_reservation", booking.id, "cancel", after={"note": note},
                 region_id=booking.region_id)
    return booking


def reservation_json(booking: LoanerReservation) -> dict[str, Any]:
    return {"id": booking.id, "unit_id": booking.unit_id, "case_id": booking.case_id,
            "start_on": booking.start_on, "end_on": booking.end_on, "status": booking.status,
            "reason": booking.reason, "cancel_note": booking.cancel_note or None}
