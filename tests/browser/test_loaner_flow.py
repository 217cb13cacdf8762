"""E-2 in a real browser: a clerk requests a loaner from the case page's panel, lends it
with a deposit, the repair finishes (the recall goes to the outbox), and the clerk takes it
back with a missing accessory charged and the rest of the deposit refunded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import OutboxMessage
from plugins.loaner.models import Loan
from tests.plugins.loaner.helpers import add_unit, case_id, repaired
from tests.support import Harness

pytestmark = pytest.mark.browser


def test_lend_recall_return(make_app: Callable[..., Harness],
                            live_app: Callable[..., tuple[Harness, str]],
                            signed_in: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=["warranty", "loaner"], backend="sqlite")
    add_unit(h)
    cid = case_id(h)
    _, base = live_app(h)
    page = signed_in(base, "hq-clerk")
    page.goto(f"{base}/desk/cases/{cid}")
    panel = page.locator("#loaner-case")
    panel.wait_for()
    panel.get_by_label("Customer's reason").fill("Touring next week")
    with page.expect_navigation():
        panel.get_by_role("button", name="Request this loaner").click()
    assert "Lend: what goes out" in page.content()
    page.get_by_label("Deposit (yuan, optional)").fill("500.00")
    page.get_by_label("Signed by (customer)").fill("Mr. Huang")
    page.get_by_label("Agreement language").select_option("en")
    with page.expect_navigation():
        page.locator("#lend-button").click()
    assert "Print the loan agreement" in page.content()
    with h.session() as session:
        lid = session.scalars(select(Loan.id)).one()
    repaired(h, cid)  # the technician finishes: the recall goes out
    with h.session() as session:
        assert session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "loaner.recall")).first() is not None
    page.goto(f"{base}/loaner/loans/{lid}")
    assert "Due back" in page.content()
    page.get_by_label("Rack ears").select_option("missing")
    with page.expect_navigation():
        page.locator("#return-button").click()
    page.screenshot(path=str(artefacts / "loaner-returned.png"))
    refund = page.locator("dd.refund").inner_text()
    charges = page.locator("dd.charges").inner_text()
    assert "450" in refund and "50" in charges
