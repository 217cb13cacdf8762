"""The warranty plugin's hook implementations (W-*, R-*)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    BodyCode,
    ChargeDraft,
    Coverage,
    FaultLine,
    MenuItem,
    Message,
    Panel,
    Permission,
    Pricing,
    RouteSpec,
    ServiceCase,
    Term,
    TimelineEntry,
    Unit,
    hookimpl,
)
from plugins.warranty import api, policy, views
from plugins.warranty.coverage import assess_case
from plugins.warranty.models import ReturnRequest
from plugins.warranty.texts import OUTCOMES, REQUEST_TITLES


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("warranty.override", N_("Override a coverage class with a written reason"),
                   default_roles=("supervisor",)),
        Permission("warranty.requests", N_("Record return and exchange requests"),
                   default_roles=("service_clerk", "supervisor")),
        Permission("warranty.report", N_("See the warranty cost report"),
                   default_roles=("hq_manager",)),
    ]


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("warranty.api.assess", "/api/v1/warranty/assess", api.assess, "case.view",
                  methods=("POST",)),
        RouteSpec("warranty.api.request", "/api/v1/warranty/cases/{case_id:int}/requests",
                  api.record, "warranty.requests", methods=("POST",)),
        RouteSpec("warranty.api.exchange", "/api/v1/warranty/cases/{case_id:int}/exchange",
                  api.exchange, "warranty.requests", methods=("POST",)),
        RouteSpec("warranty.unit_panel", "/warranty/units/{body_code}/panel",
                  views.unit_panel, "case.view"),
        RouteSpec("warranty.case_panel", "/warranty/cases/{case_id:int}/panel",
                  views.case_panel, "case.view"),
        RouteSpec("warranty.override", "/warranty/cases/{case_id:int}/override",
                  views.override, "warranty.override", methods=("POST",)),
        RouteSpec("warranty.request", "/warranty/cases/{case_id:int}/requests",
                  views.record_request, "warranty.requests", methods=("POST",)),
        RouteSpec("warranty.exchange", "/warranty/cases/{case_id:int}/exchange",
                  views.complete_exchange, "warranty.requests", methods=("POST",)),
        RouteSpec("warranty.report", "/warranty/report", views.report, "warranty.report"),
        RouteSpec("warranty.report_csv", "/warranty/report.csv", views.report_csv,
                  "warranty.report"),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("warranty.report", N_("Warranty costs"), "/warranty/report",
                     "warranty.report", order=500)]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "body_code" and isinstance(obj, BodyCode):  # intake lookup, unit not on file
        return [Panel("warranty.unit", N_("Warranty"), f"/warranty/units/{obj.code}/panel",
                      "case.view", order=10)]
    if entity == "unit" and isinstance(obj, Unit):
        return [Panel("warranty.unit", N_("Warranty"), f"/warranty/units/{obj.body_code}/panel",
                      "case.view", order=10)]
    if entity == "case" and isinstance(obj, ServiceCase):
        return [Panel("warranty.case", N_("Warranty and returns"),
                      f"/warranty/cases/{obj.id}/panel", "case.view", order=10)]
    return []


@hookimpl
def assess_coverage(session: Session, case: ServiceCase) -> Coverage | None:
    return assess_case(session, case)


@hookimpl
def price_charge(session: Session, case: ServiceCase, line: ChargeDraft) -> Pricing | None:
    """Class A: labour and parts free (W-A, R-6) unless the fault's cause is excluded;
    class B: labour and parts charged (W-B, R-6); class C: everything charged (W-C)."""
    if line.kind not in ("labour", "part") or case.coverage_class is None:
        return None
    cause = line.cause or _only_cause(session, case)
    result = policy.charge_for_fault(case.coverage_class, cause or "normal")  # type: ignore[arg-type]
    clauses = list(result.clauses)
    if line.kind == "part" and "R-6" not in clauses and case.coverage_class != "C":
        clauses.append("R-6")
    clause = ", ".join(clauses)
    if result.charged:
        reason = EXCLUDED.get(cause or "normal", "") if case.coverage_class == "A" else ""
        return Pricing(waived=False, clause=clause, reason=reason)
    # issue 18: fixed message ids, so the case page and the customer's confirmation link
    # (which translate the line's reason) read them in the reader's language
    if line.kind == "part" and line.refurbished:
        return Pricing(waived=True, clause=clause,
                       reason=N_("In warranty (class A): free, refurbished part (R-6)"))
    return Pricing(waived=True, clause=clause, reason=N_("In warranty (class A): free"))


#: Why a class-A line is charged (W-A's exclusions), by the fault's cause.
EXCLUDED = {
    "improper_use": N_("Excluded from warranty: improper use"),
    "improper_maintenance": N_("Excluded from warranty: improper maintenance"),
    "improper_storage": N_("Excluded from warranty: improper storage"),
    "force_majeure": N_("Excluded from warranty: force majeure"),
}


def _only_cause(session: Session, case: ServiceCase) -> str:
    """The cause recorded at inspection when all fault lines agree; otherwise "normal"
    (the desk names the cause on the line when faults differ)."""
    causes = set(session.scalars(select(FaultLine.cause).where(FaultLine.case_id == case.id)))
    return causes.pop() if len(causes) == 1 else "normal"


@hookimpl
def unit_timeline(session: Session, unit: Unit) -> list[TimelineEntry]:
    rows = session.scalars(select(ReturnRequest).join(
        ServiceCase, ServiceCase.id == ReturnRequest.case_id).where(
        ServiceCase.unit_id == unit.id))
    # issue 18: the title is a fixed message (translated where shown), the detail the
    # outcome and the reason as messages, in the reader's language
    return [TimelineEntry(at=r.created_at, kind="warranty_request",
                          title=REQUEST_TITLES.get(r.kind, r.kind),
                          detail=Message(N_("%(outcome)s: %(reason)s"), {
                              "outcome": Term(OUTCOMES.get(r.outcome, r.outcome)),
                              "reason": r.reason}),
                          url=f"/desk/cases/{r.case_id}", source="warranty") for r in rows]
