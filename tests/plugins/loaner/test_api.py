"""The loaner flow through HTTP on SQLite and PostgreSQL: request (a hold), lend with a
deposit and the agreement, recall on ``repaired`` (outbox), the E-2 veto, overdue reminders
by the job, return with a missing accessory charged and the deposit settled; bad input is a
4xx with a JSON error and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.entities import CaseEvent, CaseHold, Charge, OutboxMessage, Payment
from core.jobs import run_jobs
from plugins.loaner.models import Loan, LoanerMoney, LoanerUnit
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body, move, repaired
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _count(h: Harness, model: type) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_request_lend_recall_remind_return(h: Harness) -> None:
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    c = h.client()
    offered = c.get(f"/api/v1/loaner/cases/{cid}/availability", headers=clerk).json()
    assert [u["id"] for u in offered["units"]] == [uid]
    asked = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Touring next week", "needed_by": None})
    assert asked.status_code == 201, asked.text
    loan = asked.json()
    assert loan["status"] == "approved" and loan["unit"]["status"] == "reserved"
    with h.session() as session:  # waiting for the loaner is a case hold
        holds = session.scalars(select(CaseHold).where(CaseHold.case_id == cid)).all()
        assert [(x.kind, x.released_at is None) for x in holds] == [
            ("loaner.waiting_for_loaner", True)]
    # the unit is reserved: nobody else sees it as available
    assert c.get(f"/api/v1/loaner/cases/{cid}/availability",
                 headers=clerk).json()["units"] == []
    lent = c.post(f"/api/v1/loaner/loans/{loan['id']}/lend", headers=clerk, json=lend_body(
        deposit_cents=50000, deposit_method="cash"))
    assert lent.status_code == 200, lent.text
    body = lent.json()
    assert body["status"] == "lent" and body["deposit_cents"] == 50000
    assert body["accessories_out"] == ["Power cord", "Rack ears", "Quick-start guide"]
    with h.session() as session:
        row = session.get(Loan, loan["id"])
        assert "Rack ears" in row.agreement_text and "Mr. Huang" in row.agreement_text
        assert session.scalars(select(CaseHold).where(CaseHold.case_id == cid)
                               ).one().released_at is not None
        money = session.scalars(select(LoanerMoney)).all()
        assert [(m.kind, m.amount_cents) for m in money] == [("deposit", 50000)]
    # E-2 recall when the repair is ready
    repaired(h, cid)
    recalled = c.get(f"/api/v1/loaner/loans/{loan['id']}", headers=clerk).json()
    assert recalled["recalled_at"] and recalled["expected_return"]
    with h.session() as session:
        kinds = list(session.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.case_id == cid)))
        assert "loaner.recall" in kinds
    # the loaner is still out: the case cannot go back to the customer (E-2)
    vetoed = move(h, clerk, cid, "returned")
    assert vetoed.status_code == 409
    assert "E-2" in [v["clause"] for v in vetoed.json()["error"]["vetoes"]]
    # overdue: the job marks it and reminds, once a day
    with h.session() as session:
        row = session.get(Loan, loan["id"])
        row.expected_return = row.expected_return - timedelta(days=12)
        session.commit()
    assert dict(run_jobs(h.app))["loaner.remind_overdue"] == \
        "1 overdue loan(s), 1 reminder(s) queued"
    assert dict(run_jobs(h.app))["loaner.remind_overdue"] == \
        "1 overdue loan(s), 0 reminder(s) queued"
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "loaner.reminder")) == 1
        assert "loaner.reminder" in set(session.scalars(select(CaseEvent.kind).where(
            CaseEvent.case_id == cid)))
    overdue = c.get("/api/v1/loaner/loans?overdue=1", headers=clerk).json()
    assert [x["id"] for x in overdue["loans"]] == [loan["id"]]
    assert overdue["loans"][0]["overdue_days"] >= 5
    # return with a missing accessory: a charge line, paid from the deposit, rest refunded
    back = c.post(f"/api/v1/loaner/loans/{loan['id']}/return", headers=clerk, json={
        "condition": "good", "accessories": {"Rack ears": "missing"}})
    assert back.status_code == 200, back.text
    result = back.json()
    assert result["status"] == "returned" and result["unit"]["status"] == "in_check"
    assert result["charges_cents"] == 5000 and result["refund_cents"] == 45000
    with h.session() as session:
        charge = session.scalars(select(Charge).where(Charge.case_id == cid)).one()
        assert charge.unit_price_cents == 5000 and "Rack ears" in charge.description_text()
        assert not charge.waived and charge.clause == "E-2"
        payment = session.scalars(select(Payment).where(Payment.case_id == cid)).one()
        assert payment.amount_cents == 5000
        money = [(m.kind, m.amount_cents) for m in session.scalars(
            select(LoanerMoney).order_by(LoanerMoney.id))]
        assert money == [("deposit", 50000), ("kept", -5000), ("refund", -45000)]
        assert session.get(LoanerUnit, uid).status == "in_check"
    # the loaner is back: E-2 no longer objects
    again = move(h, clerk, cid, "returned")
    vetoes = again.json().get("error", {}).get("vetoes", []) if again.status_code == 409 else []
    assert "E-2" not in [v["clause"] for v in vetoes]
    # a second return of the same loan is refused
    twice = c.post(f"/api/v1/loaner/loans/{loan['id']}/return", headers=clerk, json={
        "condition": "good"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "not_lent"


def test_part_price_hook_prices_a_missing_accessory(h: Harness) -> None:
    class Catalogue:
        from core.plugin_api import hookimpl

        @hookimpl
        def part_price(self, session: object, model_code: str, item: str) -> int | None:
            return 1234 if (model_code, item) == ("PA2400", "Power cord") else None

    h.app.state.pm.register(Catalogue(), name="catalogue")
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    c = h.client()
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Gig"}).json()["id"]
    assert c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                  json=lend_body()).status_code == 200
    back = c.post(f"/api/v1/loaner/loans/{lid}/return", headers=clerk, json={
        "condition": "good", "accessories": {"Power cord": "missing", "Rack ears": "damaged"}})
    assert back.status_code == 200, back.text
    prices = {b["item"]: b["price_cents"] for b in back.json()["accessories_back"]}
    assert prices == {"Power cord": 1234, "Rack ears": 5000, "Quick-start guide": 0}
    assert back.json()["refund_cents"] == 0  # no deposit taken


def test_bad_input_is_a_json_4xx_and_writes_nothing(h: Harness) -> None:
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    c = h.client()
    cases = [
        ({"case_id": cid, "unit_id": uid}, 422, "reason"),
        ({"case_id": cid, "unit_id": "x", "reason": "r"}, 422, "unit_id"),
        ({"case_id": cid, "unit_id": 999, "reason": "r"}, 404, "unit_id"),
        ({"case_id": 99999, "unit_id": uid, "reason": "r"}, 404, None),
        ({"case_id": cid, "unit_id": uid, "reason": "r", "needed_by": "2001-01-01"}, 422,
         "needed_by"),
        ({"case_id": cid, "unit_id": uid, "reason": "r", "needed_by": "tomorrow"}, 422,
         "needed_by"),
        ({"unit_id": uid, "reason": "r"}, 422, "case_id"),
    ]
    for body, status, field in cases:
        answer = c.post("/api/v1/loaner/loans", headers=clerk, json=body)
        assert answer.status_code == status, (body, answer.text)
        error = answer.json()["error"]
        if field:
            assert field in error["fields"], (body, error)
    assert c.post("/api/v1/loaner/loans", headers=clerk, content=b"[1",
                  ).status_code == 400
    assert _count(h, Loan) == 0
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "r"}).json()["id"]
    no_method = c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                       json=lend_body(deposit_cents=100, deposit_method=None))
    assert no_method.status_code == 422 and "deposit_method" in no_method.json()["error"][
        "fields"]
    unknown = c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                     json=lend_body(accessories=["Power cord", "Jet pack"]))
    assert unknown.status_code == 422 and "accessories" in unknown.json()["error"]["fields"]
    with h.session() as session:
        assert session.get(Loan, lid).status == "approved"
        assert session.get(LoanerUnit, uid).status == "reserved"
        assert session.scalar(select(func.count()).select_from(LoanerMoney)) == 0
    assert c.post("/api/v1/loaner/units", headers=bearer(h, "hq-supervisor"), json={
        "body_code": "NOT A CODE", "service_point_id": 1}).status_code == 422
    assert c.post("/api/v1/loaner/units", headers=bearer(h, "hq-supervisor"), json={
        "body_code": "PA2400-230101-00001", "service_point_id": 1}).status_code == 409
    # a clerk may not add units to a pool
    assert c.post("/api/v1/loaner/units", headers=clerk, json={
        "body_code": "PA2400-230101-00077", "service_point_id": 1}).status_code == 403


def test_another_model_needs_a_supervisor_and_a_reason(h: Harness) -> None:
    other = add_unit(h, 5, model="MX16")
    cid = case_id(h)
    c = h.client()
    clerk = c.post("/api/v1/loaner/loans", headers=bearer(h, "hq-clerk"), json={
        "case_id": cid, "unit_id": other, "reason": "r"})
    assert clerk.status_code == 403
    supervisor = bearer(h, "hq-supervisor")
    offered = c.get(f"/api/v1/loaner/cases/{cid}/availability", headers=supervisor).json()
    assert [(u["id"], u["same_model"]) for u in offered["units"]] == [(other, False)]
    bare = c.post("/api/v1/loaner/loans", headers=supervisor, json={
        "case_id": cid, "unit_id": other, "reason": "r"})
    assert bare.status_code == 422 and "other_model_reason" in bare.json()["error"]["fields"]
    ok = c.post("/api/v1/loaner/loans", headers=supervisor, json={
        "case_id": cid, "unit_id": other, "reason": "r",
        "other_model_reason": "No PA2400 left; MX16 covers the gig"})
    assert ok.status_code == 201, ok.text


def test_cross_point_request_waits_for_the_lending_point(h: Harness) -> None:
    from tests.plugins.loaner.helpers import second_hq_point

    second_hq_point(h)
    uid = add_unit(h, 7, point="HQ-BJ")
    cid = case_id(h)
    c = h.client()
    clerk = bearer(h, "hq-clerk")
    loan = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Festival"}).json()
    assert loan["status"] == "requested" and loan["needs_approval_of"] == "HQ-BJ"
    early = c.post(f"/api/v1/loaner/loans/{loan['id']}/lend", headers=clerk, json=lend_body())
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_approved"
    assert c.post(f"/api/v1/loaner/loans/{loan['id']}/decision", headers=clerk,
                  json={"accept": True}).status_code == 403  # clerks do not approve
    supervisor = bearer(h, "hq-supervisor")
    no_reason = c.post(f"/api/v1/loaner/loans/{loan['id']}/decision", headers=supervisor,
                       json={"accept": False})
    assert no_reason.status_code == 422 and "note" in no_reason.json()["error"]["fields"]
    declined = c.post(f"/api/v1/loaner/loans/{loan['id']}/decision", headers=supervisor,
                      json={"accept": False, "note": "Booked for our own customer"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["unit"]["status"] == "available"
    again = c.post(f"/api/v1/loaner/loans/{loan['id']}/decision", headers=supervisor,
                   json={"accept": True})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"
    with h.session() as session:  # the hold went with the request
        assert all(x.released_at is not None for x in session.scalars(
            select(CaseHold).where(CaseHold.case_id == cid)))
