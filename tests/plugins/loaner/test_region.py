"""Region scope: another region's pool, loans and case panels are 404, never shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["loaner"])


def test_another_region_gets_404(h: Harness) -> None:
    uid = add_unit(h)
    east_unit = add_unit(h, 2, point="EAST-SH")
    cid = case_id(h)
    c = h.client()
    clerk = bearer(h, "hq-clerk")
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Tour"}).json()["id"]
    assert c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                  json=lend_body()).status_code == 200
    east = bearer(h, "east-clerk")
    for url in (f"/api/v1/loaner/loans/{lid}", f"/api/v1/loaner/cases/{cid}/availability"):
        assert c.get(url, headers=east).status_code == 404, url
    assert c.post(f"/api/v1/loaner/loans/{lid}/return", headers=east,
                  json={"condition": "good"}).status_code == 404
    listed = c.get("/api/v1/loaner/loans", headers=east).json()
    assert listed == {"loans": [], "total": 0}
    units = c.get("/api/v1/loaner/units", headers=east).json()["units"]
    assert [u["id"] for u in units] == [east_unit]
    # an EAST case cannot reserve HQ's unit: it does not exist for them
    east_case = case_id(h, "east-clerk")
    other = add_unit(h, 3)
    taken = c.post("/api/v1/loaner/loans", headers=east, json={
        "case_id": east_case, "unit_id": other, "reason": "r"})
    assert taken.status_code == 404
    web = h.client("east-clerk")
    for url in (f"/loaner/units/{uid}", f"/loaner/loans/{lid}", f"/loaner/cases/{cid}/panel",
                f"/loaner/loans/{lid}/agreement"):
        assert web.get(url).status_code == 404, url
    assert "PA2400-230101-00001" not in web.get("/loaner").text
    assert "PA2400-230101-00001" not in web.get("/loaner/numbers.csv").text
    # HQ sees every region's pool
    assert len(c.get("/api/v1/loaner/units", headers=clerk).json()["units"]) == 3
