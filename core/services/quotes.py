"""Quotes and the customer's confirmation (W-4).

While anything is payable, a case cannot enter repair or be shipped back without a recorded
confirmation of the *current* quote. Every change to the lines bumps ``quote_version``, which
voids earlier confirmations; a confirmed case goes back to ``quoted`` through
``workflow.transition`` (vetoes, event, audit). A declined quote moves the case to
``declined`` (returned unrepaired), where the only line left is the inspection fee
(``[policy] inspection_fee_cents``, default 0), itself needing confirmation.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.db import utcnow
from core.entities import CaseEvent, Charge, Confirmation, ConfirmationLink, ServiceCase, User
from core.entities.cases import FAULT_CAUSES
from core.entities.money import CHARGE_KINDS, CONFIRMATION_METHODS, stored_text
from core.errors import (
    Conflict,
    DomainError,
    Message,
    NotFound,
    Term,
    message_from_json,
    render,
)
from core.hooktypes import ChargeDraft
from core.i18n import N_
from core.security.auth import hash_token
from core.services.case_events import record_case_event
from core.services.locking import lock_case
from core.services.validation import Problems

#: Charge kinds and confirmation methods as words in a history line (issue 18: the line is a
#: message id with parameters, read in the reader's language).
CHARGE_KIND_LABELS = {"labour": N_("labour"), "part": N_("part"), "shipping": N_("shipping"),
                      "other": N_("other")}
CONFIRMATION_LABELS = {"phone": N_("phone"), "signature": N_("signature"), "link": N_("link")}

QUOTABLE_STATES = ("inspected", "quoted", "confirmed", "declined", "dispatched", "in_repair",
                   "repaired")
INSPECTION_FEE_SOURCE = "inspection_fee"
LINK_DAYS = 7


def active_charges(session: Session, case: ServiceCase) -> list[Charge]:
    return list(session.scalars(select(Charge).where(Charge.case_id == case.id,
                                                     Charge.voided_at.is_(None))
                                .order_by(Charge.id)))


def payable_total(session: Session, case: ServiceCase) -> int:
    return sum(c.payable_cents for c in active_charges(session, case))


def current_confirmation(session: Session, case: ServiceCase) -> Confirmation | None:
    return session.scalars(select(Confirmation).where(
        Confirmation.case_id == case.id, Confirmation.quote_version == case.quote_version,
    ).order_by(Confirmation.id.desc())).first()


def confirmation_is_valid(session: Session, case: ServiceCase) -> bool:
    found = current_confirmation(session, case)
    return bool(found and found.accepted)


def _quote_changed(session: Session, pm: pluggy.PluginManager | None, case: ServiceCase,
                   actor: User | None, what: str | Message) -> None:
    """Bump the quote version (W-4: earlier confirmations are void). A confirmed case goes
    back to ``quoted`` through ``transition()``, like every other change of state."""
    had_confirmation = confirmation_is_valid(session, case)
    case.quote_version += 1
    record_case_event(session, case.id, actor, "quote_changed", what,
                      {"quote_version": case.quote_version})
    if case.state == "confirmed":
        from core.services.workflow import transition

        transition(session, pm or session.info["pm"], case, "quoted", actor,
                   {"note": N_("The quote changed; the customer must confirm again (W-4).")})
    elif had_confirmation:
        session.add(CaseEvent(case_id=case.id, user_id=actor.id if actor else None,
                              kind="confirmation_void",
                              note=N_("The quote changed; the confirmation is void (W-4).")))


def reprice(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
            actor: User | None, why: str) -> list[Charge]:
    """Price every open line again through ``price_charge`` (after a class override, say)
    and change the quote version, so a confirmation given for the old price is void (W-4).
    Returns the lines whose price changed."""
    changed = []
    for charge in active_charges(session, case):
        draft = ChargeDraft(kind=charge.kind, description=charge.description_message,
                            unit_price_cents=charge.unit_price_cents,
                            quantity=charge.quantity, refurbished=charge.refurbished,
                            source=charge.source, cause=None)
        pricing = pm.hook.price_charge(session=session, case=case, line=draft)
        if pricing is None:
            continue
        before = (charge.waived, charge.waive_reason, charge.clause)
        after = (pricing.waived, pricing.reason if pricing.waived else "", pricing.clause)
        if before != after:
            charge.waived, charge.waive_reason, charge.clause = after
            changed.append(charge)
            audit.record(session, "charge", charge.id, "reprice",
                         before={"waived": before[0], "clause": before[2]},
                         after={"waived": after[0], "clause": after[2], "why": why},
                         region_id=case.region_id)
    session.flush()
    _quote_changed(session, pm, case, actor, why)
    return changed


def decline_quote(session: Session, case: ServiceCase, actor: User | None) -> Charge | None:
    """W-4, the customer refused the quote: every open line is withdrawn and the inspection
    fee (``[policy] inspection_fee_cents``; none when 0) becomes the whole quote, under a new
    version that needs its own confirmation before the unit is shipped back. Called by
    ``transition()`` on the move to ``declined``; it never changes the state itself."""
    now = utcnow()
    for charge in active_charges(session, case):
        charge.voided_at = now
        audit.record(session, "charge", charge.id, "void",
                     after={"reason": "Quote declined (W-4)"}, region_id=case.region_id)
    settings = session.info.get("settings")
    fee = settings.policy.inspection_fee_cents if settings is not None else 0
    charge = None
    if fee > 0:
        charge = Charge(case_id=case.id, kind="other", description=N_("Inspection fee"),
                        description_params={},
                        quantity=1, unit_price_cents=fee, waived=False, waive_reason="",
                        clause="W-4", refurbished=False, source=INSPECTION_FEE_SOURCE)
        session.add(charge)
        session.flush()
        audit.record(session, "charge", charge.id, "create", after={
            "case_id": case.id, "kind": "other", "amount_cents": fee, "waived": False,
            "clause": "W-4"}, region_id=case.region_id)
    case.quote_version += 1
    session.add(CaseEvent(case_id=case.id, user_id=actor.id if actor else None,
                          kind="quote_changed",
                          note=N_("Quote declined: the unit goes back unrepaired (W-4)."),
                          data={"quote_version": case.quote_version}))
    return charge


def add_charge(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
               actor: User | None, data: dict[str, Any]) -> Charge:
    """A quote line. ``data["description"]`` is a person's words (kept as typed) or, when a
    plugin or core writes it, a :class:`Message` kept as its id and parameters and read in
    each reader's language (issue 18)."""
    case = lock_case(session, case)
    template, params = stored_text(data.get("description") or "")
    if params is not None:  # validated as the English text it reads as
        data = {**data, "description": render(template, message_from_json(params))}
    if case.state not in QUOTABLE_STATES:
        raise Conflict(N_("Charges cannot change while the case is %(state)s."),
                       params={"state": case.state}, code="invalid_state")
    problems = Problems()
    kind = problems.choice(data, "kind", CHARGE_KINDS)
    description = problems.text(data, "description", max_length=400, label=N_("Description"))
    quantity = problems.integer(data, "quantity", required=False, minimum=1) or 1
    price = problems.cents(data, "unit_price_cents", allow_zero=True)
    refurbished = problems.boolean(data, "refurbished", False)
    waive = problems.boolean(data, "waived", False)
    waive_reason = problems.text(data, "waive_reason", required=waive, max_length=400,
                                 label=N_("Reason for waiving"))
    clause = problems.text(data, "clause", required=False, max_length=32)
    cause = problems.choice(data, "cause", FAULT_CAUSES, required=False)
    problems.raise_if_any()
    assert price is not None
    draft = ChargeDraft(kind=kind, description=description, unit_price_cents=price,
                        quantity=quantity, refurbished=refurbished,
                        source=str(data.get("source", "desk"))[:64], cause=cause)
    pricing = pm.hook.price_charge(session=session, case=case, line=draft)
    if pricing is not None and not waive:
        waive, waive_reason, clause = pricing.waived, pricing.reason, pricing.clause
    if params is not None:
        description = template
    charge = Charge(case_id=case.id, kind=kind, description=description,
                    description_params=params, quantity=quantity,
                    unit_price_cents=price, waived=waive, waive_reason=waive_reason,
                    clause=clause, refurbished=refurbished, source=draft.source)
    session.add(charge)
    session.flush()
    _quote_changed(session, pm, case, actor, Message(
        N_("Added %(kind)s: %(description)s"),
        {"kind": Term(CHARGE_KIND_LABELS[kind]), "description": charge.description_message}))
    audit.record(session, "charge", charge.id, "create", after={
        "case_id": case.id, "kind": kind, "amount_cents": charge.amount_cents,
        "waived": waive, "clause": clause}, region_id=case.region_id)
    return charge


def add_proposed_charges(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
                         actor: User | None) -> list[Charge]:
    """Add the lines plugins propose (``charge_lines``: parts issued, loaner fees...) that
    are not on the quote yet; a proposal is identified by its ``source``."""
    existing = {c.source for c in active_charges(session, case) if c.source}
    added = []
    for drafts in pm.hook.charge_lines(session=session, case=case):
        for draft in drafts or []:
            if draft.source and draft.source in existing:
                continue
            added.append(add_charge(session, pm, case, actor, {
                "kind": draft.kind, "description": draft.description,
                "quantity": draft.quantity, "unit_price_cents": draft.unit_price_cents,
                "refurbished": draft.refurbished, "source": draft.source,
                "cause": draft.cause or None}))
            existing.add(draft.source)
    return added


def void_charge(session: Session, case: ServiceCase, charge_id: int, actor: User | None,
                reason: str | Message, pm: pluggy.PluginManager | None = None) -> Charge:
    """Withdraw a line. ``reason`` is a person's words or a plugin's :class:`Message` (a part
    going back), read in the reader's language in the history line."""
    case = lock_case(session, case)
    if case.state not in QUOTABLE_STATES:
        raise Conflict(N_("Charges cannot change while the case is %(state)s."),
                       params={"state": case.state}, code="invalid_state")
    charge = session.get(Charge, charge_id)
    if charge is None or charge.case_id != case.id or charge.voided_at is not None:
        raise NotFound(N_("No such charge on this case."))
    if isinstance(reason, Message):
        why: str | Message = reason
        english = render(reason.template, reason.params)
    else:
        why = english = reason.strip()
    if not english.strip():
        raise DomainError(N_("Say why the line is removed."), field="reason")
    charge.voided_at = utcnow()
    _quote_changed(session, pm, case, actor, Message(
        N_("Removed %(kind)s: %(description)s (%(reason)s)"),
        {"kind": Term(CHARGE_KIND_LABELS.get(charge.kind, charge.kind)),
         "description": charge.description_message, "reason": why}))
    audit.record(session, "charge", charge.id, "void", after={"reason": english},
                 region_id=case.region_id)
    return charge


def record_confirmation(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
                        actor: User | None, data: dict[str, Any]) -> Confirmation:
    """The customer's answer to the current quote: who, when, how (W-4)."""
    case = lock_case(session, case)
    if case.state not in QUOTABLE_STATES:
        raise Conflict(N_("Nothing to confirm while the case is %(state)s."),
                       params={"state": case.state}, code="invalid_state")
    problems = Problems()
    method = problems.choice(data, "method", CONFIRMATION_METHODS)
    who = problems.text(data, "customer_name", max_length=160, label=N_("Who confirmed"))
    accepted = problems.boolean(data, "accepted", True)
    note = problems.text(data, "note", required=False, max_length=400)
    problems.raise_if_any()
    confirmation = Confirmation(
        case_id=case.id, quote_version=case.quote_version,
        total_cents=payable_total(session, case), accepted=accepted, method=method,
        customer_name=who, recorded_by_id=actor.id if actor else None, note=note)
    session.add(confirmation)
    record_case_event(session, case.id, actor, "confirmation" if accepted else "declined",
                      Message(N_("%(who)s (%(method)s)"), {
                          "who": who, "method": Term(CONFIRMATION_LABELS.get(method, method))}),
                      {"quote_version": case.quote_version,
                       "total_cents": confirmation.total_cents})
    session.flush()
    audit.record(session, "confirmation", confirmation.id, "create", after={
        "case_id": case.id, "accepted": accepted, "method": method, "by": who,
        "total_cents": confirmation.total_cents}, region_id=case.region_id)
    from core.services.workflow import transition

    if accepted and case.state == "quoted":
        transition(session, pm, case, "confirmed", actor, {"note": N_("Customer confirmed.")})
    elif not accepted and case.state in ("quoted", "confirmed"):  # W-4: returned unrepaired
        transition(session, pm, case, "declined", actor,
                   {"note": Message(N_("The customer declined the quote: %(who)s (%(method)s)."),
                                    {"who": who, "method": Term(CONFIRMATION_LABELS.get(
                                        method, method))})})
    return confirmation


def create_link(session: Session, case: ServiceCase, actor: User | None, locale: str
                ) -> str:
    """A single-use link for the customer; returns the token (kept only hashed)."""
    case = lock_case(session, case)
    if case.state != "quoted":
        raise Conflict(N_("Send a confirmation link once the case is quoted."),
                       code="invalid_state")
    token = secrets.token_urlsafe(24)
    session.add(ConfirmationLink(case_id=case.id, token_hash=hash_token(token),
                                 quote_version=case.quote_version, locale=locale,
                                 expires_at=utcnow() + timedelta(days=LINK_DAYS)))
    record_case_event(session, case.id, actor, "link_sent",
                      Message(N_("Valid %(days)s days"), {"days": LINK_DAYS}))
    return token


def link_for(session: Session, token: str) -> tuple[ConfirmationLink, ServiceCase]:
    """The link and its case, or 404 when unknown, used, expired or for an old quote."""
    link = session.scalars(select(ConfirmationLink).where(
        ConfirmationLink.token_hash == hash_token(token))).first()
    gone = NotFound(N_("This link is not valid any more: it was used, it expired, or the "
                       "quote changed. Please contact the service desk."))
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        raise gone
    case = session.get(ServiceCase, link.case_id)
    if case is None or case.quote_version != link.quote_version or case.state != "quoted":
        raise gone
    return link, case


def answer_link(session: Session, pm: pluggy.PluginManager, token: str, accepted: bool,
                customer_name: str) -> Confirmation:
    """Answer through the single-use link: the case lock is taken and the link read again
    under it, so of two answers sent at once (a double click, two devices) one is recorded
    and the other finds the link used (404)."""
    link, case = link_for(session, token)
    lock_case(session, case)
    session.refresh(link)
    link, case = link_for(session, token)
    link.used_at = utcnow()
    return record_confirmation(session, pm, case, None, {
        "method": "link", "customer_name": customer_name or case.contact_name,
        "accepted": accepted})
