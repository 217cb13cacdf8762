"""Money out (issue 10, item 5): what the company owes a customer on a case (credits: an R-8
refund of the price less depreciation, an R-1 refund, an exchange's price difference in the
customer's favour), the credit notes that pay it out with gapless numbers per service point,
and the unit swap of an approved exchange.

Signed money on a case, in one sum (``balance``)::

    payable charges - credits - payments (receipts) + credit notes

A positive balance is what the customer still owes (a payment may take at most that); a
negative balance is what the company owes (a credit note may pay out at most that). So the
amount paid never exceeds what is due, and a refund never exceeds what was paid on the case
plus the credits granted on it. Every function that changes money first takes the case's row
lock (``lock_case``) and decides on the state the previous writer committed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.db import utcnow
from core.entities import (
    CaseCredit,
    CaseEvent,
    CreditNote,
    CreditNoteCounter,
    ServiceCase,
    Unit,
    UnitSwap,
    User,
)
from core.entities.money import (
    CREDIT_KINDS,
    CREDIT_NOTE_KINDS,
    DEPOSIT,
    PAYMENT_METHODS,
    stored_text,
)
from core.errors import Conflict, DomainError, Message, message_from_json, render
from core.i18n import N_
from core.services.case_events import record_case_event
from core.services.catalogue import unit_by_code
from core.services.locking import lock_case, lock_row
from core.services.validation import Problems


def credited_total(session: Session, case: ServiceCase, *, deposits: bool = False) -> int:
    """Credits granted on the case: the case's own, or (``deposits``) deposits held."""
    kind = CaseCredit.kind == DEPOSIT if deposits else CaseCredit.kind != DEPOSIT
    return int(session.scalar(select(func.coalesce(func.sum(CaseCredit.amount_cents), 0))
                              .where(CaseCredit.case_id == case.id, kind)) or 0)


def refunded_total(session: Session, case: ServiceCase, *, deposits: bool = False) -> int:
    kind = CreditNote.kind == DEPOSIT if deposits else CreditNote.kind != DEPOSIT
    return int(session.scalar(select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
                              .where(CreditNote.case_id == case.id, kind)) or 0)


def balance(session: Session, case: ServiceCase) -> int:
    """Payable charges less credits, less money in, plus money out: > 0 the customer owes,
    < 0 the company owes."""
    from core.services.payments import paid_total
    from core.services.quotes import payable_total

    return (payable_total(session, case) - credited_total(session, case)
            - paid_total(session, case) + refunded_total(session, case))


def refundable(session: Session, case: ServiceCase) -> int:
    """What a credit note may still pay out on ``case``."""
    return max(0, -balance(session, case))


# Built once with the case id as a bound value, as the case page and the case answer run them
# on every load: building a statement and its cache key again cost about as much as running
# it (issue 11).
_CREDITS = select(CaseCredit).where(CaseCredit.case_id == bindparam("case_id")) \
    .order_by(CaseCredit.id)
_CREDIT_NOTES = select(CreditNote).where(CreditNote.case_id == bindparam("case_id")) \
    .order_by(CreditNote.id)
_SWAP = select(UnitSwap).where(UnitSwap.case_id == bindparam("case_id"))


def credits_of(session: Session, case: ServiceCase) -> list[CaseCredit]:
    return list(session.scalars(_CREDITS, {"case_id": case.id}))


def credit_notes_of(session: Session, case: ServiceCase) -> list[CreditNote]:
    return list(session.scalars(_CREDIT_NOTES, {"case_id": case.id}))


def swap_of(session: Session, case: ServiceCase) -> UnitSwap | None:
    return session.scalars(_SWAP, {"case_id": case.id}).first()


def grant_credit(session: Session, case: ServiceCase, actor: User, *, kind: str,
                 amount_cents: int, description: str | Message, clause: str = "",
                 source: str = "") -> CaseCredit:
    """Record that the company owes the customer ``amount_cents`` on ``case`` (a plugin's
    decision: R-8 refund, R-1 refund, exchange difference). Paid out by ``record_refund``.
    ``description`` given as a :class:`Message` is read in each reader's language."""
    case = lock_case(session, case)
    if kind not in CREDIT_KINDS:
        raise ValueError(f"kind must be one of {CREDIT_KINDS}, not {kind!r}")
    if amount_cents <= 0:
        raise ValueError(f"amount_cents must be > 0, not {amount_cents}")
    text, params = stored_text(description)
    credit = CaseCredit(case_id=case.id, kind=kind, amount_cents=amount_cents,
                        description=text[:400], description_params=params, clause=clause[:32],
                        source=source[:64], created_by_id=actor.id)
    session.add(credit)
    record_case_event(session, case.id, actor, "credit",
                      Message(N_("%(description)s (%(amount)s)"), {
                          "description": credit.description_message if params is not None
                          else text[:200],
                          "amount": f"{amount_cents / 100:.2f}"}),
                      {"amount_cents": amount_cents, "kind": kind, "clause": clause})
    session.flush()
    audit.record(session, "case_credit", credit.id, "create", after={
        "case_id": case.id, "kind": kind, "amount_cents": amount_cents, "clause": clause,
        "source": source}, region_id=case.region_id)
    return credit


def next_credit_note_number(session: Session, service_point_id: int) -> int:
    """Like receipts: the next number under the counter's row lock, in the credit note's own
    transaction, so a rolled-back refund gives its number back (no gaps, no repeats)."""
    query = select(CreditNoteCounter).where(
        CreditNoteCounter.service_point_id == service_point_id).with_for_update()
    counter = session.scalars(query).first()
    if counter is None:
        try:
            with session.begin_nested():
                session.add(CreditNoteCounter(service_point_id=service_point_id,
                                              last_number=0))
        except IntegrityError:
            pass  # another transaction created it first
        counter = session.scalars(query).one()
    counter.last_number += 1
    session.flush()
    return counter.last_number


def record_refund(session: Session, case: ServiceCase, actor: User, data: dict[str, Any]
                  ) -> CreditNote:
    """Pay money back to the customer on a credit note (R-8 refund, exchange settlement, or
    an overpayment after a voided line); never more than the company owes on the case.
    ``data["reason"]`` (or ``note``) given as a :class:`Message` (a plugin's) is read in
    each reader's language; a person's words are kept as typed."""
    case = lock_case(session, case)
    note_template, note_params = "", None
    for field in ("note", "reason"):
        if isinstance(data.get(field), Message):  # validated as the English it reads as
            note_template, note_params = stored_text(data[field])
            data = {**data, field: render(note_template, message_from_json(note_params))}
    problems = Problems()
    amount = problems.cents(data, "amount_cents")
    method = problems.choice(data, "method", PAYMENT_METHODS)
    kind = problems.choice(data, "kind", CREDIT_NOTE_KINDS) \
        if data.get("kind") not in (None, "") else None
    note = problems.text(data, "note", required=False, max_length=400) \
        or problems.text(data, "reason", required=False, max_length=400)
    problems.raise_if_any()
    assert amount is not None
    if kind == DEPOSIT:  # a deposit given back: capped by the deposit held, not the case
        owed = (credited_total(session, case, deposits=True)
                - refunded_total(session, case, deposits=True))
    else:
        owed = refundable(session, case)
    if owed <= 0:
        raise Conflict(N_("Nothing is owed to the customer on this case."),
                       code="nothing_to_refund")
    if amount > owed:
        raise DomainError(N_("At most %(amount)s can be refunded on this case."),
                          params={"amount": f"{owed / 100:.2f}"}, field="amount_cents")
    credits = credits_of(session, case)
    if kind is None:
        own = [c for c in credits if c.kind != DEPOSIT]
        kind = own[-1].kind if own else "overpayment"
    clause = ", ".join(dict.fromkeys(c.clause for c in credits if c.kind == kind and c.clause))
    number = next_credit_note_number(session, case.service_point_id)
    credit_note = CreditNote(case_id=case.id, region_id=case.region_id,
                             service_point_id=case.service_point_id, number=number, kind=kind,
                             amount_cents=amount, method=method, clause=clause[:32],
                             note=note_template if note_params is not None
                             else note or "", note_params=note_params, paid_by_id=actor.id)
    session.add(credit_note)
    record_case_event(session, case.id, actor, "refund",
                      Message(N_("Credit note %(number)s"), {"number": f"{number:06d}"}),
                      {"amount_cents": -amount, "method": method, "kind": kind})
    session.flush()
    audit.record(session, "credit_note", credit_note.id, "create", after={
        "case_id": case.id, "amount_cents": -amount, "method": method, "kind": kind,
        "credit_note": number}, region_id=case.region_id)
    return credit_note


def credit_notes_not_handed_over(session: Session, payer_id: int | None = None
                                 ) -> list[CreditNote]:
    """Cash paid out and not yet accounted for in a handover (P-4: cash in minus cash out).
    A deposit given back is not: its cash never came in as a payment."""
    query = select(CreditNote).where(CreditNote.handover_id.is_(None),
                                     CreditNote.method == "cash", CreditNote.kind != DEPOSIT)
    if payer_id is not None:
        query = query.where(CreditNote.paid_by_id == payer_id)
    return list(session.scalars(query.order_by(CreditNote.paid_by_id, CreditNote.id)))


def swap_unit(session: Session, case: ServiceCase, actor: User, replacement_code: str, *,
              today: date, clause: str = "", same_model: str | None = None) -> UnitSwap:
    """An approved exchange (R-1, R-8): the replacement unit goes to the customer, the case's
    unit goes back to the company; both units' timelines show it. ``same_model``: the model
    code the replacement must be (same type, R-8)."""
    case = lock_case(session, case)
    returned = case.unit
    if returned is None:
        raise Conflict(N_("This case has no unit on file to exchange."), code="no_unit")
    if swap_of(session, case) is not None:
        raise Conflict(N_("The unit of this case was already exchanged."),
                       code="already_exchanged")
    replacement = unit_by_code(session, replacement_code) if replacement_code else None
    if replacement is None:
        raise DomainError(N_("No unit with body code %(code)s is on file."),
                          params={"code": replacement_code or "—"},
                          field="replacement_body_code")
    replacement = lock_row(session, Unit, replacement.id)  # one replacement, one customer
    assert replacement is not None
    if replacement.id == returned.id:
        raise DomainError(N_("The replacement must be another unit."),
                          field="replacement_body_code")
    if replacement.sold_to_id is not None and replacement.returned_to_company_at is None:
        raise DomainError(N_("Unit %(code)s already belongs to a customer."),
                          params={"code": replacement.body_code},
                          field="replacement_body_code")
    if same_model and replacement.model_label != same_model:
        raise DomainError(N_("The replacement must be a %(model)s."),
                          params={"model": same_model}, field="replacement_body_code")
    now = utcnow()
    swap = UnitSwap(case_id=case.id, returned_unit_id=returned.id,
                    replacement_unit_id=replacement.id, customer_id=case.customer_id,
                    clause=clause[:32], by_id=actor.id, at=now)
    session.add(swap)
    returned.returned_to_company_at = now
    replacement.sold_to_id = case.customer_id
    replacement.sold_on = today
    replacement.returned_to_company_at = None
    session.add(CaseEvent(case_id=case.id, user_id=actor.id, kind="unit_swap",
                          note=f"{returned.body_code} → {replacement.body_code}",
                          data={"returned": returned.body_code,
                                "replacement": replacement.body_code, "clause": clause}))
    session.flush()
    audit.record(session, "unit_swap", swap.id, "create", after={
        "case_id": case.id, "returned": returned.body_code,
        "replacement": replacement.body_code, "clause": clause}, region_id=case.region_id)
    return swap
