"""The training plugin's hook implementations (P-1, O-3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    OPEN_STATES,
    CalendarEntry,
    Job,
    MenuItem,
    Panel,
    Permission,
    RouteSpec,
    ServiceCase,
    Settings,
    User,
    Veto,
    Widget,
    hookimpl,
)
from plugins.training import api, policy, services, views

VIEW = "training.view"
MANAGE = "training.manage"
POST = ("POST",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(MANAGE, N_("Run training: courses, sessions, results, certificates"),
                   default_roles=("hq_manager", "admin")),
        Permission(VIEW, N_("See training sessions and technicians' certifications"),
                   default_roles=("supervisor", "technician", "hq_manager")),
    ]


@hookimpl
def register_routes() -> list[RouteSpec]:
    course = "/training/courses/{course_id:int}"
    ts = "/training/sessions/{session_id:int}"
    cert = "/training/certificates/{certification_id:int}"
    return [
        RouteSpec("training.home", "/training", views.home, VIEW),
        RouteSpec("training.courses", "/training/courses", views.courses, VIEW),
        RouteSpec("training.course_create", "/training/courses", views.course_create, MANAGE,
                  methods=POST),
        RouteSpec("training.course", course, views.course, VIEW),
        RouteSpec("training.course_update", course, views.course_update, MANAGE,
                  methods=POST),
        RouteSpec("training.sessions", "/training/sessions", views.sessions, VIEW),
        RouteSpec("training.session_create", "/training/sessions", views.session_create,
                  MANAGE, methods=POST),
        RouteSpec("training.session", ts, views.session_detail, VIEW),
        RouteSpec("training.enrol", f"{ts}/enrol", views.enrol, MANAGE, methods=POST),
        RouteSpec("training.attendance", f"{ts}/attendance", views.attendance, MANAGE,
                  methods=POST),
        RouteSpec("training.results", f"{ts}/results", views.results, MANAGE, methods=POST),
        RouteSpec("training.correct_result", f"{ts}/results/correct", views.correct_result,
                  MANAGE, methods=POST),
        RouteSpec("training.certificate", cert, views.certificate, VIEW),
        RouteSpec("training.revoke", f"{cert}/revoke", views.revoke, MANAGE, methods=POST),
        RouteSpec("training.technicians", "/training/technicians", views.technicians, VIEW),
        RouteSpec("training.technician", "/training/technicians/{user_id:int}",
                  views.technician, VIEW),
        RouteSpec("training.me", "/training/me", views.me, VIEW),
        RouteSpec("training.case_panel", "/training/cases/{case_id:int}/technicians",
                  views.case_panel, "case.view"),
        RouteSpec("training.user_panel", "/training/users/{user_id:int}/panel",
                  views.user_panel, VIEW),
        RouteSpec("training.widget_expiring", "/training/widgets/expiring",
                  views.widget_expiring, VIEW),
        RouteSpec("training.exchange", "/training/exchange", views.exchange_view, MANAGE),
        RouteSpec("training.export", "/training/export.csv", views.export, MANAGE),
        RouteSpec("training.public_key", "/training/public-key.txt", views.public_key,
                  MANAGE),
        RouteSpec("training.import", "/training/import", views.import_file, MANAGE,
                  methods=POST),
        RouteSpec("training.trust_key", "/training/trusted-keys", views.trust_key, MANAGE,
                  methods=POST),
        RouteSpec("training.api.certifications",
                  "/api/v1/training/technicians/{user_id:int}/certifications",
                  api.certifications, VIEW),
        RouteSpec("training.api.results", "/api/v1/training/results", api.results, MANAGE,
                  methods=POST),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("training.sessions", N_("Training"), "/training/sessions", VIEW,
                     order=60)]


@hookimpl
def dashboard_widgets() -> list[Widget]:
    return [Widget("training.expiring", N_("Certifications expiring within 30 days (P-1)"),
                   "/training/widgets/expiring", VIEW, order=60)]


@hookimpl
def calendar_entries(session: Session, start: date, end: date) -> list[CalendarEntry]:
    """Training sessions on the desk's calendar (issue 18): those open to every region and
    those for the viewer's region (all of them for HQ)."""
    return [CalendarEntry(starts=ts.starts_on, ends=ts.ends_on, kind="training.session",
                          title=f"{ts.course.code} {ts.course.title}",
                          title_zh=f"{ts.course.code} {ts.course.title_zh}"
                          if ts.course.title_zh else "",
                          url=f"/training/sessions/{ts.id}",
                          detail=" · ".join(p for p in (ts.trainer, ts.place) if p),
                          source="training")
            for ts in services.sessions_between(session, start, end)]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "case" and isinstance(obj, ServiceCase) and obj.state in OPEN_STATES:
        return [Panel("training.dispatch", N_("Who may be dispatched (P-1)"),
                      f"/training/cases/{obj.id}/technicians", "case.view", order=5)]
    if entity == "user" and isinstance(obj, User) and services.is_technician(obj):
        return [Panel("training.on_post", N_("Training and certification (P-1)"),
                      f"/training/users/{obj.id}/panel", VIEW, order=10)]
    return []


@hookimpl
def validate_transition(session: Session, case: ServiceCase, to: str, actor: User | None,
                        payload: dict[str, Any]) -> list[Veto]:
    """P-1: no dispatch (nor on-site visit, P-7) to a technician without a valid certificate
    covering the case's model, on every day of the visit."""
    if to != "dispatched":
        return []
    technician_id = payload.get("technician_id")
    if not isinstance(technician_id, int):
        return []  # core reports the missing technician
    technician = session.get(User, technician_id)
    if technician is None:
        return []  # core's P-3 veto names it
    today = services.local_today(session)
    days = services.dispatch_days(session, payload, today)
    result = services.eligibility(session, case, technician_id, days)
    if result.eligible:
        return []
    model = case.model_code or "-"
    reason = views.reason_message(result)  # product lines by their labels (issue 18)
    return [Veto(policy.CLAUSE,
                 N_("%(name)s is not certified for model %(model)s: %(reason)s. Technicians "
                    "are dispatched only after they are trained and pass."),
                 plugin="training",
                 params={"name": technician.display_name, "model": model, "reason": reason})]


def _expire(session: Session, settings: Settings, now: datetime) -> str:
    today = now.astimezone(settings.tz).date()
    due = services.expire_due(session, today)
    return f"{len(due)} certification(s) marked expired"


@hookimpl
def register_jobs() -> list[Job]:
    return [Job("training.expire", "Mark expired certifications (P-1)", _expire)]


@hookimpl(tryfirst=True)
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    """Before core's demo cases are dispatched: courses, a past session and certificates for
    the demo technicians, so the demo dispatches under P-1."""
    from plugins.training.demo import seed

    seed(session, settings)
