"""Every string the loaner plugin marks for translation has a zh_CN translation with the
same placeholders (its own catalog, consulted after core's); the E-2 veto reads in the
reader's language; the agreement defaults to the customer's language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from core.entities import CaseEvent, Customer, ServiceCase, User
from plugins.loaner.hooks import VETO
from plugins.loaner.models import Loan, LoanerEvent
from tests.plugins import catalogue
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, move, repaired, user_id
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
ZH_PO = catalogue.zh_po("loaner")


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    found = catalogue.extracted("loaner")
    assert VETO in found and len(found) > 150
    missing, wrong = catalogue.problems("loaner")
    assert not missing, "no zh_CN translation in the loaner catalog:\n  " + "\n  ".join(missing)
    assert not wrong, wrong


def _lent_loan(h: Harness) -> tuple[int, int]:
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    lid = h.client().post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Touring"}).json()["id"]
    lent = h.client().post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk, json={
        "condition": "good", "signed_by": "Huang"})  # no language: the customer's
    assert lent.status_code == 200, lent.text
    return cid, lid


def _set(h: Harness, model: type, row_id: int, **values: object) -> None:
    with h.session() as session:
        row = session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()


def test_the_e2_veto_reads_in_the_readers_language(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "loaner"])
    cid, _lid = _lent_loan(h)
    repaired(h, cid)
    api = move(h, bearer(h, "hq-clerk"), cid, "returned").json()["error"]["vetoes"]
    assert [v["message"] for v in api if v["clause"] == "E-2"] == [
        "Loaner PA2400-230101-00001 is still out: it comes back complete to whoever lent it "
        "before the case is returned to the customer, or a supervisor records a written "
        "exception."]
    _set(h, User, user_id(h, "hq-supervisor"), locale="zh_CN")
    page = h.client("hq-supervisor").form(f"/desk/cases/{cid}/transition", {"to": "returned"},
                                          follow_redirects=False)
    assert page.status_code == 409
    assert "备用机 PA2400-230101-00001 仍未归还" in page.text and "交还客户" in page.text


def test_the_agreement_is_in_the_customers_language(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "loaner"])
    cid, lid = _lent_loan(h)
    with h.session() as session:
        loan = session.get(Loan, lid)
        assert loan.agreement_language == h.settings.default_locale
        customer_id = session.get(ServiceCase, cid).customer_id
    # a customer who reads English gets an English agreement, a Chinese one a Chinese one
    for language, word in (("en", "Loan agreement"), ("zh_CN", "借用协议")):
        _set(h, Customer, customer_id, language=language)
        uid = add_unit(h, 7 if language == "en" else 8)
        other = case_id(h)
        clerk = bearer(h, "hq-clerk")
        _set(h, ServiceCase, other, customer_id=customer_id)
        web = h.client("hq-clerk")
        nid = h.client().post("/api/v1/loaner/loans", headers=clerk, json={
            "case_id": other, "unit_id": uid, "reason": "r"}).json()["id"]
        assert f'value="{language}" selected' in web.get(f"/loaner/loans/{nid}").text
        h.client().post(f"/api/v1/loaner/loans/{nid}/lend", headers=clerk, json={
            "condition": "good", "signed_by": "Huang"})
        with h.session() as session:
            loan = session.get(Loan, nid)
            assert loan.agreement_language == language and word in loan.agreement_text


def test_history_notes_read_in_the_readers_language(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "loaner"])
    cid, lid = _lent_loan(h)
    english = h.client("hq-clerk").get(f"/loaner/loans/{lid}").text
    assert f"Case {cid}, signed by Huang" in english and f"Case {cid}: Touring" in english
    _set(h, User, user_id(h, "hq-clerk"), locale="zh_CN")
    chinese = h.client("hq-clerk").get(f"/loaner/loans/{lid}").text
    assert f"维修单 {cid}，签收人 Huang" in chinese and f"维修单 {cid}：Touring" in chinese
    with h.session() as session:  # typed text stays as typed; ids keep their parameters
        events = session.scalars(select(LoanerEvent).where(LoanerEvent.loan_id == lid)
                                 .order_by(LoanerEvent.id)).all()
        assert [(e.note, e.params) for e in events] == [
            ("Case %(case)s: %(reason)s", {"case": cid, "reason": "Touring"}),
            ("Case %(case)s, signed by %(name)s", {"case": cid, "name": "Huang"})]


def test_case_history_lines_read_in_chinese(make_app: Callable[..., Harness],
                                            backend: str) -> None:
    """Item 4: the loaner's lines in the case history are message ids with parameters; a
    Chinese reader (demo ``sw-clerk``) reads them in Chinese, the typed reason as typed."""
    h = make_app(plugins=["warranty", "loaner"])
    uid = add_unit(h, 3, point="SW-CD")
    cid = case_id(h, "sw-clerk")
    clerk = bearer(h, "sw-clerk")
    c = h.client()
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "客户下周巡演"}).json()["id"]
    assert c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk, json={
        "condition": "good", "signed_by": "黄先生", "deposit_cents": 30000,
        "deposit_method": "wechat_pay"}).status_code == 200
    repaired(h, cid, "sw")
    back = c.post(f"/api/v1/loaner/loans/{lid}/return", headers=clerk, json={
        "condition": "good", "accessories": {"Rack ears": "missing"}})
    assert back.status_code == 200, back.text
    code = "PA2400-230101-00003"
    with h.session() as session:
        notes = {e.kind: e.note for e in session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == cid, CaseEvent.kind.like("loaner.%")))}
    assert notes["loaner.requested"] == "Loaner %(code)s requested: %(reason)s"
    chinese = h.client("sw-clerk").get(f"/desk/cases/{cid}").text
    for line in (f"已申请备用机 {code}：客户下周巡演", "备用机押金 300.00（微信支付）",
                 f"已召回备用机 {code}", f"备用机 {code} 已归还；缺失：Rack ears；损坏：-",
                 "因物品缺失或损坏，扣留备用机押金 50.00", "已退还备用机押金 250.00（微信支付）"):
        assert line in chinese, line
    for english_line in ("requested:", "Loaner deposit refunded", "Loaner deposit kept",
                         "recalled, due back", "returned; missing"):
        assert english_line not in chinese, english_line
    assert "%(" not in chinese
    english = h.client("hq-admin").get(f"/desk/cases/{cid}").text
    assert f"Loaner {code} requested: 客户下周巡演" in english
    assert "Loaner deposit refunded 250.00 (WeChat Pay)" in english
