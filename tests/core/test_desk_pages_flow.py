"""A case through the desk pages from intake to closed: inspection (W-3), quote and the
customer's answer on the public link (W-4), dispatch (P-3), repair, payment and receipt
(P-4), return and close — every step a plain form post."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import Payment, ServiceCase, User
from tests.support import Client, Harness

INTAKE = {
    "body_code": "PA2400-240315-00042", "model_code": "PA2400", "own_product": "on",
    "customer.name": "Pearl River Live House", "customer.address": "1 Haizhu Road",
    "customer.phone": "020-8422-5566", "fault_description": "No sound on channel B",
    "channel": "walk_in",
}


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def state_of(h: Harness, case_id: int) -> str:
    with h.session() as session:
        return str(session.get(ServiceCase, case_id).state)


def step(client: Client, case_id: int, to: str, **fields: Any) -> Any:
    response = client.form(f"/desk/cases/{case_id}/transition", {"to": to, **fields},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/desk/cases/{case_id}"
    return response


def link_path(html: str) -> str:
    match = re.search(r'value="https?://[^"/]+(/q/[^"]+)"', html)
    assert match, "no confirmation link on the page"
    return match.group(1)


def test_a_case_from_intake_to_closed(desk: Harness) -> None:
    clerk, tech, boss = (desk.client(u) for u in ("hq-clerk", "hq-tech", "hq-supervisor"))
    created = clerk.form("/desk/intake", INTAKE, follow_redirects=False)
    url = created.headers["location"]
    cid = int(url.rsplit("/", 1)[1])

    page = tech.get(url).text
    assert 'class="inspect-form"' in page and 'class="dispatch-form"' not in page
    step(tech, cid, "inspected", fault_found="Blown output stage",
         fault_description_0="Output transistor", fault_cause_0="normal",
         fault_description_2="Dented grille", fault_cause_2="improper_use",
         coverage_class="B")
    page = clerk.get(url).text
    for shown in ("Blown output stage", "Output transistor", "Improper use",
                  "B — warranty expired (W-B)", "Chosen by the inspector."):
        assert shown in page, shown

    for line in ({"kind": "labour", "description": "Bench repair", "unit_price": "180.00"},
                 {"kind": "part", "description": "Transistor pair", "quantity": "2",
                  "unit_price": "32.50"},
                 {"kind": "shipping", "description": "Courier", "unit_price": "20",
                  "waived": "on", "waive_reason": "Goodwill", "clause": "W-A"}):
        added = clerk.form(f"{url}/charges", line, follow_redirects=False)
        assert added.status_code == 303, added.text
    step(clerk, cid, "quoted")
    page = clerk.get(url).text
    assert "CN¥245.00" in page and "Not confirmed" in page and "Goodwill" in page
    assert "W-4" in page

    shown = clerk.form(f"{url}/link", {"locale": "zh_CN"})
    assert shown.status_code == 200
    path = link_path(shown.text)
    assert path not in clerk.get(url).text  # shown once, never again

    customer = desk.client()
    quote = customer.get(path)
    assert quote.status_code == 200
    assert 'lang="zh-CN"' in quote.text
    for shown_line in ("Bench repair", "Transistor pair", "Courier", "Goodwill", "W-A"):
        assert shown_line in quote.text
    assert "245.00" in quote.text and "csrf_token" not in quote.text.split("answer-form")[1]
    answered = customer.post(path, data={"decision": "confirm", "customer_name": "Mr. Chen"})
    assert answered.status_code == 200 and "245.00" in answered.text
    assert state_of(desk, cid) == "confirmed"
    assert customer.get(path).status_code == 404
    assert customer.post(path, data={"decision": "decline"}).status_code == 404
    page = clerk.get(url).text
    assert "Mr. Chen" in page and "Not confirmed" not in page

    tech_id = user_id(desk, "hq-tech")
    assert f'value="{tech_id}"' in boss.get(url).text  # the technician select
    step(boss, cid, "dispatched", technician_id=str(tech_id), onsite="0")
    step(tech, cid, "in_repair", note="Bench 3")
    step(tech, cid, "repaired")

    paid = tech.form(f"{url}/payments", {"amount": "245.00", "method": "cash"},
                     follow_redirects=False)
    assert paid.status_code == 303, paid.text
    receipt = tech.get(paid.headers["location"])
    assert receipt.status_code == 200
    for shown in ("000001", "CN¥245.00", "Cash", f"SC-{cid:06d}", "HQ service centre",
                  "Receipt"):
        assert shown in receipt.text, shown
    with desk.session() as session:
        payment = session.scalars(select(Payment)).one()
        collector = session.get(User, payment.collected_by_id)
        assert payment.amount_cents == 24500 and collector.login == "hq-tech"
        assert collector.display_name in receipt.text

    step(clerk, cid, "returned")
    step(clerk, cid, "closed")
    assert state_of(desk, cid) == "closed"
    page = clerk.get(url).text
    assert "Closed" in page
    history = page.split('id="history"')[1]
    order = [history.index(label) for label in (
        "Registered → Inspected", "Inspected → Quoted", "Quoted → Confirmed",
        "Confirmed → Dispatched", "Dispatched → In repair", "In repair → Repaired",
        "Repaired → Returned", "Returned → Closed")]
    assert order == sorted(order)
    sheet = clerk.get(f"{url}/sheet")
    assert sheet.status_code == 200 and "Case sheet" in sheet.text and "Bench repair" in sheet.text


# --- refusals, errors and the other forms ---------------------------------------------


def open_case(h: Harness, client: Client | None = None, **fields: Any) -> int:
    client = client or h.client("hq-clerk")
    created = client.form("/desk/intake", {**INTAKE, **fields}, follow_redirects=False)
    assert created.status_code == 303, created.text
    return int(created.headers["location"].rsplit("/", 1)[1])


def inspected(h: Harness, coverage: str = "B", **fields: Any) -> int:
    cid = open_case(h, **fields)
    step(h.client("hq-tech"), cid, "inspected", fault_found="Dead", coverage_class=coverage)
    return cid


def test_w4_veto_is_shown_on_the_page(desk: Harness) -> None:
    cid = inspected(desk, "A")  # class B/C is not dispatched before a confirmed quote
    boss, clerk, tech = (desk.client(u) for u in ("hq-supervisor", "hq-clerk", "hq-tech"))
    step(boss, cid, "dispatched", technician_id=str(user_id(desk, "hq-tech")))
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "part", "description": "Fan", "unit_price": "12.50"})
    refused = tech.form(f"/desk/cases/{cid}/transition", {"to": "in_repair", "note": "go"})
    assert refused.status_code == 409
    assert 'class="topbar"' in refused.text and "vetoes" in refused.text  # the case page
    assert "W-4" in refused.text
    assert "Repair cannot start before the customer confirms the quote." in refused.text
    assert 'value="go"' in refused.text  # the note typed is kept
    assert state_of(desk, cid) == "dispatched"
    # confirmed by phone, the same move goes through
    recorded = clerk.form(f"/desk/cases/{cid}/confirmations",
                          {"accepted": "1", "method": "phone", "customer_name": "Mr. Chen"},
                          follow_redirects=False)
    assert recorded.status_code == 303
    step(tech, cid, "in_repair")


class ExtraRule:
    """A plugin stand-in with a veto of its own, to see vetoes shown together."""

    def validate_transition(self, session: Any, case: Any, to: str, actor: Any,
                            payload: Any) -> list[Any]:
        from core.hooktypes import Veto

        return [Veto("P-1", "No certified technician for this model.")] \
            if to == "dispatched" else []


def test_dispatch_to_another_service_point_is_vetoed_with_every_veto(desk: Harness) -> None:
    from core.manifest import hookimpl

    rule = ExtraRule()
    hookimpl(ExtraRule.validate_transition)
    desk.app.state.pm.register(rule, name="training-standin")
    cid = inspected(desk)
    boss = desk.client("hq-supervisor")
    page = boss.get(f"/desk/cases/{cid}").text
    east_tech = user_id(desk, "east-tech")
    assert f'value="{east_tech}"' not in page  # only this service point's technicians
    refused = boss.form(f"/desk/cases/{cid}/transition",
                        {"to": "dispatched", "technician_id": str(east_tech), "onsite": "0"})
    assert refused.status_code == 409
    vetoes = refused.text.split('class="flash flash-error vetoes"')[1].split("</div>")[0]
    assert "P-3" in vetoes and "is not a technician of HQ service centre" in vetoes
    assert "P-1" in vetoes and "No certified technician" in vetoes
    assert "training-standin" in vetoes
    assert state_of(desk, cid) == "inspected"


def test_inspection_errors_sit_beside_their_fields(desk: Harness) -> None:
    cid = open_case(desk)
    tech = desk.client("hq-tech")
    response = tech.form(f"/desk/cases/{cid}/transition", {
        "to": "inspected", "fault_found": "", "fault_description_1": "Fan",
        "fault_cause_1": "gremlins", "coverage_class": "B"})
    assert response.status_code == 400
    assert 'id="fault_found-error"' in response.text
    assert 'id="fault_cause_1-error"' in response.text
    assert 'value="Fan"' in response.text
    no_class = tech.form(f"/desk/cases/{cid}/transition",
                         {"to": "inspected", "fault_found": "Dead", "coverage_class": ""})
    assert no_class.status_code == 409 and "W-3" in no_class.text
    assert state_of(desk, cid) == "registered"


def test_on_site_dispatch_records_address_and_window(desk: Harness) -> None:
    cid = inspected(desk, "A", channel="on_site")
    boss = desk.client("hq-supervisor")
    tech = str(user_id(desk, "hq-tech"))
    wrong = boss.form(f"/desk/cases/{cid}/transition", {
        "to": "dispatched", "technician_id": tech, "onsite": "on",
        "onsite_address": "Hall 2", "onsite_from": "2026-12-01T14:00",
        "onsite_to": "2026-12-01T09:00"})
    assert wrong.status_code == 400 and 'id="onsite_to-error"' in wrong.text
    step(boss, cid, "dispatched", technician_id=tech, onsite="on",
         onsite_address="Hall 2, Canton Fair", onsite_from="2026-12-01T09:00",
         onsite_to="2026-12-01T12:00")
    page = boss.get(f"/desk/cases/{cid}").text
    assert "Hall 2, Canton Fair" in page and "09:00" in page and "12:00" in page


def test_cancel_needs_a_reason_and_reopen(desk: Harness) -> None:
    cid = open_case(desk)
    clerk = desk.client("hq-clerk")
    blank = clerk.form(f"/desk/cases/{cid}/transition", {"to": "cancelled", "reason": " "})
    assert blank.status_code == 400 and 'id="reason-error"' in blank.text
    step(clerk, cid, "cancelled", reason="Customer withdrew")
    assert "Customer withdrew" in clerk.get(f"/desk/cases/{cid}").text
    step(clerk, cid, "registered", reason="Customer came back")
    assert state_of(desk, cid) == "registered"


def test_removing_a_line_needs_a_reason_and_voids_the_confirmation(desk: Harness) -> None:
    cid = inspected(desk)
    clerk = desk.client("hq-clerk")
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "labour", "description": "Bench repair", "unit_price": "100"})
    bad = clerk.form(f"/desk/cases/{cid}/charges",
                     {"kind": "labour", "description": "", "unit_price": "1.234"})
    assert bad.status_code == 400
    assert 'id="description-error"' in bad.text and 'id="unit_price-error"' in bad.text
    assert "At most two decimal places." in bad.text
    step(clerk, cid, "quoted")
    clerk.form(f"/desk/cases/{cid}/confirmations",
               {"accepted": "1", "method": "signature", "customer_name": "Ms. Lin"})
    assert state_of(desk, cid) == "confirmed"
    with desk.session() as session:
        from core.entities import Charge

        charge_id = session.scalars(select(Charge.id)).one()
    no_reason = clerk.form(f"/desk/cases/{cid}/charges/{charge_id}/void", {"reason": ""})
    assert no_reason.status_code == 400 and "Say why the line is removed." in no_reason.text
    voided = clerk.form(f"/desk/cases/{cid}/charges/{charge_id}/void",
                        {"reason": "Customer brings own part"}, follow_redirects=False)
    assert voided.status_code == 303
    assert state_of(desk, cid) == "quoted"  # W-4: a changed quote needs a new confirmation
    assert "<s>Bench repair</s>" in clerk.get(f"/desk/cases/{cid}").text


def test_links_die_when_expired_or_the_quote_changes(desk: Harness) -> None:
    from core.db import utcnow
    from core.entities import ConfirmationLink

    cid = inspected(desk)
    clerk = desk.client("hq-clerk")
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "labour", "description": "Bench repair", "unit_price": "100"})
    step(clerk, cid, "quoted")
    english = link_path(clerk.form(f"/desk/cases/{cid}/link", {"locale": "en"}).text)
    stale = link_path(clerk.form(f"/desk/cases/{cid}/link", {"locale": "en"}).text)
    customer = desk.client()
    assert 'lang="en"' in customer.get(english).text
    with desk.session() as session:
        for link in session.scalars(select(ConfirmationLink)):
            if link.id == 2:
                link.expires_at = utcnow()
        session.commit()
    expired = customer.get(stale)
    assert expired.status_code == 404 and "not valid any more" in expired.text
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "part", "description": "Fan", "unit_price": "5"})
    assert customer.get(english).status_code == 404  # the quote changed (W-4)
    assert desk.client().post(english, data={"decision": "confirm"}).status_code == 404
    assert state_of(desk, cid) == "quoted"


def test_customer_may_decline_on_the_link(desk: Harness) -> None:
    cid = inspected(desk)
    clerk = desk.client("hq-clerk")
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "labour", "description": "Bench repair", "unit_price": "100"})
    step(clerk, cid, "quoted")
    path = link_path(clerk.form(f"/desk/cases/{cid}/link", {"locale": "en"}).text)
    answer = desk.client().post(path, data={"decision": "decline", "customer_name": ""})
    assert answer.status_code == 200 and "You declined the quote" in answer.text
    assert state_of(desk, cid) == "declined"  # W-4: the unit goes back unrepaired
    assert "Declined" in clerk.get(f"/desk/cases/{cid}").text


def test_payment_errors_and_receipt_scope(desk: Harness) -> None:
    cid = inspected(desk)
    clerk = desk.client("hq-clerk")
    clerk.form(f"/desk/cases/{cid}/charges",
               {"kind": "labour", "description": "Bench repair", "unit_price": "100"})
    step(clerk, cid, "quoted")
    clerk.form(f"/desk/cases/{cid}/confirmations",
               {"accepted": "1", "method": "phone", "customer_name": "Ms. Lin"})
    too_much = clerk.form(f"/desk/cases/{cid}/payments", {"amount": "150", "method": "cash"})
    assert too_much.status_code == 400 and 'id="amount-error"' in too_much.text
    assert 'value="150"' in too_much.text
    paid = clerk.form(f"/desk/cases/{cid}/payments", {"amount": "100", "method": "alipay"},
                      follow_redirects=False)
    receipt_url = paid.headers["location"]
    assert "Alipay" in clerk.get(receipt_url).text
    assert desk.client("east-clerk").get(receipt_url).status_code == 404
    assert "Record payment" not in clerk.get(f"/desk/cases/{cid}").text  # nothing outstanding
