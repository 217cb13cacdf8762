"""E-2 in a real browser, the whole story: a distributor's customer (a case at EAST-SH) needs a
loaner from HQ's pool; HQ's clerk requests it on the distributor's case; HQ's supervisor
accepts it in the approval queue; the clerk lends it with the deposit the model's terms
suggest; the repair finishes (the recall goes to the customer's outbox); the periodic job
finds it overdue and reminds; the clerk takes it back with a missing accessory charged at the
model's listed price and the rest of the deposit refunded. Each step checks the page's text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.jobs import run_jobs
from plugins.loaner import services
from plugins.loaner.models import Loan
from tests.plugins.loaner.helpers import add_unit, case_id, repaired
from tests.support import Harness

pytestmark = pytest.mark.browser


def _terms(h: Harness) -> None:
    """HQ's manager has set PA2400's terms: a 500.00 deposit, rack ears at 80.00."""
    with h.session() as session:
        from plugins.loaner.terms import save_terms

        save_terms(session, None, {"model_code": "PA2400", "deposit_cents": 50000,
                                   "prices": {"Rack ears": 8000}})
        session.commit()


def test_distributor_case_hq_pool_approve_lend_recall_overdue_return(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        signed_in: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=["warranty", "loaner"], backend="sqlite")
    add_unit(h, point="HQ-SC")  # HQ's pool
    _terms(h)
    cid = case_id(h, "east-clerk")  # the distributor's case (EAST-SH)
    _, base = live_app(h)

    # 1. the request, on the distributor's case, for HQ's unit: it needs HQ's approval
    clerk = signed_in(base, "hq-clerk")
    clerk.goto(f"{base}/desk/cases/{cid}")
    panel = clerk.locator("#loaner-case")
    panel.wait_for()
    assert "HQ-SC (needs their approval)" in panel.inner_text()
    panel.get_by_label("Customer's reason").fill("Festival stage next week")
    with clerk.expect_navigation():
        panel.get_by_role("button", name="Request this loaner").click()
    text = clerk.locator("main").inner_text()
    assert "reserved for this case" in text and "awaiting approval" in text
    assert "Approval of" in text and "HQ-SC" in text
    assert "Lend: what goes out" not in text  # not before HQ accepts
    with h.session() as session:
        lid = session.scalars(select(Loan.id)).one()

    # 2. approval at HQ, by HQ's supervisor, from the queue
    supervisor = signed_in(base, "hq-supervisor")
    supervisor.goto(f"{base}/loaner/approvals")
    row = supervisor.locator(f"tr[data-loan='{lid}']")
    assert "PA2400-230101-00001" in row.inner_text() and "(HQ-SC)" in row.inner_text()
    with supervisor.expect_navigation():
        row.get_by_role("link", name=f"L{lid:06d}").click()
    with supervisor.expect_navigation():
        supervisor.locator("#accept").click()
    text = supervisor.locator("main").inner_text()
    assert "Decision recorded." in text and "ready to lend" in text

    # 3. lending, with the deposit of the model's terms
    clerk.goto(f"{base}/loaner/loans/{lid}")
    assert "Lend: what goes out" in clerk.content()
    assert clerk.get_by_label("Deposit (yuan, optional)").input_value() == "500.00"
    clerk.get_by_label("Signed by (customer)").fill("Mr. Huang")
    clerk.get_by_label("Agreement language").select_option("en")
    with clerk.expect_navigation():
        clerk.locator("#lend-button").click()
    text = clerk.locator("main").inner_text()
    assert "Loaner lent. Print the agreement" in text and "Print the loan agreement" in text
    assert "500.00" in clerk.locator("dd.deposit").inner_text()

    # 4. the repair is ready: the case is repaired and the recall goes to the outbox
    repaired(h, cid, "east")
    clerk.goto(f"{base}/desk/cases/{cid}")
    text = clerk.locator("main").inner_text()
    assert "Repaired" in text
    assert "Loaner PA2400-230101-00001 recalled, due back" in text
    clerk.goto(f"{base}/desk/cases/{cid}/messages")
    assert "Your repaired unit is ready: please bring back the loaner" in \
        clerk.locator("main").inner_text()

    # 5. overdue: the due date lies 10 days back; the periodic job marks it and reminds
    with h.session() as session:
        loan = session.get(Loan, lid)
        loan.expected_return = services.today(session) - timedelta(days=10)
        session.commit()
    assert dict(run_jobs(h.app))["loaner.remind_overdue"] == \
        "1 overdue loan(s), 1 reminder(s) queued"
    clerk.goto(f"{base}/loaner/loans?overdue=1")
    assert clerk.locator(f"tr[data-loan='{lid}']").count() == 1
    clerk.goto(f"{base}/loaner/loans/{lid}")
    due = clerk.locator("dd.due").inner_text()
    assert "10 day(s) overdue" in due and "1 reminder(s) sent" in due
    clerk.goto(f"{base}/desk/cases/{cid}/messages")
    assert "Reminder: loaner PA2400-230101-00001 is overdue" in \
        clerk.locator("main").inner_text()

    # 6. back, without its rack ears: charged at the listed 80.00; 420.00 refunded
    clerk.goto(f"{base}/loaner/loans/{lid}")
    clerk.get_by_label("Rack ears").select_option("missing")
    with clerk.expect_navigation():
        clerk.locator("#return-button").click()
    clerk.screenshot(path=str(artefacts / "loaner-returned.png"))
    text = clerk.locator("main").inner_text()
    assert "Loaner returned; the unit is in check." in text
    assert "80.00" in clerk.locator("dd.charges").inner_text()
    assert "420.00" in clerk.locator("dd.refund").inner_text()
    assert "Rack ears" in clerk.locator("table.returned-items").inner_text()
    clerk.goto(f"{base}/desk/cases/{cid}")
    text = clerk.locator("main").inner_text()
    assert "Loaner PA2400-230101-00001 returned; missing: Rack ears" in text
    assert "Loaner deposit refunded 420.00" in text
