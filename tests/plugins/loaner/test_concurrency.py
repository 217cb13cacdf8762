"""Never lend one unit twice (E-2; ANCHORS: SI#2347, SI#14476): real parallel requests
against a live server on SQLite and PostgreSQL. The loaner unit's row lock decides; the
unique ``open_unit_id`` stands behind it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from plugins.loaner.models import Loan, LoanerUnit
from tests.live import fire
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body, second_hq_point
from tests.support import Harness


def test_two_cases_asking_for_the_last_unit_get_it_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    h, base = live_app(plugins=["warranty", "loaner"])
    uid = add_unit(h)
    cases = [case_id(h), case_id(h), case_id(h)]
    clerk = bearer(h, "hq-clerk")
    answers = fire(3, lambda client, i: client.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cases[i], "unit_id": uid, "reason": "Tour"}), base)
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["error"]["code"] == "unit_taken"
    with h.session() as session:
        loans = session.scalars(select(Loan).where(Loan.unit_id == uid)).all()
        assert len(loans) == 1 and loans[0].open_unit_id == uid
        assert session.get(LoanerUnit, uid).status == "reserved"


def test_two_clerks_lending_one_loan_lend_it_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    h, base = live_app(plugins=["warranty", "loaner"])
    uid = add_unit(h)
    clerk = bearer(h, "hq-clerk")
    lid = h.client().post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": case_id(h), "unit_id": uid, "reason": "Tour"}).json()["id"]
    answers = fire(3, lambda client, i: client.post(
        f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
        json=lend_body(deposit_cents=10000, deposit_method="cash")), base)
    assert sorted(a.status_code for a in answers) == [200, 409, 409]
    with h.session() as session:
        from plugins.loaner.models import LoanerMoney

        assert len(session.scalars(select(LoanerMoney)).all()) == 1  # one deposit


def test_two_approvals_and_a_return_racing_a_second_return(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    h, base = live_app(plugins=["warranty", "loaner"])
    second_hq_point(h)
    uid = add_unit(h, 3, point="HQ-BJ")
    clerk = bearer(h, "hq-clerk")
    supervisor = bearer(h, "hq-supervisor")
    manager = bearer(h, "hq-manager")
    lid = h.client().post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": case_id(h), "unit_id": uid, "reason": "Tour"}).json()["id"]
    deciders = [supervisor, manager]
    answers = fire(2, lambda client, i: client.post(
        f"/api/v1/loaner/loans/{lid}/decision", headers=deciders[i],
        json={"accept": i == 0, "note": "" if i == 0 else "Needed here"}), base)
    assert sorted(a.status_code for a in answers) == [200, 409]
    status = next(a.json()["status"] for a in answers if a.status_code == 200)
    if status == "declined":
        return  # the decline won: nothing left to lend
    assert h.client().post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                           json=lend_body()).status_code == 200
    answers = fire(2, lambda client, i: client.post(
        f"/api/v1/loaner/loans/{lid}/return", headers=clerk,
        json={"condition": "good", "accessories": {"Rack ears": "missing"}}), base)
    assert sorted(a.status_code for a in answers) == [200, 409]
    with h.session() as session:
        assert session.get(LoanerUnit, uid).status == "in_check"
        assert session.get(Loan, lid).open_unit_id is None
