"""Applying warranty decisions to cases: class overrides and return/exchange requests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    QUOTABLE_STATES,
    Conflict,
    Message,
    Problems,
    ProductModel,
    ServiceCase,
    Term,
    Unit,
    UnitSwap,
    User,
    add_charge,
    audit,
    credits_of,
    grant_credit,
    lock_case,
    model_by_code,
    record_case_event,
    reprice,
    swap_unit,
)
from plugins.warranty import policy
from plugins.warranty.coverage import params_for
from plugins.warranty.models import ReturnRequest
from plugins.warranty.texts import KINDS, LINES, OUTCOMES, REQUEST_EVENT, stored

DEFECTS = ("webhead", "chassis", "controls", "internal")
#: Outcomes that approve a return or an exchange (R-1, R-8).
APPROVED = ("return_or_exchange", "exchange_or_depreciated_return")
CREDIT_SOURCE = "warranty"


def override_class(session: Session, case: ServiceCase, actor: User, data: dict[str, Any],
                   pm: pluggy.PluginManager | None = None) -> ServiceCase:
    """A supervisor may override the class only with a written reason (W-3), audited. Every
    open line is priced again for the new class (``price_charge``) and the quote version
    changes, so a confirmation given for the old price is void (W-4)."""
    case = lock_case(session, case)
    problems = Problems()
    new_class = problems.choice(data, "coverage_class", ("A", "B", "C"))
    reason = problems.text(data, "reason", max_length=400, label="Reason")
    problems.raise_if_any()
    case = lock_case(session, case)
    if case.state in ("returned", "closed", "refused", "cancelled"):
        raise Conflict(N_("The class cannot change while the case is %(state)s."),
                       params={"state": case.state}, code="invalid_state")
    before = {"coverage_class": case.coverage_class, "coverage_source": case.coverage_source}
    case.coverage_class = new_class
    case.coverage_source = "override"
    # the reason as written: the pages say "overridden" in the reader's language (the
    # coverage source) and the history line and the audit log say who
    case.coverage_reason = reason[:400]
    case.coverage_reason_params = None  # a person's words: shown as written
    record_case_event(session, case.id, actor, "class_override", Message(
        N_("Class %(old)s overridden to %(new)s: %(reason)s"),
        {"old": before["coverage_class"] or "-", "new": new_class, "reason": reason}),
        {"from": before["coverage_class"], "to": new_class})
    audit.record(session, "service_case", case.id, "coverage_override", before=before,
                 after={"coverage_class": new_class, "reason": reason},
                 region_id=case.region_id)
    if before["coverage_class"] != new_class:
        reprice(session, pm or session.info["pm"], case, actor,
                N_("The class was overridden: the lines are priced again."))
    return case


#: What a repair request assumes when R-8's facts are not answered (R-8 does not apply).
REPAIR_DEFAULTS = {"used": True, "well_kept": False}


def _answer(problems: Problems, data: dict[str, Any], name: str, kind: str) -> bool | None:
    """A yes/no answer (``yes``/``no`` from the form's radio buttons, true/false in JSON).
    Unanswered: None for a return or an exchange (issue 18: the form had "used" ticked, so a
    first try was refused; the policy now asks when R-8 needs it), the default for a repair."""
    if data.get(name) in (None, ""):
        return None if kind in ("return", "exchange") else REPAIR_DEFAULTS[name]
    return problems.boolean(data, name, REPAIR_DEFAULTS[name])


def exchange_models(session: Session, unit: Unit | None) -> list[ProductModel]:
    """The models a unit may be exchanged for: those of its own type (product line, R-8
    "a product of the same type"), its own model included; none when its model is unknown."""
    if unit is None or unit.model is None:
        return []
    return list(session.scalars(select(ProductModel).where(
        ProductModel.product_line == unit.model.product_line).order_by(ProductModel.code)))


def _exchange_model(session: Session, problems: Problems, unit: Unit | None,
                    code: str) -> ProductModel | None:
    """The model an exchange is for, checked to be of the unit's type (R-8); a field error
    otherwise. Empty: the unit's own model."""
    if not code:
        return None
    model = model_by_code(session, code)
    if model is None:
        problems.add("exchange_model_code", N_("Unknown model %(model)r."), model=code)
    elif unit is None or unit.model is None:
        problems.add("exchange_model_code", N_(
            "The unit's model is not on file, so it can only be exchanged for the same model: "
            "leave the model empty."))
    elif model.product_line != unit.model.product_line:
        problems.add("exchange_model_code", N_(
            "%(model)s is not of the unit's type (%(line)s): an exchange is for a product of "
            "the same type (R-8)."), model=model.code,
            line=Term(LINES.get(unit.model.product_line, unit.model.product_line)))
    return model


def record_request(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
                   actor: User, data: dict[str, Any]) -> ReturnRequest:
    """Record a return/exchange/repair request with the condition checklist; the decision
    cites its clauses. A return or an exchange that R-8 decides needs its facts answered
    (used, well kept: a form error otherwise, ``policy.UNANSWERED``); an exchange is for a
    model of the unit's type (R-8). An exchange to a dearer model adds a price-difference
    charge (a cheaper one grants the difference back); a return under R-8 computes the
    refund and charges the shipping entered to the customer. The request keeps every amount
    it decided, so the page shows them."""
    case = lock_case(session, case)
    problems = Problems()
    kind = problems.choice(data, "kind", ("return", "exchange", "repair"))
    defects = [d for d in DEFECTS if problems.boolean(data, f"defect_{d}", False)]
    flags = {name: problems.boolean(data, name, False) for name in (
        "performance_mismatch", "human_factor", "quality_problem")}
    answers = {name: _answer(problems, data, name, kind) for name in REPAIR_DEFAULTS}
    exchange_code = problems.text(data, "exchange_model_code", required=False,
                                  max_length=32).upper() if kind == "exchange" else ""
    shipping = problems.cents(data, "shipping_cents", allow_zero=True) \
        if data.get("shipping_cents") not in (None, "") else 0
    unit = case.unit
    exchange_model = _exchange_model(session, problems, unit, exchange_code)
    problems.raise_if_any()
    if kind == "exchange" and exchange_model is None and unit is not None and unit.model:
        exchange_model, exchange_code = unit.model, unit.model.code  # the same model
    if case.state in ("refused", "cancelled", "closed"):
        raise Conflict(N_("No requests on a case that is %(state)s."),
                       params={"state": case.state}, code="invalid_state")
    params = params_for(session, unit)
    decision = policy.decide_request(policy.Request(
        request=kind, on=case.intake_on, own_product=case.own_product,  # type: ignore[arg-type]
        body_code_present=bool(case.body_code_text),
        factory_date=unit.factory_date if unit and case.own_product else None,
        oem=bool(unit and unit.oem), defects=frozenset(defects), **flags, **answers), params)
    price = unit.model.list_price_cents if unit and unit.model else 0
    refund = settlement = None
    if decision.outcome in APPROVED and kind == "return":
        refund = policy.refund_cents(price, params.return_depreciation_percent) \
            if decision.outcome == "exchange_or_depreciated_return" else price  # R-8, R-1
    elif decision.outcome in APPROVED and kind == "exchange" and exchange_model is not None:
        settlement = policy.settlement_cents(price, exchange_model.list_price_cents)
    difference = max(0, settlement or 0)  # what the customer pays
    shipping_due = shipping if decision.customer_pays_shipping and shipping else None
    reason_id, reason_params = stored(decision.reason)
    row = ReturnRequest(
        case_id=case.id, kind=kind, decided_on=case.intake_on, defects=",".join(defects),
        outcome=decision.outcome, coverage_class=decision.coverage_class,
        charged=decision.charged, customer_pays_shipping=decision.customer_pays_shipping,
        clauses=", ".join(decision.clauses), reason_id=reason_id, reason_params=reason_params,
        refund_cents=refund, price_difference_cents=settlement, shipping_cents=shipping_due,
        price_cents=price if (refund is not None or settlement is not None) else None,
        exchange_model_code=exchange_code, created_by_id=actor.id, **flags,
        **{name: REPAIR_DEFAULTS[name] if value is None else value  # decided before R-8
           for name, value in answers.items()})
    session.add(row)
    session.flush()
    # issue 18: the history line reads in each reader's language, the reason with it
    record_case_event(session, case.id, actor, "warranty_request", Message(REQUEST_EVENT, {
        "kind": Term(KINDS[kind]), "outcome": Term(OUTCOMES[decision.outcome]),
        "clauses": row.clauses}), {"request_id": row.id})
    _grant_money_back(session, case, actor, row, price,
                      exchange_model.list_price_cents if exchange_model else None)
    audit.record(session, "warranty_request", row.id, "create", after={
        "case_id": case.id, "kind": kind, "outcome": decision.outcome,
        "clauses": row.clauses}, region_id=case.region_id)
    if case.state in QUOTABLE_STATES:
        if difference:
            add_charge(session, pm, case, actor, {
                "kind": "other", "description": Message(N_("Price difference for %(model)s"),
                                                        {"model": exchange_code}),
                "unit_price_cents": difference, "clause": "R-8" if refund is None else ""})
        if shipping_due:
            add_charge(session, pm, case, actor, {
                "kind": "shipping",
                "description": Message(N_("Shipping, paid by the customer"), {}),
                "unit_price_cents": shipping_due, "clause": ", ".join(
                    c for c in ("R-8", "W-C") if c in decision.clauses)})
    return row


def _grant_money_back(session: Session, case: ServiceCase, actor: User, row: ReturnRequest,
                      price: int, new_price: int | None) -> None:
    """Issue 10: what the decision makes the company owe, as a credit on the case (core pays
    it out on a credit note): an R-8 return refunds the price less depreciation, an R-1
    return the whole price; an exchange for a cheaper model pays the difference back
    (R-1/R-8 price difference, either direction). One such credit per case."""
    if row.outcome not in APPROVED:
        return
    case = lock_case(session, case)  # one writer: two requests at once grant it once
    if any(c.source.startswith(CREDIT_SOURCE) for c in credits_of(session, case)):
        return
    clause = "R-8" if row.outcome == "exchange_or_depreciated_return" else "R-1"
    source = f"{CREDIT_SOURCE}:{row.id}"
    if row.kind == "return":
        amount = row.refund_cents if clause == "R-8" else price
        if amount:
            grant_credit(session, case, actor, kind="refund", amount_cents=amount,
                         clause=clause, source=source,
                         description=Message(
                             N_("Refund of the price less depreciation (%(clause)s)")
                             if clause == "R-8" else N_("Refund of the price (%(clause)s)"),
                             {"clause": clause}))
    elif row.kind == "exchange" and new_price is not None:
        difference = policy.settlement_cents(price, new_price)
        if difference < 0:
            grant_credit(session, case, actor, kind="exchange_settlement",
                         amount_cents=-difference, clause=clause, source=source,
                         description=Message(N_("Price difference for %(model)s, paid back"),
                                             {"model": row.exchange_model_code}))


def approved_exchange(session: Session, case: ServiceCase) -> ReturnRequest | None:
    """The latest exchange request the policy approved (R-1, R-8), if any."""
    return session.scalars(select(ReturnRequest).where(
        ReturnRequest.case_id == case.id, ReturnRequest.kind == "exchange",
        ReturnRequest.outcome.in_(APPROVED)).order_by(ReturnRequest.id.desc())).first()


def complete_exchange(session: Session, case: ServiceCase, actor: User, data: dict[str, Any],
                      today: date) -> UnitSwap:
    """Hand the replacement unit (by body code) to the customer and take the case's unit back
    (R-1, R-8): the replacement is the model the exchange was approved for, or the same
    model as the returned unit (same type)."""
    problems = Problems()
    code = problems.text(data, "replacement_body_code", max_length=64, label="Body code")
    problems.raise_if_any()
    case = lock_case(session, case)
    if case.state in ("refused", "cancelled"):
        raise Conflict(N_("No exchange on a case that is refused or cancelled."),
                       code="invalid_state")
    request = approved_exchange(session, case)
    if request is None:
        raise Conflict(N_("No approved exchange on this case (R-1, R-8)."),
                       code="no_approved_exchange")
    clause = "R-8" if request.outcome == "exchange_or_depreciated_return" else "R-1"
    model = request.exchange_model_code or (case.unit.model_label if case.unit else None)
    return swap_unit(session, case, actor, code, today=today, clause=clause,
                     same_model=model or None)
