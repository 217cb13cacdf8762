"""P-4 on the desk: collectors hand over their cash, finance counts it and the difference is
kept and shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from core.entities import Handover, User
from core.services import intake, payments, quotes, workflow
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def paid_case(h: Harness, n: int, cents: int, method: str = "cash", prefix: str = "hq"
              ) -> int:
    """A confirmed case with one payment collected by ``<prefix>-tech``."""
    with h.session() as session:
        def user(login: str) -> User:
            return session.scalars(select(User).where(User.login == login)).one()

        clerk, tech = user(f"{prefix}-clerk"), user(f"{prefix}-tech")
        pm = h.app.state.pm
        case = intake.intake(session, pm, actor=clerk, service_point=clerk.service_point,
                             today=date.today(), data={
                                 "body_code": f"MC58-250101-{n:05d}", "model_code": "",
                                 "customer": {"name": "Ms. Lin", "address": "2 Road",
                                              "phone": "123"},
                                 "fault_description": "Hum", "channel": "walk_in"})
        workflow.transition(session, pm, case, "inspected", tech,
                            {"fault_found": "Hum", "coverage_class": "B"})
        quotes.add_charge(session, pm, case, clerk, {
            "kind": "labour", "description": "Repair", "unit_price_cents": cents})
        workflow.transition(session, pm, case, "quoted", clerk, {})
        quotes.record_confirmation(session, pm, case, clerk,
                                   {"method": "phone", "customer_name": "Ms. Lin"})
        payments.record_payment(session, case, tech, {"amount_cents": cents,
                                                      "method": method})
        session.commit()
        return case.id


def test_handover_with_a_difference(desk: Harness) -> None:
    paid_case(desk, 1, 10000)
    paid_case(desk, 2, 5000)
    paid_case(desk, 3, 7000, method="alipay")  # not cash: nothing to hand over
    finance = desk.client("hq-finance")
    page = finance.get("/desk/finance")
    assert page.status_code == 200 and 'data-menu="core.desk.finance"' in page.text
    held = page.text.split('data-collector="hq-tech"')[1].split("</tr>")[0]
    assert "CN¥150.00" in held and "000001" in held and "000003" not in held
    assert "No handover is waiting." in page.text

    tech = desk.client("hq-tech")
    mine = tech.get("/desk/my-cash")
    assert mine.status_code == 200 and "CN¥150.00" in mine.text
    assert 'data-menu="core.desk.my_cash"' in mine.text
    handed = tech.form("/desk/my-cash/handover", {"note": "Envelope 7"},
                       follow_redirects=False)
    assert handed.status_code == 303
    assert "finance will count" in tech.get("/desk/my-cash").text
    again = tech.form("/desk/my-cash/handover", {})
    assert again.status_code == 409 and "You hold no collected cash" in again.text

    page = finance.get("/desk/finance").text
    assert "Nobody holds collected cash." in page and "Envelope 7" in page
    with desk.session() as session:
        handover_id = session.scalars(select(Handover.id)).one()
    bad = finance.form(f"/desk/finance/handovers/{handover_id}/confirm", {"received": "abc"})
    assert bad.status_code == 400 and 'id="received-error"' in bad.text
    confirmed = finance.form(f"/desk/finance/handovers/{handover_id}/confirm",
                             {"received": "140.00", "note": "10 short"},
                             follow_redirects=False)
    assert confirmed.status_code == 303
    page = finance.get("/desk/finance").text
    assert "difference of -CN¥10.00" in page  # the flash
    row = page.split(f'data-handover="{handover_id}"')[1].split("</tr>")[0]
    assert "CN¥150.00" in row and "CN¥140.00" in row and "-CN¥10.00" in row
    assert "10 short" in row
    twice = finance.form(f"/desk/finance/handovers/{handover_id}/confirm", {"received": "150"})
    assert twice.status_code == 409
    with desk.session() as session:
        handover = session.get(Handover, handover_id)
        assert handover.difference_cents == -1000
    assert "confirmed" in tech.get("/desk/my-cash").text


def test_finance_sees_only_its_region(desk: Harness) -> None:
    paid_case(desk, 1, 10000)
    paid_case(desk, 2, 2000, prefix="east")
    east = desk.client("east-finance").get("/desk/finance").text
    assert 'data-collector="east-tech"' in east and 'data-collector="hq-tech"' not in east
    hq = desk.client("hq-finance").get("/desk/finance").text
    assert 'data-collector="east-tech"' in hq and 'data-collector="hq-tech"' in hq
