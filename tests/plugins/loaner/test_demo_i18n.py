"""The demo has loans in every state and runs twice; pages read in Chinese; the policy's
pure rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from core.demo_desk import seed_desk
from plugins.loaner import policy
from plugins.loaner.demo import seed
from plugins.loaner.models import Loan, LoanerTerms, LoanerUnit
from tests.support import Harness


def test_demo_has_loans_in_every_state(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "loaner"])
    with h.session() as session:
        seed_desk(session, h.app.state.pm, h.settings, 0)
        seed(session, h.settings)
        session.commit()
        seed(session, h.settings)  # idempotent
        session.commit()
        states = set(session.scalars(select(Loan.status)))
        assert states == {"requested", "approved", "lent", "returned", "declined", "cancelled"}
        declined = session.scalars(select(Loan).where(Loan.status == "declined")).one()
        assert declined.decision_note and declined.decided_by_id is not None
        assert session.get(LoanerUnit, declined.unit_id).status == "available"
        terms = {t.model_code: t.deposit_cents for t in session.scalars(select(LoanerTerms))}
        assert terms == {"PA2400": 50000, "MX16": 30000}  # the models' terms
        assert session.scalars(select(LoanerUnit)).first() is not None
    web = h.client("hq-supervisor")
    for url in ("/loaner", "/loaner/loans", "/loaner/loans?overdue=1", "/loaner/numbers"):
        assert web.get(url).status_code == 200, url


def test_pages_in_chinese(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["loaner"])
    page = h.client("sw-supervisor").get("/loaner").text  # SOUTHWEST users read Chinese
    assert "备用机池" in page and "这里还没有备用机" in page


def test_policy_rules() -> None:
    assert policy.split_accessories("Power cord, rack ears\npower cord\n") == [
        "Power cord", "rack ears"]
    assert policy.expected_return(date(2026, 1, 1), 7) == date(2026, 1, 8)
    assert policy.overdue_days(date(2026, 1, 8), date(2026, 1, 10)) == 2
    assert policy.overdue_days(None, date(2026, 1, 10)) == 0
    assert policy.reminder_due(date(2026, 1, 8), None, date(2026, 1, 9), 3)
    assert not policy.reminder_due(date(2026, 1, 8), date(2026, 1, 9), date(2026, 1, 10), 3)
    assert policy.reminder_due(date(2026, 1, 8), date(2026, 1, 9), date(2026, 1, 12), 3)
    lines = [policy.ReturnLine("Rack ears", 5000, "missing")]
    assert policy.settle(3000, lines) == (5000, 3000, 0)
    assert policy.settle(50000, lines) == (5000, 5000, 45000)
