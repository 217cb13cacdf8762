"""Loaner terms per product model (issue 14 item 3) through HTTP on SQLite and PostgreSQL: a
manager sets a model's deposit and price list on the terms page (validated, audited, nobody
else may); lending takes the model's deposit by default; a missing item is charged at the
model's listed price (before the parts catalogue and the flat setting); the deposit is
settled as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.entities import AuditEvent
from core.plugin_api import hookimpl
from plugins.loaner.models import LoanerMoney, LoanerTerms
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _terms(h: Harness) -> dict[str, tuple[int, dict[str, int]]]:
    with h.session() as session:
        return {t.model_code: (t.deposit_cents, dict(t.prices)) for t in
                session.scalars(select(LoanerTerms))}


def test_terms_page_sets_validates_and_audits(h: Harness) -> None:
    web = h.client("hq-manager")
    assert "No terms yet" in web.get("/loaner/terms").text
    bad_cases = [
        ({"model_code": "NOPE1", "deposit_cents": "10"}, "model_code", "No product model"),
        ({"model_code": "PA2400", "deposit_cents": "-5"}, "deposit_cents", "more than zero"),
        ({"model_code": "PA2400", "deposit_cents": "99999999999"}, "deposit_cents", "At most"),
        ({"model_code": "PA2400", "prices": "Rack ears 80"}, "prices", "item = price"),
        ({"model_code": "PA2400", "prices": "Rack ears = 8.001"}, "prices", "decimal"),
        ({"model_code": "PA2400", "prices": "Rack ears = 1\nrack EARS = 2"}, "prices",
         "twice"),
    ]
    for data, field, text in bad_cases:
        answer = web.form("/loaner/terms", data, follow_redirects=False)
        assert answer.status_code == 400, (data, answer.status_code)
        assert text in answer.text and f'id="{field}-error"' in answer.text, (data, field)
    assert _terms(h) == {}
    saved = web.form("/loaner/terms", {"model_code": "pa2400", "deposit_cents": "800.00",
                                       "prices": "Rack ears = 120.00\nPower cord = 35.50\n"},
                     follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _terms(h) == {"PA2400": (80000, {"Rack ears": 12000, "Power cord": 3550})}
    page = web.get("/loaner/terms").text
    assert 'data-model="PA2400"' in page and "Rack ears" in page
    edit = web.get("/loaner/terms?model=PA2400").text
    assert "Rack ears = 120.00" in edit and 'value="800.00"' in edit
    again = web.form("/loaner/terms", {"model_code": "PA2400", "deposit_cents": "600",
                                       "prices": "Rack ears = 100"}, follow_redirects=False)
    assert again.status_code == 303
    assert _terms(h) == {"PA2400": (60000, {"Rack ears": 10000})}
    with h.session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.entity == "loaner_terms")
                               .order_by(AuditEvent.id)).all()
        assert [r.action for r in rows] == ["create", "update"]
        assert rows[1].before["deposit_cents"] == 80000
        assert rows[1].after["deposit_cents"] == 60000
    # a clerk sees the terms but may not set them
    clerk = h.client("hq-clerk")
    assert clerk.get("/loaner/terms").status_code == 200
    assert 'id="terms-form"' not in clerk.get("/loaner/terms").text
    refused = clerk.form("/loaner/terms", {"model_code": "PA2400", "deposit_cents": "1"},
                         follow_redirects=False)
    assert refused.status_code == 403
    assert _terms(h)["PA2400"][0] == 60000


def test_terms_api_validates(h: Harness) -> None:
    c = h.client()
    manager = bearer(h, "hq-manager")
    bad = [
        ({"model_code": "PA2400", "prices": ["Rack ears"]}, "prices"),
        ({"model_code": "PA2400", "prices": {"Rack ears": -1}}, "prices"),
        ({"model_code": "PA2400", "prices": {"": 100}}, "prices"),
        ({"model_code": "PA2400", "prices": {"x": 10 ** 30}}, "prices"),
        ({"model_code": "PA2400", "deposit_cents": 10 ** 30}, "deposit_cents"),
        ({"model_code": 7}, "model_code"),
        ({}, "model_code"),
    ]
    for body, field in bad:
        answer = c.post("/api/v1/loaner/terms", headers=manager, json=body)
        assert answer.status_code == 422, (body, answer.text)
        fields = answer.json()["error"]["fields"]
        assert any(name.startswith(field) for name in fields), (body, fields)
    assert _terms(h) == {}
    ok = c.post("/api/v1/loaner/terms", headers=manager, json={
        "model_code": "PA2400", "deposit_cents": 30000, "prices": {"Rack ears": 9900}})
    assert ok.status_code == 200, ok.text
    listed = c.get("/api/v1/loaner/terms", headers=bearer(h, "hq-clerk")).json()["terms"]
    assert [(t["model_code"], t["deposit_cents"], t["prices"]) for t in listed] == [
        ("PA2400", 30000, {"Rack ears": 9900})]
    assert c.post("/api/v1/loaner/terms", headers=bearer(h, "hq-clerk"), json={
        "model_code": "PA2400"}).status_code == 403


def test_lending_takes_the_model_deposit_and_return_charges_the_listed_price(
        h: Harness) -> None:
    class Catalogue:  # the parts catalogue knows the power cord and the rack ears
        @hookimpl
        def part_price(self, session: object, model_code: str, item: str) -> int | None:
            return {"Power cord": 1234, "Rack ears": 4321}.get(item)

    h.app.state.pm.register(Catalogue(), name="catalogue")
    c = h.client()
    assert c.post("/api/v1/loaner/terms", headers=bearer(h, "hq-manager"), json={
        "model_code": "PA2400", "deposit_cents": 40000,
        "prices": {"rack ears": 12000}}).status_code == 200
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Gig"}).json()["id"]
    # the lending form suggests the model's deposit
    assert 'value="400.00"' in h.client("hq-clerk").get(f"/loaner/loans/{lid}").text
    # through the API, no deposit given: the model's, and it needs a method
    no_method = c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk, json=lend_body())
    assert no_method.status_code == 422
    assert "deposit_method" in no_method.json()["error"]["fields"]
    lent = c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                  json=lend_body(deposit_method="card"))
    assert lent.status_code == 200, lent.text
    assert lent.json()["deposit_cents"] == 40000
    back = c.post(f"/api/v1/loaner/loans/{lid}/return", headers=clerk, json={
        "condition": "good", "accessories": {"Rack ears": "missing", "Power cord": "damaged",
                                             "Quick-start guide": "missing"}})
    assert back.status_code == 200, back.text
    prices = {b["item"]: b["price_cents"] for b in back.json()["accessories_back"]}
    # listed price first, then the parts catalogue, then the flat setting (5000)
    assert prices == {"Rack ears": 12000, "Power cord": 1234, "Quick-start guide": 5000}
    assert back.json()["charges_cents"] == 18234
    assert back.json()["refund_cents"] == 40000 - 18234
    with h.session() as session:
        money = [(m.kind, m.amount_cents) for m in session.scalars(
            select(LoanerMoney).order_by(LoanerMoney.id))]
        assert money == [("deposit", 40000), ("kept", -18234), ("refund", -21766)]


def test_an_explicit_zero_deposit_overrides_the_model(h: Harness) -> None:
    c = h.client()
    c.post("/api/v1/loaner/terms", headers=bearer(h, "hq-manager"), json={
        "model_code": "PA2400", "deposit_cents": 40000})
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Gig"}).json()["id"]
    lent = c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                  json=lend_body(deposit_cents=0))
    assert lent.status_code == 200 and lent.json()["deposit_cents"] == 0
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(LoanerMoney)) == 0
