"""Issue 10, item 4, P-2: a case moves to another service point with a reason and an optional
waybill; history, charges and payments stay with it; the receiving point sees it; a transfer
across regions needs HQ."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import Region, ServicePoint, User
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.support import Harness, QueryCounter


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=[])
    with h.session() as session:
        east = session.scalars(select(Region).where(Region.code == "EAST")).one()
        session.add(ServicePoint(code="EAST-ENG", region_id=east.id,
                                 name="Huangpu Sound Engineering Co."))
        session.commit()
    return h


def paid_case(h: Harness, login: str = "east") -> int:
    clerk = bearer(h, f"{login}-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, f"{login}-tech"), cid, "B")
    h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench repair", "unit_price_cents": 10000})
    assert move(h, clerk, cid, "quoted").status_code == 200
    h.client().post(f"/api/v1/cases/{cid}/confirmations", headers=clerk,
                    json={"method": "phone", "customer_name": "Mr. Xu"})
    paid = h.client().post(f"/api/v1/cases/{cid}/payments", headers=clerk,
                           json={"amount_cents": 4000, "method": "card"})
    assert paid.status_code == 201, paid.text
    return cid


def test_transfer_inside_the_region_keeps_history_charges_and_payments(desk: Harness) -> None:
    clerk = bearer(desk, "east-clerk")
    cid = paid_case(desk)
    before = desk.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    missing = desk.client().post(f"/api/v1/cases/{cid}/transfer", headers=clerk,
                                 json={"service_point": "EAST-ENG", "reason": ""})
    assert missing.status_code == 422 and "reason" in missing.json()["error"]["fields"]
    unknown = desk.client().post(f"/api/v1/cases/{cid}/transfer", headers=clerk,
                                 json={"service_point": "NOWHERE", "reason": "x"})
    assert unknown.status_code == 422 and "service_point" in unknown.json()["error"]["fields"]
    moved = desk.client().post(f"/api/v1/cases/{cid}/transfer", headers=clerk, json={
        "service_point": "EAST-ENG", "reason": "Customer is closer to the engineers",
        "waybill": "SF1234567890"})
    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert after["service_point"] == "EAST-ENG" and after["state"] == before["state"]
    assert after["charges"] == before["charges"] and after["payments"] == before["payments"]
    assert after["paid_cents"] == 4000 and after["confirmed"] is True
    assert after["events"][:-1] == before["events"]
    assert after["events"][-1]["kind"] == "transfer"
    listed = desk.client().get("/api/v1/cases?service_point=EAST-ENG", headers=clerk).json()
    assert [c["id"] for c in listed["cases"]] == [cid]
    again = desk.client().post(f"/api/v1/cases/{cid}/transfer", headers=clerk,
                               json={"service_point": "EAST-ENG", "reason": "x"})
    assert again.status_code == 422


def test_across_regions_only_hq_moves_a_case(desk: Harness) -> None:
    cid = int(new_case(desk, bearer(desk, "east-clerk"))["id"])
    inspect(desk, bearer(desk, "east-tech"), cid, "A")
    regional = desk.client().post(f"/api/v1/cases/{cid}/transfer",
                                  headers=bearer(desk, "east-clerk"),
                                  json={"service_point": "HQ-SC", "reason": "Needs the lab"})
    assert regional.status_code == 403 and "needs HQ" in regional.text
    hq = bearer(desk, "hq-supervisor")
    moved = desk.client().post(f"/api/v1/cases/{cid}/transfer", headers=hq, json={
        "service_point": "HQ-SC", "reason": "Needs the lab", "waybill": "EMS99"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["service_point"] == "HQ-SC"
    assert moved.json()["customer"]["name"] == "Pearl River Live House"
    # the receiving point sees it arrive; the sending region no longer does
    seen = desk.client().get(f"/api/v1/cases/{cid}", headers=bearer(desk, "hq-clerk"))
    assert seen.status_code == 200 and seen.json()["coverage_class"] == "A"
    assert desk.client().get(f"/api/v1/cases/{cid}",
                             headers=bearer(desk, "east-clerk")).status_code == 404
    hq_clerk = desk.client("hq-clerk")
    with QueryCounter(desk.app.state.engine) as counter:
        arrived = hq_clerk.get("/desk/widgets/arrivals").text
    assert f'data-case="{cid}"' in arrived and "from EAST-SH" in arrived and "EMS99" in arrived
    # issue 11: the widget prints the reference, state and event data: no joined loads
    [query] = [q for q in counter.statements if "FROM service_case" in q
               and "case_event" in q]
    assert query.upper().count("JOIN") == 1, query
    assert f'data-case="{cid}"' not in desk.client("east-clerk").get(
        "/desk/widgets/arrivals").text
    with desk.session() as session:
        tech = session.scalars(select(User.id).where(User.login == "hq-tech")).one()
    assert move(desk, hq, cid, "dispatched", technician_id=tech).status_code == 200


def test_a_case_with_payments_stays_in_its_region(desk: Harness) -> None:
    cid = paid_case(desk)
    refused = desk.client().post(f"/api/v1/cases/{cid}/transfer",
                                 headers=bearer(desk, "hq-supervisor"),
                                 json={"service_point": "HQ-SC", "reason": "Needs the lab"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "has_payments"


def test_no_transfer_once_a_technician_has_it(desk: Harness) -> None:
    clerk = bearer(desk, "east-clerk")
    cid = int(new_case(desk, clerk)["id"])
    inspect(desk, bearer(desk, "east-tech"), cid, "A")
    with desk.session() as session:
        tech = session.scalars(select(User.id).where(User.login == "east-tech")).one()
    assert move(desk, bearer(desk, "east-supervisor"), cid, "dispatched",
                technician_id=tech).status_code == 200
    refused = desk.client().post(f"/api/v1/cases/{cid}/transfer", headers=clerk,
                                 json={"service_point": "EAST-ENG", "reason": "x"})
    assert refused.status_code == 409


def test_transfer_on_the_case_page(desk: Harness) -> None:
    cid = int(new_case(desk, bearer(desk, "east-clerk"))["id"])
    clerk = desk.client("east-clerk")
    page = clerk.get(f"/desk/cases/{cid}").text
    assert 'class="transfer-form"' in page and 'value="EAST-ENG"' in page
    assert 'value="HQ-SC"' not in page  # another region: not offered to a regional clerk
    blank = clerk.form(f"/desk/cases/{cid}/transfer", {"service_point": "EAST-ENG",
                                                         "reason": ""})
    assert blank.status_code == 400 and 'id="reason-error"' in blank.text
    done = clerk.form(f"/desk/cases/{cid}/transfer", {
        "service_point": "EAST-ENG", "reason": "Engineers on site", "waybill": "SF42"},
        follow_redirects=False)
    assert done.status_code == 303
    page = clerk.get(f"/desk/cases/{cid}").text
    assert "Huangpu Sound Engineering Co." in page
    assert "EAST-SH → EAST-ENG" in page and "SF42" in page and "Engineers on site" in page
