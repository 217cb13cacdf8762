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
    # an EAST case cannot reserve another distributor's unit: it does not exist for them
    east_case = case_id(h, "east-clerk")
    other = add_unit(h, 3, point="SW-CD")
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
    assert "PA2400-230101-00003" not in web.get(f"/loaner/cases/{east_case}/panel").text


def test_hq_pool_lent_to_a_distributors_case(h: Harness) -> None:
    """HQ lends from its pool to a distributor's case (E-2): the distributor reads what was
    lent to its case (loan page, API, panel, list, recall on repaired, the E-2 veto), but the
    unit stays HQ's: the distributor neither lends it nor takes it back (a clear 403)."""
    from tests.plugins.loaner.helpers import move, repaired

    uid = add_unit(h)  # HQ-SC's pool
    other = add_unit(h, 2)
    cid = case_id(h, "east-clerk")
    c = h.client()
    hq = bearer(h, "hq-clerk")
    east = bearer(h, "east-clerk")
    loan = c.post("/api/v1/loaner/loans", headers=hq, json={
        "case_id": cid, "unit_id": uid, "reason": "Festival"}).json()
    assert loan["status"] == "requested" and loan["needs_approval_of"] == "HQ-SC"
    seen = c.get(f"/api/v1/loaner/loans/{loan['id']}", headers=east)
    assert seen.status_code == 200 and seen.json()["unit"]["body_code"] == \
        "PA2400-230101-00001"
    assert c.post(f"/api/v1/loaner/loans/{loan['id']}/decision", headers=bearer(
        h, "hq-supervisor"), json={"accept": True}).status_code == 200
    assert c.post(f"/api/v1/loaner/loans/{loan['id']}/lend", headers=east,
                  json=lend_body()).status_code == 403
    assert c.post(f"/api/v1/loaner/loans/{loan['id']}/lend", headers=hq,
                  json=lend_body()).status_code == 200
    web = h.client("east-clerk")
    for url in (f"/loaner/loans/{loan['id']}", f"/loaner/cases/{cid}/panel", "/loaner/loans"):
        page = web.get(url)
        assert page.status_code == 200 and "PA2400-230101-00001" in page.text, url
    assert "PA2400-230101-00002" not in web.get("/loaner").text  # HQ's pool stays HQ's
    repaired(h, cid, "east")  # the distributor's technician: the recall goes out
    recalled = c.get(f"/api/v1/loaner/loans/{loan['id']}", headers=east).json()
    assert recalled["recalled_at"] and recalled["expected_return"]
    vetoed = move(h, east, cid, "returned")
    assert vetoed.status_code == 409 and "E-2" in [
        v["clause"] for v in vetoed.json()["error"]["vetoes"]]
    refused = c.post(f"/api/v1/loaner/loans/{loan['id']}/return", headers=east,
                     json={"condition": "good"})
    assert refused.status_code == 403 and "HQ-SC" in refused.json()["error"]["message"]
    back = c.post(f"/api/v1/loaner/loans/{loan['id']}/return", headers=hq,
                  json={"condition": "good"})
    assert back.status_code == 200 and back.json()["unit"]["status"] == "in_check"
    assert other


def test_a_distributor_applies_to_hqs_pool(h: Harness) -> None:
    """E-2 ("apply to HQ or the local distributor"): a distributor's clerk is offered HQ's
    available units of the model and requests one; HQ's pool decides; the distributor may
    cancel its own request (the unit goes back to HQ's pool) but never sees HQ's pool list,
    and without the permission to ask other points it is not offered HQ's units at all."""
    hq_unit = add_unit(h)
    add_unit(h, 2, point="SW-CD")  # another distributor's: never offered
    cid = case_id(h, "east-clerk")
    c = h.client()
    east = bearer(h, "east-clerk")
    offered = c.get(f"/api/v1/loaner/cases/{cid}/availability", headers=east).json()
    assert [(u["id"], u["service_point"], u["needs_approval"]) for u in offered["units"]] == [
        (hq_unit, "HQ-SC", True)]
    panel = h.client("east-clerk").get(f"/loaner/cases/{cid}/panel").text
    assert "HQ-SC (needs their approval)" in panel
    asked = c.post("/api/v1/loaner/loans", headers=east, json={
        "case_id": cid, "unit_id": hq_unit, "reason": "Festival"})
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "requested" and asked.json()["unit"]["status"] == \
        "reserved"
    lid = asked.json()["id"]
    queue = h.client("hq-supervisor").get("/loaner/approvals").text
    assert f'data-loan="{lid}"' in queue
    assert [u["id"] for u in c.get("/api/v1/loaner/units", headers=east).json()["units"]] \
        == []  # HQ's pool list stays HQ's
    cancelled = h.client("east-clerk").form(
        f"/loaner/loans/{lid}/cancel",
        {"note": "Customer found one", "confirm": "on"}, follow_redirects=False)
    assert cancelled.status_code == 303, cancelled.text
    hq = bearer(h, "hq-clerk")
    assert c.get("/api/v1/loaner/units?status=available", headers=hq).json()["total"] == 2
    # a role without loaner.other_points is offered only its own point's units
    with h.session() as session:
        from core.entities import Role

        role = session.get(Role, "service_clerk")
        role.permissions = [p for p in role.permissions
                            if p.permission_id != "loaner.other_points"]
        session.commit()
    alone = c.get(f"/api/v1/loaner/cases/{cid}/availability", headers=bearer(h, "east-clerk"))
    assert alone.json()["units"] == []


def test_distributor_loan_list_reads_hqs_units_in_one_statement(h: Harness) -> None:
    """HQ's units lent to a distributor's cases load in one query for a whole list page:
    three loans cost what one costs (no query per row through ``Loan.loaner``)."""
    from tests.support import QueryCounter

    east = bearer(h, "east-clerk")
    web = h.client("east-clerk")

    def count() -> int:
        assert web.get("/loaner/loans").status_code == 200  # warm up
        with QueryCounter(h.app.state.engine) as counter:
            assert web.get("/loaner/loans").status_code == 200
        return len([s for s in counter.statements if s.strip().upper() != "BEGIN"])

    for seq in range(3):
        uid = add_unit(h, 10 + seq)  # HQ's pool
        asked = h.client().post("/api/v1/loaner/loans", headers=east, json={
            "case_id": case_id(h, "east-clerk"), "unit_id": uid, "reason": "Tour"})
        assert asked.status_code == 201, asked.text
        if seq == 0:
            one = count()
    assert count() == one
    assert "PA2400-230101-00012" in web.get("/loaner/loans").text
