"""Applying warranty decisions to cases: class overrides and return/exchange requests."""

from __future__ import annotations

from typing import Any

import pluggy
from sqlalchemy.orm import Session

from core.plugin_api import (
    QUOTABLE_STATES,
    CaseEvent,
    Conflict,
    Problems,
    ServiceCase,
    User,
    add_charge,
    audit,
    lock_case,
    model_by_code,
    reprice,
)
from plugins.warranty import policy
from plugins.warranty.coverage import params_for
from plugins.warranty.models import ReturnRequest

DEFECTS = ("webhead", "chassis", "controls", "internal")


def override_class(session: Session, case: ServiceCase, actor: User, data: dict[str, Any],
                   pm: pluggy.PluginManager | None = None) -> ServiceCase:
    """A supervisor may override the class only with a written reason (W-3), audited. Every
    open line is priced again for the new class (``price_charge``) and the quote version
    changes, so a confirmation given for the old price is void (W-4)."""
    problems = Problems()
    new_class = problems.choice(data, "coverage_class", ("A", "B", "C"))
    reason = problems.text(data, "reason", max_length=400, label="Reason")
    problems.raise_if_any()
    case = lock_case(session, case)
    if case.state in ("returned", "closed", "refused", "cancelled"):
        raise Conflict(f"The class cannot change while the case is {case.state}.")
    before = {"coverage_class": case.coverage_class, "coverage_source": case.coverage_source}
    case.coverage_class = new_class
    case.coverage_source = "override"
    case.coverage_reason = f"Overridden by {actor.display_name}: {reason}"[:400]
    session.add(CaseEvent(case_id=case.id, user_id=actor.id, kind="class_override",
                          note=reason, data={"from": before["coverage_class"],
                                             "to": new_class}))
    audit.record(session, "service_case", case.id, "coverage_override", before=before,
                 after={"coverage_class": new_class, "reason": reason},
                 region_id=case.region_id)
    if before["coverage_class"] != new_class:
        reprice(session, pm or session.info["pm"], case, actor,
                f"Class {before['coverage_class'] or '-'} -> {new_class}: lines priced again")
    return case


def record_request(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
                   actor: User, data: dict[str, Any]) -> ReturnRequest:
    """Record a return/exchange/repair request with the condition checklist; the decision
    cites its clauses. An exchange to a dearer model adds a price-difference charge; a
    return under R-8 computes the refund and charges shipping to the customer."""
    problems = Problems()
    kind = problems.choice(data, "kind", ("return", "exchange", "repair"))
    defects = [d for d in DEFECTS if problems.boolean(data, f"defect_{d}", False)]
    flags = {name: problems.boolean(data, name, default) for name, default in (
        ("performance_mismatch", False), ("human_factor", False), ("quality_problem", False),
        ("used", True), ("well_kept", False))}
    exchange_code = problems.text(data, "exchange_model_code", required=False,
                                  max_length=32).upper()
    shipping = problems.cents(data, "shipping_cents", allow_zero=True) \
        if data.get("shipping_cents") not in (None, "") else 0
    exchange_model = model_by_code(session, exchange_code) if exchange_code else None
    if exchange_code and exchange_model is None:
        problems.add("exchange_model_code", f"Unknown model {exchange_code!r}.")
    problems.raise_if_any()
    if case.state in ("refused", "cancelled", "closed"):
        raise Conflict(f"No requests on a case that is {case.state}.")
    unit = case.unit
    params = params_for(session, unit)
    decision = policy.decide_request(policy.Request(
        request=kind, on=case.intake_on, own_product=case.own_product,  # type: ignore[arg-type]
        body_code_present=bool(case.body_code_text),
        factory_date=unit.factory_date if unit and case.own_product else None,
        oem=bool(unit and unit.oem), defects=frozenset(defects), **flags), params)
    price = unit.model.list_price_cents if unit and unit.model else 0
    refund = difference = None
    if decision.outcome == "exchange_or_depreciated_return":
        if kind == "return":
            refund = policy.refund_cents(price, params.return_depreciation_percent)
        elif exchange_model is not None:
            difference = policy.price_difference_cents(price, exchange_model.list_price_cents)
    elif decision.outcome == "return_or_exchange" and kind == "exchange" and exchange_model:
        difference = policy.price_difference_cents(price, exchange_model.list_price_cents)
    row = ReturnRequest(
        case_id=case.id, kind=kind, decided_on=case.intake_on, defects=",".join(defects),
        outcome=decision.outcome, coverage_class=decision.coverage_class,
        charged=decision.charged, customer_pays_shipping=decision.customer_pays_shipping,
        clauses=", ".join(decision.clauses), reason_en=decision.reason_en,
        reason_zh=decision.reason_zh, refund_cents=refund, price_difference_cents=difference,
        exchange_model_code=exchange_code, created_by_id=actor.id, **flags)
    session.add(row)
    session.flush()
    session.add(CaseEvent(case_id=case.id, user_id=actor.id, kind="warranty_request",
                          note=f"{kind}: {decision.outcome} ({row.clauses})"))
    audit.record(session, "warranty_request", row.id, "create", after={
        "case_id": case.id, "kind": kind, "outcome": decision.outcome,
        "clauses": row.clauses}, region_id=case.region_id)
    if case.state in QUOTABLE_STATES:
        if difference:
            add_charge(session, pm, case, actor, {
                "kind": "other", "description": f"Price difference for {exchange_code}",
                "unit_price_cents": difference, "clause": "R-8" if refund is None else ""})
        if decision.customer_pays_shipping and shipping:
            add_charge(session, pm, case, actor, {
                "kind": "shipping", "description": "Shipping, paid by the customer",
                "unit_price_cents": shipping, "clause": ", ".join(
                    c for c in ("R-8", "W-C") if c in decision.clauses)})
    return row
