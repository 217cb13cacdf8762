"""The service-desk JSON API: exact shapes, the workflow with vetoes, W-4 confirmation, P-4
payments, and bad input answered with field errors and nothing half-written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.entities import Customer, ServiceCase, Unit, User
from tests.core.desk_helpers import BODY_CODE, bearer, inspect, move, new_case
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def test_create_unit_returns_factory_date(desk: Harness) -> None:
    headers = bearer(desk, "hq-clerk")
    response = desk.client().post("/api/v1/units", headers=headers,
                                  json={"body_code": "pa2400-240315-00042",
                                        "model_code": "PA2400"})
    assert response.status_code == 201, response.text
    unit = response.json()
    assert unit["body_code"] == BODY_CODE
    assert unit["factory_date"] == "2024-03-15"
    assert unit["own_product"] is True and unit["oem"] is False
    again = desk.client().post("/api/v1/units", headers=headers,
                               json={"body_code": BODY_CODE, "model_code": "PA2400"})
    assert again.status_code == 409
    read = desk.client().get(f"/api/v1/units/{BODY_CODE}", headers=headers).json()
    assert read["cases"] == [] and read["factory_date"] == "2024-03-15"


@pytest.mark.parametrize(("body", "field"), [
    ({"body_code": "PA2400/240315", "model_code": "PA2400"}, "body_code"),
    ({"body_code": "PA2400-240230-00001", "model_code": "PA2400"}, "body_code"),
    ({"body_code": "PA2400-240315-00001", "model_code": "MX12"}, "model_code"),
    ({"body_code": "ZZ999-240315-00001"}, "model_code"),
    ({"body_code": "PA2400-240315-00001", "own_product": "maybe"}, "own_product"),
    ({"body_code": "PA2400-240315-00001", "sold_on": "15/03/2024"}, "sold_on"),
    ({}, "body_code"),
])
def test_bad_unit_input_names_the_field(desk: Harness, body: dict, field: str) -> None:
    response = desk.client().post("/api/v1/units", json=body,
                                  headers=bearer(desk, "hq-clerk"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in error["fields"] and error["message"]
    with desk.session() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 0


def test_malformed_code_explains_the_format(desk: Harness) -> None:
    response = desk.client().post("/api/v1/units", json={"body_code": "hello"},
                                  headers=bearer(desk, "hq-clerk"))
    assert "MODEL-YYMMDD-SEQ" in response.json()["error"]["fields"]["body_code"]


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]"])
def test_bad_json_is_a_400(desk: Harness, raw: bytes) -> None:
    response = desk.client().post("/api/v1/cases", content=raw,
                                  headers={**bearer(desk, "hq-clerk"),
                                           "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_create_case_shape(desk: Harness) -> None:
    headers = bearer(desk, "hq-clerk")
    case = new_case(desk, headers)
    assert case["state"] == "registered"
    assert case["unit"]["factory_date"] == "2024-03-15"
    assert case["customer"]["name"] == "Pearl River Live House"
    for key in ("id", "state", "unit", "coverage_class", "charges", "confirmations",
                "payments", "events"):
        assert key in case
    read = desk.client().get(f"/api/v1/cases/{case['id']}", headers=headers).json()
    assert read["events"][0]["kind"] == "intake"
    unit = desk.client().get(f"/api/v1/units/{BODY_CODE}", headers=headers).json()
    assert [c["id"] for c in unit["cases"]] == [case["id"]]


def test_our_product_without_body_code_is_refused_w1(desk: Harness) -> None:
    headers = bearer(desk, "hq-clerk")
    case = new_case(desk, headers, body_code=None)
    assert case["state"] == "refused"
    assert case["clauses"] == ["W-1"]
    assert case["unit"] is None
    refused = move(desk, bearer(desk, "hq-supervisor"), case["id"], "inspected",
                   coverage_class="A", fault_found="x")
    assert refused.status_code == 409  # a refused case goes nowhere


def test_not_our_product_without_code_is_taken_in(desk: Harness) -> None:
    case = new_case(desk, bearer(desk, "hq-clerk"), body_code=None, own_product=False,
                    model_code="OTHER-AMP")
    assert case["state"] == "registered" and case["own_product"] is False


def test_bad_intake_lists_all_fields_and_writes_nothing(desk: Harness) -> None:
    response = desk.client().post("/api/v1/cases", headers=bearer(desk, "hq-clerk"), json={
        "body_code": "PA2400-241399-00001", "customer": {"name": "", "phone": "1"},
        "fault_description": "", "channel": "pigeon", "purchase_date": "2999-01-01"})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    for field in ("body_code", "customer.name", "customer.address", "fault_description",
                  "channel", "purchase_date"):
        assert field in fields, field
    with desk.session() as session:
        assert session.scalar(select(func.count()).select_from(ServiceCase)) == 0
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_full_workflow_with_w4_confirmation_and_payment(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    tech = bearer(desk, "hq-tech")
    supervisor = bearer(desk, "hq-supervisor")
    case = new_case(desk, clerk)
    cid = case["id"]
    # W-3: inspection needs a class; without the warranty plugin the inspector picks it
    vetoed = move(desk, tech, cid, "inspected", fault_found="x")
    assert vetoed.status_code == 409
    assert vetoed.json()["error"]["vetoes"][0]["clause"] == "W-3"
    inspect(desk, tech, cid, "B")
    charge = desk.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench repair", "unit_price_cents": 18000})
    assert charge.status_code == 201, charge.text
    assert charge.json()["payable_cents"] == 18000
    assert move(desk, clerk, cid, "quoted").status_code == 200
    skipped = move(desk, clerk, cid, "confirmed")  # only a recorded answer confirms (W-4)
    assert skipped.status_code == 409
    assert skipped.json()["error"]["vetoes"][0]["clause"] == "W-4"
    with desk.session() as session:
        tech_id = session.scalars(select(User.id).where(User.login == "hq-tech")).one()
    # dispatch is not allowed from quoted: confirm first
    assert move(desk, supervisor, cid, "dispatched", technician_id=tech_id).status_code == 409
    confirmed = desk.client().post(f"/api/v1/cases/{cid}/confirmations", headers=clerk, json={
        "method": "phone", "customer_name": "Mr. Huang"})
    assert confirmed.status_code == 201
    body = confirmed.json()
    assert body["state"] == "confirmed" and body["confirmed"] is True
    assert body["confirmations"][0]["total_cents"] == 18000
    dispatched = move(desk, supervisor, cid, "dispatched", technician_id=tech_id)
    assert dispatched.status_code == 200 and dispatched.json()["technician"] == "hq-tech"
    # a changed quote voids the confirmation: repair cannot start (W-4)
    desk.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "part", "description": "Output transistor", "unit_price_cents": 6500})
    blocked = move(desk, tech, cid, "in_repair")
    assert blocked.status_code == 409
    error = blocked.json()["error"]
    assert error["code"] == "vetoed"
    assert error["vetoes"] == [{"clause": "W-4", "plugin": "core",
                                "message": "Repair cannot start before the customer "
                                           "confirms the quote."}]
    desk.client().post(f"/api/v1/cases/{cid}/confirmations", headers=clerk, json={
        "method": "signature", "customer_name": "Mr. Huang"})
    assert move(desk, tech, cid, "in_repair").status_code == 200
    assert move(desk, tech, cid, "repaired").status_code == 200
    over = desk.client().post(f"/api/v1/cases/{cid}/payments", headers=tech,
                              json={"amount_cents": 99999, "method": "cash"})
    assert over.status_code == 422 and "amount_cents" in over.json()["error"]["fields"]
    paid = desk.client().post(f"/api/v1/cases/{cid}/payments", headers=tech,
                              json={"amount_cents": 24500, "method": "cash"})
    assert paid.status_code == 201, paid.text
    payment = paid.json()["payments"][0]
    assert payment["receipt_number"] == "000001" and payment["collected_by"] == "hq-tech"
    assert move(desk, clerk, cid, "returned").status_code == 200
    closed = move(desk, clerk, cid, "closed")
    assert closed.json()["state"] == "closed"
    kinds = [e["kind"] for e in closed.json()["events"]]
    assert kinds.count("transition") >= 7 and "payment" in kinds


def test_cancel_and_reopen_need_a_reason(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    cid = new_case(desk, clerk)["id"]
    missing = move(desk, clerk, cid, "cancelled")
    assert missing.status_code == 422 and "reason" in missing.json()["error"]["fields"]
    assert move(desk, clerk, cid, "cancelled", reason="Customer withdrew").status_code == 200
    reopened = move(desk, clerk, cid, "registered", reason="Customer came back")
    assert reopened.status_code == 200 and reopened.json()["state"] == "registered"


def test_unknown_and_invalid_transitions(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    cid = new_case(desk, clerk)["id"]
    assert move(desk, clerk, cid, "teleported").status_code == 422
    invalid = move(desk, clerk, cid, "closed")
    assert invalid.status_code == 409
    assert invalid.json()["error"]["code"] == "invalid_transition"
    assert desk.client().post(f"/api/v1/cases/{cid}/transitions", json=[1],
                              headers=clerk).status_code == 400


def test_transition_needs_the_permission_of_the_target(desk: Harness) -> None:
    cid = new_case(desk, bearer(desk, "hq-clerk"))["id"]
    response = move(desk, bearer(desk, "hq-finance"), cid, "inspected", coverage_class="A",
                    fault_found="x")
    assert response.status_code == 403


def test_dispatch_to_a_technician_of_another_service_point_is_vetoed(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    cid = new_case(desk, clerk)["id"]
    inspect(desk, bearer(desk, "hq-tech"), cid, "A")
    with desk.session() as session:
        east_tech = session.scalars(select(User.id).where(User.login == "east-tech")).one()
    response = move(desk, bearer(desk, "hq-supervisor"), cid, "dispatched",
                    technician_id=east_tech)
    assert response.status_code == 409
    assert response.json()["error"]["vetoes"][0]["clause"] == "P-3"


def test_on_site_dispatch_needs_a_time_window(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    cid = new_case(desk, clerk, channel="on_site")["id"]
    inspect(desk, bearer(desk, "hq-tech"), cid, "A")
    with desk.session() as session:
        tech_id = session.scalars(select(User.id).where(User.login == "hq-tech")).one()
    sup = bearer(desk, "hq-supervisor")
    bad = move(desk, sup, cid, "dispatched", technician_id=tech_id,
               onsite_from="2026-12-01T10:00", onsite_to="2026-12-01T09:00")
    assert bad.status_code == 422 and "onsite_to" in bad.json()["error"]["fields"]
    ok = move(desk, sup, cid, "dispatched", technician_id=tech_id,
              onsite_from="2026-12-01T09:00", onsite_to="2026-12-01T12:00")
    assert ok.status_code == 200


def test_other_regions_case_is_404(desk: Harness) -> None:
    cid = new_case(desk, bearer(desk, "hq-clerk"))["id"]
    east = bearer(desk, "east-clerk")
    assert desk.client().get(f"/api/v1/cases/{cid}", headers=east).status_code == 404
    assert move(desk, east, cid, "cancelled", reason="x").status_code == 404
    listed = desk.client().get("/api/v1/cases", headers=east).json()
    assert listed["cases"] == []
    hq = desk.client().get("/api/v1/cases", headers=bearer(desk, "hq-manager")).json()
    assert [c["id"] for c in hq["cases"]] == [cid]


def test_case_list_keyset_pages(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    ids = [new_case(desk, clerk, body_code=f"MC58-250101-{n:05d}", model_code="MC58")["id"]
           for n in range(5)]
    from core.services import cases as case_service

    with desk.session() as session:
        first = case_service.case_page(session, {}, page_size=2)
        second = case_service.case_page(session, {"after": first.next_cursor}, page_size=2)
        third = case_service.case_page(session, {"after": second.next_cursor}, page_size=2)
    seen = [c.id for c in first.rows + second.rows + third.rows]
    assert seen == sorted(ids, reverse=True) and third.next_cursor is None
    bad = desk.client().get("/api/v1/cases?after=garbage", headers=clerk)
    assert bad.status_code == 400


def test_openapi_lists_every_api_route(desk: Harness) -> None:
    doc = desk.client().get("/api/v1/openapi.json", headers=bearer(desk, "hq-clerk")).json()
    for route in desk.app.state.registry.routes:
        if route.path.startswith("/api/v1"):
            path = route.path.replace(":int", "")
            assert path in doc["paths"], route.path
            for method in route.methods:
                assert method.lower() in doc["paths"][path]
    body = doc["paths"]["/api/v1/cases"]["post"]["requestBody"]
    assert "customer" in body["content"]["application/json"]["schema"]["properties"]


class PartsIssued:
    """A stand-in for the parts plugin: proposes the parts it issued to the case."""

    from core.manifest import hookimpl

    @hookimpl
    def charge_lines(self, session, case):  # type: ignore[no-untyped-def]
        from core.hooktypes import ChargeDraft

        return [ChargeDraft("part", "Fader module (issued from HQ store)", 4200,
                            source=f"parts:issue:{case.id}")]


def test_quoting_adds_lines_plugins_propose_once(desk: Harness) -> None:
    desk.app.state.pm.register(PartsIssued(), name="parts-stand-in")
    clerk = bearer(desk, "hq-clerk")
    cid = new_case(desk, clerk)["id"]
    inspect(desk, bearer(desk, "hq-tech"), cid, "B")
    quoted = move(desk, clerk, cid, "quoted").json()
    lines = [c for c in quoted["charges"] if c["description"].startswith("Fader module")]
    assert len(lines) == 1 and lines[0]["payable_cents"] == 4200
