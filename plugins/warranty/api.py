"""``POST /api/v1/warranty/assess``: the decision for a unit, exactly in the contract's shape
(integrations and the desk's own tools depend on it); recording a request on a case and
completing an approved exchange."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import (
    N_,
    ApiResponse,
    DomainError,
    Problems,
    ServiceCase,
    Unit,
    decode_body_code,
    get_case,
    gettext_for,
    json_body,
    local_today,
    model_by_code,
    render_message,
    unit_by_code,
)
from plugins.warranty import policy
from plugins.warranty.coverage import params_for

FIELDS = {"body_code", "own_product", "oem", "request", "on", "defects",
          "performance_mismatch", "human_factor", "quality_problem", "used", "well_kept"}
DEFECTS = ("webhead", "chassis", "controls", "internal")


def parse(data: dict[str, Any], today: date) -> tuple[dict[str, Any], Problems]:
    problems = Problems()
    for unknown in sorted(set(data) - FIELDS):
        problems.add(unknown, N_("Unknown field %(field)r."), field=unknown)
    code = data.get("body_code")
    if code is not None and (not isinstance(code, str) or not code.strip()):
        problems.add("body_code", N_("The body code must be a non-empty string or null."))
        code = None
    flags = {name: _flag(problems, data, name, default) for name, default in (
        ("own_product", True), ("oem", False), ("performance_mismatch", False),
        ("human_factor", False), ("quality_problem", False), ("used", True),
        ("well_kept", False))}
    request = problems.choice(data, "request", ("return", "exchange", "repair"))
    on = problems.day(data, "on") or today
    defects = data.get("defects", [])
    if not isinstance(defects, list) or any(d not in DEFECTS for d in defects):
        problems.add("defects", N_("A list of: %(choices)s."), choices=", ".join(DEFECTS))
        defects = []
    return {"body_code": code, "request": request, "on": on,
            "defects": frozenset(defects), **flags}, problems


def _flag(problems: Problems, data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        problems.add(name, N_("Must be true or false."))
        return default
    return value


def assess_request(session: Session, pm: Any, data: dict[str, Any], today: date
                   ) -> policy.Decision:
    values, problems = parse(data, today)
    problems.raise_if_any()
    code = values["body_code"]
    own = values["own_product"]
    factory_date = None
    unit: Unit | None = None
    oem = values["oem"]
    if code and own:
        decoded = decode_body_code(pm, code)  # a malformed code is a 422 on body_code
        factory_date = decoded.factory_date
        unit = unit_by_code(session, code)
        if unit is None:
            model = model_by_code(session, decoded.model_code)
            unit = Unit(body_code=decoded.code, model=model, factory_date=factory_date,
                        own_product=True, oem=bool(model and model.oem))
        oem = oem or unit.oem or bool(unit.model and unit.model.oem)
        if factory_date > values["on"]:
            raise DomainError(N_("The unit was made on %(made)s, after the date asked about "
                                 "(%(on)s)."), params={"made": factory_date.isoformat(),
                                                       "on": values["on"].isoformat()},
                              field="on")
    params = params_for(session, unit)
    if unit is not None:
        # A product-line plugin may answer assess_coverage with its own warranty length.
        probe = ServiceCase(own_product=own, unit=unit, intake_on=values["on"],
                            model_code=unit.model_label)
        coverage = pm.hook.assess_coverage(session=session, case=probe)
        if coverage is not None and coverage.months:
            params = replace(params, warranty_months=coverage.months)
    return policy.decide_request(policy.Request(
        request=values["request"], on=values["on"], own_product=own,
        body_code_present=bool(code), factory_date=factory_date, oem=oem,
        defects=values["defects"], performance_mismatch=values["performance_mismatch"],
        human_factor=values["human_factor"], quality_problem=values["quality_problem"],
        used=values["used"], well_kept=values["well_kept"]), params)


def decision_json(decision: policy.Decision, gettext: Any) -> dict[str, Any]:
    """The contract's shape; ``reason`` in the reader's language (``gettext``)."""
    return {
        "coverage_class": decision.coverage_class,
        "factory_date": decision.factory_date,
        "warranty_end": decision.warranty_end,
        "outcome": decision.outcome,
        "charged": decision.charged,
        "customer_pays_shipping": decision.customer_pays_shipping,
        "clauses": list(decision.clauses),
        "reason": render_message(decision.reason.template, decision.reason.params, gettext),
    }


def assess(request: Request) -> Response:
    """Decide a return, exchange or repair request for a body code (W-*, R-*)."""
    settings = request.app.state.settings
    try:
        decision = assess_request(request.state.db, request.app.state.pm, json_body(request),
                                  local_today(settings))
    finally:
        request.state.db.rollback()  # transient probe objects are never written
    return ApiResponse(decision_json(decision, gettext_for(request).gettext))



def exchange(request: Request) -> Response:
    """Complete an approved exchange: the replacement unit goes to the customer (R-1, R-8)."""
    from plugins.warranty.services import complete_exchange

    session: Session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    swap = complete_exchange(session, case, request.state.user, json_body(request),
                             local_today(request.app.state.settings))
    returned = session.get(Unit, swap.returned_unit_id)
    replacement = session.get(Unit, swap.replacement_unit_id)
    return ApiResponse({
        "case_id": case.id, "clause": swap.clause, "at": swap.at,
        "returned_body_code": returned.body_code if returned else None,
        "replacement_body_code": replacement.body_code if replacement else None,
        "customer_id": swap.customer_id}, status_code=201)


REQUEST_FIELDS = {"kind", "defects", "performance_mismatch", "human_factor", "quality_problem",
                  "used", "well_kept", "exchange_model_code", "shipping_cents"}


def request_json(row: Any, gettext: Any) -> dict[str, Any]:
    """A recorded request with its decision and every amount it decided (cents; None when not
    part of the decision), the reason in the reader's language."""
    return {
        "id": row.id, "case_id": row.case_id, "kind": row.kind, "outcome": row.outcome,
        "coverage_class": row.coverage_class, "charged": row.charged,
        "customer_pays_shipping": row.customer_pays_shipping,
        "clauses": [c for c in row.clauses.split(", ") if c],
        "reason": render_message(row.reason.template, row.reason.params, gettext),
        "exchange_model_code": row.exchange_model_code or None,
        "price_cents": row.price_cents, "refund_cents": row.refund_cents,
        "price_difference_cents": row.price_difference_cents,
        "shipping_cents": row.shipping_cents,
    }


def record(request: Request) -> Response:
    """Record a return, exchange or repair request on a case: the same checks as the form (R-8's
    facts answered, an exchange model of the unit's type), 422 naming the field otherwise."""
    from plugins.warranty.services import record_request

    session: Session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    body = json_body(request)
    problems = Problems()
    for unknown in sorted(set(body) - REQUEST_FIELDS):
        problems.add(unknown, N_("Unknown field %(field)r."), field=unknown)
    defects = body.get("defects", [])
    if not isinstance(defects, list) or any(d not in DEFECTS for d in defects):
        problems.add("defects", N_("A list of: %(choices)s."), choices=", ".join(DEFECTS))
        defects = []
    for name in ("performance_mismatch", "human_factor", "quality_problem", "used",
                 "well_kept"):
        if body.get(name) is not None and not isinstance(body[name], bool):
            problems.add(name, N_("Must be true or false."))
    problems.raise_if_any()
    data = {key: value for key, value in body.items() if key != "defects"}
    data.update({f"defect_{name}": True for name in defects})
    row = record_request(session, request.app.state.pm, case, request.state.user, data)
    return ApiResponse(request_json(row, gettext_for(request).gettext), status_code=201)
