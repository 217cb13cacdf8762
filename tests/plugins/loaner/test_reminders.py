"""ANCHORS (SI#5713, SI#6553): a reminder before the due date, with the look-ahead set in
``[plugin.loaner] remind_days_before``, sent once through the customer outbox; a request is
cancelled only by whoever made it or by a supervisor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.entities import CaseEvent, OutboxMessage
from core.jobs import run_jobs
from plugins.loaner import services
from plugins.loaner.models import Loan, LoanerEvent
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body
from tests.support import Harness


def _lent(h: Harness, seq: int) -> tuple[int, int]:
    uid = add_unit(h, seq)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    lid = h.client().post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Touring"}).json()["id"]
    lent = h.client().post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk, json=lend_body())
    assert lent.status_code == 200, lent.text
    return cid, lid


def _due_in(h: Harness, lid: int, days: int) -> None:
    with h.session() as session:
        loan = session.get(Loan, lid)
        loan.expected_return = services.today(session) + timedelta(days=days)
        session.commit()


def _due_messages(h: Harness) -> list[tuple[int | None, str]]:
    with h.session() as session:
        return [(m.case_id, m.body) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "loaner.due_reminder")
            .order_by(OutboxMessage.id))]


def test_a_reminder_before_the_due_date_goes_out_once(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=["warranty", "loaner"], plugin={"loaner": {"remind_days_before": 2}})
    soon_case, soon = _lent(h, 1)
    _later_case, later = _lent(h, 2)
    _late_case, late = _lent(h, 3)
    _due_in(h, soon, 2)    # inside the look-ahead
    _due_in(h, later, 3)   # not yet
    _due_in(h, late, -1)   # overdue: the overdue reminder's business, not this one
    assert dict(run_jobs(h.app))["loaner.remind_due"] == \
        "1 reminder(s) before the due date queued"
    assert dict(run_jobs(h.app))["loaner.remind_due"] == \
        "0 reminder(s) before the due date queued"  # once, however often the job runs
    sent = _due_messages(h)
    assert [case for case, _body in sent] == [soon_case]
    assert "PA2400-230101-00001" in sent[0][1] and "Rack ears" in sent[0][1]
    with h.session() as session:
        loan = session.get(Loan, soon)
        assert loan.due_reminder_on == services.today(session)
        assert session.get(Loan, later).due_reminder_on is None
        assert "loaner.due_reminder" in set(session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == soon_case)))
        assert session.scalars(select(LoanerEvent.kind).where(
            LoanerEvent.loan_id == soon, LoanerEvent.kind == "due_reminded")).one()
    page = h.client("hq-clerk").get(f"/loaner/loans/{soon}").text
    assert "Reminder before the due date" in page
    # a day later the second loan enters the look-ahead and gets its own, once
    _due_in(h, later, 2)
    run_jobs(h.app)
    run_jobs(h.app)
    assert [case for case, _body in _due_messages(h)] == [soon_case, _later_case]


def test_no_reminder_before_when_the_look_ahead_is_zero(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "loaner"], plugin={"loaner": {"remind_days_before": 0}})
    _cid, lid = _lent(h, 1)
    _due_in(h, lid, 0)
    assert dict(run_jobs(h.app))["loaner.remind_due"] == \
        "0 reminder(s) before the due date queued"
    assert _due_messages(h) == []


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _request(h: Harness, seq: int, login: str = "hq-clerk") -> int:
    uid = add_unit(h, seq)
    answer = h.client().post("/api/v1/loaner/loans", headers=bearer(h, login), json={
        "case_id": case_id(h), "unit_id": uid, "reason": "Touring"})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _cancel(h: Harness, lid: int, login: str) -> object:
    return h.client(login).form(f"/loaner/loans/{lid}/cancel", {
        "note": "Not needed", "confirm": "on"}, follow_redirects=False)


def _status(h: Harness, lid: int) -> str:
    with h.session() as session:
        return str(session.get(Loan, lid).status)


def test_only_the_requester_or_a_supervisor_cancels_a_request(h: Harness) -> None:
    mine = _request(h, 1)
    # another clerk with the right to lend (the warehouse keeper) may not cancel it
    assert "Cancel this request" not in h.client("hq-warehouse").get(
        f"/loaner/loans/{mine}").text
    refused = _cancel(h, mine, "hq-warehouse")
    assert refused.status_code == 403 and _status(h, mine) == "approved"
    assert "Cancel this request" in h.client("hq-clerk").get(f"/loaner/loans/{mine}").text
    assert _cancel(h, mine, "hq-clerk").status_code == 303
    assert _status(h, mine) == "cancelled"
    # a supervisor may cancel anyone's request
    other = _request(h, 2)
    assert _cancel(h, other, "hq-supervisor").status_code == 303
    assert _status(h, other) == "cancelled"
