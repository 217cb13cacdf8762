"""Parts reports for a period and in the reader's language (issue 15 item 2): column headers
translated on the page and in the CSV, a from/to filter validated and region-scoped, on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.plugin_api import utcnow
from plugins.parts.models import Move, Reservation
from tests.plugins.parts.helpers import bearer, case_in_repair, setup_parts
from tests.support import Harness

API = "/api/v1/parts"


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    """Two parts issued at HQ 40 days ago, one in South-west today."""
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=5)
    client = h.client()
    got = client.post(f"{API}/receipts", headers=bearer(h, "hq-warehouse"), json={
        "part": "P-OUT", "warehouse": "WH-SW", "quantity": 3})
    assert got.status_code == 201, got.text
    old = case_in_repair(h, "B")
    issued = client.post(f"{API}/cases/{old}/issues", headers=bearer(h, "hq-tech"),
                         json={"part": "P-OUT", "quantity": 2})
    assert issued.status_code == 201, issued.text
    with h.session() as session:
        past = utcnow() - timedelta(days=40)
        session.execute(update(Move).where(Move.case_id == old).values(at=past))
        session.execute(update(Reservation).where(Reservation.case_id == old)
                        .values(closed_at=past))
        session.commit()
    new = case_in_repair(h, "B", region="sw")
    issued = client.post(f"{API}/cases/{new}/issues", headers=bearer(h, "sw-tech"),
                         json={"part": "P-OUT", "quantity": 1})
    assert issued.status_code == 201, issued.text
    return h


def days(offset: int) -> str:
    return (utcnow() + timedelta(days=offset)).date().isoformat()


def consumed(h: Harness, login: str, query: str = "") -> list[tuple[str, int]]:
    answer = h.client().get(f"{API}/reports/consumption{query}", headers=bearer(h, login))
    assert answer.status_code == 200, answer.text
    return [(r["part"], r["quantity"]) for r in answer.json()["rows"]]


def test_the_period_limits_what_was_issued_and_stays_region_scoped(parts: Harness) -> None:
    assert consumed(parts, "hq-manager") == [("P-OUT", 3)]
    assert consumed(parts, "hq-manager", f"?from={days(-7)}") == [("P-OUT", 1)]
    assert consumed(parts, "hq-manager", f"?to={days(-30)}") == [("P-OUT", 2)]
    assert consumed(parts, "hq-manager", f"?from={days(-50)}&to={days(-30)}") == [
        ("P-OUT", 2)]
    assert consumed(parts, "sw-supervisor", f"?from={days(-50)}&to={days(1)}") == [
        ("P-OUT", 1)]  # South-west sees its own issue only
    assert consumed(parts, "sw-supervisor", f"?to={days(-30)}") == []
    cost = parts.client().get(f"{API}/reports/warranty_cost?from={days(-7)}",
                              headers=bearer(parts, "hq-manager")).json()["rows"]
    assert [r["quantity"] for r in cost] == [1]


def test_a_bad_period_is_refused_with_its_reason(parts: Harness) -> None:
    client = parts.client()
    manager = bearer(parts, "hq-manager")
    upside = client.get(f"{API}/reports/consumption?from={days(0)}&to={days(-3)}",
                        headers=manager)
    assert upside.status_code == 422 and "to" in upside.json()["error"]["fields"]
    junk = client.get(f"{API}/reports/consumption?from=yesterday&to=2026-13-45",
                      headers=manager)
    assert junk.status_code == 422
    assert set(junk.json()["error"]["fields"]) == {"from", "to"}
    wide = client.get(f"{API}/reports/consumption?from=1990-01-01&to=2026-01-01",
                      headers=manager)
    assert wide.status_code == 422
    page = parts.client("hq-manager").get("/parts/reports?from=2026-05-01&to=2026-04-01")
    assert page.status_code == 400 and 'data-field="to"' in page.text
    assert "The end of the period is before its start." in page.text
    assert parts.client("hq-manager").get(
        "/parts/reports/consumption.csv?from=nope").status_code == 400


def test_headers_and_words_in_chinese_on_the_page_and_in_the_csv(parts: Harness) -> None:
    reader = parts.client("sw-supervisor")  # reads Chinese
    page = reader.get(f"/parts/reports?from={days(-7)}&to={days(0)}")
    assert page.status_code == 200
    assert "<th>配件编号</th>" in page.text and "<th>model</th>" not in page.text
    assert f"consumption.csv?from={days(-7)}&amp;to={days(0)}" in page.text
    sheet = reader.get(f"/parts/reports/consumption.csv?from={days(-7)}&to={days(0)}")
    assert sheet.status_code == 200
    assert f"parts-consumption-{days(-7)}-{days(0)}.csv" in sheet.headers[
        "content-disposition"]
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["型号", "配件编号"] and "成本（元）" in rows[0]
    assert rows[1] == ["PA2400", "P-OUT", "输出晶体管", "1", "20.00"]  # the Chinese name
    stock = list(csv.reader(io.StringIO(reader.get("/parts/reports/stock_value.csv")
                                        .content.decode("utf-8-sig"))))
    assert stock[0] == ["仓库", "状态", "数量", "金额（元）"] and stock[1][1] == "新件"
    assert "输出晶体管" in page.text
    assert "Output transistor" in parts.client("hq-manager").get("/parts/reports").text
    english = parts.client("hq-manager").get("/parts/reports/stock_value.csv").content
    assert english.decode("utf-8-sig").splitlines()[0] == \
        "Warehouse,Condition,Quantity,Value (yuan)"
