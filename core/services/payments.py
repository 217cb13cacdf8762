"""Fees (P-4): payments with gapless receipt numbers per service point, and the cash handover
from collector to finance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from core import audit
from core.db import utcnow
from core.entities import (
    CaseCredit,
    CaseEvent,
    Handover,
    Payment,
    ReceiptCounter,
    ServiceCase,
    User,
)
from core.entities.money import PAYMENT_METHODS
from core.errors import Conflict, DomainError, Message, NotFound
from core.i18n import N_
from core.services.case_events import record_case_event
from core.services.locking import lock_case, lock_row
from core.services.validation import Problems

PAYABLE_STATES = ("confirmed", "dispatched", "in_repair", "repaired", "returned", "closed")
HANDOVER_METHODS = ("cash",)


def paid_total(session: Session, case: ServiceCase) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Payment.amount_cents), 0))
                              .where(Payment.case_id == case.id)) or 0)


def outstanding(session: Session, case: ServiceCase) -> int:
    """Payable less paid, net of credits and credit notes (issue 10: money both ways); never
    below zero (what the company owes is ``refunds.refundable``)."""
    from core.services.refunds import balance

    return max(0, balance(session, case))


def next_receipt_number(session: Session, service_point_id: int) -> int:
    """Take the next number under a row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite
    writers are serialised by BEGIN IMMEDIATE), in the payment's own transaction, so a
    rolled-back payment gives its number back and numbers never skip or repeat."""
    query = select(ReceiptCounter).where(ReceiptCounter.service_point_id == service_point_id
                                         ).with_for_update()
    counter = session.scalars(query).first()
    if counter is None:
        try:
            with session.begin_nested():
                session.add(ReceiptCounter(service_point_id=service_point_id, last_number=0))
        except IntegrityError:
            pass  # another transaction created it first
        counter = session.scalars(query).one()
    counter.last_number += 1
    session.flush()
    return counter.last_number


def record_payment(session: Session, case: ServiceCase, actor: User,
                   data: dict[str, Any]) -> Payment:
    """Take a payment of at most what is outstanding, decided under the case's row lock so
    parallel payments can never together exceed the amount due (issue 10)."""
    case = lock_case(session, case)
    problems = Problems()
    amount = problems.cents(data, "amount_cents")
    method = problems.choice(data, "method", PAYMENT_METHODS)
    problems.raise_if_any()
    assert amount is not None
    if case.state not in PAYABLE_STATES:
        raise Conflict(N_("Payments are taken once the customer has confirmed the quote (W-4)."),
                       code="invalid_state")
    due = outstanding(session, case)
    if amount > due:
        raise DomainError(N_("Only %(amount)s is outstanding on this case."),
                          params={"amount": f"{due / 100:.2f}"}, field="amount_cents")
    number = next_receipt_number(session, case.service_point_id)
    payment = Payment(case_id=case.id, region_id=case.region_id,
                      service_point_id=case.service_point_id, receipt_number=number,
                      amount_cents=amount, method=method, collected_by_id=actor.id)
    session.add(payment)
    record_case_event(session, case.id, actor, "payment",
                      Message(N_("Receipt %(number)s"), {"number": f"{number:06d}"}),
                      {"amount_cents": amount, "method": method})
    session.flush()
    audit.record(session, "payment", payment.id, "create", after={
        "case_id": case.id, "amount_cents": amount, "method": method, "receipt": number},
        region_id=case.region_id)
    from core.services.notices import receipt  # issue 13: a receipt by e-mail

    receipt(session, case, payment)
    return payment


def not_handed_over(session: Session, collector_id: int | None = None) -> list[Payment]:
    query = select(Payment).where(Payment.handover_id.is_(None),
                                  Payment.method.in_(HANDOVER_METHODS))
    if collector_id is not None:
        query = query.where(Payment.collected_by_id == collector_id)
    return list(session.scalars(query.order_by(Payment.collected_by_id, Payment.id)))


def create_handover(session: Session, collector: User, note: str = "") -> Handover:
    """The collector hands every cash payment not yet handed over to finance, as one batch,
    net of the cash they paid out on credit notes (cash in minus cash out).

    The collector's user row is the lock: two handovers sent at once are serialised and the
    second finds nothing left to hand over, so no cash is ever declared twice (issue 10)."""
    from core.services.refunds import credit_notes_not_handed_over

    lock_row(session, User, collector.id)
    payments = not_handed_over(session, collector.id)
    paid_out = credit_notes_not_handed_over(session, collector.id)
    if not payments and not paid_out:
        raise Conflict(N_("You hold no collected cash to hand over."), code="nothing_to_hand_over")
    out_cents = sum(c.amount_cents for c in paid_out)
    handover = Handover(collector_id=collector.id, region_id=collector.region_id,
                        service_point_id=collector.service_point_id,
                        declared_cents=sum(p.amount_cents for p in payments) - out_cents,
                        paid_out_cents=out_cents, note=note[:400])
    session.add(handover)
    session.flush()
    for payment in payments:
        payment.handover_id = handover.id
    for credit_note in paid_out:
        credit_note.handover_id = handover.id
    audit.record(session, "handover", handover.id, "create", after={
        "declared_cents": handover.declared_cents, "payments": [p.id for p in payments],
        "paid_out_cents": out_cents, "credit_notes": [c.id for c in paid_out]},
        region_id=handover.region_id)
    return handover


def confirm_handover(session: Session, handover_id: int, finance: User,
                     data: dict[str, Any]) -> Handover:
    handover = lock_row(session, Handover, handover_id)
    if handover is None:
        raise NotFound(N_("No such handover."))
    if handover.confirmed_at is not None:
        raise Conflict(N_("This handover is already confirmed."), code="already_confirmed")
    problems = Problems()
    received = problems.cents(data, "received_cents", allow_zero=True)
    note = problems.text(data, "note", required=False, max_length=400)
    problems.raise_if_any()
    handover.received_cents = received
    handover.confirmed_by_id = finance.id
    handover.confirmed_at = utcnow()
    if note:
        handover.note = (handover.note + " / " + note).strip(" /")[:400]
    audit.record(session, "handover", handover.id, "confirm", after={
        "received_cents": received, "difference_cents": handover.difference_cents},
        region_id=handover.region_id)
    return handover


#: Built once (issue 11: building the statement and its cache key again on every load cost
#: about as much as running it).
_CASE_EVENTS = select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id")) \
    .options(joinedload(CaseEvent.user).lazyload("*")).order_by(CaseEvent.at, CaseEvent.id)


def case_events(session: Session, case: ServiceCase) -> list[CaseEvent]:
    """The case's history, with each event's person and nothing of theirs (issue 11: their
    service point, region, roles and permissions cost a join and two statements)."""
    return list(session.scalars(_CASE_EVENTS, {"case_id": case.id}))


def write_off(session: Session, case: ServiceCase, actor: User, reason: str) -> CaseCredit:
    """P-4, issue 18: what is still outstanding is written off by a supervisor with a reason,
    as a money movement of its own (a ``write_off`` credit, on the case and the finance page),
    never by closing the case over it. Decided under the case's lock: of two write-offs sent
    at once, the second finds nothing outstanding."""
    from core.services.refunds import grant_credit

    case = lock_case(session, case)
    if not reason.strip():
        raise DomainError(N_("Say why the amount is written off."), field="reason")
    owed = outstanding(session, case)
    if owed <= 0:
        raise Conflict(N_("Nothing is outstanding on this case."), code="nothing_outstanding")
    return grant_credit(session, case, actor, kind="write_off", amount_cents=owed,
                        description=reason.strip()[:400], clause="P-4", source="core")


def write_offs(session: Session, limit: int = 50) -> list[tuple[CaseCredit, ServiceCase, str]]:
    """The latest write-offs with their case and who wrote them off, in one statement, for
    the finance page. Credits carry no region of their own: the join to the case brings the
    central region scope with it."""
    rows = session.execute(select(CaseCredit, ServiceCase, User.display_name)
                           .join(ServiceCase, ServiceCase.id == CaseCredit.case_id)
                           .outerjoin(User, User.id == CaseCredit.created_by_id)
                           .where(CaseCredit.kind == "write_off")
                           .order_by(CaseCredit.id.desc()).limit(limit))
    return [(credit, case, name or "") for credit, case, name in rows]
