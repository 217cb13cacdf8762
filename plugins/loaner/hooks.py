"""The loaner plugin's hook implementations (E-1, E-2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    HoldKind,
    Job,
    MenuItem,
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
    Veto,
    Widget,
    hookimpl,
)
from plugins.loaner import api, policy, schemas, services, views
from plugins.loaner.models import Loan, LoanerEvent, LoanerUnit

VIEW = "loaner.view"
LEND = "loaner.lend"
APPROVE = "loaner.approve"
OTHER_POINTS = "loaner.other_points"
OTHER_MODEL = "loaner.other_model"
MANAGE = "loaner.manage"
CANCEL_ANY = "loaner.cancel_any"
TERMS = "loaner.terms"
POST = ("POST",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(VIEW, N_("See loaner pools and loans"),
                   default_roles=("service_clerk", "supervisor", "hq_manager",
                                  "warehouse_keeper", "finance")),
        Permission(LEND, N_("Request, lend and take back loaners"),
                   default_roles=("service_clerk", "supervisor", "hq_manager",
                                  "warehouse_keeper")),
        Permission(APPROVE, N_("Accept or decline loan requests from other service points"),
                   default_roles=("supervisor", "hq_manager")),
        Permission(OTHER_POINTS, N_("Request loaners from other service points and HQ (E-2)"),
                   default_roles=("supervisor", "hq_manager", "service_clerk")),
        Permission(OTHER_MODEL, N_("Lend another model, with a written reason; allow a case "
                                   "to close with its loaner out (E-2 exception)"),
                   default_roles=("supervisor", "hq_manager")),
        Permission(MANAGE, N_("Manage loaner pools: add, import, check and retire units"),
                   default_roles=("supervisor", "hq_manager", "warehouse_keeper")),
        Permission(CANCEL_ANY, N_("Cancel loaner requests made by others"),
                   default_roles=("supervisor", "hq_manager")),
        Permission(TERMS, N_("Set the loaner deposit and price list of each product model"),
                   default_roles=("hq_manager",)),
    ]


@hookimpl
def register_roles() -> list[RoleSpec]:
    return [RoleSpec("loaner_keeper", N_("Loaner pool keeper"),
                     permissions=("case.view", VIEW, LEND, MANAGE))]


@hookimpl
def register_hold_kinds() -> list[HoldKind]:
    return [HoldKind(services.HOLD, N_("Waiting for a loaner"), clause="E-2")]


@hookimpl
def register_routes() -> list[RouteSpec]:
    unit = "/loaner/units/{unit_id:int}"
    loan = "/loaner/loans/{loan_id:int}"
    api_loan = "/api/v1/loaner/loans/{loan_id:int}"
    return [
        RouteSpec("loaner.units", "/loaner", views.pool, VIEW),
        RouteSpec("loaner.unit_create", "/loaner/units", views.unit_create, MANAGE,
                  methods=POST),
        RouteSpec("loaner.unit_import", "/loaner/units/import", views.unit_import, MANAGE,
                  methods=POST),
        RouteSpec("loaner.unit", unit, views.unit_detail, VIEW),
        RouteSpec("loaner.unit_retire", f"{unit}/retire", views.unit_retire, MANAGE,
                  methods=POST),
        RouteSpec("loaner.unit_check", f"{unit}/check", views.unit_check, MANAGE,
                  methods=POST),
        RouteSpec("loaner.unit_reserve", f"{unit}/reserve", views.unit_reserve, LEND,
                  methods=POST),
        RouteSpec("loaner.reservation_cancel",
                  "/loaner/reservations/{reservation_id:int}/cancel",
                  views.reservation_cancel, LEND, methods=POST),
        RouteSpec("loaner.loans", "/loaner/loans", views.loan_list, VIEW),
        RouteSpec("loaner.approvals", "/loaner/approvals", views.approvals, APPROVE),
        RouteSpec("loaner.numbers", "/loaner/numbers", views.numbers_page, VIEW),
        RouteSpec("loaner.numbers_csv", "/loaner/numbers.csv", views.numbers_csv, VIEW),
        RouteSpec("loaner.terms", "/loaner/terms", views.terms_page, VIEW),
        RouteSpec("loaner.terms_save", "/loaner/terms", views.terms_save, TERMS, methods=POST),
        RouteSpec("loaner.loan", loan, views.loan_detail, VIEW),
        RouteSpec("loaner.agreement", f"{loan}/agreement", views.agreement, VIEW),
        RouteSpec("loaner.decide", f"{loan}/decide", views.decide, APPROVE, methods=POST),
        RouteSpec("loaner.cancel", f"{loan}/cancel", views.cancel, LEND, methods=POST),
        RouteSpec("loaner.lend", f"{loan}/lend", views.lend, LEND, methods=POST),
        RouteSpec("loaner.return", f"{loan}/return", views.return_view, LEND, methods=POST),
        RouteSpec("loaner.case_panel", "/loaner/cases/{case_id:int}/panel", views.case_panel,
                  "case.view"),
        RouteSpec("loaner.request", "/loaner/cases/{case_id:int}/request", views.request_view,
                  LEND, methods=POST),
        RouteSpec("loaner.exception", "/loaner/cases/{case_id:int}/exception",
                  views.exception, OTHER_MODEL, methods=POST),
        RouteSpec("loaner.widget_overdue", "/loaner/widgets/overdue", views.widget_overdue,
                  VIEW),
        RouteSpec("loaner.api.units", "/api/v1/loaner/units", api.list_units, VIEW),
        RouteSpec("loaner.api.unit_create", "/api/v1/loaner/units", api.create_unit, MANAGE,
                  methods=POST, csrf=False, request_schema=schemas.UNIT_CREATE),
        RouteSpec("loaner.api.availability", "/api/v1/loaner/cases/{case_id:int}/availability",
                  api.availability, VIEW),
        RouteSpec("loaner.api.loans", "/api/v1/loaner/loans", api.list_loans, VIEW),
        RouteSpec("loaner.api.request", "/api/v1/loaner/loans", api.request_loan, LEND,
                  methods=POST, csrf=False, request_schema=schemas.REQUEST),
        RouteSpec("loaner.api.loan", api_loan, api.get_loan, VIEW),
        RouteSpec("loaner.api.decide", f"{api_loan}/decision", api.decide, APPROVE,
                  methods=POST, csrf=False, request_schema=schemas.DECISION),
        RouteSpec("loaner.api.lend", f"{api_loan}/lend", api.lend, LEND, methods=POST,
                  csrf=False, request_schema=schemas.LEND),
        RouteSpec("loaner.api.return", f"{api_loan}/return", api.return_loan, LEND,
                  methods=POST, csrf=False, request_schema=schemas.RETURN),
        RouteSpec("loaner.api.terms", "/api/v1/loaner/terms", api.list_terms, VIEW),
        RouteSpec("loaner.api.unit_reservations",
                  "/api/v1/loaner/units/{unit_id:int}/reservations", api.unit_reservations,
                  VIEW),
        RouteSpec("loaner.api.reserve", "/api/v1/loaner/reservations", api.reserve, LEND,
                  methods=POST, csrf=False, request_schema=schemas.RESERVE),
        RouteSpec("loaner.api.reservation_cancel",
                  "/api/v1/loaner/reservations/{reservation_id:int}/cancel",
                  api.cancel_reservation, LEND, methods=POST, csrf=False,
                  request_schema=schemas.CANCEL),
        RouteSpec("loaner.api.terms_save", "/api/v1/loaner/terms", api.save_terms, TERMS,
                  methods=POST, csrf=False, request_schema=schemas.TERMS),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("loaner.units", N_("Loaners"), "/loaner", VIEW, order=55)]


@hookimpl
def dashboard_widgets() -> list[Widget]:
    return [Widget("loaner.overdue", N_("Overdue loaners (E-2)"), "/loaner/widgets/overdue",
                   VIEW, order=55)]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "case" and isinstance(obj, ServiceCase):
        return [Panel("loaner.case", N_("Loaner (E-2)"), f"/loaner/cases/{obj.id}/panel",
                      "case.view", order=30)]
    return []


VETO = N_("Loaner %(codes)s is still out: it comes back complete to whoever lent it before "
          "the case is %(state)s, or a supervisor records a written exception.")


@hookimpl
def validate_transition(session: Session, case: ServiceCase, to: str) -> list[Veto]:
    """E-2: the loaner comes back complete before the case is returned or closed, unless a
    supervisor wrote an exception."""
    if to not in policy.GUARDED_TARGETS:
        return []
    out = services.blocking_loans(session, case)
    if not out:
        return []
    codes = ", ".join(loan.loaner.body_code for loan in out)
    return [Veto(policy.CLAUSE, VETO, params={
        "codes": codes, "state": Term(policy.GUARDED_TARGETS[to])}, plugin="loaner")]


@hookimpl
def after_transition(session: Session, case: ServiceCase, from_state: str,
                     actor: User | None) -> None:
    if case.state == "repaired":
        services.recall(session, case, actor)
    elif case.state in ("closed", "refused", "cancelled"):
        services.close_requests(session, case, actor)


@hookimpl
def unit_timeline(session: Session, unit: Unit) -> list[TimelineEntry]:
    """Loans on both units' timelines: the customer's unit shows the loaner it got; a unit
    that is itself a loaner shows its pool history."""
    entries = []
    for loan in session.scalars(select(Loan).join(ServiceCase, Loan.case_id == ServiceCase.id)
                                .where(ServiceCase.unit_id == unit.id)):
        if loan.lent_at is not None:
            entries.append(TimelineEntry(
                at=loan.lent_at, kind="loaner.lent", title=N_("Loaner lent"),
                detail=f"{loan.loaner.body_code} (#{loan.case_id})",
                url=f"/loaner/loans/{loan.id}", source="loaner"))
        if loan.returned_at is not None:
            entries.append(TimelineEntry(
                at=loan.returned_at, kind="loaner.returned", title=N_("Loaner returned"),
                detail=loan.loaner.body_code, url=f"/loaner/loans/{loan.id}", source="loaner"))
    own = session.scalars(select(LoanerUnit).where(LoanerUnit.body_code == unit.body_code)
                          ).first()
    if own is not None:
        for event in session.scalars(select(LoanerEvent).where(LoanerEvent.unit_id == own.id)):
            entries.append(TimelineEntry(
                at=event.at, kind=f"loaner.{event.kind}", title=views.EVENTS.get(
                    event.kind, event.kind), detail=event.text(),
                url=f"/loaner/units/{own.id}", source="loaner"))
    return entries


def _remind(session: Session, settings: Settings, now: datetime) -> str:
    today = now.astimezone(settings.tz).date()
    overdue, sent = services.remind_overdue(session, today)
    return f"{overdue} overdue loan(s), {sent} reminder(s) queued"


def _remind_due(session: Session, settings: Settings, now: datetime) -> str:
    sent = services.remind_due(session, now.astimezone(settings.tz).date())
    return f"{sent} reminder(s) before the due date queued"


@hookimpl
def register_jobs() -> list[Job]:
    return [Job("loaner.remind_overdue", N_("Mark overdue loaners and remind customers (E-2)"),
                _remind),
            Job("loaner.remind_due", N_("Remind customers before a loaner is due back (E-2)"),
                _remind_due)]


@hookimpl
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    from plugins.loaner.demo import seed

    seed(session, settings)
