"""The feedback plugin's hook implementations (F-1..3, T-3, W-5, O-4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    PUBLIC,
    Job,
    MenuItem,
    Message,
    Panel,
    Permission,
    RoleSpec,
    RouteSpec,
    ServiceCase,
    Settings,
    Term,
    TimelineEntry,
    Unit,
    User,
    Widget,
    hookimpl,
    plugin_settings,
)
from plugins.feedback import api, services, views
from plugins.feedback.models import Bulletin, Complaint, Consultation, FollowUp, Survey

VIEW = "feedback.view"
HANDLE = "feedback.handle"
MANAGE = "feedback.manage"
POST = ("POST",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(VIEW, N_("See complaints, surveys, follow-up visits, consultations and "
                            "bulletins"),
                   default_roles=("supervisor", "service_clerk", "technician", "hq_manager")),
        Permission(HANDLE, N_("Take complaints, reply to customers, record visits and "
                              "consultations"),
                   default_roles=("supervisor", "service_clerk", "hq_manager")),
        Permission(MANAGE, N_("Set up departments and routing, publish service bulletins"),
                   default_roles=("hq_manager",)),
    ]


@hookimpl
def register_roles() -> list[RoleSpec]:
    return [RoleSpec("customer_care", N_("Customer care"),
                     permissions=("case.view", VIEW, HANDLE))]


@hookimpl
def register_routes() -> list[RouteSpec]:
    c = "/feedback/complaints/{complaint_id:int}"
    api_c = "/api/v1/feedback/complaints/{complaint_id:int}"
    v = "/feedback/questionnaires/versions/{version_id:int}"
    return [
        RouteSpec("feedback.home", "/feedback", views.home, VIEW),
        RouteSpec("feedback.complaints", "/feedback/complaints", views.complaints, VIEW),
        RouteSpec("feedback.complaint_new", "/feedback/complaints/new", views.complaint_new,
                  HANDLE),
        RouteSpec("feedback.complaint_create", "/feedback/complaints", views.complaint_create,
                  HANDLE, methods=POST),
        RouteSpec("feedback.complaint", c, views.complaint, VIEW),
        RouteSpec("feedback.complaint_assign", f"{c}/assign", views.complaint_assign, HANDLE,
                  methods=POST),
        RouteSpec("feedback.complaint_reply", f"{c}/reply", views.complaint_reply, HANDLE,
                  methods=POST),
        RouteSpec("feedback.complaint_close", f"{c}/close", views.complaint_close, HANDLE,
                  methods=POST),
        RouteSpec("feedback.complaint_wait", f"{c}/wait", views.complaint_wait, HANDLE,
                  methods=POST),
        RouteSpec("feedback.complaint_resume", f"{c}/resume", views.complaint_resume, HANDLE,
                  methods=POST),
        RouteSpec("feedback.departments", "/feedback/departments", views.departments, VIEW),
        RouteSpec("feedback.department_save", "/feedback/departments",
                  views.department_save, MANAGE, methods=POST),
        RouteSpec("feedback.rule_add", "/feedback/rules", views.rule_add, MANAGE,
                  methods=POST),
        RouteSpec("feedback.surveys", "/feedback/surveys", views.surveys, VIEW),
        RouteSpec("feedback.survey_campaign", "/feedback/surveys/campaign",
                  views.survey_campaign, MANAGE, methods=POST),
        RouteSpec("feedback.questionnaires", "/feedback/questionnaires",
                  views.questionnaire_page, VIEW),
        RouteSpec("feedback.version_new", "/feedback/questionnaires/versions",
                  views.version_new, MANAGE, methods=POST),
        RouteSpec("feedback.version", f"{v}", views.version_page, VIEW),
        RouteSpec("feedback.version_save", f"{v}", views.version_save, MANAGE, methods=POST),
        RouteSpec("feedback.version_publish", f"{v}/publish", views.version_publish, MANAGE,
                  methods=POST),
        RouteSpec("feedback.version_discard", f"{v}/discard", views.version_discard, MANAGE,
                  methods=POST),
        RouteSpec("feedback.followups", "/feedback/followups", views.followups, VIEW),
        RouteSpec("feedback.followup_record", "/feedback/followups/{visit_id:int}",
                  views.followup_record, HANDLE, methods=POST),
        RouteSpec("feedback.callbacks", "/feedback/callbacks", views.callbacks, VIEW),
        RouteSpec("feedback.callback_done", "/feedback/callbacks/{callback_id:int}/done",
                  views.callback_done, HANDLE, methods=POST),
        RouteSpec("feedback.widget_callbacks", "/feedback/widgets/callbacks",
                  views.widget_callbacks, VIEW),
        RouteSpec("feedback.consultations", "/feedback/consultations", views.consultations,
                  VIEW),
        RouteSpec("feedback.consultation_add", "/feedback/consultations",
                  views.consultation_add, HANDLE, methods=POST),
        RouteSpec("feedback.bulletins", "/feedback/bulletins", views.bulletins, VIEW),
        RouteSpec("feedback.bulletin_add", "/feedback/bulletins", views.bulletin_add, MANAGE,
                  methods=POST),
        RouteSpec("feedback.bulletin_ack", "/feedback/bulletins/{bulletin_id:int}/ack",
                  views.bulletin_ack, VIEW, methods=POST),
        RouteSpec("feedback.case_panel", "/feedback/cases/{case_id:int}/panel",
                  views.case_panel, "case.view"),
        RouteSpec("feedback.unit_panel", "/feedback/units/{unit_id:int}/panel",
                  views.unit_panel, "case.view"),
        RouteSpec("feedback.widget_sla", "/feedback/widgets/sla", views.widget_sla, VIEW),
        RouteSpec("feedback.widget_nps", "/feedback/widgets/nps", views.widget_nps, VIEW),
        RouteSpec("feedback.widget_visits", "/feedback/widgets/visits", views.widget_visits,
                  VIEW),
        # F-1: the customer's single-use survey link; the unguessable token is the proof, so
        # no sign-in and no CSRF token (the customer has no session with us).
        RouteSpec("feedback.public.survey", "/s/{token}", views.survey_page, PUBLIC),
        RouteSpec("feedback.public.survey_answer", "/s/{token}", views.survey_answer, PUBLIC,
                  methods=POST, csrf=False),
        # O-2, F-3: anybody may send a complaint or suggestion; a normal form, with CSRF.
        RouteSpec("feedback.public.complaint_form", "/feedback/contact", views.public_form,
                  PUBLIC),
        RouteSpec("feedback.public.complaint_submit", "/feedback/contact",
                  views.public_submit, PUBLIC, methods=POST),
        RouteSpec("feedback.api.complaints", "/api/v1/feedback/complaints", api.complaints,
                  VIEW),
        RouteSpec("feedback.api.complaint_create", "/api/v1/feedback/complaints",
                  api.complaint_create, HANDLE, methods=POST),
        RouteSpec("feedback.api.complaint", api_c, api.complaint, VIEW),
        RouteSpec("feedback.api.complaint_assign", f"{api_c}/assign", api.complaint_assign,
                  HANDLE, methods=POST),
        RouteSpec("feedback.api.complaint_reply", f"{api_c}/reply", api.complaint_reply,
                  HANDLE, methods=POST),
        RouteSpec("feedback.api.complaint_close", f"{api_c}/close", api.complaint_close,
                  HANDLE, methods=POST),
        RouteSpec("feedback.api.complaint_wait", f"{api_c}/wait", api.complaint_wait,
                  HANDLE, methods=POST),
        RouteSpec("feedback.api.complaint_resume", f"{api_c}/resume", api.complaint_resume,
                  HANDLE, methods=POST),
        RouteSpec("feedback.api.callbacks", "/api/v1/feedback/callbacks", api.callbacks,
                  VIEW),
        RouteSpec("feedback.api.callback_done",
                  "/api/v1/feedback/callbacks/{callback_id:int}/done", api.callback_done,
                  HANDLE, methods=POST),
        RouteSpec("feedback.api.surveys", "/api/v1/feedback/surveys", api.surveys, VIEW),
        RouteSpec("feedback.api.followups", "/api/v1/feedback/followups", api.followups,
                  VIEW),
        RouteSpec("feedback.api.followup_record", "/api/v1/feedback/followups/{visit_id:int}",
                  api.followup_record, HANDLE, methods=POST),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("feedback.complaints", N_("Feedback"), "/feedback/complaints", VIEW,
                     order=55)]


@hookimpl
def dashboard_widgets() -> list[Widget]:
    return [
        Widget("feedback.sla", N_("Open complaints by SLA (F-3)"), "/feedback/widgets/sla",
               VIEW, order=55),
        Widget("feedback.nps", N_("Net promoter score by month (F-1)"),
               "/feedback/widgets/nps", VIEW, order=57),
        Widget("feedback.visits", N_("Follow-up visits due (T-3)"),
               "/feedback/widgets/visits", VIEW, order=56),
        Widget("feedback.callbacks", N_("Customers to call back after a low score (F-1)"),
               "/feedback/widgets/callbacks", VIEW, order=58),
    ]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "case" and isinstance(obj, ServiceCase):
        return [Panel("feedback.case", N_("Feedback and service bulletins"),
                      f"/feedback/cases/{obj.id}/panel", "case.view", order=40)]
    if entity == "unit" and isinstance(obj, Unit):
        # the unit page and the intake lookup: bulletins and usage notes before work starts
        return [Panel("feedback.unit", N_("Service bulletins and usage notes"),
                      f"/feedback/units/{obj.id}/panel", "case.view", order=40)]
    return []


@hookimpl
def after_transition(session: Session, case: ServiceCase, from_state: str,
                     actor: User | None, payload: dict[str, Any]) -> None:
    """When a case closes: its follow-up visits (T-3) and, if set, a survey (F-1)."""
    if case.state != "closed":
        return
    services.schedule_followups(session, case)
    if plugin_settings(session, "feedback").survey_after_close:
        services.send_survey(session, case)


@hookimpl
def unit_timeline(session: Session, unit: Unit) -> list[TimelineEntry]:
    """Complaints and follow-up visits in the unit's life (T-1)."""
    entries = [TimelineEntry(at=c.created_at, kind="feedback.complaint",
                             title=N_("Complaint"), detail=f"{c.reference}: {c.subject}",
                             url=f"/feedback/complaints/{c.id}", source="feedback")
               for c in session.scalars(select(Complaint).where(Complaint.unit_id == unit.id))]
    visits = session.scalars(
        select(FollowUp).join(ServiceCase, FollowUp.case_id == ServiceCase.id)
        .where(ServiceCase.unit_id == unit.id, FollowUp.state == "done"))
    entries += [TimelineEntry(at=v.done_at, kind="feedback.visit", title=N_("Follow-up visit"),
                              detail=_visit_detail(v), source="feedback")
                for v in visits if v.done_at is not None]
    # gap 5: what the customer told us about it, what they asked, what HQ published on it
    surveys = session.scalars(
        select(Survey).join(ServiceCase, Survey.case_id == ServiceCase.id)
        .where(ServiceCase.unit_id == unit.id, Survey.answered_at.is_not(None)))
    entries += [TimelineEntry(at=s.answered_at, kind="feedback.survey",
                              title=N_("Survey answer"),
                              detail=_survey_detail(s),
                              url=f"/desk/cases/{s.case_id}", source="feedback")
                for s in surveys if s.answered_at is not None]
    entries += [TimelineEntry(at=c.created_at, kind="feedback.consultation",
                              title=N_("Consultation"), detail=f"{c.topic}: {c.question}",
                              url="/feedback/consultations", source="feedback")
                for c in session.scalars(select(Consultation)
                                         .where(Consultation.unit_id == unit.id))]
    model = unit.model.code if unit.model is not None else ""
    entries += [TimelineEntry(at=b.published_at, kind="feedback.bulletin",
                              title=N_("Service bulletin"), detail=_bulletin_title(b),
                              url="/feedback/bulletins", source="feedback")
                for b in services.bulletins_for(session, model, unit.factory_date)
                if b.published_at is not None]
    return entries


#: A bulletin's title in the reader's language on the unit page, where the hook does not know
#: the reader (issue 18): the catalogue picks the parameter. English shows ``title`` (the
#: ``.0s`` prints nothing of ``title_zh``), the Chinese translation ``title_zh``.
BULLETIN_TITLE = N_("%(title)s%(title_zh).0s")


def _bulletin_title(bulletin: Bulletin) -> Message:
    return Message(BULLETIN_TITLE, {"title": bulletin.title,
                                    "title_zh": bulletin.title_zh or bulletin.title})


def _score(value: int | None) -> str:
    return "—" if value is None else str(value)


def _visit_detail(visit: FollowUp) -> Message:
    """The visit's line on the unit timeline, in the reader's language (``localize``): the
    method and the outcome are words to translate, the note is the visitor's own."""
    params: dict[str, object] = {
        "days": visit.days,
        "method": Term(views.LABELS["method"].get(visit.method, visit.method)),
        "outcome": Term(views.LABELS["outcome"].get(visit.outcome, visit.outcome)),
        "note": visit.note}
    if visit.note:
        return Message(N_("%(days)d days after close, %(method)s: %(outcome)s — %(note)s"),
                       params)
    return Message(N_("%(days)d days after close, %(method)s: %(outcome)s"), params)


def _survey_detail(survey: Survey) -> Message:
    """The answer's line on the unit timeline: the case, its scores, the customer's words."""
    params: dict[str, object] = {"reference": survey.case.reference,
                                 "csat": _score(survey.csat), "nps": _score(survey.nps),
                                 "comment": survey.comment}
    if survey.comment:
        return Message(N_("%(reference)s: CSAT %(csat)s, NPS %(nps)s — %(comment)s"), params)
    return Message(N_("%(reference)s: CSAT %(csat)s, NPS %(nps)s"), params)


def _escalate(session: Session, settings: Settings, now: datetime) -> str:
    return f"{len(services.escalate(session, now))} complaint(s) escalated"


def _schedule(session: Session, settings: Settings, now: datetime) -> str:
    return f"{services.schedule_missing(session, now)} follow-up visit(s) scheduled"


def _forget_windows(session: Session, settings: Settings, now: datetime) -> str:
    return f"{services.forget_public_windows(session, now)} public window(s) forgotten"


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job("feedback.public_windows", "Forget the public pages' finished per-address "
            "windows (gap 9)", _forget_windows),
        Job("feedback.escalate", "Escalate complaints past their SLA to the department head "
            "(F-3)", _escalate),
        Job("feedback.followups", "Schedule follow-up visits for closed cases (T-3)",
            _schedule),
    ]


@hookimpl
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    from plugins.feedback.demo import seed

    seed(session, settings)
