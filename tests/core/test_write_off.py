"""Money is never silently short (P-4, issue 18 item 4): a case with an amount outstanding
does not close; a supervisor writes the amount off with a reason, a movement of its own shown
on the case and on the finance page; two write-offs at once take effect once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from core.entities import CaseCredit, ServiceCase, User
from core.services import intake, quotes, workflow
from tests.core.desk_helpers import bearer, move
from tests.live import fire
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def returned_owing(h: Harness, owed: int = 12000, login: str = "hq") -> int:
    """A class-B case shipped back (returned) with ``owed`` cents unpaid."""
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == f"{login}-clerk")).one()
        tech = session.scalars(select(User).where(User.login == f"{login}-tech")).one()
        pm = h.app.state.pm
        case = intake.intake(session, pm, actor=clerk, service_point=clerk.service_point,
                             today=date.today(), data={
                                 "body_code": "MC58-250101-00077", "model_code": "",
                                 "customer": {"name": "Ms. Lin", "address": "2 Road",
                                              "phone": "123"},
                                 "fault_description": "Hum", "channel": "walk_in"})
        workflow.transition(session, pm, case, "inspected", tech,
                            {"fault_found": "Hum", "coverage_class": "B"})
        quotes.add_charge(session, pm, case, clerk, {
            "kind": "labour", "description": "Repair", "unit_price_cents": owed})
        workflow.transition(session, pm, case, "quoted", clerk, {})
        quotes.record_confirmation(session, pm, case, clerk,
                                   {"method": "phone", "customer_name": "Ms. Lin"})
        workflow.transition(session, pm, case, "dispatched", clerk, {"technician_id": tech.id})
        workflow.transition(session, pm, case, "in_repair", tech, {})
        workflow.transition(session, pm, case, "repaired", tech, {})
        workflow.transition(session, pm, case, "returned", clerk, {})
        session.commit()
        return case.id


def test_a_case_owing_money_does_not_close(desk: Harness) -> None:
    cid = returned_owing(desk)
    refused = move(desk, bearer(desk, "hq-clerk"), cid, "closed")
    assert refused.status_code == 409
    [veto] = refused.json()["error"]["vetoes"]
    assert veto["clause"] == "P-4" and "120.00 is still outstanding" in veto["message"]


def test_a_supervisor_writes_it_off_with_a_reason_then_it_closes(desk: Harness) -> None:
    cid = returned_owing(desk)
    url = f"/api/v1/cases/{cid}/write-offs"
    clerk, supervisor = bearer(desk, "hq-clerk"), bearer(desk, "hq-supervisor")
    assert desk.client().post(url, headers=clerk, json={"reason": "x"}).status_code == 403
    nameless = desk.client().post(url, headers=supervisor, json={"reason": " "})
    assert nameless.status_code == 422 and "reason" in nameless.json()["error"]["fields"]
    done = desk.client().post(url, headers=supervisor,
                              json={"reason": "Long-standing customer; goodwill"})
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["balance_cents"] == 0
    assert [(c["kind"], c["amount_cents"], c["clause"]) for c in body["credits"]] == \
        [("write_off", 12000, "P-4")]
    again = desk.client().post(url, headers=supervisor, json={"reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_outstanding"
    assert move(desk, clerk, cid, "closed").status_code == 200


def test_the_write_off_shows_on_the_case_and_the_finance_page(desk: Harness) -> None:
    cid = returned_owing(desk)
    supervisor = desk.client("hq-supervisor")
    page = supervisor.get(f"/desk/cases/{cid}").text
    assert f'action="/desk/cases/{cid}/write-offs"' in page
    assert "Write off CN¥120.00" in page
    assert f'action="/desk/cases/{cid}/write-offs"' not in \
        desk.client("hq-clerk").get(f"/desk/cases/{cid}").text  # no permission, no form
    empty = supervisor.form(f"/desk/cases/{cid}/write-offs", {"write_off_reason": ""})
    assert empty.status_code in (400, 422) and 'aria-invalid="true"' in empty.text
    done = supervisor.form(f"/desk/cases/{cid}/write-offs",
                           {"write_off_reason": "Goodwill after a late repair"},
                           follow_redirects=True)
    assert "CN¥120.00 written off." in done.text and 'class="written-off"' in done.text
    assert "Money back to the customer" not in done.text  # not money owed back
    finance = desk.client("hq-finance").get("/desk/finance").text
    assert "Goodwill after a late repair" in finance and "data-write-off=" in finance
    # another region's finance desk does not see it
    assert "Goodwill after a late repair" not in \
        desk.client("east-finance").get("/desk/finance").text


def test_two_write_offs_at_once_take_effect_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    h, base_url = live_app(plugins=[])
    cid = returned_owing(h)
    desks = [bearer(h, "hq-supervisor") for _ in range(3)]
    answers = fire(3, lambda client, i: client.post(
        f"/api/v1/cases/{cid}/write-offs", headers=desks[i], json={"reason": "goodwill"}),
        base_url)
    assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.text for a in answers]
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(CaseCredit)
                              .where(CaseCredit.case_id == cid)) == 1
        assert session.get(ServiceCase, cid) is not None
