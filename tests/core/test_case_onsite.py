"""Issue 10, item 4, P-7: an on-site case is dispatched before inspection, the technician
inspects on site and may start the repair there; P-1 (training) and the time window still
apply, and W-4 still holds for a charged class."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tests.core.desk_helpers import bearer, move, new_case
from tests.plugins.training.helpers import certify, user_id
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["training"])


def window(days: int = 1) -> dict[str, str]:
    day = date.today() + timedelta(days=days)
    return {"onsite_from": f"{day}T09:00", "onsite_to": f"{day}T12:00"}


def test_on_site_case_is_dispatched_before_inspection_p7(h: Harness) -> None:
    clerk, boss, tech = (bearer(h, u) for u in ("hq-clerk", "hq-supervisor", "hq-tech"))
    cid = int(new_case(h, clerk, channel="on_site")["id"])
    case = h.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    assert "dispatched" in case["allowed_transitions"]
    tech_id = user_id(h, "hq-tech")
    uncertified = move(h, boss, cid, "dispatched", technician_id=tech_id, **window())
    assert uncertified.status_code == 409  # P-1 still applies before inspection
    assert [v["clause"] for v in uncertified.json()["error"]["vetoes"]] == ["P-1"]
    certify(h, "hq-tech")
    no_window = move(h, boss, cid, "dispatched", technician_id=tech_id)
    assert no_window.status_code == 422 and "onsite_from" in no_window.json()["error"]["fields"]
    backwards = move(h, boss, cid, "dispatched", technician_id=tech_id,
                     onsite_from=window()["onsite_to"], onsite_to=window()["onsite_from"])
    assert backwards.status_code == 422 and "onsite_to" in backwards.json()["error"]["fields"]
    sent = move(h, boss, cid, "dispatched", technician_id=tech_id, **window())
    assert sent.status_code == 200, sent.text
    assert sent.json()["coverage_class"] is None and "inspected" in \
        sent.json()["allowed_transitions"]
    # the technician inspects on site (W-3 still needs a class) and repairs there
    assert move(h, tech, cid, "inspected", fault_found="x").status_code == 409
    inspected = move(h, tech, cid, "inspected", fault_found="Loose speaker terminal",
                     coverage_class="A")
    assert inspected.status_code == 200, inspected.text
    assert inspected.json()["technician"] == "hq-tech"
    assert "in_repair" in inspected.json()["allowed_transitions"]
    assert move(h, tech, cid, "in_repair").status_code == 200
    assert move(h, tech, cid, "repaired").status_code == 200


def test_on_site_class_b_still_needs_a_confirmed_quote(h: Harness) -> None:
    clerk, boss, tech = (bearer(h, u) for u in ("hq-clerk", "hq-supervisor", "hq-tech"))
    certify(h, "hq-tech")
    cid = int(new_case(h, clerk, channel="on_site")["id"])
    assert move(h, boss, cid, "dispatched", technician_id=user_id(h, "hq-tech"),
                **window()).status_code == 200
    assert move(h, tech, cid, "inspected", fault_found="Blown stage",
                coverage_class="B").status_code == 200
    refused = move(h, tech, cid, "in_repair")
    assert refused.status_code == 409 and refused.json()["error"]["vetoes"][0]["clause"] == "W-4"
    h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "On-site repair", "unit_price_cents": 30000})
    assert move(h, clerk, cid, "quoted").status_code == 200
    confirmed = h.client().post(f"/api/v1/cases/{cid}/confirmations", headers=clerk,
                                json={"method": "signature", "customer_name": "Mr. Zhao"})
    assert confirmed.json()["state"] == "confirmed"
    assert move(h, tech, cid, "in_repair").status_code == 200


def test_a_walk_in_case_is_inspected_before_dispatch(h: Harness) -> None:
    cid = int(new_case(h, bearer(h, "hq-clerk"))["id"])
    early = move(h, bearer(h, "hq-supervisor"), cid, "dispatched",
                 technician_id=user_id(h, "hq-tech"))
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
