"""Region scope, end to end: a regional user walks every registered GET route against another
region's records and never gets a 200; lists and exports never show another region's data.

Every path parameter must be known here (what kind of record it names), so a new route with a
new parameter makes this test fail until it is covered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import (
    Handover,
    Payment,
    Region,
    Role,
    RolePermission,
    ServiceCase,
    ServicePoint,
    User,
)
from core.services import payments
from tests.core.desk_helpers import bearer, inspect, new_case
from tests.support import Harness

SECRET_NAME = "Chongqing Secret Customer"

#: Parameters that do not name a region-scoped record, and why.
NOT_REGIONAL = {
    "body_code": "units are identified globally by body code (W-1); their owner and cases "
                 "are region-scoped and filtered on the unit page",
    "token": "single-use public confirmation links carry their own proof",
    "import_id": "imports are visible only to the user who uploaded them",
    "course_id": "HQ's training courses are offered to every region (O-3)",
    "session_id": "training sessions are open to technicians of every region (O-3)",
    "name": "a parts report's name; each report's rows are region-scoped (tests/plugins/parts)",
    "model_id": "product models are global (one catalogue); only HQ edits them (issue 18)",
    "unit_id": "units are global (W-1); the feedback unit panel shows HQ's bulletins and only "
               "the reader's region's consultations",  # issue 16
    "version_id": "HQ's questionnaire versions are the same for every region (F-1)",
}


def _other_region_records(h: Harness) -> dict[str, Any]:
    """Records of the SOUTHWEST region, made through the API by its own staff."""
    clerk = bearer(h, "sw-clerk")
    case = new_case(h, clerk, body_code="MX12-200101-00077", model_code="MX12",
                    customer={"name": SECRET_NAME, "address": "Yuzhong", "phone": "023-1"})
    inspect(h, bearer(h, "sw-supervisor"), case["id"], "B")
    charged = h.client().post(f"/api/v1/cases/{case['id']}/charges", headers=clerk, json={
        "kind": "labour", "description": "Repair", "unit_price_cents": 5000})
    assert charged.status_code == 201, charged.text
    from core.services import quotes, workflow

    with h.session() as session:
        sw_case = session.get(ServiceCase, case["id"])
        sw_user = session.scalars(select(User).where(User.login == "sw-tech")).one()
        workflow.transition(session, h.app.state.pm, sw_case, "quoted", sw_user, {})
        quotes.record_confirmation(session, h.app.state.pm, sw_case, sw_user,
                                   {"method": "phone", "customer_name": "x"})
        payment = payments.record_payment(session, sw_case, sw_user,
                                          {"amount_cents": 5000, "method": "cash"})
        from core.services import refunds  # issue 10: a credit note of the other region

        refunds.grant_credit(session, sw_case, sw_user, kind="refund", amount_cents=1000,
                             description="Refund", clause="R-8")
        credit_note = refunds.record_refund(session, sw_case, sw_user,
                                            {"amount_cents": 1000, "method": "cash"})
        handover = payments.create_handover(session, sw_user)
        session.commit()
        region = session.scalars(select(Region).where(Region.code == "SOUTHWEST")).one()
        point = session.scalars(select(ServicePoint).where(ServicePoint.code == "SW-CD")).one()
        certification_id = _certification(session, sw_user)
        return {"case_id": case["id"], "user_id": sw_user.id, "payment_id": payment.id,
                "credit_note_id": credit_note.id,
                "certification_id": certification_id, "course_id": 0, "session_id": 0,
                "model_id": 0,
                "handover_id": handover.id, "region_id": region.id, "point_id": point.id,
                "service_point_id": point.id, "body_code": "MX12-200101-00077",
                "token": "not-a-real-token", "import_id": "0",
                "customer_id": sw_case.customer_id,
                **_parts_records(session, sw_user), **_loaner_records(session, sw_case, sw_user)}


def _certification(session: Any, technician: User) -> int | None:
    """A training certification of the other region's technician, when training is on."""
    try:
        from plugins.training.models import Certification, Course
    except ImportError:
        return None
    course = Course(code="WALK-1", title="Amplifier service", product_line="amplifier")
    session.add(course)
    session.flush()
    cert = Certification(number="WALK-0001", user_id=technician.id, course_id=course.id,
                         region_id=technician.region_id, product_line="amplifier",
                         issued_on=date(2026, 1, 1), expires_on=date(2028, 1, 1))
    session.add(cert)
    session.commit()
    return cert.id


def _parts_records(session: Any, technician: User) -> dict[str, int]:
    """A parts transfer and requisition of the other region (issue 15), when parts is on."""
    try:
        from plugins.parts import services
        from plugins.parts.models import Warehouse
    except ImportError:
        return {"transfer_id": 0, "requisition_id": 0, "name": "stock_value"}
    hq = session.scalars(select(ServicePoint).where(ServicePoint.code == "HQ-SC")).one()
    sw = session.scalars(select(ServicePoint).where(ServicePoint.code == "SW-CD")).one()
    for code, point in (("WALK-HQ", hq), ("WALK-SW", sw)):
        session.add(Warehouse(code=code, name=code, service_point_id=point.id,
                              region_id=point.region_id))
    services.save_part(session, {"number": "WALK-P", "name": "Walk part", "price_cents": 1})
    services.receive(session, None, {"part": "WALK-P", "warehouse": "WALK-HQ", "quantity": 1})
    transfer = services.ship(session, None, {"from_warehouse": "WALK-HQ",
                                             "to_warehouse": "WALK-SW",
                                             "lines": [{"part": "WALK-P", "quantity": 1}]})
    requisition = services.request_parts(session, technician, {
        "warehouse": "WALK-SW", "needed_by": "2099-01-01",
        "lines": [{"part": "WALK-P", "quantity": 1}]})
    session.commit()
    return {"transfer_id": transfer.id, "requisition_id": requisition.id,
            "name": "stock_value"}


def _loaner_records(session: Any, case: ServiceCase, clerk: User) -> dict[str, int]:
    """A loan of the other region's case from its own pool (issue 14), when loaner is on."""
    try:
        from plugins.loaner import services as loaner
    except ImportError:
        return {"loan_id": 0}
    unit = loaner.add_unit(session, None, {"body_code": "MX12-250101-00901",
                                           "service_point_id": case.service_point_id})
    loan = loaner.request_loan(session, case.id, clerk, {
        "unit_id": unit.id, "reason": SECRET_NAME, "needed_by": "2099-01-01"},
        other_points=False, other_models=False)
    session.commit()
    return {"loan_id": loan.id}


def _grant_everything(h: Harness, role_id: str) -> None:
    with h.session() as session:
        role = session.get(Role, role_id)
        assert role is not None
        have = role.permission_ids
        for permission in h.app.state.registry.permissions:
            if permission not in have:
                role.permissions.append(RolePermission(permission_id=permission))
        session.commit()


@pytest.fixture
def walked(make_app: Callable[..., Harness], backend: str) -> tuple[Harness, dict[str, Any]]:
    h = make_app()
    records = {**_other_region_records(h), **_feedback_records(h)}  # issue 16
    _grant_everything(h, "supervisor")  # so a 403 can never hide a leak
    return h, records


def test_every_get_route_hides_other_regions_records(walked: tuple[Harness, dict]) -> None:
    h, records = walked
    client = h.client("east-supervisor")
    token = bearer(h, "east-supervisor")
    checked = 0
    for route in h.app.state.registry.routes:
        if "GET" not in route.methods:
            continue
        params = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        if not params:
            continue
        unknown = [p for p in params if p not in records]
        assert not unknown, f"route {route.id} has parameters {unknown}: add them to this test"
        if all(p in NOT_REGIONAL for p in params):
            continue
        path = re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(records[m.group(1)]), route.path)
        headers = token if path.startswith("/api/") else {}
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code != 200, f"{route.id} {path} leaked another region's record"
        assert SECRET_NAME not in response.text
        checked += 1
    assert checked >= 1


def test_lists_and_exports_never_show_other_regions(walked: tuple[Harness, dict]) -> None:
    h, records = walked
    client = h.client("east-supervisor")
    token = bearer(h, "east-supervisor")
    for route in h.app.state.registry.routes:
        if "GET" not in route.methods or "{" in route.path:
            continue
        headers = token if route.path.startswith("/api/") else {}
        response = client.get(route.path, headers=headers, follow_redirects=False)
        assert SECRET_NAME not in response.text, f"{route.id} shows another region's customer"
    hq = h.client("hq-manager")
    assert hq.get(f"/api/v1/cases/{records['case_id']}",
                  headers=bearer(h, "hq-manager")).status_code == 200


def test_unit_page_hides_the_owner_and_cases_of_another_region(
        walked: tuple[Harness, dict]) -> None:
    h, records = walked
    body = h.client().get(f"/api/v1/units/{records['body_code']}",
                          headers=bearer(h, "east-supervisor")).json()
    assert body["cases"] == [] and body["customer_id"] is None
    with h.session() as session:
        assert session.get(Payment, records["payment_id"]) is not None
        assert session.get(Handover, records["handover_id"]) is not None


def _feedback_records(h: Harness) -> dict[str, Any]:
    """issue 16: a complaint of the SOUTHWEST region, when the feedback plugin is on."""
    try:
        from plugins.feedback import services as feedback
        from plugins.feedback.models import Department
    except ImportError:
        return {"complaint_id": 0, "visit_id": 0, "bulletin_id": 0, "unit_id": 0,
                "version_id": 0}
    with h.session() as session:
        session.add(Department(code="WALK", name="Walk"))
        sw_clerk = session.scalars(select(User).where(User.login == "sw-clerk")).one()
        complaint = feedback.create_complaint(session, {
            "subject": SECRET_NAME, "body": "x", "contact_name": SECRET_NAME,
            "contact_phone": "023-1"}, sw_clerk)
        session.commit()
        return {"complaint_id": complaint.id, "visit_id": 0, "bulletin_id": 0, "unit_id": 0,
                "version_id": 0}
