"""Issue 10, item 5 (core): money out of the till. A credit owed on a case is paid back on a
credit note with a gapless number per service point, never more than the company owes;
the slip prints; the cash handover is cash in minus cash out; two identical refunds at the
same moment take effect once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from core.entities import CreditNote, Handover, ServiceCase, User
from core.services import intake, payments, quotes, refunds, workflow
from tests.core.desk_helpers import bearer
from tests.live import fire
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _user(session, login: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.login == login)).one()


def case_with_credit(h: Harness, n: int, *, paid: int = 10000, credit: int = 3000,
                     prefix: str = "hq", method: str = "cash") -> int:
    """A case paid in full by ``<prefix>-clerk`` (``paid`` cents) on which the company then
    owes the customer ``credit`` cents (as a plugin's R-8 decision would grant)."""
    with h.session() as session:
        clerk, tech = _user(session, f"{prefix}-clerk"), _user(session, f"{prefix}-tech")
        pm = h.app.state.pm
        case = intake.intake(session, pm, actor=clerk, service_point=clerk.service_point,
                             today=date.today(), data={
                                 "body_code": f"MC58-250101-{n:05d}", "model_code": "",
                                 "customer": {"name": "Ms. Lin", "address": "2 Road",
                                              "phone": "123"},
                                 "fault_description": "Hum", "channel": "walk_in"})
        if paid:
            workflow.transition(session, pm, case, "inspected", tech,
                                {"fault_found": "Hum", "coverage_class": "B"})
            quotes.add_charge(session, pm, case, clerk, {
                "kind": "labour", "description": "Repair", "unit_price_cents": paid})
            workflow.transition(session, pm, case, "quoted", clerk, {})
            quotes.record_confirmation(session, pm, case, clerk,
                                       {"method": "phone", "customer_name": "Ms. Lin"})
            payments.record_payment(session, case, clerk, {"amount_cents": paid,
                                                           "method": method})
        if credit:
            refunds.grant_credit(session, case, clerk, kind="refund", amount_cents=credit,
                                 description="Refund of the price less depreciation",
                                 clause="R-8", source="test")
        session.commit()
        return case.id


def test_refund_through_the_api_never_exceeds_what_is_owed(desk: Harness) -> None:
    cid = case_with_credit(desk, 1, paid=10000, credit=3000)
    clerk = bearer(desk, "hq-clerk")
    url = f"/api/v1/cases/{cid}/refunds"
    before = desk.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    assert before["paid_cents"] == 10000 and before["payable_cents"] == 10000
    assert before["refundable_cents"] == 3000 and before["balance_cents"] == -3000
    assert before["credits"][0]["clause"] == "R-8" and before["credit_notes"] == []

    too_much = desk.client().post(url, json={"amount_cents": 3001, "method": "cash"},
                                  headers=clerk)
    assert too_much.status_code == 422, too_much.text
    assert "amount_cents" in too_much.json()["error"]["fields"]
    assert "30.00" in too_much.json()["error"]["fields"]["amount_cents"]
    no_right = desk.client().post(url, json={"amount_cents": 100, "method": "cash"},
                                  headers=bearer(desk, "hq-tech"))
    assert no_right.status_code == 403

    done = desk.client().post(url, json={"amount_cents": 3000, "method": "cash"},
                              headers=clerk)
    assert done.status_code == 201, done.text
    body = done.json()
    note = body["credit_notes"][0]
    assert note["credit_note_number"] == "000001" and note["amount_cents"] == 3000
    assert note["signed_cents"] == -3000 and note["kind"] == "refund"
    assert note["clause"] == "R-8" and note["handed_over"] is False
    assert body["refunded_cents"] == 3000 and body["refundable_cents"] == 0
    assert body["balance_cents"] == 0 and body["paid_cents"] == 10000  # shapes kept
    assert body["payments"][0]["receipt_number"] == "000001"
    assert [e["kind"] for e in body["events"]][-1] == "refund"

    again = desk.client().post(url, json={"amount_cents": 1, "method": "cash"},
                               headers=clerk)
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_refund"


def test_a_refund_without_a_credit_is_refused_so_never_above_what_was_paid(
        desk: Harness) -> None:
    cid = case_with_credit(desk, 2, paid=5000, credit=0)
    answer = desk.client().post(f"/api/v1/cases/{cid}/refunds",
                                json={"amount_cents": 100, "method": "cash"},
                                headers=bearer(desk, "hq-clerk"))
    assert answer.status_code == 409, answer.text
    # and a payment cannot eat into a credit: the customer owes nothing more
    cid = case_with_credit(desk, 3, paid=0, credit=2000)
    with desk.session() as session:
        case = session.get(ServiceCase, cid)
        assert payments.outstanding(session, case) == 0
        assert refunds.refundable(session, case) == 2000


def test_refund_on_the_desk_page_and_the_printable_slip(desk: Harness) -> None:
    cid = case_with_credit(desk, 4, paid=10000, credit=4482)
    client = desk.client("hq-clerk")
    page = client.get(f"/desk/cases/{cid}")
    assert page.status_code == 200 and 'class="refund-form"' in page.text
    assert "44.82" in page.text

    bad = client.form(f"/desk/cases/{cid}/refunds", {"refund_amount": "50.00",
                                                      "refund_method": "cash"})
    assert bad.status_code in (400, 422), bad.status_code
    assert 'id="refund_amount-error"' in bad.text and "44.82" in bad.text

    done = client.form(f"/desk/cases/{cid}/refunds", {"refund_amount": "44.82",
                                                       "refund_method": "cash",
                                                       "refund_note": "Returned R-8"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    slip_url = done.headers["location"]
    assert slip_url.startswith("/desk/credit-notes/")
    slip = client.get(slip_url)
    assert slip.status_code == 200
    assert "HQ-SC-CN-000001" in slip.text and "44.82" in slip.text
    assert "data-print" in slip.text and "print-sheet" in slip.text
    assert "R-8" in slip.text and "Returned R-8" in slip.text
    after = client.get(f"/desk/cases/{cid}").text
    assert f'href="{slip_url}"' in after and 'class="refund-form"' not in after
    # another region's clerk cannot see the slip
    assert desk.client("east-clerk").get(slip_url).status_code == 404


def test_credit_note_numbers_are_gapless_per_service_point(desk: Harness) -> None:
    hq = [case_with_credit(desk, 10 + n, paid=0, credit=1000) for n in range(4)]
    east = [case_with_credit(desk, 20 + n, paid=0, credit=1000, prefix="east")
            for n in range(2)]
    jobs = [(cid, "hq-clerk") for cid in hq] + [(cid, "east-clerk") for cid in east]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def refund(cid: int, login: str) -> None:
        try:
            barrier.wait()
            with desk.session() as session:
                refunds.record_refund(session, session.get(ServiceCase, cid),
                                      _user(session, login),
                                      {"amount_cents": 1000, "method": "cash"})
                session.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=refund, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with desk.session() as session:
        by_point: dict[int, list[int]] = {}
        for note in session.scalars(select(CreditNote)):
            by_point.setdefault(note.service_point_id, []).append(note.number)
    assert sorted(sorted(v) for v in by_point.values()) == [[1, 2], [1, 2, 3, 4]]
    # a collector who only paid out shows on the finance page with a negative total
    page = desk.client("hq-finance").get("/desk/finance")
    assert page.status_code == 200
    held = page.text.split('data-collector="hq-clerk"')[1].split("</tr>")[0]
    assert "Credit note 000004" in held and "40.00" in held


def test_handover_is_cash_in_minus_cash_out(desk: Harness) -> None:
    case_with_credit(desk, 30, paid=10000, credit=0)                # 100.00 in
    owed = case_with_credit(desk, 31, paid=0, credit=3000)          # 30.00 owed
    case_with_credit(desk, 32, paid=2000, credit=0, method="alipay")  # not cash
    client = desk.client("hq-clerk")
    assert client.form(f"/desk/cases/{owed}/refunds", {"refund_amount": "30.00",
                                                       "refund_method": "cash"},
                       follow_redirects=False).status_code == 303
    mine = client.get("/desk/my-cash").text
    assert "Credit note" in mine and "70.00" in mine
    finance = desk.client("hq-finance").get("/desk/finance").text
    held = finance.split('data-collector="hq-clerk"')[1].split("</tr>")[0]
    assert "70.00" in held and "Credit note 000001" in held
    assert client.form("/desk/my-cash/handover", {"note": ""},
                       follow_redirects=False).status_code == 303
    waiting = desk.client("hq-finance").get("/desk/finance").text
    assert "after CN¥30.00 paid out" in waiting
    with desk.session() as session:
        handover = session.scalars(select(Handover)).one()
        assert handover.declared_cents == 7000 and handover.paid_out_cents == 3000
        note = session.scalars(select(CreditNote)).one()
        assert note.handover_id == handover.id
    body = desk.client().get(f"/api/v1/cases/{owed}", headers=bearer(desk, "hq-clerk")).json()
    assert body["credit_notes"][0]["handed_over"] is True
    again = client.form("/desk/my-cash/handover", {"note": ""})
    assert again.status_code == 409


def test_two_identical_refunds_at_once_take_effect_once(
        desk: Harness, live_app: Callable[..., tuple[Harness, str]]) -> None:
    cid = case_with_credit(desk, 40, paid=10000, credit=5000)
    # a token each: a shared token's "last used" row would serialise the requests itself
    tokens = [bearer(desk, "hq-clerk") for _ in range(3)]
    _, base = live_app(desk)
    answers = fire(3, lambda c, i: c.post(f"/api/v1/cases/{cid}/refunds", headers=tokens[i],
                                          json={"amount_cents": 5000, "method": "cash"}),
                   base)
    assert sorted(a.status_code for a in answers) == [201, 409, 409], \
        [a.text for a in answers]
    with desk.session() as session:
        notes = list(session.scalars(select(CreditNote).where(CreditNote.case_id == cid)))
        assert [(n.number, n.amount_cents) for n in notes] == [(1, 5000)]


def test_a_deposit_given_back_is_capped_by_the_deposit_and_not_in_the_handover(
        desk: Harness) -> None:
    cid = case_with_credit(desk, 50, paid=0, credit=0)
    with desk.session() as session:
        case, clerk = session.get(ServiceCase, cid), _user(session, "hq-clerk")
        refunds.grant_credit(session, case, clerk, kind="deposit", amount_cents=30000,
                             description="Loaner deposit")
        assert refunds.refundable(session, case) == 0  # not the case's own money
        session.commit()
    url = f"/api/v1/cases/{cid}/refunds"
    clerk_auth = bearer(desk, "hq-clerk")
    assert desk.client().post(url, headers=clerk_auth, json={
        "amount_cents": 100, "method": "cash"}).status_code == 409
    assert desk.client().post(url, headers=clerk_auth, json={
        "amount_cents": 30001, "method": "cash", "kind": "deposit"}).status_code == 422
    done = desk.client().post(url, headers=clerk_auth, json={
        "amount_cents": 30000, "method": "cash", "kind": "deposit"})
    assert done.status_code == 201, done.text
    assert done.json()["balance_cents"] == 0 and done.json()["refunded_cents"] == 0
    with desk.session() as session:
        assert refunds.credit_notes_not_handed_over(session) == []
