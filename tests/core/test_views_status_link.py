"""Issue 18, item 6: the customer's status page, opened from a link made on the case page.
State in plain words, the next step and the amount due, in the customer's language, without
a sign-in; only the token's hash is stored; a new link revokes the old; links expire; a link
shows its own case and nothing of another; GET only."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.db import utcnow
from core.entities import OutboxMessage, StatusLink, User
from core.security.auth import hash_token
from core.services import holds
from tests.core.test_desk_pages_flow import inspected, open_case, step
from tests.support import Harness


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def status_path(html: str) -> str:
    match = re.search(r'value="https?://[^"/]+(/status/[^"]+)"', html)
    assert match, "no status link on the panel"
    return match.group(1)


def test_status_link_shows_state_next_step_and_amount_due(desk: Harness) -> None:
    cid = inspected(desk)
    clerk = desk.client("hq-clerk")
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "labour", "description": "Bench repair", "unit_price": "120.50"})
    step(clerk, cid, "quoted")
    # the case page carries the panel; the panel makes the link
    case_page = clerk.get(f"/desk/cases/{cid}").text
    assert f"/desk/cases/{cid}/status-link" in case_page
    assert 'data-status-link="none"' in clerk.get(f"/desk/cases/{cid}/status-link").text
    made = clerk.form(f"/desk/cases/{cid}/status-link", {"locale": "zh_CN"})
    assert made.status_code == 200
    path = status_path(made.text)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 40
    with desk.session() as session:
        link = session.scalars(select(StatusLink)).one()
        assert link.token_hash == hash_token(token) and token not in link.token_hash
    # the customer: no sign-in, Chinese (the link's language), plain words and the amount due
    customer = desk.client()
    page = customer.get(path)
    assert page.status_code == 200, page.text
    assert 'lang="zh-CN"' in page.text
    assert "我们已将维修费用发给您，正在等待您的答复。" in page.text
    assert "下一步" in page.text
    assert 'data-due-cents="12050"' in page.text and "120.50" in page.text
    assert page.headers["cache-control"] == "no-store"
    # the same in English when the link says so; the clerk's panel knows a link is out
    english = status_path(clerk.form(f"/desk/cases/{cid}/status-link", {"locale": "en"}).text)
    text = customer.get(english).text
    assert "We have sent you the costs of the repair and wait for your answer." in text
    assert "please confirm or decline the costs" in text
    assert 'data-status-link="active"' in clerk.get(f"/desk/cases/{cid}/status-link").text
    assert "Status link made for the customer" in clerk.get(f"/desk/cases/{cid}").text
    # the first link was revoked by the second
    gone = customer.get(path)
    assert gone.status_code == 404 and "not valid any more" in gone.text
    # GET only: a POST is not a route (and needs no CSRF exemption)
    assert customer.post(english, data={}).status_code in (404, 405)


def test_status_page_shows_holds_and_what_is_left_to_pay(desk: Harness) -> None:
    cid = open_case(desk)
    clerk = desk.client("hq-clerk")
    with desk.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        holds.place_hold(session, cid, "waiting_for_parts", "Output board ordered", user)
        session.commit()
    path = status_path(clerk.form(f"/desk/cases/{cid}/status-link", {"locale": "en"}).text)
    page = desk.client().get(path).text
    assert "We have received your unit and registered it." in page
    assert "At the moment: Waiting for parts." in page
    assert "Output board ordered" not in page  # the desk's reason is internal
    assert 'data-due-cents="0"' in page


def test_status_links_expire_and_unknown_tokens_are_404(desk: Harness) -> None:
    cid = open_case(desk)
    clerk = desk.client("hq-clerk")
    path = status_path(clerk.form(f"/desk/cases/{cid}/status-link", {"locale": "en"}).text)
    customer = desk.client()
    assert customer.get(path).status_code == 200
    assert customer.get("/status/not-a-token").status_code == 404
    assert customer.get("/status/" + "x" * 300).status_code in (404, 400)
    with desk.session() as session:
        session.scalars(select(StatusLink)).one().expires_at = utcnow()
        session.commit()
    expired = customer.get(path)
    assert expired.status_code == 404 and "not valid any more" in expired.text


def test_status_link_shows_only_its_own_case(desk: Harness) -> None:
    hq_case = open_case(desk)
    east_clerk = desk.client("east-clerk")
    east_case = open_case(desk, east_clerk, **{"customer.name": "Bund Theatre"})
    path = status_path(east_clerk.form(f"/desk/cases/{east_case}/status-link",
                                       {"locale": "en"}).text)
    page = desk.client().get(path).text
    assert f"SC-{east_case:06d}" in page and f"SC-{hq_case:06d}" not in page
    assert "Shanghai service point" in page and "HQ service centre" not in page
    # another region's clerk cannot make or see a link for an HQ case
    assert east_clerk.form(f"/desk/cases/{hq_case}/status-link",
                           {"locale": "en"}).status_code == 404
    assert east_clerk.get(f"/desk/cases/{hq_case}/status-link").status_code == 404
    # a technician may see the panel but not make links (case.quote)
    assert desk.client("hq-tech").form(f"/desk/cases/{hq_case}/status-link",
                                       {"locale": "en"}).status_code == 403


def test_status_link_can_go_by_sms_through_the_outbox(desk: Harness) -> None:
    cid = open_case(desk)
    made = desk.client("hq-clerk").form(f"/desk/cases/{cid}/status-link",
                                        {"locale": "zh_CN", "send_sms": "on"})
    assert made.status_code == 200 and "Sent to the customer by SMS." in made.text
    path = status_path(made.text)
    with desk.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.channel == "sms" and message.language == "zh_CN"
        assert path in message.body and f"SC-{cid:06d}" in message.body


def test_status_page_amount_due_counts_payments(desk: Harness) -> None:
    from core.entities import ServiceCase
    from core.services import payments

    cid = inspected(desk)
    clerk = desk.client("hq-clerk")
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "labour", "description": "Bench repair", "unit_price": "100"})
    step(clerk, cid, "quoted")
    clerk.form(f"/desk/cases/{cid}/confirmations",
               {"accepted": "1", "method": "signature", "customer_name": "Ms. Lin"})
    with desk.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        payments.record_payment(session, session.get(ServiceCase, cid), user,
                                {"amount_cents": 3000, "method": "cash"})
        session.commit()
    path = status_path(clerk.form(f"/desk/cases/{cid}/status-link", {"locale": "en"}).text)
    page = desk.client().get(path).text
    assert "You confirmed the costs; the repair is being planned." in page
    assert 'data-due-cents="7000"' in page and "70.00" in page and "30.00" in page
