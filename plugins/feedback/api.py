"""Feedback API: complaints (list, create, read, assign, reply, wait for the customer, resume,
close), survey answers, follow-up visits and call backs after a low score. Errors are core's
JSON errors (422 with fields, 404, 409 with a code). Every row is read through the region
scope: another region's complaint or call back is a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import N_, ApiResponse, DomainError, json_body, utcnow
from plugins.feedback import policy, services
from plugins.feedback.models import Callback, Complaint, FollowUp, Survey
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


def _act(request: Request, action: Any, body: bool = True) -> Response:
    """Run ``action`` on the complaint; ``body=False``: the operation takes no JSON body."""
    data = json_body(request) if body else {}
    row = action(request.state.db, request.path_params["complaint_id"], data,
                 request.state.user)
    return ApiResponse(complaint_json(row))


def complaint_assign(request: Request) -> Response:
    """``{"owner_login", "department_id"?}``"""
    return _act(request, services.assign)


def complaint_reply(request: Request) -> Response:
    """``{"reply"}``: recorded and queued to the customer (F-2)."""
    return _act(request, services.reply)


def complaint_wait(request: Request) -> Response:
    """Pause the SLA clock while the complaint waits for the customer; 409 ``invalid_state``
    when it waits already or is closed (of two sent together, one takes effect)."""
    return _act(request, services.wait_for_customer, body=False)


def complaint_resume(request: Request) -> Response:
    """The customer came back: the SLA clock runs again, the dues later by the working time
    the wait took; 409 ``invalid_state`` when it was not waiting."""
    return _act(request, services.resume, body=False)


def complaint_close(request: Request) -> Response:
    """``{"resolution"?}``; 409 ``reply_required`` before a reply went out (F-2)."""
    return _act(request, services.close)


def survey_json(s: Survey) -> dict[str, Any]:
    return {"id": s.id, "case_id": s.case_id, "service_point_id": s.service_point_id,
            "technician_id": s.technician_id, "model_code": s.model_code or None,
            "coverage_class": s.coverage_class or None, "sent_at": s.created_at,
            "expires_at": s.expires_at, "answered_at": s.answered_at, "csat": s.csat,
            "nps": s.nps, "comment": s.comment or None,
            "callback_needed": s.callback_needed,
            "questionnaire_version": s.version.number if s.version else None}


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


def callback_json(c: Callback) -> dict[str, Any]:
    return {"id": c.id, "case_id": c.case_id, "case_reference": c.case.reference,
            "survey_id": c.survey_id, "service_point_id": c.service_point_id,
            "customer": c.case.contact_name, "phone": c.case.contact_phone or None,
            "csat": c.survey.csat, "nps": c.survey.nps, "comment": c.survey.comment or None,
            "owner": c.owner.login if c.owner else None, "state": c.state,
            "due_on": c.due_on, "created_at": c.created_at, "note": c.note or None,
            "done_at": c.done_at, "done_by": c.done_by.login if c.done_by else None}


def callbacks(request: Request) -> Response:
    """Call backs after a low score, earliest due first, 25 a page: ``?state=open|done|all``
    (default open), ``?mine=1`` (owned by the caller), ``?after=`` the ``next`` cursor of
    the previous page (keyset)."""
    params = request.query_params
    state = params.get("state", "open")
    if state not in (*policy.CALLBACK_STATES, "all"):
        raise DomainError(N_("Choose open, done or all."), field="state")
    owner = request.state.user.id if params.get("mine") == "1" else None
    rows, more = services.callback_page(request.state.db, state, owner, params.get("after"))
    return ApiResponse({"items": [callback_json(c) for c in rows],
                        "next": services.callback_cursor(rows[-1]) if more else None})


def callback_done(request: Request) -> Response:
    """``{"note"}``: what the customer said; once (409 ``invalid_state`` the second time,
    also when two are sent together)."""
    row = services.finish_callback(request.state.db, request.path_params["callback_id"],
                                   json_body(request), request.state.user)
    return ApiResponse(callback_json(row))
