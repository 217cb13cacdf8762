"""Faulty parts awaiting return to HQ (R-6, issue 15 item 3): the queue by warehouse, age and
part, region-scoped, and sending a store's faulty parts to HQ in one transfer; API and page,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.plugin_api import utcnow
from plugins.parts.models import Move, Stock, Transfer
from tests.plugins.parts.helpers import bearer, case_in_repair, setup_parts, stock_of
from tests.support import Harness

API = "/api/v1/parts"


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=2, east_qty=2)
    client = h.client()
    for login, warehouse, part, counted in (("hq-warehouse", "WH-SW", "P-FAN", 3),
                                            ("hq-warehouse", "WH-HQ", "P-FAN", 4)):
        counted_ok = client.post(f"{API}/adjustments", headers=bearer(h, login), json={
            "part": part, "warehouse": warehouse, "condition": "faulty", "counted": counted,
            "reason": "found in the back room"})
        assert counted_ok.status_code == 201, counted_ok.text
    cid = case_in_repair(h, "A", region="east")  # a faulty part taken out of a case
    issued = client.post(f"{API}/cases/{cid}/issues", headers=bearer(h, "east-tech"),
                         json={"part": "P-OUT", "quantity": 1, "faulty_returned": True})
    assert issued.status_code == 201, issued.text
    with h.session() as session:  # the South-west fans have waited 20 days, East's 0
        sw = session.scalars(select(Stock.id).join(Stock.warehouse).where(
            Stock.condition == "faulty", Stock.warehouse.has(code="WH-SW"))).one()
        session.execute(update(Move).where(Move.stock_id == sw)
                        .values(at=utcnow() - timedelta(days=20)))
        session.commit()
    return h


def listed(h: Harness, login: str, query: str = "") -> list[tuple[str, str, int, int]]:
    answer = h.client().get(f"{API}/returns{query}", headers=bearer(h, login))
    assert answer.status_code == 200, answer.text
    return [(i["warehouse"], i["part"], i["quantity"], i["age_days"])
            for i in answer.json()["awaiting"]]


def test_the_queue_by_age_warehouse_and_part_is_region_scoped(parts: Harness) -> None:
    # oldest first; HQ's central warehouse holds faulty fans too, but they are home already
    assert listed(parts, "hq-manager") == [("WH-SW", "P-FAN", 3, 20),
                                           ("WH-EAST", "P-OUT", 1, 0)]
    assert [r[0] for r in listed(parts, "hq-manager", "?order=warehouse")] == [
        "WH-EAST", "WH-SW"]
    assert listed(parts, "hq-manager", "?part=p-out") == [("WH-EAST", "P-OUT", 1, 0)]
    assert listed(parts, "hq-manager", "?warehouse=wh-sw&order=part") == [
        ("WH-SW", "P-FAN", 3, 20)]
    assert listed(parts, "east-warehouse") == [("WH-EAST", "P-OUT", 1, 0)]
    assert listed(parts, "sw-warehouse") == [("WH-SW", "P-FAN", 3, 20)]
    bad = parts.client().get(f"{API}/returns?order=colour",
                             headers=bearer(parts, "hq-manager"))
    assert bad.status_code == 400 and "order" in bad.json()["error"]["fields"]


def test_a_store_sends_its_faulty_parts_to_hq_in_one_transfer(parts: Harness) -> None:
    client = parts.client()
    keeper = bearer(parts, "east-warehouse")
    other = client.post(f"{API}/returns", headers=keeper, json={"warehouse": "WH-SW"})
    assert other.status_code == 422 and "warehouse" in other.json()["error"]["fields"]
    stale = client.post(f"{API}/returns", headers=keeper,
                        json={"warehouse": "WH-EAST", "stock_ids": [999999]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "not_waiting"
    central = client.post(f"{API}/returns", headers=bearer(parts, "hq-warehouse"),
                          json={"warehouse": "WH-HQ"})
    assert central.status_code == 409
    sent = client.post(f"{API}/returns", headers=keeper,
                       json={"warehouse": "WH-EAST", "waybill": "SF-1"})
    assert sent.status_code == 201, sent.text
    transfer = sent.json()
    assert transfer["state"] == "in_transit" and transfer["waybill"] == "SF-1"
    assert [(ln["part"], ln["condition"], ln["quantity"]) for ln in transfer["lines"]] == [
        ("P-OUT", "faulty", 1)]
    assert stock_of(parts, "WH-EAST", condition="faulty") == (0, 0)
    assert listed(parts, "east-warehouse") == []
    again = client.post(f"{API}/returns", headers=keeper, json={"warehouse": "WH-EAST"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_send"
    got = client.post(f"{API}/transfers/{transfer['id']}/receipt",
                      headers=bearer(parts, "hq-warehouse"), json={})
    assert got.status_code == 200, got.text
    assert stock_of(parts, "WH-HQ", "P-OUT", condition="faulty") == (1, 0)


def test_the_page_lists_and_sends_in_the_readers_language(parts: Harness) -> None:
    keeper = parts.client("sw-warehouse")  # reads Chinese
    page = keeper.get("/parts/returns")
    assert page.status_code == 200 and "待返总部的故障件" in page.text
    assert "P-FAN 风扇" in page.text and 'data-age="20"' in page.text
    assert "WH-EAST" not in page.text.split("<h1>", 1)[1].split("</form>", 1)[1]
    with parts.session() as session:
        stock_id = session.scalars(select(Stock.id).where(
            Stock.condition == "faulty", Stock.warehouse.has(code="WH-SW"))).one()
    sent = keeper.form("/parts/returns", {"warehouse": "WH-SW", "stock_id": str(stock_id),
                                          "waybill": "EMS-7"})
    assert sent.status_code == 200 and "故障件已发往总部" in sent.text
    assert "没有待返总部的故障件" in sent.text
    with parts.session() as session:
        found = session.scalars(select(Transfer).where(Transfer.waybill == "EMS-7")).one()
        assert [(ln.condition, ln.quantity) for ln in found.lines] == [("faulty", 3)]
    viewer = parts.client("east-tech").get("/parts/returns").text  # sees, cannot send
    assert "P-OUT" in viewer and "Send to HQ" not in viewer


def test_the_queue_reads_a_fixed_number_of_statements(parts: Harness) -> None:
    """No query per row: more waiting rows (another part at another store) cost nothing."""
    from tests.support import QueryCounter

    client = parts.client("hq-manager")

    def count() -> int:
        assert client.get("/parts/returns").status_code == 200  # warm up
        with QueryCounter(parts.app.state.engine) as counter:
            assert client.get("/parts/returns").status_code == 200
        return len([s for s in counter.statements if s.strip().upper() != "BEGIN"])

    before = count()
    added = parts.client().post(f"{API}/adjustments", headers=bearer(parts, "hq-warehouse"),
                                json={"part": "P-OUT", "warehouse": "WH-SW",
                                      "condition": "faulty", "counted": 2, "reason": "x"})
    assert added.status_code == 201
    assert len(listed(parts, "hq-manager")) == 3
    assert count() == before
