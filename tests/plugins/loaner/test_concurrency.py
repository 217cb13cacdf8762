"""Never lend one unit twice (E-2; ANCHORS: SI#2347, SI#14476): real parallel requests
against a live server on SQLite and PostgreSQL. The loaner unit's row lock decides; the
unique ``open_unit_id`` stands behind it."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.loaner.models import Loan, LoanerMoney, LoanerUnit
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


def _consistent(session: Session, uid: int) -> None:
    """A unit's status agrees with its loans: at most one open loan holds it, and the unit
    is reserved, on loan or in check exactly as that loan (or the last return) says."""
    loans = session.scalars(select(Loan).where(Loan.unit_id == uid)
                            .order_by(Loan.id)).all()
    unit = session.get(LoanerUnit, uid)
    holding = [loan for loan in loans if loan.open_unit_id == uid]
    assert len(holding) <= 1
    assert all((loan.open_unit_id == uid) == (loan.status in ("requested", "approved", "lent"))
               for loan in loans)
    if holding:
        assert unit.status == {"requested": "reserved", "approved": "reserved",
                               "lent": "on_loan"}[holding[0].status]
    else:
        assert unit.status == ("in_check" if any(loan.status == "returned" for loan in loans)
                               else "available")
    for loan in loans:
        assert (loan.lent_at is not None) == (loan.status in ("lent", "returned"))
        assert (loan.returned_at is not None) == (loan.status == "returned")


def test_a_return_and_a_lend_of_one_unit_at_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    """Issue 14 item 6, its third race: the lend and the return of one unit sent together
    (each with its own token, so nothing but the locks orders them). The lend either wins,
    and the return then takes it back, or loses nothing: the return finds it not lent."""
    h, base = live_app(plugins=["warranty", "loaner"])
    units = [add_unit(h, seq) for seq in (1, 2, 3)]
    loans = []
    for uid in units:
        loans.append(h.client().post("/api/v1/loaner/loans", headers=bearer(h, "hq-clerk"),
                                     json={"case_id": case_id(h), "unit_id": uid,
                                           "reason": "Tour"}).json()["id"])
    tokens = [bearer(h, "hq-clerk") for _ in range(len(loans) * 2)]

    def send(client: httpx.Client, i: int) -> httpx.Response:
        lid = loans[i // 2]
        if i % 2 == 0:
            return client.post(f"/api/v1/loaner/loans/{lid}/lend",
                               headers=tokens[i], json=lend_body(deposit_cents=10000,
                                                                 deposit_method="cash"))
        return client.post(f"/api/v1/loaner/loans/{lid}/return",
                           headers=tokens[i], json={"condition": "good"})

    answers = fire(len(tokens), send, base)
    for k, (uid, lid) in enumerate(zip(units, loans, strict=True)):
        lent, back = answers[2 * k], answers[2 * k + 1]
        assert lent.status_code == 200, lent.text  # the return never blocks the lend
        assert back.status_code in (200, 409), back.text
        if back.status_code == 409:
            assert back.json()["error"]["code"] == "not_lent"
        with h.session() as session:
            _consistent(session, uid)
            loan = session.get(Loan, lid)
            assert loan.status == ("returned" if back.status_code == 200 else "lent")
            money = [m.kind for m in session.scalars(select(LoanerMoney).where(
                LoanerMoney.loan_id == lid).order_by(LoanerMoney.id))]
            assert money == (["deposit", "refund"] if back.status_code == 200
                             else ["deposit"])


def test_a_return_racing_a_new_request_for_the_same_unit(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    """The unit coming back goes to *in check*, never straight to another case: requests
    for it sent with the return get a clear 409, whichever runs first."""
    h, base = live_app(plugins=["warranty", "loaner"])
    uid = add_unit(h)
    lid = h.client().post("/api/v1/loaner/loans", headers=bearer(h, "hq-clerk"), json={
        "case_id": case_id(h), "unit_id": uid, "reason": "Tour"}).json()["id"]
    assert h.client().post(f"/api/v1/loaner/loans/{lid}/lend", headers=bearer(h, "hq-clerk"),
                           json=lend_body()).status_code == 200
    others = [case_id(h), case_id(h)]
    tokens = [bearer(h, "hq-clerk") for _ in range(3)]

    def send(client: httpx.Client, i: int) -> httpx.Response:
        if i == 0:
            return client.post(f"/api/v1/loaner/loans/{lid}/return",
                               headers=tokens[0], json={"condition": "good"})
        return client.post("/api/v1/loaner/loans", headers=tokens[i],
                           json={"case_id": others[i - 1], "unit_id": uid, "reason": "Tour"})

    answers = fire(3, send, base)
    assert [a.status_code for a in answers] == [200, 409, 409], [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers[1:]} == {"unit_taken"}
    with h.session() as session:
        _consistent(session, uid)
        assert session.get(LoanerUnit, uid).status == "in_check"


def test_a_distributor_and_hq_asking_for_hqs_last_unit_get_it_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    """E-2 across regions: a distributor applying to HQ's pool and HQ's own clerk ask for the
    same unit at once; the unit's row lock (taken across the region scope) lets one in."""
    h, base = live_app(plugins=["warranty", "loaner"])
    uid = add_unit(h)  # HQ's pool
    cases = [case_id(h, "east-clerk"), case_id(h), case_id(h, "sw-clerk")]
    tokens = [bearer(h, "east-clerk"), bearer(h, "hq-clerk"), bearer(h, "sw-clerk")]
    answers = fire(3, lambda client, i: client.post("/api/v1/loaner/loans", headers=tokens[i],
                                                    json={"case_id": cases[i], "unit_id": uid,
                                                          "reason": "Tour"}), base)
    assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.text for a in answers]
    with h.session() as session:
        loans = session.scalars(select(Loan).where(Loan.unit_id == uid)).all()
        assert len(loans) == 1 and loans[0].open_unit_id == uid
        assert session.get(LoanerUnit, uid).status == "reserved"
