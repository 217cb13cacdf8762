"""Parts in a real browser (issue 15): an East technician asks for a part the store lacks,
HQ approves and ships it, East receives it, and the part is issued to the case in warranty
(free, R-6); a second, out-of-warranty case is charged for the same part."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import Charge
from tests.core.desk_helpers import move
from tests.plugins.parts.helpers import (
    bearer,
    confirm_quote,
    inspected_case,
    setup_parts,
    user_id,
)
from tests.support import Harness

pytestmark = pytest.mark.browser


def _to_repair(h: Harness, case_id: int) -> None:
    confirm_quote(h, case_id, "east")
    moved = move(h, bearer(h, "east-supervisor"), case_id, "dispatched",
                 technician_id=user_id(h, "east-tech"))
    assert moved.status_code == 200, moved.text
    assert move(h, bearer(h, "east-tech"), case_id, "in_repair").status_code == 200


def _panel(page: Any) -> Any:
    panel = page.locator(".parts-panel")
    panel.wait_for()
    return panel


def test_requisition_approval_transfer_receipt_issue(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        signed_in: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=["warranty", "parts"], backend="sqlite")
    setup_parts(h, hq_qty=5)
    free_case = inspected_case(h, "A", region="east")
    paid_case = inspected_case(h, "B", region="east")
    _, base = live_app(h)
    needed = (date.today() + timedelta(days=4)).isoformat()

    tech = signed_in(base, "east-tech")
    tech.goto(f"{base}/desk/cases/{free_case}")
    panel = _panel(tech)
    panel.locator("select[name=part]").select_option("P-OUT")
    panel.locator("input[name=quantity]").fill("2")
    panel.locator("input[name=needed_by]").fill(needed)
    with tech.expect_navigation():
        panel.get_by_role("button", name="Reserve").click()
    panel = _panel(tech)
    assert "submitted" in panel.inner_text()

    manager = signed_in(base, "hq-manager")
    manager.goto(f"{base}/parts/requisitions")
    with manager.expect_navigation():
        manager.locator(".parts-requisitions a").first.click()
    with manager.expect_navigation():
        manager.get_by_role("button", name="Approve").click()
    assert "approved" in manager.locator(".requisition-state").inner_text()

    keeper = signed_in(base, "hq-warehouse")
    keeper.goto(manager.url)
    form = keeper.locator("form.parts-ship-requisition")
    form.locator("select[name=from_warehouse]").select_option("WH-HQ")
    form.locator("input[name=waybill]").fill("SF-2026-001")
    with keeper.expect_navigation():
        form.get_by_role("button", name="Ship").click()
    assert keeper.locator("a.transfer-link").count() == 1, keeper.inner_text("main")
    transfer_url = keeper.locator("a.transfer-link").get_attribute("href")

    east_keeper = signed_in(base, "east-warehouse")
    east_keeper.goto(f"{base}{transfer_url}")
    assert "SF-2026-001" in east_keeper.content()
    with east_keeper.expect_navigation():
        east_keeper.get_by_role("button", name="Confirm receipt").click()
    assert "received" in east_keeper.locator(".transfer-state").inner_text()

    _to_repair(h, free_case)
    tech.goto(f"{base}/desk/cases/{free_case}")
    with tech.expect_navigation():
        _panel(tech).locator("button.issue-reserved").click()
    assert "issued" in _panel(tech).inner_text()
    tech.screenshot(path=str(artefacts / "parts-issued.png"), full_page=True)

    # the out-of-warranty case: reserve from the East store's stock, then issue: charged
    # East received 2 and both went to the first case; HQ ships one more
    keeper.goto(f"{base}/parts/transfers")
    ship = keeper.locator("form.parts-ship")
    ship.locator("select[name=from_warehouse]").select_option("WH-HQ")
    ship.locator("input[name=to_warehouse]").fill("WH-EAST")
    ship.locator("select[name=part]").select_option("P-OUT")
    ship.locator("input[name=quantity]").fill("1")
    with keeper.expect_navigation():
        ship.get_by_role("button", name="Ship").click()
    with keeper.expect_navigation():
        keeper.locator(".parts-transfers a").first.click()
    east_keeper.goto(keeper.url)
    with east_keeper.expect_navigation():
        east_keeper.get_by_role("button", name="Confirm receipt").click()
    tech.goto(f"{base}/desk/cases/{paid_case}")
    _panel(tech).locator("select[name=part]").select_option("P-OUT")
    with tech.expect_navigation():
        _panel(tech).get_by_role("button", name="Reserve").click()
    _to_repair(h, paid_case)
    tech.goto(f"{base}/desk/cases/{paid_case}")
    with tech.expect_navigation():
        _panel(tech).locator("button.issue-reserved").click()
    assert "issued" in _panel(tech).inner_text()

    with h.session() as session:
        charges = {c.case_id: c for c in session.scalars(select(Charge).where(
            Charge.kind == "part"))}
        assert charges[free_case].waived and charges[free_case].quantity == 2
        assert not charges[paid_case].waived and charges[paid_case].payable_cents == 6500
