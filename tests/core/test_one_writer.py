"""One writer per case (issue 10): the same request sent several times at once, to a live
server, takes effect once; the others get a clear 4xx.

These run on SQLite and on PostgreSQL. SQLite's single writer hid every one of these races
(``BEGIN IMMEDIATE`` serialises whole transactions); on PostgreSQL, before each service took
``lock_case`` first, five parallel moves all answered 200, five full payments all answered
201 (a case owing 100.00 paid 500.00), a single-use link was used five times and three
handovers declared the same cash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from core.entities import (
    AuditEvent,
    CaseEvent,
    Confirmation,
    Handover,
    Payment,
    ServiceCase,
    User,
)
from core.services import quotes
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.live import fire
from tests.support import PASSWORD, Harness

LiveApp = Callable[..., tuple[Harness, str]]
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def served(live_app: LiveApp, backend: str) -> tuple[Harness, str]:
    """A live server on the test's backend, core only (the spine is core's)."""
    return live_app(plugins=[])


def _count(h: Harness, model: Any, *where: Any) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _confirmed_case(h: Harness, price_cents: int = 10000) -> int:
    clerk = bearer(h, "hq-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "B")
    charged = h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench repair", "unit_price_cents": price_cents})
    assert charged.status_code == 201, charged.text
    assert move(h, clerk, cid, "quoted").status_code == 200
    confirmed = h.client().post(f"/api/v1/cases/{cid}/confirmations", headers=clerk,
                                json={"method": "phone", "customer_name": "Mr. Huang"})
    assert confirmed.status_code == 201, confirmed.text
    return cid


def _desks(h: Harness, login: str, count: int) -> list[dict[str, str]]:
    """One API token per desk: a shared token would serialise the requests on its own
    last-used row and hide the race this file is about."""
    return [bearer(h, login) for _ in range(count)]


def _signed_in(base_url: str, login: str) -> tuple[httpx.Cookies, str]:
    """A browser session on the live server: its cookies and its CSRF token."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        token = CSRF_RE.search(client.get("/login").text)
        assert token
        answer = client.post("/login", data={"login": login, "password": PASSWORD,
                                             "csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text
        page = client.get("/desk/cases")
        csrf = CSRF_RE.search(page.text)
        assert csrf
        return client.cookies, csrf.group(1)


def test_five_identical_moves_take_effect_once(served: tuple[Harness, str]) -> None:
    h, base_url = served
    cid = int(new_case(h, bearer(h, "hq-clerk"))["id"])
    tech = _desks(h, "hq-tech", 5)
    body = {"to": "inspected", "fault_found": "Blown output stage", "coverage_class": "B",
            "faults": [{"description": "Output transistor", "cause": "normal"}]}
    answers = fire(5, lambda client, i: client.post(f"/api/v1/cases/{cid}/transitions",
                                                     json=body, headers=tech[i]), base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409, 409], [a.text for a in answers]
    refused = [a.json()["error"] for a in answers if a.status_code == 409]
    assert all(e["code"] == "invalid_transition" for e in refused), refused
    assert _count(h, CaseEvent, CaseEvent.case_id == cid, CaseEvent.kind == "transition",
                  CaseEvent.to_state == "inspected") == 1
    assert _count(h, AuditEvent, AuditEvent.entity_id == str(cid),
                  AuditEvent.action == "transition:inspected") == 1


def test_parallel_full_payments_never_exceed_the_amount_due(
        served: tuple[Harness, str]) -> None:
    h, base_url = served
    cid = _confirmed_case(h, 10000)
    tech = _desks(h, "hq-tech", 5)
    body = {"amount_cents": 10000, "method": "cash"}
    answers = fire(5, lambda client, i: client.post(f"/api/v1/cases/{cid}/payments",
                                                    json=body, headers=tech[i]), base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 422, 422, 422, 422], [a.text for a in answers]
    assert all("amount_cents" in a.json()["error"]["fields"]
               for a in answers if a.status_code == 422)
    with h.session() as session:
        paid = session.scalar(select(func.sum(Payment.amount_cents))
                              .where(Payment.case_id == cid))
    assert paid == 10000


def test_a_single_use_link_answered_five_times_at_once_is_used_once(
        served: tuple[Harness, str]) -> None:
    h, base_url = served
    clerk = bearer(h, "hq-clerk")
    cid = int(new_case(h, clerk)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "B")
    h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench repair", "unit_price_cents": 5000})
    assert move(h, clerk, cid, "quoted").status_code == 200
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        token = quotes.create_link(session, case, None, "en")
        session.commit()
    answers = fire(5, lambda client, i: client.post(
        f"/q/{token}", data={"decision": "confirm", "customer_name": f"Caller {i}"}),
        base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 404, 404, 404, 404], statuses
    assert _count(h, Confirmation, Confirmation.case_id == cid) == 1
    with h.session() as session:
        assert session.get(ServiceCase, cid).state == "confirmed"


def test_parallel_handovers_declare_the_cash_once(served: tuple[Harness, str]) -> None:
    h, base_url = served
    tech = bearer(h, "hq-tech")
    for price in (3000, 4500):
        cid = _confirmed_case(h, price)
        paid = h.client().post(f"/api/v1/cases/{cid}/payments", headers=tech,
                               json={"amount_cents": price, "method": "cash"})
        assert paid.status_code == 201, paid.text
    cookies, csrf = _signed_in(base_url, "hq-tech")

    def hand_over(client: httpx.Client, _index: int) -> httpx.Response:
        client.cookies = cookies
        return client.post("/desk/my-cash/handover", data={"note": "", "csrf_token": csrf})

    answers = fire(3, hand_over, base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 303 and all(s == 409 for s in statuses[1:]), statuses
    with h.session() as session:
        collector = session.scalars(select(User.id).where(User.login == "hq-tech")).one()
        handovers = list(session.scalars(select(Handover)
                                         .where(Handover.collector_id == collector)))
    assert [h_.declared_cents for h_ in handovers] == [7500]
    assert _count(h, Payment, Payment.handover_id.is_(None)) == 0
