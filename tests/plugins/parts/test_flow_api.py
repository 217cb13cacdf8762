"""Requisitions (P-5), transfers with receipt differences, the late job, tools, reports,
region scope, the rebuild command, OpenAPI, demo data and the plugin disabled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from core.cli import cli
from core.entities import CaseHold, StaffNotice, User
from plugins.parts.models import Requisition, Stock
from tests.core.desk_helpers import new_case
from tests.plugins.parts.helpers import (
    bearer,
    case_in_repair,
    inspected_case,
    setup_parts,
    stock_of,
    user_id,
)
from tests.support import Harness

API = "/api/v1/parts"


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=10)
    return h


def _soon(days: int = 3) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_requisition_approval_transfer_receipt_releases_the_case(parts: Harness) -> None:
    client = parts.client()
    east_tech, manager = bearer(parts, "east-tech"), bearer(parts, "hq-manager")
    keeper, east_keeper = bearer(parts, "hq-warehouse"), bearer(parts, "east-warehouse")
    cid = inspected_case(parts, "B", region="east")
    asked = client.post(f"{API}/cases/{cid}/reservations", headers=east_tech,
                        json={"part": "P-OUT", "quantity": 3, "needed_by": _soon()})
    assert asked.status_code == 201, asked.text
    requisition = asked.json()["requisition"]
    assert asked.json()["reservation"] is None and requisition["state"] == "submitted"
    rid, line = requisition["id"], requisition["lines"][0]["id"]
    # the requester may not approve; HQ approves part of it
    assert client.post(f"{API}/requisitions/{rid}/decision", headers=east_tech,
                       json={"approve": True}).status_code == 403
    too_many = client.post(f"{API}/requisitions/{rid}/decision", headers=manager,
                           json={"approve": True, "approved": {str(line): 9}})
    assert too_many.status_code == 422
    decided = client.post(f"{API}/requisitions/{rid}/decision", headers=manager,
                          json={"approve": True, "approved": {str(line): 2}})
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    shipped = client.post(f"{API}/requisitions/{rid}/shipment", headers=keeper,
                          json={"from_warehouse": "WH-HQ", "waybill": "SF-77"})
    assert shipped.status_code == 201, shipped.text
    transfer = shipped.json()
    assert transfer["state"] == "in_transit" and transfer["waybill"] == "SF-77"
    assert stock_of(parts, "WH-HQ") == (8, 0)
    assert client.get(f"{API}/requisitions/{rid}", headers=east_tech).json()["state"] == \
        "shipped"
    # the packing list prints
    page = parts.client("hq-warehouse").get(f"/parts/transfers/{transfer['id']}/packing-list")
    assert page.status_code == 200 and "SF-77" in page.text and "P-OUT" in page.text
    # received one short, without saying why: refused; with a reason: recorded
    tl = transfer["lines"][0]["id"]
    unexplained = client.post(f"{API}/transfers/{transfer['id']}/receipt", headers=east_keeper,
                              json={"received": {str(tl): 1}})
    assert unexplained.status_code == 422
    received = client.post(f"{API}/transfers/{transfer['id']}/receipt", headers=east_keeper,
                           json={"received": {str(tl): 2}})
    assert received.status_code == 200, received.text
    assert received.json()["state"] == "received"
    assert stock_of(parts, "WH-EAST") == (2, 2)  # reserved for the case on arrival
    again = client.post(f"{API}/transfers/{transfer['id']}/receipt", headers=east_keeper,
                        json={})
    assert again.status_code == 409
    with parts.session() as session:
        holds = session.scalars(select(CaseHold).where(CaseHold.case_id == cid)).all()
        assert len(holds) == 1 and holds[0].released_at is not None
    state = client.get(f"{API}/cases/{cid}", headers=east_tech).json()
    assert [r["state"] for r in state["reservations"]] == ["reserved"]
    assert state["requisitions"][0]["state"] == "received"


def test_receipt_with_a_difference_is_recorded(parts: Harness) -> None:
    client = parts.client()
    shipped = client.post(f"{API}/transfers", headers=bearer(parts, "hq-warehouse"), json={
        "from_warehouse": "WH-HQ", "to_warehouse": "WH-EAST", "waybill": "W1",
        "lines": [{"part": "P-OUT", "quantity": 4}]}).json()
    line = shipped["lines"][0]["id"]
    got = client.post(f"{API}/transfers/{shipped['id']}/receipt",
                      headers=bearer(parts, "east-warehouse"),
                      json={"received": {str(line): 3}, "notes": {str(line): "one broken"}})
    assert got.status_code == 200
    assert got.json()["lines"][0]["received"] == 3
    assert got.json()["lines"][0]["difference_note"] == "one broken"
    assert stock_of(parts, "WH-EAST") == (3, 0) and stock_of(parts, "WH-HQ") == (6, 0)
    over = client.post(f"{API}/transfers", headers=bearer(parts, "hq-warehouse"), json={
        "from_warehouse": "WH-HQ", "to_warehouse": "WH-EAST",
        "lines": [{"part": "P-OUT", "quantity": 7}]})
    assert over.status_code == 409 and stock_of(parts, "WH-HQ") == (6, 0)


def test_the_late_job_flags_once_and_tells_the_requester(parts: Harness) -> None:
    from core.jobs import run_jobs

    client = parts.client()
    made = client.post(f"{API}/requisitions", headers=bearer(parts, "east-tech"), json={
        "warehouse": "WH-EAST", "needed_by": _soon(2),
        "lines": [{"part": "P-FAN", "quantity": 2}]})
    assert made.status_code == 201, made.text
    past = client.post(f"{API}/requisitions", headers=bearer(parts, "east-tech"), json={
        "warehouse": "WH-EAST", "needed_by": "2020-01-01",
        "lines": [{"part": "P-FAN", "quantity": 2}]})
    assert past.status_code == 422 and "needed_by" in past.json()["error"]["fields"]
    with parts.session() as session:
        session.execute(update(Requisition).values(needed_by=date.today() - timedelta(days=2)))
        session.commit()
    assert dict(run_jobs(parts.app))["parts.late_requisitions"] == \
        "1 requisition(s) flagged late"
    assert dict(run_jobs(parts.app))["parts.late_requisitions"] == \
        "0 requisition(s) flagged late"
    with parts.session() as session:  # told once, in the requester's inbox
        told = session.scalars(select(StaffNotice).where(StaffNotice.source == "parts")).all()
        tech = session.scalars(select(User).where(User.login == "east-tech")).one()
        assert [(n.user_id, n.params["number"]) for n in told] == \
            [(tech.id, made.json()["number"])]
        assert told[0].link == f"/parts/requisitions/{made.json()['id']}"
    late = client.get(f"{API}/requisitions?late=1", headers=bearer(parts, "east-tech"))
    assert [r["id"] for r in late.json()["requisitions"]] == [made.json()["id"]]


def test_region_scope(parts: Harness) -> None:
    client = parts.client()
    east, sw = bearer(parts, "east-tech"), bearer(parts, "sw-tech")
    made = client.post(f"{API}/requisitions", headers=east, json={
        "warehouse": "WH-EAST", "needed_by": _soon(),
        "lines": [{"part": "P-FAN", "quantity": 1}]}).json()
    assert client.get(f"{API}/requisitions/{made['id']}", headers=sw).status_code == 404
    assert client.get(f"{API}/requisitions", headers=sw).json()["requisitions"] == []
    codes = {w["code"] for w in client.get(f"{API}/warehouses", headers=east).json()[
        "warehouses"]}
    assert codes == {"WH-EAST"}
    assert {s["warehouse"] for s in client.get(f"{API}/stock", headers=east).json()[
        "stock"]} <= {"WH-EAST"}
    # another region's warehouse does not exist for a regional user
    stolen = client.post(f"{API}/requisitions", headers=east, json={
        "warehouse": "WH-SW", "needed_by": _soon(), "lines": [{"part": "P-FAN",
                                                               "quantity": 1}]})
    assert stolen.status_code == 422 and "warehouse" in stolen.json()["error"]["fields"]
    moved = client.post(f"{API}/transfers", headers=bearer(parts, "east-warehouse"), json={
        "from_warehouse": "WH-HQ", "to_warehouse": "WH-EAST",
        "lines": [{"part": "P-OUT", "quantity": 1}]})
    assert moved.status_code == 422 and stock_of(parts, "WH-HQ") == (10, 0)
    hq = client.get(f"{API}/requisitions", headers=bearer(parts, "hq-manager")).json()
    assert [r["id"] for r in hq["requisitions"]] == [made["id"]]
    east_report = client.get(f"{API}/reports/stock_value", headers=bearer(parts,
                                                                          "east-supervisor"))
    assert east_report.status_code == 200
    assert {r["warehouse"] for r in east_report.json()["rows"]} <= {"WH-EAST"}


def test_tools_register_and_overdue(parts: Harness) -> None:
    client = parts.client()
    keeper = bearer(parts, "hq-warehouse")
    tool = client.post(f"{API}/tools", headers=keeper, json={
        "code": "T-1", "name": "Oscilloscope", "name_zh": "示波器", "warehouse": "WH-HQ"})
    assert tool.status_code == 201, tool.text
    tid = tool.json()["id"]
    tech = user_id(parts, "hq-tech")
    out = client.post(f"{API}/tools/{tid}/check-out", headers=keeper,
                      json={"user_id": tech, "due_on": _soon(2)})
    assert out.status_code == 200 and out.json()["holder_id"] == tech
    twice = client.post(f"{API}/tools/{tid}/check-out", headers=keeper,
                        json={"user_id": tech, "due_on": _soon(2)})
    assert twice.status_code == 409
    from plugins.parts.models import Tool
    with parts.session() as session:
        session.execute(update(Tool).values(due_on=date.today() - timedelta(days=1)))
        session.commit()
    overdue = client.get(f"{API}/tools?overdue=1", headers=keeper).json()["tools"]
    assert [t["code"] for t in overdue] == ["T-1"]
    assert client.post(f"{API}/tools/{tid}/return", headers=keeper).status_code == 200
    assert client.get(f"{API}/tools?overdue=1", headers=keeper).json()["tools"] == []


def test_reorder_points_and_replenishment_count_what_is_coming(parts: Harness) -> None:
    client = parts.client()
    keeper, east_keeper = bearer(parts, "hq-warehouse"), bearer(parts, "east-warehouse")
    assert client.post(f"{API}/reorder-points", headers=east_keeper, json={
        "warehouse": "WH-EAST", "part": "P-OUT", "minimum": 3, "target": 8}).status_code == 201
    lines = client.get(f"{API}/replenishment", headers=east_keeper).json()["lines"]
    assert [(ln["part"], ln["order"]) for ln in lines] == [("P-OUT", 8)]
    client.post(f"{API}/transfers", headers=keeper, json={
        "from_warehouse": "WH-HQ", "to_warehouse": "WH-EAST",
        "lines": [{"part": "P-OUT", "quantity": 5}]})
    lines = client.get(f"{API}/replenishment", headers=east_keeper).json()["lines"]
    assert [(ln["part"], ln["order"]) for ln in lines] == [("P-OUT", 3)]


def test_reports_and_csv(parts: Harness) -> None:
    cid = case_in_repair(parts, "B")
    client = parts.client()
    client.post(f"{API}/cases/{cid}/issues", headers=bearer(parts, "hq-tech"),
                json={"part": "P-OUT", "quantity": 2})
    manager = parts.client("hq-manager")
    page = manager.get("/parts/reports")
    assert page.status_code == 200 and "P-OUT" in page.text
    csv = manager.get("/parts/reports/consumption.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    # issue 18: yuan with two decimals in spreadsheets (the JSON API below keeps cents)
    assert csv.text.lstrip("\ufeff").splitlines()[:2] == [
        "Model,Part number,Name,Quantity,Cost (yuan)", "PA2400,P-OUT,Output transistor,2,40.00"]
    value = manager.get("/parts/reports/warranty_cost.csv").text.lstrip("\ufeff").splitlines()
    assert value == ["Coverage class,Waived,Lines,Quantity,Cost (yuan),Price (yuan)",
                     "B,no,1,2,40.00,130.00"]
    cost = client.get(f"{API}/reports/warranty_cost", headers=bearer(parts, "hq-manager"))
    assert cost.json()["rows"] == [{"class": "B", "waived": False, "lines": 1, "quantity": 2,
                                    "cost_cents": 4000, "price_cents": 13000}]
    assert client.get(f"{API}/reports/nope", headers=bearer(parts, "hq-manager")
                      ).status_code == 404


def test_rebuild_command(parts: Harness, tmp_path: Path) -> None:
    env = {"AFTERSALES_DATABASE_URL": parts.url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": "warranty,parts"}
    clean = CliRunner().invoke(cli, ["parts", "rebuild"], env=env)
    assert clean.exit_code == 0, clean.output
    assert "0 differ from the ledger" in clean.output
    with parts.session() as session:
        session.execute(update(Stock).values(on_hand=Stock.on_hand + 1))
        session.commit()
    drift = CliRunner().invoke(cli, ["parts", "rebuild"], env=env)
    assert drift.exit_code == 1 and "on hand 11 (ledger 10)" in drift.output
    fixed = CliRunner().invoke(cli, ["parts", "rebuild", "--fix"], env=env)
    assert fixed.exit_code == 0 and "fixed" in fixed.output
    assert stock_of(parts, "WH-HQ") == (10, 0)


def test_openapi_lists_the_parts_api(parts: Harness) -> None:
    doc = parts.client().get("/api/v1/openapi.json", headers=bearer(parts, "hq-admin")).json()
    for path in ("/api/v1/parts/stock", "/api/v1/parts/cases/{case_id}/reservations",
                 "/api/v1/parts/transfers/{transfer_id}/receipt",
                 "/api/v1/parts/requisitions/{requisition_id}/decision"):
        assert path in doc["paths"], path


def test_pages_render(parts: Harness) -> None:
    cid = case_in_repair(parts, "B")
    for login in ("hq-warehouse", "east-tech"):
        client = parts.client(login)
        for url in ("/parts/stock", "/parts/catalogue", "/parts/transfers",
                    "/parts/requisitions", "/parts/tools", "/parts/widgets/late"):
            assert client.get(url).status_code == 200, (login, url)
    assert parts.client("hq-tech").get(f"/parts/cases/{cid}/panel").status_code == 200
    assert parts.client("east-tech").get(f"/parts/cases/{cid}/panel").status_code == 404


def test_demo_data(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=["warranty", "parts"])
    from plugins.parts.demo import seed
    from plugins.parts.models import Transfer

    with h.session() as session:
        seed(session, h.settings)
        seed(session, h.settings)  # idempotent
        session.commit()
        assert session.scalars(select(Transfer.state)).all() == ["in_transit"]
        late = session.scalars(select(Requisition)).all()
        assert len(late) == 1 and late[0].needed_by < date.today()
        from plugins.parts import holds, returns

        assert [(i.part.number, i.quantity) for i in returns.awaiting_return(session)] == [
            ("PA-OUT-01", 2)]
        assert [(r.purpose, r.quantity) for r in holds.holds(session)] == [
            ("Trade fair demo unit", 2)]


def test_everything_else_works_with_the_plugin_disabled(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty"])
    clerk = bearer(h, "hq-clerk")
    case = new_case(h, clerk)
    assert h.client().get(f"/api/v1/cases/{case['id']}", headers=clerk).status_code == 200
    assert h.client().get(f"{API}/stock", headers=clerk).status_code == 404
    page = h.client("hq-clerk").get(f"/desk/cases/{case['id']}")
    assert page.status_code == 200 and "/parts/" not in page.text


def test_a_refurbishable_faulty_part_goes_back_to_hq(parts: Harness) -> None:
    client = parts.client()
    setup = client.post(f"{API}/receipts", headers=bearer(parts, "hq-warehouse"), json={
        "part": "P-OUT", "warehouse": "WH-EAST", "quantity": 1})
    assert setup.status_code == 201
    cid = case_in_repair(parts, "A", region="east")
    issued = client.post(f"{API}/cases/{cid}/issues", headers=bearer(parts, "east-tech"),
                         json={"part": "P-OUT", "quantity": 1, "faulty_returned": True})
    assert issued.status_code == 201 and issued.json()["faulty_recorded"] is True
    assert stock_of(parts, "WH-EAST", condition="faulty") == (1, 0)
    back = client.post(f"{API}/transfers", headers=bearer(parts, "east-warehouse"), json={
        "from_warehouse": "WH-EAST", "to_warehouse": "WH-HQ", "waybill": "RET-1",
        "lines": [{"part": "P-OUT", "quantity": 1, "condition": "faulty"}]})
    assert back.status_code == 201, back.text
    got = client.post(f"{API}/transfers/{back.json()['id']}/receipt",
                      headers=bearer(parts, "hq-warehouse"), json={})
    assert got.status_code == 200
    assert stock_of(parts, "WH-HQ", condition="faulty") == (1, 0)
    assert stock_of(parts, "WH-EAST", condition="faulty") == (0, 0)
    # East sees its own shipment to HQ; South-west does not
    assert client.get(f"{API}/transfers/{back.json()['id']}",
                      headers=bearer(parts, "east-tech")).status_code == 200
    assert client.get(f"{API}/transfers/{back.json()['id']}",
                      headers=bearer(parts, "sw-tech")).status_code == 404


def test_stockout_days_are_the_instance_zones(make_app: Callable[..., Harness]) -> None:
    """Issue 18: a hold placed at 17:30 UTC on 14 Dec is on 15 Dec in Shanghai."""
    from datetime import UTC, datetime

    from plugins.parts import reports

    h = make_app(plugins=["warranty", "parts"], backend="sqlite")
    cid = case_in_repair(h, "B")
    with h.session() as session:
        session.add(CaseHold(case_id=cid, kind="waiting_for_parts", reason="x",
                             placed_at=datetime(2026, 12, 14, 17, 30, tzinfo=UTC)))
        session.commit()
        _header, rows = reports.stockouts(session)
    assert [r[2] for r in rows] == ["2026-12-15"]
