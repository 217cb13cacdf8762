"""Issue 18 in a real browser: the body-code lookup never submits the intake form (Enter, as a
barcode scanner sends it, and "Look up" are htmx requests of the code alone), the owner of a
known unit is offered, the autocomplete fills a customer on file, a missing body code stops at
an explicit W-1 step, and the customer's page shows what is on file (screenshot kept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import Harness

pytestmark = pytest.mark.browser

BODY_CODE = "PA2400-240315-00042"
CUSTOMER = "Pearl River Live House"


def _submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def test_intake_lookup_owner_autocomplete_and_w1_step(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any],
        artefacts: Path) -> None:
    _, base = live_app(plugins=[])
    clerk = signed_in(base, "hq-clerk")
    urls: list[str] = []
    clerk.on("request", lambda request: urls.append(request.url))
    clerk.goto(f"{base}/desk/intake")
    clerk.get_by_label("Name").fill(CUSTOMER)

    # Enter in the body-code field looks the code up and submits nothing.
    code = clerk.get_by_label("Body code")
    code.fill(BODY_CODE)
    code.press("Enter")
    clerk.wait_for_selector("#lookup >> text=Unknown unit")
    assert clerk.url == f"{base}/desk/intake"
    clerk.locator("#lookup").evaluate("el => el.innerHTML = ''")
    clerk.locator("#lookup-button").click()
    clerk.wait_for_selector("#lookup >> text=Unknown unit")
    assert clerk.url == f"{base}/desk/intake"
    assert clerk.get_by_label("Name").input_value() == CUSTOMER  # the form was not reloaded
    assert not [u for u in urls if "csrf_token" in u or "customer.name" in u], urls

    clerk.get_by_label("Full address").fill("1 Haizhu Road, Guangzhou")
    clerk.get_by_label("Phone").fill("+86 139-0000 1111")
    clerk.get_by_label("Fault as described by the customer").fill("No sound on channel B")
    _submit(clerk, clerk.get_by_role("button", name="Open the case"))
    assert "SC-000001 opened." in clerk.locator("main").inner_text()

    # A known unit: its owner is offered and fills the customer fields.
    clerk.goto(f"{base}/desk/intake")
    clerk.get_by_label("Body code").fill(BODY_CODE)
    clerk.get_by_label("Body code").press("Enter")
    offer = clerk.locator("#lookup button.use-owner")
    offer.wait_for()
    assert CUSTOMER in clerk.locator("#lookup").inner_text()
    offer.click()
    clerk.wait_for_selector("#customer-fields .chosen-customer")
    assert clerk.get_by_label("Name").input_value() == CUSTOMER
    assert clerk.get_by_label("Phone").input_value() == "139 0000 1111"
    clerk.get_by_label("Fault as described by the customer").fill("Hum on channel A")
    _submit(clerk, clerk.get_by_role("button", name="Open the case"))
    assert "SC-000002 opened." in clerk.locator("main").inner_text()

    # No body code: the autocomplete finds the customer; the W-1 step comes before any write.
    clerk.goto(f"{base}/desk/intake")
    clerk.get_by_label("Name").press_sequentially("pearl", delay=20)
    suggestion = clerk.locator("#customer-suggest button", has_text=CUSTOMER)
    suggestion.wait_for()
    suggestion.click()
    clerk.wait_for_selector("#customer-fields .chosen-customer")
    assert clerk.get_by_label("Full address").input_value() == "1 Haizhu Road, Guangzhou"
    clerk.get_by_label("Model").select_option("PA2400")
    clerk.get_by_label("Fault as described by the customer").fill("Scratched, no label")
    _submit(clerk, clerk.get_by_role("button", name="Open the case"))
    step = clerk.locator("#w1-step")
    assert "W-1" in step.inner_text() and "Nothing has been written yet" in step.inner_text()
    _submit(clerk, step.get_by_role("button", name="Refuse under W-1 and file the case"))
    assert "SC-000003 is on file but refused" in clerk.locator("main").inner_text()

    # The customer's page: found by the phone's digits, with both units' cases.
    clerk.goto(f"{base}/desk/customers")
    clerk.get_by_label("Search").first.press_sequentially("13900001111", delay=10)
    link = clerk.locator("#customer-results a", has_text=CUSTOMER)
    link.wait_for()
    _submit(clerk, link)
    text = clerk.locator("main").inner_text()
    for shown in ("SC-000001", "SC-000002", "SC-000003", BODY_CODE, "139 0000 1111"):
        assert shown in text, shown
    clerk.screenshot(path=str(artefacts / "customer-page.png"), full_page=True)
