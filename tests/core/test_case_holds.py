"""Issue 10, item 3: holds are visible — on the case (place and resume, page and API), as a
filter of the case list, as a count on the dashboard, and apart in turnaround (P-6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import utcnow
from core.entities import CaseHold, ServiceCase, User
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def in_repair(h: Harness) -> int:
    clerk = bearer(h, "hq-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "A")
    with h.session() as session:
        tech = session.scalars(select(User.id).where(User.login == "hq-tech")).one()
    assert move(h, bearer(h, "hq-supervisor"), cid, "dispatched",
                technician_id=tech).status_code == 200
    assert move(h, bearer(h, "hq-tech"), cid, "in_repair").status_code == 200
    return cid


def test_hold_and_resume_over_the_api(desk: Harness) -> None:
    cid = in_repair(desk)
    tech = bearer(desk, "hq-tech")
    placed = desk.client().post(f"/api/v1/cases/{cid}/holds", headers=tech, json={
        "kind": "waiting_for_parts", "reason": "Output transistor on order"})
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert body["state"] == "in_repair"  # a hold does not change the state
    assert [(h["kind"], h["reason"]) for h in body["holds"]] == [
        ("waiting_for_parts", "Output transistor on order")]
    again = desk.client().post(f"/api/v1/cases/{cid}/holds", headers=tech, json={
        "kind": "waiting_for_parts", "reason": "twice"})
    assert again.status_code == 409
    unknown = desk.client().post(f"/api/v1/cases/{cid}/holds", headers=tech, json={
        "kind": "waiting_for_godot", "reason": "x"})
    assert unknown.status_code == 422 and "kind" in unknown.json()["error"]["fields"]
    listed = desk.client().get("/api/v1/cases?hold=waiting_for_parts", headers=tech).json()
    assert [c["id"] for c in listed["cases"]] == [cid]
    assert desk.client().get("/api/v1/cases?hold=waiting_for_customer",
                             headers=tech).json()["cases"] == []
    # finance may see the case but not hold it
    assert desk.client().post(f"/api/v1/cases/{cid}/holds", headers=bearer(desk, "hq-finance"),
                              json={"kind": "other", "reason": "x"}).status_code == 403
    resumed = desk.client().post(f"/api/v1/cases/{cid}/resume", headers=tech,
                                 json={"kind": "waiting_for_parts", "note": "Arrived"})
    assert resumed.status_code == 200 and resumed.json()["holds"] == []
    kinds = [e["kind"] for e in resumed.json()["events"]]
    assert "hold" in kinds and "resume" in kinds
    assert desk.client().get("/api/v1/cases?hold=any", headers=tech).json()["cases"] == []
    assert desk.client().post(f"/api/v1/cases/{cid}/resume", headers=tech, json={
        "kind": "waiting_for_parts"}).status_code == 409


def test_holds_on_the_case_page_the_list_and_the_dashboard(desk: Harness) -> None:
    cid = in_repair(desk)
    tech = desk.client("hq-tech")
    page = tech.get(f"/desk/cases/{cid}").text
    assert 'class="hold-form"' in page and "Not on hold." in page
    blank = tech.form(f"/desk/cases/{cid}/holds", {"kind": "waiting_for_customer",
                                                     "reason": " "})
    assert blank.status_code == 400 and 'id="reason-error"' in blank.text
    done = tech.form(f"/desk/cases/{cid}/holds", {"kind": "waiting_for_customer",
                                                    "reason": "Customer to bring the PSU"},
                     follow_redirects=False)
    assert done.status_code == 303
    page = tech.get(f"/desk/cases/{cid}").text
    assert 'data-hold="waiting_for_customer"' in page and "Customer to bring the PSU" in page
    assert 'class="inline resume-form"' in page
    listed = tech.get("/desk/cases?hold=any").text
    assert f'data-case="{cid}"' in listed
    assert 'class="badge bad hold-badge" data-hold="waiting_for_customer"' in listed
    assert f'data-case="{cid}"' not in tech.get("/desk/cases?hold=waiting_for_parts").text
    widget = tech.get("/desk/widgets/on-hold", headers={"HX-Request": "true"}).text
    assert 'data-hold="waiting_for_customer"' in widget and "<strong>1</strong>" in widget
    resumed = tech.form(f"/desk/cases/{cid}/resume", {"kind": "waiting_for_customer"},
                        follow_redirects=False)
    assert resumed.status_code == 303
    assert "No case is on hold." in tech.get("/desk/widgets/on-hold").text


def test_turnaround_counts_time_on_hold_apart_p6(desk: Harness) -> None:
    cid = in_repair(desk)
    tech = bearer(desk, "hq-tech")
    desk.client().post(f"/api/v1/cases/{cid}/holds", headers=tech,
                       json={"kind": "waiting_for_parts", "reason": "On order"})
    desk.client().post(f"/api/v1/cases/{cid}/resume", headers=tech,
                       json={"kind": "waiting_for_parts"})
    assert move(desk, tech, cid, "repaired").status_code == 200
    assert move(desk, bearer(desk, "hq-clerk"), cid, "returned").status_code == 200
    now = utcnow()
    with desk.session() as session:
        case = session.get(ServiceCase, cid)
        case.opened_at = now - timedelta(hours=21)
        case.dispatched_at = now - timedelta(hours=19)
        case.repaired_at = now - timedelta(hours=3)
        case.returned_at = now - timedelta(hours=1)
        hold = session.scalars(select(CaseHold).where(CaseHold.case_id == cid)).one()
        hold.placed_at = now - timedelta(hours=15)
        hold.released_at = now - timedelta(hours=10)
        session.commit()
    widget = desk.client("hq-supervisor").get("/desk/widgets/turnaround").text
    assert 'data-stage="total">20 h<' in widget
    assert 'data-stage="held">5 h<' in widget
    assert 'data-stage="active">15 h<' in widget
