"""Service-desk JSON API. The shapes of units, cases, transitions, charges, confirmations and
payments are contracts integrations rely on (issue 5): change them only by adding fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from core import bodycode
from core.api.jsonio import ApiResponse, json_body
from core.entities import (
    CaseCredit,
    CaseHold,
    Charge,
    Confirmation,
    CreditNote,
    Customer,
    Payment,
    ProductModel,
    ServiceCase,
    Unit,
)
from core.entities.money import DEPOSIT
from core.errors import DomainError, Forbidden
from core.i18n import N_
from core.services import (
    catalogue,
    holds,
    intake,
    payments,
    quotes,
    refunds,
    reports,
    transfers,
    workflow,
)
from core.services.cases import case_page, get_case, local_today
from core.services.validation import Problems

#: The permission each target state needs, on top of ``case.view`` for the route. Derived
#: from the one declaration, ``workflow.WORKFLOW`` (kept for those who import it).
TRANSITION_PERMISSIONS = workflow.target_permissions()


def _require(request: Request, permission: str) -> None:
    if permission not in request.state.permissions:
        raise Forbidden(N_("This needs the permission %(permission)s."),
                        params={"permission": permission})


def unit_json(unit: Unit, *, cases: list[ServiceCase] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": unit.id,
        "body_code": unit.body_code,
        "model_code": unit.model_label,
        "model_name": unit.model.name if unit.model else "",
        "own_product": unit.own_product,
        "oem": unit.oem,
        "factory_date": unit.factory_date,
        "customer_id": unit.sold_to_id if unit.sold_to else None,
        "sold_on": unit.sold_on,
        "returned_to_company_at": unit.returned_to_company_at,  # issue 10
    }
    if cases is not None:
        data["cases"] = [{"id": c.id, "reference": c.reference, "state": c.state,
                          "opened_at": c.opened_at, "coverage_class": c.coverage_class}
                         for c in cases]
    return data


def charge_json(charge: Charge) -> dict[str, Any]:
    return {"id": charge.id, "kind": charge.kind, "description": charge.description_text(),
            "quantity": charge.quantity, "unit_price_cents": charge.unit_price_cents,
            "amount_cents": charge.amount_cents, "payable_cents": charge.payable_cents,
            "waived": charge.waived, "waive_reason": charge.waive_reason,
            "clause": charge.clause, "refurbished": charge.refurbished,
            "voided": charge.voided_at is not None}


def confirmation_json(c: Confirmation) -> dict[str, Any]:
    return {"id": c.id, "quote_version": c.quote_version, "total_cents": c.total_cents,
            "accepted": c.accepted, "method": c.method, "customer_name": c.customer_name,
            "at": c.at}


def payment_json(p: Payment) -> dict[str, Any]:
    return {"id": p.id, "amount_cents": p.amount_cents, "method": p.method,
            "receipt_number": p.receipt, "collected_by": p.collected_by.login, "at": p.at,
            "handed_over": p.handover_id is not None}


def credit_json(c: CaseCredit) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "amount_cents": c.amount_cents,
            "description": c.description_text(), "clause": c.clause, "at": c.created_at}


def credit_note_json(n: CreditNote) -> dict[str, Any]:
    """Money out: ``amount_cents`` is positive, ``signed_cents`` negative (cash out)."""
    return {"id": n.id, "credit_note_number": n.credit_note, "kind": n.kind,
            "amount_cents": n.amount_cents, "signed_cents": n.signed_cents,
            "method": n.method, "clause": n.clause, "note": n.note_text(),
            "paid_by": n.paid_by.login, "at": n.at, "handed_over": n.handover_id is not None}


def money_json(session: Session, case: ServiceCase, *, charges: list[Charge],
               paid: list[Payment]) -> dict[str, Any]:
    """Issue 10: credits owed, credit notes paid out, the signed balance and the unit swap.

    The sums are taken over the rows this answer prints anyway (``charges`` and ``paid`` from
    ``case_json``), by the same rules as ``refunds.balance``, instead of one aggregate query
    each (issue 11: seven statements fewer per case answer)."""
    swap = refunds.swap_of(session, case)
    notes = list(session.scalars(reports.CASE_CREDIT_NOTES, {"case_id": case.id}))
    credits = refunds.credits_of(session, case)
    refunded = sum(n.amount_cents for n in notes if n.kind != DEPOSIT)
    owed = (sum(c.payable_cents for c in charges)  # 0 when waived or voided
            - sum(c.amount_cents for c in credits if c.kind != DEPOSIT)
            - sum(p.amount_cents for p in paid) + refunded)
    movements = sorted(
        [{"kind": "payment", "number": p.receipt, "signed_cents": p.amount_cents,
          "method": p.method, "at": p.at} for p in paid]
        + [{"kind": "credit_note", "number": n.credit_note, "signed_cents": n.signed_cents,
            "method": n.method, "at": n.at} for n in notes],
        key=lambda m: m["at"])
    return {
        "credits": [credit_json(c) for c in credits],
        "credit_notes": [credit_note_json(n) for n in notes],
        "money_movements": movements,  # signed: money in > 0, money out < 0
        "refunded_cents": refunded,
        "balance_cents": owed,
        "refundable_cents": max(0, -owed),
        "unit_swap": None if swap is None else {
            "returned_body_code": session.get(Unit, swap.returned_unit_id).body_code,  # type: ignore[union-attr]
            "replacement_body_code": session.get(Unit, swap.replacement_unit_id).body_code,  # type: ignore[union-attr]
            "clause": swap.clause, "at": swap.at},
    }

def hold_json(h: CaseHold) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "reason": h.reason, "placed_at": h.placed_at,
            "released_at": h.released_at}


def case_json(session: Session, case: ServiceCase) -> dict[str, Any]:
    by_case = {"case_id": case.id}
    charges = list(session.scalars(reports.CASE_CHARGES, by_case))
    confirmations = list(session.scalars(reports.CASE_CONFIRMATIONS, by_case))
    paid = list(session.scalars(reports.CASE_PAYMENTS, by_case))
    events = payments.case_events(session, case)
    total = sum(c.payable_cents for c in charges)
    # quotes.confirmation_is_valid, from the rows loaded above: the newest confirmation of
    # the current quote version decides
    current = [c for c in confirmations if c.quote_version == case.quote_version]
    return {
        "id": case.id,
        "reference": case.reference,
        "state": case.state,
        "clauses": [c for c in case.refusal_clauses.split(",") if c],
        "reason": case.reason,
        "service_point": case.service_point.code,
        "channel": case.channel,
        "unit": unit_json(case.unit) if case.unit else None,
        "body_code": case.body_code_text or None,
        "model_code": case.model_code,
        "own_product": case.own_product,
        "customer": {"id": case.customer.id, "name": case.customer.name,
                     "address": case.address, "phone": case.contact_phone},
        "purchase_date": case.purchase_date,
        "fault_description": case.fault_description,
        "intake_on": case.intake_on,
        "coverage_class": case.coverage_class,
        "coverage_reason": case.coverage_reason_text(),
        "technician": case.technician.login if case.technician else None,
        "quote_version": case.quote_version,
        "payable_cents": total,
        "paid_cents": sum(p.amount_cents for p in paid),
        "confirmed": bool(current and current[-1].accepted),
        "charges": [charge_json(c) for c in charges],
        "confirmations": [confirmation_json(c) for c in confirmations],
        "payments": [payment_json(p) for p in paid],
        "events": [{"at": e.at, "kind": e.kind, "from": e.from_state or None,
                    "to": e.to_state or None, "note": e.note_text(),
                    "by": e.user.login if e.user else None} for e in events],
        "allowed_transitions": list(workflow.allowed_targets(case)),
        **money_json(session, case, charges=charges, paid=paid),
        "outcome": case.outcome or None,
        "holds": [hold_json(h) for h in holds.active_holds(session, case)],
    }


def create_unit(request: Request) -> Response:
    """Register a unit by body code; answers 201 with its factory date."""
    _require(request, "unit.manage")
    data = json_body(request)
    problems = Problems()
    body_code = problems.text(data, "body_code", max_length=64, label="Body code")
    model_code = problems.text(data, "model_code", required=False, max_length=32)
    own = problems.boolean(data, "own_product", True)
    oem = problems.boolean(data, "oem", False)
    customer_id = problems.integer(data, "customer_id", required=False)
    sold_on = problems.day(data, "sold_on")
    problems.raise_if_any()
    unit = catalogue.register_unit(request.state.db, request.app.state.pm, body_code=body_code,
                                   model_code=model_code, own_product=own, oem=oem,
                                   customer_id=customer_id, sold_on=sold_on)
    return ApiResponse(unit_json(unit), status_code=201)


#: The columns ``unit_json`` prints, as one row (issue 11: the lookup is the hottest call of
#: integrations; three ORM objects per unit cost more than the SQL). The customer is joined
#: through the session, so the region scope applies to it as to ``Unit.sold_to``: a customer
#: of another region reads as none. Built once; statements are immutable.
_UNIT_ROW = (
    select(Unit.id, Unit.body_code, ProductModel.code.label("model_code"), Unit.model_text,
           ProductModel.name.label("model_name"), Unit.own_product, Unit.oem,
           Unit.factory_date, Customer.id.label("customer_id"), Unit.sold_on,
           Unit.returned_to_company_at)
    .outerjoin(ProductModel, ProductModel.id == Unit.model_id)
    .outerjoin(Customer, Customer.id == Unit.sold_to_id)
    .where(Unit.body_code == bindparam("body_code")))
_UNIT_CASE_ROWS = (
    select(ServiceCase.id, ServiceCase.state, ServiceCase.opened_at, ServiceCase.coverage_class)
    .where(ServiceCase.unit_id == bindparam("unit_id")).order_by(ServiceCase.id))


def read_unit(request: Request) -> Response:
    """A unit by body code, with the cases the caller may see (the same JSON as
    ``unit_json``, read as rows)."""
    session = request.state.db
    code = request.path_params["body_code"]
    unit = session.execute(_UNIT_ROW, {"body_code": bodycode.normalise(code)}).first()
    if unit is None:
        raise catalogue.unit_not_found(code)
    cases = session.execute(_UNIT_CASE_ROWS, {"unit_id": unit.id})
    return ApiResponse({
        "id": unit.id, "body_code": unit.body_code,
        "model_code": unit.model_code if unit.model_code is not None else unit.model_text,
        "model_name": unit.model_name or "", "own_product": unit.own_product, "oem": unit.oem,
        "factory_date": unit.factory_date, "customer_id": unit.customer_id,
        "sold_on": unit.sold_on, "returned_to_company_at": unit.returned_to_company_at,
        "cases": [{"id": c.id, "reference": ServiceCase.reference_of(c.id), "state": c.state,
                   "opened_at": c.opened_at, "coverage_class": c.coverage_class}
                  for c in cases],
    })


def create_case(request: Request) -> Response:
    """Open a case (P-2); our product without a body code is refused (W-1)."""
    _require(request, "case.intake")
    data = json_body(request)
    user = request.state.user
    case = intake.intake(request.state.db, request.app.state.pm, actor=user,
                         service_point=user.service_point, data=data,
                         today=local_today(request.app.state.settings))
    return ApiResponse(case_json(request.state.db, case), status_code=201)


def read_case(request: Request) -> Response:
    """A case with its unit, coverage, charges, confirmations, payments and events."""
    case = get_case(request.state.db, request.path_params["case_id"])
    return ApiResponse(case_json(request.state.db, case))


def list_cases(request: Request) -> Response:
    """Cases, newest first, filtered like the case list; keyset paging with `after`."""
    page = case_page(request.state.db, dict(request.query_params))
    return ApiResponse({
        "cases": [{"id": c.id, "reference": c.reference, "state": c.state,
                   "body_code": c.body_code_text or None, "model_code": c.model_code,
                   "customer": c.customer_name, "phone": c.contact_phone,
                   "service_point": c.point_code, "opened_at": c.opened_at,
                   "technician": c.technician_login}
                  for c in page.rows],
        "next": page.next_cursor,
    })


def post_transition(request: Request) -> Response:
    """Move a case to another state; 409 with every veto and its clause."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = json_body(request)
    to = data.get("to")
    if not isinstance(to, str):
        raise DomainError("Give the target state in 'to'.", field="to")
    permission = workflow.permission_for(case.state, to, session)
    if permission is not None:
        _require(request, permission)
    payload = {k: v for k, v in data.items() if k != "to"}
    workflow.transition(session, request.app.state.pm, case, to, request.state.user, payload,
                        tz=request.app.state.settings.tz)
    return ApiResponse(case_json(session, case))


def post_charge(request: Request) -> Response:
    """Add a quote line (or void one with `void_charge_id` and `reason`)."""
    _require(request, "case.quote")
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = json_body(request)
    if data.get("void_charge_id") is not None:
        problems = Problems()
        charge_id = problems.integer(data, "void_charge_id")
        problems.raise_if_any()
        assert charge_id is not None
        quotes.void_charge(session, case, charge_id, request.state.user,
                           str(data.get("reason", "")), pm=request.app.state.pm)
    else:
        quotes.add_charge(session, request.app.state.pm, case, request.state.user, data)
    return ApiResponse(case_json(session, case), status_code=201)


def post_confirmation(request: Request) -> Response:
    """Record the customer's answer to the current quote (W-4)."""
    _require(request, "case.quote")
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    quotes.record_confirmation(session, request.app.state.pm, case, request.state.user,
                               json_body(request))
    return ApiResponse(case_json(session, case), status_code=201)


def post_payment(request: Request) -> Response:
    """Record a payment with the next receipt number of the service point (P-4)."""
    _require(request, "payment.collect")
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    payments.record_payment(session, case, request.state.user, json_body(request))
    return ApiResponse(case_json(session, case), status_code=201)


def post_refund(request: Request) -> Response:
    """Pay money back on a credit note with the next number of the service point (R-8)."""
    _require(request, "payment.refund")
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    refunds.record_refund(session, case, request.state.user, json_body(request))
    return ApiResponse(case_json(session, case), status_code=201)

def post_write_off(request: Request) -> Response:
    """Write off what is still outstanding, with a reason (P-4): ``{"reason": "..."}``."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    payments.write_off(session, case, request.state.user,
                       str(json_body(request).get("reason", "")))
    return ApiResponse(case_json(session, case), status_code=201)


def post_hold(request: Request) -> Response:
    """Put a case on hold with a kind and a reason; the case keeps its state."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = json_body(request)
    holds.place_hold(session, case, str(data.get("kind", "")), str(data.get("reason", "")),
                     request.state.user)
    return ApiResponse(case_json(session, case), status_code=201)


def post_resume(request: Request) -> Response:
    """Resume a case: end its open hold of `kind`."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = json_body(request)
    holds.release_hold(session, case, str(data.get("kind", "")), request.state.user,
                       str(data.get("note", "")))
    return ApiResponse(case_json(session, case))


def post_transfer(request: Request) -> Response:
    """Move a case to another service point (P-2) with a reason and an optional waybill;
    across regions only for HQ."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    moved = transfers.transfer_case(session, case, request.state.user, json_body(request))
    return ApiResponse(case_json(session, moved))
