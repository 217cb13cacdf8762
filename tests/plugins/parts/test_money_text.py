"""Issue 18 item 1 for parts: the quote line of a part issued to a case and the reason its
line is withdrawn when the part goes back are message ids with parameters, read in the
reader's language (demo ``sw-clerk`` reads Chinese, ``hq-admin`` English, the API English);
the reason a person typed stays as typed. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.plugins.parts.helpers import bearer, case_in_repair, setup_parts
from tests.support import Harness

API = "/api/v1/parts"


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=0)
    return h


def test_a_refurbished_part_line_and_its_return_read_in_the_readers_language(
        parts: Harness) -> None:
    received = parts.client().post(f"{API}/receipts", headers=bearer(parts, "hq-warehouse"),
                                   json={"part": "P-OUT", "warehouse": "WH-SW", "quantity": 1,
                                         "condition": "refurbished"})
    assert received.status_code == 201, received.text
    cid = case_in_repair(parts, "B", region="sw")
    tech = bearer(parts, "sw-tech")
    issued = parts.client().post(f"{API}/cases/{cid}/issues", headers=tech, json={
        "part": "P-OUT", "quantity": 1, "condition": "refurbished"})
    assert issued.status_code == 201, issued.text
    case = parts.client().get(f"/api/v1/cases/{cid}", headers=tech).json()
    assert [c["description"] for c in case["charges"]] == [
        "P-OUT Output transistor (refurbished)"]
    chinese = parts.client("sw-clerk").get(f"/desk/cases/{cid}").text
    assert "P-OUT Output transistor（翻新件）" in chinese and "(refurbished)" not in chinese
    rid = issued.json()["reservation"]["id"]
    back = parts.client().post(f"{API}/cases/{cid}/reservations/{rid}/return", headers=tech,
                               json={"reason": "装错了"})
    assert back.status_code == 200, back.text
    chinese = parts.client("sw-clerk").get(f"/desk/cases/{cid}").text
    assert "P-OUT 已退回库存：装错了" in chinese and "returned to stock" not in chinese
    assert "%(" not in chinese
    english = parts.client("hq-admin").get(f"/desk/cases/{cid}").text
    assert "P-OUT returned to stock: 装错了" in english
    assert "P-OUT Output transistor (refurbished)" in english and "翻新件" not in english
