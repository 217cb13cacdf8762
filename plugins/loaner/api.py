"""Loaner API: the pool, availability for a case, request, decision, lend and return.

Errors are JSON (``{"error": {"code", "message", "fields"}}``): 404 for another region's
records, 409 when a unit was taken or a loan already moved on (two parallel requests: one
wins), 422 for bad input."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import ApiResponse, DomainError, get_case, has, json_body
from plugins.loaner import policy, reservations, services, terms
from plugins.loaner.models import Loan, LoanerUnit

OTHER_POINTS = "loaner.other_points"
OTHER_MODEL = "loaner.other_model"


def unit_json(unit: LoanerUnit) -> dict[str, Any]:
    return {"id": unit.id, "body_code": unit.body_code, "model_code": unit.model_code,
            "service_point": unit.service_point.code, "condition": unit.condition,
            "accessories": unit.accessory_list, "status": unit.status,
            "retired_reason": unit.retired_reason or None}


def loan_json(loan: Loan, today: Any) -> dict[str, Any]:
    return {
        "id": loan.id, "case_id": loan.case_id, "unit": unit_json(loan.loaner),
        "status": loan.status, "reason": loan.reason, "needed_by": loan.needed_by,
        "other_model_reason": loan.other_model_reason or None,
        "needs_approval_of": None if loan.approval_point_id is None
        else loan.loaner.service_point.code,
        "decision_note": loan.decision_note or None, "lent_at": loan.lent_at,
        "accessories_out": loan.accessories_out or [], "condition_out": loan.condition_out
        or None, "deposit_cents": loan.deposit_cents,
        "deposit_method": loan.deposit_method or None,
        "agreement_language": loan.agreement_language or None,
        "recalled_at": loan.recalled_at, "expected_return": loan.expected_return,
        "overdue_days": policy.overdue_days(loan.expected_return, today)
        if loan.status == "lent" else 0,
        "reminders": loan.reminders, "returned_at": loan.returned_at,
        "accessories_back": loan.accessories_back or [],
        "condition_back": loan.condition_back or None, "charges_cents": loan.charges_cents,
        "refund_cents": loan.refund_cents,
        "exception_reason": loan.exception_reason or None,
    }


def list_units(request: Request) -> Response:
    """The pool the caller sees, filtered by ``status``, ``model``, ``page``."""
    session = request.state.db
    status = request.query_params.get("status", "")
    if status and status not in policy.UNIT_STATUSES:
        raise DomainError("Unknown status.", field="status", status_code=400)
    page = request.query_params.get("page", "1")
    rows, total = services.units(session, status=status,
                                 model=request.query_params.get("model", ""),
                                 page=int(page) if page.isdigit() else 1)
    return ApiResponse({"units": [unit_json(u) for u in rows], "total": total})


def create_unit(request: Request) -> Response:
    """Add a unit to a pool by body code: ``{"body_code", "service_point_id", "accessories",
    "condition"}``."""
    data = json_body(request)
    if isinstance(data.get("accessories"), list):
        data["accessories"] = "\n".join(str(a) for a in data["accessories"])
    unit = services.add_unit(request.state.db, request.state.user, data)
    return ApiResponse(unit_json(unit), status_code=201)


def availability(request: Request) -> Response:
    """Units that may be lent for the case: same model at its point first, then (with
    ``loaner.other_points``) other points and HQ."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    rows = services.available_for(session, case, other_points=has(request, OTHER_POINTS),
                                  other_models=has(request, OTHER_MODEL))
    return ApiResponse({"case_id": case.id, "model_code": case.model_code,
                        "units": [{**unit_json(u), "needs_approval":
                                   u.service_point_id != case.service_point_id,
                                   "same_model": u.model_code == case.model_code}
                                  for u in rows]})


def list_loans(request: Request) -> Response:
    """Loans the caller sees; ``status``, ``overdue=1`` and ``page`` filter."""
    session = request.state.db
    status = request.query_params.get("status", "")
    if status and status not in policy.LOAN_STATUSES:
        raise DomainError("Unknown status.", field="status", status_code=400)
    today = services.today(session)
    page = request.query_params.get("page", "1")
    rows, total = services.loans(
        session, status=status, page=int(page) if page.isdigit() else 1,
        overdue_on=today if request.query_params.get("overdue") == "1" else None)
    return ApiResponse({"loans": [loan_json(loan, today) for loan in rows], "total": total})


def request_loan(request: Request) -> Response:
    """Request a loaner for a case: ``{"case_id", "unit_id", "reason", "needed_by",
    "other_model_reason"}``; the unit is reserved at once (409 when it was taken)."""
    session = request.state.db
    data = json_body(request)
    if "case_id" not in data:
        raise DomainError("case_id is required.", field="case_id")
    loan = services.request_loan(session, data["case_id"], request.state.user, data,
                                 other_points=has(request, OTHER_POINTS),
                                 other_models=has(request, OTHER_MODEL))
    return ApiResponse(loan_json(loan, services.today(session)), status_code=201)


def get_loan(request: Request) -> Response:
    """One loan, with its checklists, deposit and dates."""
    session = request.state.db
    loan = services.get_loan(session, request.path_params["loan_id"])
    return ApiResponse(loan_json(loan, services.today(session)))


def decide(request: Request) -> Response:
    """The lending point's decision: ``{"accept": true}`` or ``{"accept": false, "note"}``."""
    session = request.state.db
    data = json_body(request)
    accept = data.get("accept")
    if not isinstance(accept, bool):
        raise DomainError("accept must be true or false.", field="accept")
    loan = services.decide(session, request.path_params["loan_id"], request.state.user,
                           accept, str(data.get("note") or ""))
    return ApiResponse(loan_json(loan, services.today(session)))


def lend(request: Request) -> Response:
    """Lend: ``{"condition", "signed_by", "language", "accessories": [...], "deposit_cents",
    "deposit_method"}`` (accessories default to the unit's whole list)."""
    session = request.state.db
    loan = services.lend(session, request.path_params["loan_id"], request.state.user,
                         json_body(request))
    return ApiResponse(loan_json(loan, services.today(session)))


def return_loan(request: Request) -> Response:
    """Check in: ``{"condition", "accessories": {"<item>": "ok"|"missing"|"damaged"}}``;
    missing or damaged items become charge lines on the case, paid from the deposit first."""
    session = request.state.db
    loan = services.return_loan(session, request.path_params["loan_id"], request.state.user,
                                json_body(request))
    return ApiResponse(loan_json(loan, services.today(session)))


def list_terms(request: Request) -> Response:
    """Every model's loaner terms: the deposit and the price list (cents)."""
    return ApiResponse({"terms": [terms.terms_json(t) for t in
                                  terms.all_terms(request.state.db)]})


def save_terms(request: Request) -> Response:
    """Set a model's terms: ``{"model_code", "deposit_cents", "prices": {"<item>": cents}}``
    (replaces the model's whole price list)."""
    saved = terms.save_terms(request.state.db, request.state.user, json_body(request))
    return ApiResponse(terms.terms_json(saved))


def unit_reservations(request: Request) -> Response:
    """The unit's bookings ahead, booked and cancelled, by start date."""
    session = request.state.db
    unit = services.get_unit(session, request.path_params["unit_id"])
    return ApiResponse({"unit_id": unit.id, "reservations": [
        reservations.reservation_json(b) for b in reservations.of_unit(session, unit.id)]})


def reserve(request: Request) -> Response:
    """Book a unit for a case's period ahead: ``{"unit_id", "case_id", "start_on", "end_on",
    "reason"}`` (both days included); 409 when another booking overlaps."""
    booking = reservations.reserve(request.state.db, request.state.user, json_body(request))
    return ApiResponse(reservations.reservation_json(booking), status_code=201)


def cancel_reservation(request: Request) -> Response:
    """Cancel a booking: ``{"note"}`` (whoever booked it, or ``loaner.cancel_any``)."""
    data = json_body(request)
    booking = reservations.cancel(request.state.db, request.path_params["reservation_id"],
                                  request.state.user, str(data.get("note") or ""),
                                  any_booking=has(request, "loaner.cancel_any"))
    return ApiResponse(reservations.reservation_json(booking))
