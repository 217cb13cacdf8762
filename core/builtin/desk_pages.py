"""The service desk's web pages (issue 5): routes, menu entries, dashboard widgets and core's
own ``unit_timeline`` moments, registered like a plugin's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.entities import Unit
from core.hooktypes import PUBLIC, Job, MenuItem, RouteSpec, TimelineEntry, Widget
from core.i18n import N_
from core.manifest import hookimpl
from core.services import timeline, turnaround_snapshots
from core.web.views.desk import cases, detail, finance, intake, prints, public, units, widgets

CASE = "/desk/cases/{case_id:int}"
POST = ("POST",)


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.desk.intake", "/desk/intake", intake.intake_page, "case.intake"),
        RouteSpec("core.desk.intake_submit", "/desk/intake", intake.intake_submit,
                  "case.intake", methods=POST),
        RouteSpec("core.desk.lookup", "/desk/lookup", intake.lookup, "case.view"),
        RouteSpec("core.desk.cases", "/desk/cases", cases.case_list, "case.view"),
        RouteSpec("core.desk.cases_csv", "/desk/cases.csv", cases.case_csv, "case.export"),
        RouteSpec("core.desk.case", CASE, detail.case_detail, "case.view"),
        RouteSpec("core.desk.case_transition", f"{CASE}/transition", detail.transition,
                  "case.view", methods=POST),
        RouteSpec("core.desk.case_charge", f"{CASE}/charges", detail.add_charge,
                  "case.quote", methods=POST),
        RouteSpec("core.desk.case_charge_void", f"{CASE}/charges/{{charge_id:int}}/void",
                  detail.void_charge, "case.quote", methods=POST),
        RouteSpec("core.desk.case_confirmation", f"{CASE}/confirmations",
                  detail.record_confirmation, "case.quote", methods=POST),
        RouteSpec("core.desk.case_link", f"{CASE}/link", detail.create_link, "case.quote",
                  methods=POST),
        RouteSpec("core.desk.case_transfer", f"{CASE}/transfer", detail.transfer,
                  "case.transfer", methods=POST),
        RouteSpec("core.desk.case_hold", f"{CASE}/holds", detail.place_hold, "case.hold",
                  methods=POST),
        RouteSpec("core.desk.case_resume", f"{CASE}/resume", detail.resume, "case.hold",
                  methods=POST),
        RouteSpec("core.desk.case_payment", f"{CASE}/payments", detail.record_payment,
                  "payment.collect", methods=POST),
        RouteSpec("core.desk.case_refund", f"{CASE}/refunds", detail.record_refund,
                  "payment.refund", methods=POST),
        RouteSpec("core.desk.case_write_off", f"{CASE}/write-offs", detail.write_off,
                  "payment.write_off", methods=POST),
        RouteSpec("core.desk.credit_note", "/desk/credit-notes/{credit_note_id:int}",
                  prints.credit_note, "case.view"),
        RouteSpec("core.desk.case_sheet", f"{CASE}/sheet", prints.case_sheet, "case.view"),
        RouteSpec("core.desk.receipt", "/desk/payments/{payment_id:int}/receipt",
                  prints.receipt, "case.view"),
        RouteSpec("core.desk.unit", "/desk/units/{body_code}", units.unit_page, "case.view"),
        RouteSpec("core.desk.finance", "/desk/finance", finance.finance, "finance.handover"),
        RouteSpec("core.desk.handover_confirm",
                  "/desk/finance/handovers/{handover_id:int}/confirm",
                  finance.confirm_handover, "finance.handover", methods=POST),
        RouteSpec("core.desk.my_cash", "/desk/my-cash", finance.my_cash, "payment.collect"),
        RouteSpec("core.desk.hand_over", "/desk/my-cash/handover", finance.hand_over,
                  "payment.collect", methods=POST),
        RouteSpec("core.desk.widget_open_by_state", "/desk/widgets/open-by-state",
                  widgets.open_by_state, "case.view"),
        RouteSpec("core.desk.widget_open_by_age", "/desk/widgets/open-by-age",
                  widgets.open_by_age, "case.view"),
        RouteSpec("core.desk.widget_waiting", "/desk/widgets/waiting", widgets.waiting,
                  "case.view"),
        RouteSpec("core.desk.widget_arrivals", "/desk/widgets/arrivals", widgets.arrivals,
                  "case.view"),
        RouteSpec("core.desk.widget_on_hold", "/desk/widgets/on-hold", widgets.on_hold,
                  "case.view"),
        RouteSpec("core.desk.widget_turnaround", "/desk/widgets/turnaround",
                  widgets.turnaround, "reports.view"),
        # W-4: the customer's single-use link; the token is the proof (no sign-in, no CSRF).
        RouteSpec("core.public.quote", "/q/{token}", public.quote_page, PUBLIC),
        RouteSpec("core.public.quote_answer", "/q/{token}", public.quote_answer, PUBLIC,
                  methods=POST, csrf=False),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem("core.desk.intake", N_("Intake"), "/desk/intake", "case.intake", order=10),
        MenuItem("core.desk.cases", N_("Cases"), "/desk/cases", "case.view", order=20),
        MenuItem("core.desk.my_cash", N_("My cash"), "/desk/my-cash", "payment.collect",
                 order=80),
        MenuItem("core.desk.finance", N_("Finance"), "/desk/finance", "finance.handover",
                 order=90),
    ]


@hookimpl
def dashboard_widgets() -> list[Widget]:
    return [
        Widget("core.desk.open_by_state", N_("Open cases by state"),
               "/desk/widgets/open-by-state", "case.view", order=10),
        Widget("core.desk.open_by_age", N_("Open cases by age"), "/desk/widgets/open-by-age",
               "case.view", order=20),
        Widget("core.desk.waiting", N_("Waiting for the customer's confirmation"),
               "/desk/widgets/waiting", "case.view", order=30),
        Widget("core.desk.arrivals", N_("Arrived from other service points"),
               "/desk/widgets/arrivals", "case.view", order=36),
        Widget("core.desk.on_hold", N_("On hold"), "/desk/widgets/on-hold", "case.view",
               order=35),
        Widget("core.desk.turnaround", N_("Turnaround (P-6)"), "/desk/widgets/turnaround",
               "reports.view", order=40),
    ]


@hookimpl
def register_jobs() -> list[Job]:
    return [Job(turnaround_snapshots.JOB_ID,
                "Dashboard: compute the turnaround medians for HQ and each region (P-6)",
                turnaround_snapshots.refresh,
                every_minutes=turnaround_snapshots.EVERY_MINUTES)]


@hookimpl
def unit_timeline(session: Session, unit: Unit) -> list[TimelineEntry]:
    """T-1: made, sold, every case opened and every event of those cases."""
    return timeline.core_entries(session, unit)
