"""Issue 10, item 5 through the warranty plugin: an R-8 return refunds the price less
depreciation on a credit note; an exchange settles the price difference in either direction
(a receipt when the customer pays, a credit note when the company pays back); the approved
exchange swaps the units and both units' timelines show it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tests.core.desk_helpers import bearer, move, new_case
from tests.live import fire
from tests.support import Harness


@pytest.fixture
def w(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty"])


def _code(days_ago: int, model: str = "PA2400", seq: int = 1) -> str:
    made = date.today() - timedelta(days=days_ago)
    return f"{model}-{made:%y%m%d}-{seq:05d}"


def _inspected_case(w: Harness, model: str, seq: int) -> int:
    cid = new_case(w, bearer(w, "hq-clerk"), body_code=_code(10, model, seq),
                   model_code=model)["id"]
    assert move(w, bearer(w, "hq-tech"), cid, "inspected",
                fault_found="none").status_code == 200
    return cid


def _register(w: Harness, model: str, seq: int) -> str:
    code = _code(3, model, seq)
    answer = w.client().post("/api/v1/units", json={"body_code": code, "model_code": model},
                             headers=bearer(w, "hq-clerk"))
    assert answer.status_code == 201, answer.text
    return code


def _case(w: Harness, cid: int) -> dict:
    return w.client().get(f"/api/v1/cases/{cid}", headers=bearer(w, "hq-clerk")).json()


def test_r8_return_refunds_price_less_depreciation_on_a_credit_note(w: Harness) -> None:
    cid = _inspected_case(w, "PA2400", 101)
    client = w.client("hq-clerk")
    assert client.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "off", "well_kept": "on", "shipping_cents": "35.00"},
        follow_redirects=False).status_code == 303
    case = _case(w, cid)
    assert [(c["kind"], c["amount_cents"], c["clause"]) for c in case["credits"]] == [
        ("refund", 4_482_00, "R-8")]  # 4,980.00 less 10 %
    # the customer pays the shipping: it is netted against the refund
    assert case["refundable_cents"] == 4_482_00 - 35_00
    over = w.client().post(f"/api/v1/cases/{cid}/refunds", headers=bearer(w, "hq-clerk"),
                           json={"amount_cents": 4_482_00, "method": "bank_transfer"})
    assert over.status_code == 422, over.text
    done = w.client().post(f"/api/v1/cases/{cid}/refunds", headers=bearer(w, "hq-clerk"),
                           json={"amount_cents": 4_447_00, "method": "bank_transfer"})
    assert done.status_code == 201, done.text
    note = done.json()["credit_notes"][0]
    assert (note["kind"], note["clause"], note["signed_cents"]) == ("refund", "R-8", -4_447_00)
    assert done.json()["refundable_cents"] == 0
    # a second request on the case does not grant the money twice
    client.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "off", "well_kept": "on"}, follow_redirects=False)
    assert len(_case(w, cid)["credits"]) == 1


def test_exchange_for_a_dearer_model_customer_pays_and_units_swap(w: Harness) -> None:
    cid = _inspected_case(w, "PA2400", 102)
    old = _code(10, "PA2400", 102)
    clerk = bearer(w, "hq-clerk")
    w.client("hq-clerk").form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "off", "well_kept": "on", "exchange_model_code": "PA4800"},
        follow_redirects=False)
    case = _case(w, cid)
    assert case["credits"] == [] and case["refundable_cents"] == 0
    assert move(w, clerk, cid, "quoted").status_code == 200
    confirmed = w.client().post(f"/api/v1/cases/{cid}/confirmations", headers=clerk,
                                json={"method": "phone", "customer_name": "Mr. Wu"})
    assert confirmed.status_code == 201, confirmed.text
    too_much = w.client().post(f"/api/v1/cases/{cid}/payments", headers=clerk,
                               json={"amount_cents": 3_820_01, "method": "cash"})
    assert too_much.status_code == 422
    paid = w.client().post(f"/api/v1/cases/{cid}/payments", headers=clerk,
                           json={"amount_cents": 3_820_00, "method": "cash"})
    assert paid.status_code == 201, paid.text
    assert paid.json()["balance_cents"] == 0
    assert [(m["kind"], m["signed_cents"]) for m in paid.json()["money_movements"]] == [
        ("payment", 3_820_00)]

    cheaper = _register(w, "PA2400", 201)
    wrong = w.client().post(f"/api/v1/warranty/cases/{cid}/exchange", headers=clerk,
                            json={"replacement_body_code": cheaper})
    assert wrong.status_code == 422
    assert "replacement_body_code" in wrong.json()["error"]["fields"]
    new = _register(w, "PA4800", 202)
    swap = w.client().post(f"/api/v1/warranty/cases/{cid}/exchange", headers=clerk,
                           json={"replacement_body_code": new})
    assert swap.status_code == 201, swap.text
    assert swap.json()["returned_body_code"] == old
    assert swap.json()["replacement_body_code"] == new and swap.json()["clause"] == "R-8"
    twice = w.client().post(f"/api/v1/warranty/cases/{cid}/exchange", headers=clerk,
                            json={"replacement_body_code": new})
    assert twice.status_code == 409

    returned = w.client().get(f"/api/v1/units/{old}", headers=clerk).json()
    given = w.client().get(f"/api/v1/units/{new}", headers=clerk).json()
    assert returned["returned_to_company_at"] is not None
    assert given["customer_id"] == case["customer"]["id"] and given["sold_on"]
    assert given["returned_to_company_at"] is None
    page = w.client("hq-clerk")
    old_life = page.get(f"/desk/units/{old}").text
    new_life = page.get(f"/desk/units/{new}").text
    assert "Returned to the company in an exchange" in old_life and new in old_life
    assert "Given to the customer in an exchange" in new_life and old in new_life
    assert case["reference"] in new_life


def test_exchange_for_a_cheaper_model_company_pays_back_on_the_desk(w: Harness) -> None:
    cid = _inspected_case(w, "PA4800", 103)
    old = _code(10, "PA4800", 103)
    client = w.client("hq-clerk")
    client.form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "off", "well_kept": "on", "exchange_model_code": "PA2400"},
        follow_redirects=False)
    case = _case(w, cid)
    assert [(c["kind"], c["amount_cents"], c["clause"]) for c in case["credits"]] == [
        ("exchange_settlement", 8_800_00 - 4_980_00, "R-8")]
    assert case["payable_cents"] == 0 and case["refundable_cents"] == 3_820_00
    done = client.form(f"/desk/cases/{cid}/refunds", {"refund_amount": "3820.00",
                                                       "refund_method": "cash"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    slip = client.get(done.headers["location"]).text
    assert "Exchange settlement" in slip and "3,820.00" in slip
    assert [(m["kind"], m["signed_cents"]) for m in _case(w, cid)["money_movements"]] == [
        ("credit_note", -3_820_00)]

    panel = client.get(f"/warranty/cases/{cid}/panel").text
    assert f'action="/warranty/cases/{cid}/exchange"' in panel
    missing = client.form(f"/warranty/cases/{cid}/exchange",
                          {"replacement_body_code": "PA2400-250101-99999"})
    assert missing.status_code == 400 and "is on file" in missing.text
    new = _register(w, "PA2400", 203)
    swapped = client.form(f"/warranty/cases/{cid}/exchange", {"replacement_body_code": new},
                          follow_redirects=False)
    assert swapped.status_code == 303, swapped.text
    panel = client.get(f"/warranty/cases/{cid}/panel").text
    assert f"{old} returned to the company" in panel and f"{new} given" in panel
    old_page = client.get(f"/desk/units/{old}").text
    assert "Unit exchanged" in old_page and 'class="returned-to-company"' in old_page
    case_page = client.get(f"/desk/cases/{cid}").text
    assert 'class="unit-swap"' in case_page and f"/desk/units/{new}" in case_page


def test_no_exchange_without_an_approved_exchange_request(w: Harness) -> None:
    cid = _inspected_case(w, "PA2400", 104)
    new = _register(w, "PA2400", 204)
    answer = w.client().post(f"/api/v1/warranty/cases/{cid}/exchange",
                             headers=bearer(w, "hq-clerk"),
                             json={"replacement_body_code": new})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "no_approved_exchange"


def test_r1_return_refunds_the_whole_price(w: Harness) -> None:
    cid = new_case(w, bearer(w, "hq-clerk"), body_code=_code(200, "PA2400", 105),
                   model_code="PA2400")["id"]
    move(w, bearer(w, "hq-tech"), cid, "inspected", fault_found="Output 3 dB low")
    w.client("hq-clerk").form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "performance_mismatch": "on", "human_factor": "off"},
        follow_redirects=False)
    case = _case(w, cid)
    assert [(c["kind"], c["amount_cents"], c["clause"]) for c in case["credits"]] == [
        ("refund", 4_980_00, "R-1")]
    assert case["refundable_cents"] == 4_980_00


def test_one_replacement_unit_goes_to_one_customer_under_parallel_exchanges(
        w: Harness, live_app: Callable[..., tuple[Harness, str]]) -> None:
    cases = []
    for seq in (106, 107):
        cid = _inspected_case(w, "PA2400", seq)
        w.client("hq-clerk").form(f"/warranty/cases/{cid}/requests", {
            "kind": "exchange", "used": "off", "well_kept": "on"}, follow_redirects=False)
        cases.append(cid)
    new = _register(w, "PA2400", 206)
    tokens = [bearer(w, "hq-clerk") for _ in cases]  # a token each: no shared token row
    _, base = live_app(w)
    answers = fire(2, lambda c, i: c.post(f"/api/v1/warranty/cases/{cases[i]}/exchange",
                                          headers=tokens[i],
                                          json={"replacement_body_code": new}), base)
    assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
    winner = cases[[a.status_code for a in answers].index(201)]
    unit = w.client().get(f"/api/v1/units/{new}", headers=tokens[0]).json()
    assert unit["customer_id"] == _case(w, winner)["customer"]["id"]
