"""Issue 18 item 1: the lines plugins write on a case's money (a warranty exchange's price
difference, a loaner's missing accessory, the deposit given back) are message ids with
parameters, read in the reader's language: Chinese for a Chinese clerk (demo ``sw-clerk``)
and on a confirmation link in the customer's language, English for ``hq-admin`` and in the
API. A description a person typed stays as typed. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.entities import CaseCredit, Charge, CreditNote
from tests.core.desk_helpers import bearer, move, new_case
from tests.plugins.loaner.helpers import add_unit
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _sw_case(h: Harness, seq: int) -> int:
    """A case of the Chinese-speaking region, inspected (no fault found)."""
    made = date.today() - timedelta(days=10)
    cid = int(new_case(h, bearer(h, "sw-clerk"), body_code=f"PA2400-{made:%y%m%d}-{seq:05d}",
                       model_code="PA2400")["id"])
    assert move(h, bearer(h, "sw-tech"), cid, "inspected",
                fault_found="none").status_code == 200
    return cid


def _link_page(h: Harness, cid: int, locale: str) -> str:
    """What the customer reads on a confirmation link made for ``locale``."""
    page = h.client("sw-clerk").form(f"/desk/cases/{cid}/link", {"locale": locale}).text
    path = re.search(r'value="https?://[^"/]+(/q/[^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = h.client().get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


def _api_descriptions(h: Harness, cid: int) -> list[str]:
    case = h.client().get(f"/api/v1/cases/{cid}", headers=bearer(h, "sw-clerk")).json()
    return [c["description"] for c in case["charges"]]


def test_an_exchange_price_difference_reads_in_the_readers_language(h: Harness) -> None:
    cid = _sw_case(h, 301)
    sw = h.client("sw-clerk")
    assert sw.form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "off", "well_kept": "on", "exchange_model_code": "PA4800"},
        follow_redirects=False).status_code == 303
    typed = h.client().post(f"/api/v1/cases/{cid}/charges", headers=bearer(h, "sw-clerk"),
                            json={"kind": "shipping", "unit_price_cents": 3500,
                                  "description": "Shipping, paid by the customer"})
    assert typed.status_code == 201, typed.text
    with h.session() as session:  # stored as the message id and its parameters
        stored = {(c.description, str(c.description_params)) for c in session.scalars(
            select(Charge).where(Charge.case_id == cid))}
    assert ("Price difference for %(model)s", "{'model': 'PA4800'}") in stored
    assert ("Shipping, paid by the customer", "None") in stored  # typed: kept as typed
    # the API keeps its contract: the description is a string, in English
    assert sorted(_api_descriptions(h, cid)) == [
        "Price difference for PA4800", "Shipping, paid by the customer"]
    chinese = sw.get(f"/desk/cases/{cid}").text
    assert "换购 PA4800 的差价" in chinese and "Price difference for" not in chinese
    assert "Shipping, paid by the customer" in chinese  # a person's words are not translated
    assert "%(" not in chinese
    english = h.client("hq-admin").get(f"/desk/cases/{cid}").text
    assert "Price difference for PA4800" in english and "换购" not in english
    sheet = sw.get(f"/desk/cases/{cid}/sheet")
    assert sheet.status_code == 200 and "换购 PA4800 的差价" in sheet.text
    # the customer reads the quote in the language of the link, whoever made it
    assert move(h, bearer(h, "sw-clerk"), cid, "quoted").status_code == 200
    customer_zh = _link_page(h, cid, "zh_CN")
    assert "换购 PA4800 的差价" in customer_zh and "Price difference for" not in customer_zh
    customer_en = _link_page(h, cid, "en")
    assert "Price difference for PA4800" in customer_en and "换购" not in customer_en


def test_a_loaners_missing_accessory_and_deposit_read_in_the_readers_language(
        h: Harness) -> None:
    uid = add_unit(h, 7, point="SW-CD")
    code = "PA2400-230101-00007"
    cid = _sw_case(h, 302)
    clerk = bearer(h, "sw-clerk")
    c = h.client()
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "巡演"}).json()["id"]
    assert c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk, json={
        "condition": "good", "signed_by": "黄先生", "deposit_cents": 30000,
        "deposit_method": "cash"}).status_code == 200
    back = c.post(f"/api/v1/loaner/loans/{lid}/return", headers=clerk, json={
        "condition": "good", "accessories": {"Rack ears": "missing"}})
    assert back.status_code == 200, back.text
    assert _api_descriptions(h, cid) == [f"Loaner {code}: Rack ears (missing)"]
    with h.session() as session:
        credit = session.scalars(select(CaseCredit).where(CaseCredit.case_id == cid)).one()
        assert credit.description_text() == f"Loaner deposit (loan L{lid:06d})"
        note = session.scalars(select(CreditNote).where(CreditNote.case_id == cid)).one()
        assert note.note_text() == f"Loaner deposit refund (loan L{lid:06d})"
        note_id = note.id
    sw = h.client("sw-clerk")
    chinese = sw.get(f"/desk/cases/{cid}").text
    assert f"备用机 {code}：Rack ears（缺失）" in chinese
    assert "(missing)" not in chinese and "%(" not in chinese
    credit_note = sw.get(f"/desk/credit-notes/{note_id}").text
    assert f"退还备用机押金（借用单 L{lid:06d}）" in credit_note
    assert "Loaner deposit refund" not in credit_note
    english = h.client("hq-admin").get(f"/desk/cases/{cid}").text
    assert f"Loaner {code}: Rack ears (missing)" in english and "缺失" not in english
    unit_page = sw.get(f"/loaner/units/{uid}")  # the unit's history: the states translated
    assert unit_page.status_code == 200, unit_page.text
    assert "Rack ears (缺失)" in unit_page.text and "Rack ears (missing)" not in unit_page.text
    assert move(h, clerk, cid, "quoted").status_code == 200
    customer = _link_page(h, cid, "zh_CN")
    assert f"备用机 {code}：Rack ears（缺失）" in customer and "Loaner " not in customer
