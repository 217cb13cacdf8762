"""Issue 10, items 3 and 4: the workflow declared once, every change of state through
``transition()`` (the quote-change move included), class B/C only through a confirmed quote,
a class override re-pricing the quote, the W-4 check on shipping back, and a declined quote
returned unrepaired with an optional inspection fee — all over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import AuditEvent, CaseEvent, User
from core.manifest import hookimpl
from core.services import workflow
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def charge(h: Harness, headers: dict[str, str], cid: int, cents: int = 18000,
           kind: str = "labour", description: str = "Bench repair") -> Any:
    response = h.client().post(f"/api/v1/cases/{cid}/charges", headers=headers, json={
        "kind": kind, "description": description, "unit_price_cents": cents})
    assert response.status_code == 201, response.text
    return response.json()


def answer(h: Harness, headers: dict[str, str], cid: int, accepted: bool = True) -> Any:
    response = h.client().post(f"/api/v1/cases/{cid}/confirmations", headers=headers, json={
        "method": "phone", "customer_name": "Mr. Huang", "accepted": accepted})
    assert response.status_code == 201, response.text
    return response.json()


def quoted_case(h: Harness, coverage: str = "B", cents: int = 18000) -> int:
    clerk = bearer(h, "hq-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, coverage)
    if cents:
        charge(h, clerk, cid, cents)
    assert move(h, clerk, cid, "quoted").status_code == 200
    return cid


# --- a. the declared workflow -----------------------------------------------------------

def test_the_workflow_is_declared_once_and_the_api_uses_it(desk: Harness) -> None:
    from core.api.desk import TRANSITION_PERMISSIONS
    from core.entities.cases import STATES

    assert workflow.target_permissions() == TRANSITION_PERMISSIONS
    registered = set(desk.app.state.registry.permissions)
    for move_ in workflow.WORKFLOW:
        assert move_.source in STATES and move_.target in STATES, move_
        assert move_.permission in registered, move_
    assert workflow.TRANSITIONS["quoted"] == ("confirmed", "declined", "cancelled")
    # the API asks the permission of the declared move: finance may not decline a quote
    cid = quoted_case(desk)
    refused = move(desk, bearer(desk, "hq-finance"), cid, "declined")
    assert refused.status_code == 403 and "case.quote" in refused.text
    case = desk.client().get(f"/api/v1/cases/{cid}", headers=bearer(desk, "hq-clerk")).json()
    assert case["allowed_transitions"] == ["confirmed", "declined", "cancelled"]


def test_a_changed_quote_moves_the_case_back_through_transition(
        make_app: Callable[..., Harness], install: Any, backend: str) -> None:
    """The move confirmed -> quoted a changed quote causes is a real transition: plugins are
    asked (``validate_transition``), told (``after_transition``), and it is audited."""
    asked: list[tuple[str, str]] = []

    @hookimpl
    def validate_transition(session: Any, case: Any, to: str, actor: Any,
                            payload: Any) -> list[Any]:
        asked.append((case.state, to))
        return []

    told: list[tuple[str, str]] = []

    @hookimpl
    def after_transition(session: Any, case: Any, from_state: str, actor: Any,
                         payload: Any) -> None:
        told.append((from_state, case.state))

    install("pathwatch", validate_transition=validate_transition,
            after_transition=after_transition)
    h = make_app(plugins=["pathwatch"])
    clerk = bearer(h, "hq-clerk")
    cid = quoted_case(h)
    assert answer(h, clerk, cid)["state"] == "confirmed"
    asked.clear()
    told.clear()
    body = charge(h, clerk, cid, 6500, "part", "Output transistor")
    assert body["state"] == "quoted" and body["confirmed"] is False
    assert asked == [("confirmed", "quoted")] and told == [("confirmed", "quoted")]
    with h.session() as session:
        audited = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "service_case", AuditEvent.entity_id == str(cid),
            AuditEvent.action == "transition:quoted")).all()
        events = session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == cid, CaseEvent.kind == "transition",
            CaseEvent.to_state == "quoted")).all()
    assert len(audited) == 2  # inspected -> quoted, then confirmed -> quoted
    assert [e.from_state for e in events] == ["inspected", "confirmed"]
    assert events[-1].user_id == user_id(h, "hq-clerk")


def test_a_plugin_veto_stops_the_quote_change_too(
        make_app: Callable[..., Harness], install: Any) -> None:
    from core.hooktypes import Veto

    @hookimpl
    def validate_transition(session: Any, case: Any, to: str, actor: Any,
                            payload: Any) -> list[Any]:
        return [Veto("W-4", "Quotes are frozen today.")] \
            if case.state == "confirmed" and to == "quoted" else []

    install("freezer", validate_transition=validate_transition)
    h = make_app(plugins=["freezer"])
    clerk = bearer(h, "hq-clerk")
    cid = quoted_case(h)
    answer(h, clerk, cid)
    refused = h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "part", "description": "Fan", "unit_price_cents": 100})
    assert refused.status_code == 409 and "Quotes are frozen today." in refused.text
    case = h.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    assert case["state"] == "confirmed" and len(case["charges"]) == 1  # nothing half-written


def test_hook_register_moves(make_app: Callable[..., Harness], install: Any) -> None:
    from core.hooktypes import WorkflowMove

    install("rework", register_moves=lambda: [WorkflowMove(
        "repaired", "in_repair", "case.repair",
        guard=lambda case: case.channel != "on_site", note="rework")])
    h = make_app(plugins=["rework"])
    assert ("repaired", "in_repair") in h.app.state.registry.moves
    assert ("inspected", "quoted") in h.app.state.registry.moves  # core's, the same way
    clerk, boss, tech = (bearer(h, u) for u in ("hq-clerk", "hq-supervisor", "hq-tech"))
    cid = int(new_case(h, clerk)["id"])
    inspect(h, tech, cid, "A")
    assert move(h, boss, cid, "dispatched", technician_id=user_id(h, "hq-tech")).status_code \
        == 200
    assert move(h, tech, cid, "in_repair").status_code == 200
    repaired = move(h, tech, cid, "repaired").json()
    assert repaired["allowed_transitions"] == ["returned", "in_repair"]
    assert move(h, clerk, cid, "in_repair").status_code == 403  # the move's permission
    again = move(h, tech, cid, "in_repair")
    assert again.status_code == 200 and again.json()["state"] == "in_repair"
    # without the plugin the move does not exist
    plain = make_app(plugins=[])
    assert ("repaired", "in_repair") not in plain.app.state.registry.moves


@pytest.mark.parametrize(("move_", "message"), [
    (("inspected", "quoted", "case.quote"), "duplicate workflow move"),
    (("repaired", "limbo", "case.repair"), "unknown state"),
    (("repaired", "in_repair", "case.teleport"), "unknown permission"),
])
def test_a_bad_move_stops_startup(make_app: Callable[..., Harness], install: Any,
                                  move_: tuple[str, str, str], message: str) -> None:
    from core.hooktypes import WorkflowMove
    from core.plugins import PluginError

    install("badmove", register_moves=lambda: [WorkflowMove(*move_)])
    with pytest.raises(PluginError, match=message):
        make_app(plugins=["badmove"])


# --- b. class B/C through a confirmed quote; the override re-prices; W-4 on shipping ----

def test_class_b_reaches_dispatch_only_through_a_confirmed_quote(desk: Harness) -> None:
    clerk, boss = bearer(desk, "hq-clerk"), bearer(desk, "hq-supervisor")
    tech = user_id(desk, "hq-tech")
    for coverage in ("B", "C"):
        cid = int(new_case(desk, clerk)["id"])
        inspect(desk, bearer(desk, "hq-tech"), cid, coverage)
        refused = move(desk, boss, cid, "dispatched", technician_id=tech)
        assert refused.status_code == 409, refused.text
        assert [v["clause"] for v in refused.json()["error"]["vetoes"]] == ["W-4"]
        charge(desk, clerk, cid)
        assert move(desk, clerk, cid, "quoted").status_code == 200
        answer(desk, clerk, cid)
        assert move(desk, boss, cid, "dispatched", technician_id=tech).status_code == 200
    # class A with nothing payable still goes straight to dispatch
    free = int(new_case(desk, clerk)["id"])
    inspect(desk, bearer(desk, "hq-tech"), free, "A")
    assert move(desk, boss, free, "dispatched", technician_id=tech).status_code == 200


def test_shipping_back_needs_a_valid_confirmation_w4(desk: Harness) -> None:
    """Remove the W-4 check on ``returned`` and this fails: a line added after repair voids
    the confirmation, and the unit stays until the customer confirms the new total."""
    clerk, boss, tech = (bearer(desk, u) for u in ("hq-clerk", "hq-supervisor", "hq-tech"))
    cid = quoted_case(desk)
    answer(desk, clerk, cid)
    assert move(desk, boss, cid, "dispatched",
                technician_id=user_id(desk, "hq-tech")).status_code == 200
    assert move(desk, tech, cid, "in_repair").status_code == 200
    assert move(desk, tech, cid, "repaired").status_code == 200
    charge(desk, clerk, cid, 2000, "shipping", "Courier back")
    blocked = move(desk, clerk, cid, "returned")
    assert blocked.status_code == 409
    assert blocked.json()["error"]["vetoes"] == [{
        "clause": "W-4", "plugin": "core",
        "message": "The unit cannot be shipped back before the customer confirms the quote."}]
    answer(desk, clerk, cid)
    shipped = move(desk, clerk, cid, "returned")
    assert shipped.status_code == 200 and shipped.json()["outcome"] == "repaired"


def test_class_override_reprices_every_line_and_voids_the_confirmation(
        make_app: Callable[..., Harness], backend: str) -> None:
    """A -> B: lines the warranty waived become payable, the quote version changes, the
    confirmation given for the old (free) quote is void, so dispatch waits for a new one."""
    from datetime import date, timedelta

    h = make_app(plugins=["warranty"])
    clerk = bearer(h, "hq-clerk")
    made = date.today() - timedelta(days=100)
    code = f"PA2400-{made:%y%m%d}-00077"
    cid = int(new_case(h, clerk, body_code=code)["id"])
    inspected = move(h, bearer(h, "hq-tech"), cid, "inspected", fault_found="Dead",
                     faults=[{"description": "Output stage", "cause": "normal"}])
    assert inspected.json()["coverage_class"] == "A", inspected.text
    body = charge(h, clerk, cid, 18000)
    charge(h, clerk, cid, 6500, "part", "Transistor")
    assert body["payable_cents"] == 0  # class A: free (W-A)
    assert move(h, clerk, cid, "quoted").status_code == 200
    confirmed = answer(h, clerk, cid)
    assert confirmed["state"] == "confirmed" and confirmed["confirmed"] is True
    version = confirmed["quote_version"]

    boss = h.client("hq-supervisor")
    done = boss.form(f"/warranty/cases/{cid}/override",
                     {"coverage_class": "B", "reason": "Warranty seal broken"},
                     follow_redirects=False)
    assert done.status_code == 303, done.text
    case = h.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    assert case["coverage_class"] == "B"
    assert case["payable_cents"] == 24500  # every line priced again (W-B)
    assert all(not c["waived"] for c in case["charges"])
    assert case["quote_version"] > version and case["confirmed"] is False
    assert case["state"] == "quoted"  # back through transition()
    refused = move(h, bearer(h, "hq-supervisor"), cid, "dispatched",
                   technician_id=user_id(h, "hq-tech"))
    assert refused.status_code == 409  # quoted again: the customer must confirm first
    assert refused.json()["error"]["code"] == "invalid_transition"


# --- c. a declined quote goes back unrepaired -------------------------------------------

def test_declined_quote_returned_unrepaired_without_fee(desk: Harness) -> None:
    clerk = bearer(desk, "hq-clerk")
    cid = quoted_case(desk)
    bare = move(desk, clerk, cid, "declined")  # only a recorded refusal declines
    assert bare.status_code == 409 and bare.json()["error"]["vetoes"][0]["clause"] == "W-4"
    declined = answer(desk, clerk, cid, accepted=False)
    assert declined["state"] == "declined" and declined["outcome"] == "unrepaired"
    assert declined["payable_cents"] == 0 and all(c["voided"] for c in declined["charges"])
    assert declined["allowed_transitions"] == ["returned"]
    returned = move(desk, clerk, cid, "returned")
    assert returned.status_code == 200, returned.text
    assert returned.json()["outcome"] == "unrepaired"
    closed = move(desk, clerk, cid, "closed").json()
    assert closed["state"] == "closed"
    steps = [(e["from"], e["to"]) for e in closed["events"] if e["kind"] == "transition"]
    assert steps[-3:] == [("quoted", "declined"), ("declined", "returned"),
                          ("returned", "closed")]


def test_inspection_fee_needs_its_own_confirmation(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=[], policy={"inspection_fee_cents": 5000})
    clerk = bearer(h, "hq-clerk")
    cid = quoted_case(h)
    declined = answer(h, clerk, cid, accepted=False)
    fee = [c for c in declined["charges"] if not c["voided"]]
    assert [(c["description"], c["payable_cents"]) for c in fee] == [("Inspection fee", 5000)]
    assert declined["payable_cents"] == 5000 and declined["confirmed"] is False
    blocked = move(h, clerk, cid, "returned")
    assert blocked.status_code == 409 and "W-4" in blocked.text
    assert answer(h, clerk, cid)["state"] == "declined"  # confirming the fee moves nothing
    assert move(h, clerk, cid, "returned").status_code == 200
    paid = h.client().post(f"/api/v1/cases/{cid}/payments", headers=clerk,
                           json={"amount_cents": 5000, "method": "cash"})
    assert paid.status_code == 201, paid.text
    assert move(h, clerk, cid, "closed").json()["state"] == "closed"


def test_customer_declines_on_the_link_and_the_desk_returns_it(desk: Harness) -> None:
    import re

    clerk = desk.client("hq-clerk")
    cid = quoted_case(desk)
    page = clerk.form(f"/desk/cases/{cid}/link", {"locale": "en"}).text
    path = re.search(r'value="https?://[^"/]+(/q/[^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = desk.client().post(path, data={"decision": "decline", "customer_name": "Mr. Li"})
    assert done.status_code == 200
    page = clerk.get(f"/desk/cases/{cid}").text
    assert "Quote declined" in page and "Ship back unrepaired" in page
    shipped = clerk.form(f"/desk/cases/{cid}/transition", {"to": "returned"},
                         follow_redirects=False)
    assert shipped.status_code == 303
    assert "Returned unrepaired" in clerk.get(f"/desk/cases/{cid}").text


def test_desk_records_a_refusal_on_the_form(desk: Harness) -> None:
    clerk = desk.client("hq-clerk")
    cid = quoted_case(desk)
    recorded = clerk.form(f"/desk/cases/{cid}/confirmations",
                          {"accepted": "0", "method": "phone", "customer_name": "Ms. Lin"},
                          follow_redirects=False)
    assert recorded.status_code == 303
    case = desk.client().get(f"/api/v1/cases/{cid}", headers=bearer(desk, "hq-clerk")).json()
    assert case["state"] == "declined" and case["confirmations"][-1]["accepted"] is False
