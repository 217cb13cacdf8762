"""Feedback API: complaints (list, create, read, assign, reply, close), survey answers and
follow-up visits. Errors are core's JSON errors (422 with fields, 404, 409 with a code)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import ApiResponse, DomainError, json_body, utcnow
from plugins.feedback import services
from plugins.feedback.models import Complaint, FollowUp, Survey
from plugins.feedback.views import period


def complaint_json(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.id, "reference": c.reference, "kind": c.kind, "channel": c.channel,
        "topic": c.topic, "subject": c.subject, "body": c.body, "state": c.state,
        "case_id": c.case_id, "unit_id": c.unit_id, "customer_id": c.customer_id,
        "model_code": c.model_code or None, "contact_name": c.contact_name,
        "department": {"id": c.department.id, "code": c.department.code,
                       "name": c.department.name},
        "owner": c.owner.login if c.owner else None,
        "first_response_due": c.first_response_due, "resolution_due": c.resolution_due,
        "first_response_at": c.first_response_at, "sla": services.sla(c, utcnow()),
        "waiting_since": c.waiting_since, "paused_minutes": c.paused_minutes,
        "escalated_at": c.escalated_at,
        "escalated_to": c.escalated_to.login if c.escalated_to else None,
        "reply": c.reply or None, "replied_at": c.replied_at,
        "reply_message_id": c.reply_message_id, "resolution": c.resolution or None,
        "closed_at": c.closed_at, "created_at": c.created_at,
    }


def _page(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        raise DomainError("page must be a whole number", field="page") from None


def complaints(request: Request) -> Response:
    """Complaints, newest first, 25 a page: ``?state=open|new|assigned|replied|closed``,
    ``?q=`` searches subject, contact, phone and model."""
    page = _page(request)
    rows, more = services.search_complaints(request.state.db,
                                            request.query_params.get("q", ""),
                                            request.query_params.get("state", ""), page)
    return ApiResponse({"items": [complaint_json(c) for c in rows], "page": page,
                        "next_page": page + 1 if more else None})


def complaint_create(request: Request) -> Response:
    row = services.create_complaint(request.state.db, json_body(request), request.state.user)
    return ApiResponse(complaint_json(row), status_code=201)


def complaint(request: Request) -> Response:
    return ApiResponse(complaint_json(services.get_complaint(
        request.state.db, request.path_params["complaint_id"])))


def _act(request: Request, action: Any) -> Response:
    row = action(request.state.db, request.path_params["complaint_id"], json_body(request),
                 request.state.user)
    return ApiResponse(complaint_json(row))


def complaint_assign(request: Request) -> Response:
    """``{"owner_login", "department_id"?}``"""
    return _act(request, services.assign)


def complaint_reply(request: Request) -> Response:
    """``{"reply"}``: recorded and queued to the customer (F-2)."""
    return _act(request, services.reply)


def complaint_close(request: Request) -> Response:
    """``{"resolution"?}``; 409 ``reply_required`` before a reply went out (F-2)."""
    return _act(request, services.close)


def survey_json(s: Survey) -> dict[str, Any]:
    return {"id": s.id, "case_id": s.case_id, "service_point_id": s.service_point_id,
            "technician_id": s.technician_id, "model_code": s.model_code or None,
            "coverage_class": s.coverage_class or None, "sent_at": s.created_at,
            "expires_at": s.expires_at, "answered_at": s.answered_at, "csat": s.csat,
            "nps": s.nps, "comment": s.comment or None,
            "callback_needed": s.callback_needed}


def surveys(request: Request) -> Response:
    """The survey report (CSAT, NPS overall and by point, technician, model, month)."""
    report = services.survey_report(request.state.db, *period(request))
    report["callbacks"] = [survey_json(s) for s in report["callbacks"]]
    return ApiResponse(report)


def followup_json(v: FollowUp) -> dict[str, Any]:
    return {"id": v.id, "case_id": v.case_id, "days": v.days, "due_on": v.due_on,
            "technician": v.technician.login if v.technician else None, "state": v.state,
            "method": v.method or None, "outcome": v.outcome or None, "note": v.note or None,
            "done_at": v.done_at}


def followups(request: Request) -> Response:
    """Visits: ``?state=due|done|all``, ``?due_by=YYYY-MM-DD`` (default: no limit)."""
    page = _page(request)
    due_by = None
    if request.query_params.get("due_by"):
        try:
            due_by = date.fromisoformat(request.query_params["due_by"])
        except ValueError:
            raise DomainError("due_by must be a date (YYYY-MM-DD)", field="due_by") from None
    rows, more = services.followups(request.state.db, due_by, None,
                                    request.query_params.get("state", "due"), page)
    return ApiResponse({"items": [followup_json(v) for v in rows], "page": page,
                        "next_page": page + 1 if more else None})


def followup_record(request: Request) -> Response:
    """``{"method": "phone"|"onsite", "outcome": "satisfied"|"problem"|"unreachable",
    "note"}``"""
    visit = services.record_visit(request.state.db, request.path_params["visit_id"],
                                  json_body(request), request.state.user)
    return ApiResponse(followup_json(visit))
