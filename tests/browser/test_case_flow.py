"""Issue 5 in a real browser: a case from intake to closed through the desk pages' own forms
and buttons, each step by the role that does it, and the customer confirming the quote on
the public link in a browser of their own (not signed in).

The warranty plugin is on (it classifies the unit at inspection and prices the lines); the
training plugin is off, so dispatch is not gated by certification (P-1): its gate has tests
of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import Harness

pytestmark = pytest.mark.browser

BODY_CODE = "PA2400-220101-00042"  # made January 2022: out of the 24-month warranty
CUSTOMER = "Pearl River Live House"


def open_action(page: Any, summary: str) -> Any:
    """The <details class="action"> whose summary starts with ``summary``, opened."""
    details = page.locator("details.action", has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def badge(page: Any) -> str:
    return str(page.locator(".case-head h1 .badge").inner_text())


def flash(page: Any) -> str:
    return str(page.locator("main .flash[role=status]").first.inner_text())


def move_to(page: Any, state: str) -> None:
    submit(page, page.locator("#actions").get_by_role("button", name=f"Move to: {state}"))
    assert badge(page) == state, page.locator("main").inner_text()


def test_a_case_from_intake_to_closed_in_the_browser(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any],
        new_page: Callable[..., Any], artefacts: Path) -> None:
    _, base = live_app(plugins=["warranty"])

    # P-2: the clerk opens the case at the desk.
    clerk = signed_in(base, "hq-clerk")
    with clerk.expect_navigation():
        clerk.locator("nav.mainnav a[data-menu='core.desk.intake']").click()
    clerk.get_by_label("Body code").fill(BODY_CODE)
    clerk.get_by_label("Name").fill(CUSTOMER)
    clerk.get_by_label("Full address").fill("1 Haizhu Road, Guangzhou")
    clerk.get_by_label("Phone").fill("020-8422-5566")
    clerk.get_by_label("Fault as described by the customer").fill("No sound on channel B")
    submit(clerk, clerk.get_by_role("button", name="Open the case"))
    match = re.fullmatch(rf"{re.escape(base)}/desk/cases/(\d+)", clerk.url)
    assert match, clerk.url
    case_url = clerk.url
    reference = f"SC-{int(match.group(1)):06d}"
    assert f"{reference} opened." in flash(clerk)
    assert badge(clerk) == "Registered"

    # W-3: the technician inspects; the warranty plugin classifies the unit (class B).
    tech = signed_in(base, "hq-tech")
    tech.goto(case_url)
    inspection = open_action(tech, "Record the inspection")
    inspection.get_by_label("Fault found").fill("Blown output stage")
    inspection.locator("#fault_description_0").fill("Output transistor")
    inspection.locator("#fault_cause_0").select_option("normal")
    assert inspection.locator("#coverage_class").input_value() == ""  # the rules decide
    submit(tech, inspection.get_by_role("button", name="Save inspection"))
    assert badge(tech) == "Inspected"
    assert "B — warranty expired (W-B)" in tech.locator("strong.coverage").inner_text()

    # W-4: the clerk quotes a labour line (charged: class B) and sends the quote.
    clerk.goto(case_url)
    line = open_action(clerk, "Add a line")
    line.get_by_label("Kind").select_option("labour")
    line.get_by_label("Description").fill("Bench repair")
    line.get_by_label("Unit price (yuan, e.g. 12.50)").fill("180.00")
    submit(clerk, line.get_by_role("button", name="Add line"))
    assert "Line added: Bench repair." in flash(clerk)
    row = clerk.locator("table.charges tbody tr", has_text="Bench repair")
    assert "payable" in row.inner_text()
    assert "180.00" in clerk.locator("table.charges th.total").inner_text()
    move_to(clerk, "Quoted")
    assert "Not confirmed" in clerk.locator(".confirmation-status").inner_text()

    link_form = clerk.locator("form.link-form")
    link_form.get_by_label("Customer's language").select_option("zh_CN")
    submit(clerk, link_form.get_by_role("button", name="Create a confirmation link"))
    link = clerk.locator("#confirmation-link").input_value()
    assert link.startswith(f"{base}/q/"), link

    # The customer, in a browser of their own and not signed in, confirms.
    customer = new_page()
    answer = customer.goto(link)
    assert answer is not None and answer.status == 200
    assert customer.locator("html").get_attribute("lang") == "zh-CN"  # the link's language
    assert customer.locator("nav.mainnav").count() == 0
    quote = customer.locator("section.public-quote")
    assert reference in quote.locator("h1").inner_text()
    assert "Bench repair" in quote.inner_text() and "180.00" in quote.inner_text()
    customer.locator("#customer_name").fill("Mr. Chen")
    submit(customer, customer.locator("button[name=decision][value=confirm]"))
    assert "180.00" in customer.locator("section.public-done").inner_text()
    again = customer.goto(link)
    assert again is not None and again.status == 404  # single use

    clerk.goto(case_url)
    assert badge(clerk) == "Confirmed"
    assert "Mr. Chen" in clerk.locator(".confirmation-status").inner_text()

    # P-3: the supervisor dispatches the technician.
    boss = signed_in(base, "hq-supervisor")
    boss.goto(case_url)
    dispatch = open_action(boss, "Dispatch a technician")
    technician = dispatch.get_by_label("Technician")
    choice = technician.locator("option", has_text="(hq-tech)")
    technician.select_option(value=choice.get_attribute("value"))
    assert not dispatch.get_by_label("On-site visit (P-7)").is_checked()
    submit(boss, dispatch.get_by_role("button", name="Dispatch"))
    assert badge(boss) == "Dispatched", boss.locator("main").inner_text()

    # The technician repairs and collects the payment (P-4): receipt 000001.
    tech.goto(case_url)
    move_to(tech, "In repair")
    move_to(tech, "Repaired")
    payment = tech.locator("form.payment-form")
    assert payment.get_by_label("Amount (yuan)").input_value() == "180.00"
    payment.get_by_label("Method").select_option("cash")
    submit(tech, payment.get_by_role("button", name="Record payment and print receipt"))
    assert re.fullmatch(rf"{re.escape(base)}/desk/payments/\d+/receipt", tech.url), tech.url
    receipt = tech.locator("article.receipt")
    assert "000001" in receipt.locator("h1").inner_text()
    assert receipt.locator(".receipt-number").inner_text() == "HQ-SC-000001"
    assert "180.00" in receipt.locator(".amount").inner_text()
    assert reference in receipt.inner_text() and CUSTOMER in receipt.inner_text()
    tech.screenshot(path=str(artefacts / "receipt.png"), full_page=True)

    # The clerk hands the unit back and closes the case.
    clerk.goto(case_url)
    assert "outstanding CN¥0.00" in clerk.locator("#payments").inner_text()
    move_to(clerk, "Returned")
    move_to(clerk, "Closed")
    assert clerk.locator(".case-head .badge.state-closed").inner_text() == "Closed"
    history = clerk.locator("#history").inner_text()
    steps = ["Registered → Inspected", "Inspected → Quoted", "Quoted → Confirmed",
             "Confirmed → Dispatched", "Dispatched → In repair", "In repair → Repaired",
             "Repaired → Returned", "Returned → Closed"]
    positions = [history.find(step) for step in steps]
    assert -1 not in positions, history
    assert positions == sorted(positions), history  # oldest first
    clerk.screenshot(path=str(artefacts / "case-closed.png"), full_page=True)
