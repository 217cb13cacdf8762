"""Demo loaner pools and loans in every state (``aftersales demo``): idempotent, it does
nothing once any loaner unit exists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import ServiceCase, ServicePoint, Settings, User, model_by_code
from plugins.loaner import policy, services
from plugins.loaner.models import LoanerUnit
from plugins.loaner.terms import save_terms, terms_for

ACCESSORIES = "Power cord\nRack ears\nQuick-start guide"


def _unit(session: Session, model: str, point: ServicePoint, seq: int) -> LoanerUnit:
    return services.add_unit(session, None, {
        "body_code": f"{model}-230101-{9000 + seq:05d}", "service_point_id": point.id,
        "accessories": ACCESSORIES, "condition": "good", "notes": "Demo loaner"})


def seed(session: Session, settings: Settings) -> None:
    if session.scalars(select(LoanerUnit.id)).first() is not None:
        return
    points = {p.code: p for p in session.scalars(select(ServicePoint))}
    if not points:
        return
    cases = list(session.scalars(select(ServiceCase).where(
        ServiceCase.state.in_(policy.REQUEST_STATES), ServiceCase.model_code != "")
        .order_by(ServiceCase.id).limit(7)))
    # the models' terms: the deposit and the price list of what goes with a loaner
    for model, deposit, prices in (
            ("PA2400", 50000, {"Power cord": 3500, "Rack ears": 8000}),
            ("MX16", 30000, {"Power cord": 3500, "Quick-start guide": 500})):
        if model_by_code(session, model) is not None and terms_for(session, model) is None:
            save_terms(session, None, {"model_code": model, "deposit_cents": deposit,
                                       "prices": prices})
    seq = 0
    # A pool at every point, so the pages are not empty even without cases.
    for point in points.values():
        for model in ("PA2400", "MX16"):
            seq += 1
            _unit(session, model, point, seq)
    plan = ["approved", "lent", "overdue", "returned", "requested", "cancelled", "declined"]
    hq = points.get("HQ-SC")
    for case, state in zip(cases, plan, strict=False):
        seq += 1
        home = session.get(ServicePoint, case.service_point_id)
        if state in ("requested", "declined"):  # asked of another point: HQ, else any other
            others = sorted((p for p in points.values() if p.id != case.service_point_id),
                            key=lambda p: (p is not hq, p.code))
            home = others[0] if others else home
        assert home is not None
        unit = _unit(session, case.model_code, home, seq)
        loan = services.request_loan(session, case.id, None, {
            "unit_id": unit.id, "reason": "Customer's tour cannot wait for the repair",
            "needed_by": ""}, other_points=True, other_models=False)
        if state in ("approved", "requested"):
            continue
        if state == "declined":
            staff = list(session.scalars(select(User).where(
                User.service_point_id == loan.approval_point_id).order_by(User.id)))
            decider = next((u for u in staff if {"supervisor", "hq_manager"} & set(u.role_ids)),
                           staff[0] if staff else None)
            if decider is not None:
                services.decide(session, loan.id, decider, False,
                                "Our last unit of this model is promised to a festival")
            continue
        if state == "cancelled":
            services.cancel(session, loan.id, None, "Customer borrowed a unit elsewhere",
                            any_request=True)
            continue
        services.lend(session, loan.id, None, {
            "condition": "good", "signed_by": case.contact_name, "language": "zh_CN",
            "deposit_cents": 50000, "deposit_method": "cash"})
        if state == "overdue":
            loan.recalled_at = loan.lent_at
            loan.expected_return = services.today(session) - timedelta(days=5)
        if state == "returned":
            services.return_loan(session, loan.id, None, {
                "condition": "good", "accessories": {"Rack ears": "missing"}})
    session.flush()
