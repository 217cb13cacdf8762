"""Issue 10 in a real browser: a quote the customer declines on the public link goes back
unrepaired with the inspection fee confirmed first (W-4), and a case in repair put on hold
waiting for parts, found by the list's hold filter and on the dashboard, then resumed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import User
from tests.browser.test_case_flow import badge, flash, open_action, submit
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.support import Harness

pytestmark = pytest.mark.browser


def quoted(h: Harness) -> int:
    clerk = bearer(h, "hq-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "B")
    h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench repair", "unit_price_cents": 18000})
    assert move(h, clerk, cid, "quoted").status_code == 200
    return cid


def test_declined_quote_returned_unrepaired_in_the_browser(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        signed_in: Callable[..., Any], new_page: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=[], backend="sqlite", policy={"inspection_fee_cents": 5000})
    cid = quoted(h)
    _, base = live_app(h)
    case_url = f"{base}/desk/cases/{cid}"

    clerk = signed_in(base, "hq-clerk")
    clerk.goto(case_url)
    link_form = clerk.locator("form.link-form")
    link_form.get_by_label("Customer's language").select_option("en")
    submit(clerk, link_form.get_by_role("button", name="Create a confirmation link"))
    link = clerk.locator("#confirmation-link").input_value()

    customer = new_page()
    customer.goto(link)
    customer.locator("#customer_name").fill("Mr. Chen")
    submit(customer, customer.locator("button[name=decision][value=decline]"))
    assert "You declined the quote" in customer.locator("main").inner_text()

    clerk.goto(case_url)
    assert badge(clerk) == "Quote declined"
    assert "goes back unrepaired" in clerk.locator(".flash.outcome").inner_text()
    fee = clerk.locator("table.charges tbody tr", has_text="Inspection fee")
    assert "50.00" in fee.inner_text()
    ship = clerk.locator("#actions").get_by_role("button", name="Ship back unrepaired")
    submit(clerk, ship)  # W-4: the fee is not confirmed yet
    assert badge(clerk) == "Quote declined"
    assert "W-4" in clerk.locator(".vetoes").inner_text()
    answer = open_action(clerk, "Record the customer's answer")
    answer.get_by_label("Who confirmed").fill("Mr. Chen")
    submit(clerk, answer.get_by_role("button", name="Record"))
    assert "confirmation is recorded" in flash(clerk)
    submit(clerk, clerk.locator("#actions").get_by_role("button",
                                                        name="Ship back unrepaired"))
    assert badge(clerk) == "Returned"
    assert "Returned unrepaired" in clerk.locator(".flash.outcome").inner_text()
    submit(clerk, clerk.locator("#actions").get_by_role("button", name="Move to: Closed"))
    assert "P-4" in clerk.locator(".vetoes").inner_text()  # the fee is still owed
    submit(clerk, clerk.locator("form.payment-form").get_by_role(
        "button", name="Record payment and print receipt"))
    clerk.goto(case_url)
    submit(clerk, clerk.locator("#actions").get_by_role("button", name="Move to: Closed"))
    assert badge(clerk) == "Closed"
    history = clerk.locator("#history").inner_text()
    for step in ("Quoted → Quote declined", "Quote declined → Returned", "Returned → Closed"):
        assert step in history, history
    clerk.screenshot(path=str(artefacts / "declined-returned-unrepaired.png"), full_page=True)


def test_hold_waiting_for_parts_placed_and_resumed_in_the_browser(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        signed_in: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=[], backend="sqlite")
    clerk = bearer(h, "hq-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "A")
    with h.session() as session:
        tech_id = session.scalars(select(User.id).where(User.login == "hq-tech")).one()
    assert move(h, bearer(h, "hq-supervisor"), cid, "dispatched",
                technician_id=tech_id).status_code == 200
    assert move(h, bearer(h, "hq-tech"), cid, "in_repair").status_code == 200
    _, base = live_app(h)
    case_url = f"{base}/desk/cases/{cid}"

    tech = signed_in(base, "hq-tech")
    tech.goto(case_url)
    assert "Not on hold." in tech.locator("#holds").inner_text()
    hold = open_action(tech, "Put on hold")
    hold.get_by_label("Waiting for").select_option("waiting_for_parts")
    hold.get_by_label("Reason").fill("Output transistor pair on order")
    submit(tech, hold.get_by_role("button", name="Put on hold"))
    assert "is on hold: Waiting for parts." in flash(tech)
    assert badge(tech) == "In repair"  # a hold keeps the state
    held = tech.locator("#holds li[data-hold=waiting_for_parts]")
    assert "Output transistor pair on order" in held.inner_text()

    tech.goto(f"{base}/desk/cases")
    tech.locator("#hold").select_option("waiting_for_parts")
    submit(tech, tech.locator("#main").get_by_role("button", name="Filter"))
    assert tech.locator(f"tr[data-case='{cid}']").count() == 1
    tech.goto(f"{base}/")
    widget = tech.locator(".widget-body.on-hold")
    widget.wait_for()
    assert "Waiting for parts: 1" in widget.inner_text()
    tech.screenshot(path=str(artefacts / "hold-dashboard.png"), full_page=True)

    tech.goto(case_url)
    held = tech.locator("#holds li[data-hold=waiting_for_parts]")
    held.get_by_label("Note").fill("Parts arrived")
    submit(tech, held.get_by_role("button", name="Resume"))
    assert "resumed" in flash(tech)
    assert "Not on hold." in tech.locator("#holds").inner_text()
    history = tech.locator("#history").inner_text()
    assert "Put on hold" in history and "Resumed" in history and "Parts arrived" in history
