"""The stock ledger and case work through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from core.entities import CaseHold, Charge
from plugins.parts import stock as ledger
from plugins.parts.models import Move, Stock
from tests.plugins.parts.helpers import (
    bearer,
    case_in_repair,
    inspected_case,
    setup_parts,
    stock_of,
)
from tests.support import Harness

API = "/api/v1/parts"


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=5)
    return h


def test_receive_adjust_and_the_ledger(parts: Harness) -> None:
    keeper = bearer(parts, "hq-warehouse")
    client = parts.client()
    got = client.post(f"{API}/receipts", headers=keeper, json={
        "part": "P-FAN", "warehouse": "WH-HQ", "quantity": 10})
    assert got.status_code == 201, got.text
    assert got.json()["available"] == 10
    bad = client.post(f"{API}/receipts", headers=keeper, json={
        "part": "NOPE", "warehouse": "WH-HQ", "quantity": 0})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"part", "quantity"}
    counted = client.post(f"{API}/adjustments", headers=keeper, json={
        "part": "P-FAN", "warehouse": "WH-HQ", "condition": "new", "counted": 8,
        "reason": "Stock-take"})
    assert counted.status_code == 201 and counted.json()["on_hand"] == 8
    no_reason = client.post(f"{API}/adjustments", headers=keeper, json={
        "part": "P-FAN", "warehouse": "WH-HQ", "condition": "new", "counted": 8})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    moves = client.get(f"{API}/moves", headers=keeper).json()["moves"]
    assert [m["kind"] for m in moves][:2] == ["adjust", "receive"]
    assert client.post(f"{API}/receipts", headers=bearer(parts, "hq-clerk"), json={
        "part": "P-FAN", "warehouse": "WH-HQ", "quantity": 1}).status_code == 403


def test_reserve_then_issue_in_class_b_is_charged(parts: Harness) -> None:
    cid = case_in_repair(parts, "B")
    tech = bearer(parts, "hq-tech")
    client = parts.client()
    reserved = client.post(f"{API}/cases/{cid}/reservations", headers=tech,
                           json={"part": "P-OUT", "quantity": 2})
    assert reserved.status_code == 201, reserved.text
    rid = reserved.json()["reservation"]["id"]
    assert stock_of(parts, "WH-HQ") == (5, 2)
    issued = client.post(f"{API}/cases/{cid}/issues", headers=tech,
                         json={"reservation_id": rid, "faulty_returned": True})
    assert issued.status_code == 201, issued.text
    assert stock_of(parts, "WH-HQ") == (3, 0)
    assert stock_of(parts, "WH-HQ", condition="faulty") == (2, 0)
    with parts.session() as session:
        charge = session.get(Charge, issued.json()["charge_id"])
        assert charge is not None
        assert (charge.kind, charge.quantity, charge.unit_price_cents, charge.waived) == \
            ("part", 2, 6500, False)
    again = client.post(f"{API}/cases/{cid}/issues", headers=tech,
                        json={"reservation_id": rid})
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_reserved"


def test_issue_in_class_a_is_free_and_refurbished_is_marked(parts: Harness) -> None:
    keeper = bearer(parts, "hq-warehouse")
    parts.client().post(f"{API}/receipts", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1, "condition": "refurbished"})
    cid = case_in_repair(parts, "A")
    issued = parts.client().post(f"{API}/cases/{cid}/issues", headers=bearer(parts, "hq-tech"),
                                 json={"part": "P-OUT", "quantity": 1,
                                       "condition": "refurbished"})
    assert issued.status_code == 201, issued.text
    with parts.session() as session:
        charge = session.get(Charge, issued.json()["charge_id"])
        assert charge is not None and charge.waived and charge.refurbished
        assert "R-6" in charge.clause and "refurbished" in charge.description_text()


def test_a_part_broken_by_misuse_is_charged_even_in_class_a(parts: Harness) -> None:
    """W-A: the warranty does not cover damage by improper use, so a part issued for it on a
    class A case is charged; the same part for a normal fault stays free."""
    keeper = bearer(parts, "hq-warehouse")
    parts.client().post(f"{API}/receipts", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 2, "condition": "new"})
    cid = case_in_repair(parts, "A")
    tech = bearer(parts, "hq-tech")
    misuse = parts.client().post(f"{API}/cases/{cid}/issues", headers=tech, json={
        "part": "P-OUT", "quantity": 1, "cause": "improper_use"})
    normal = parts.client().post(f"{API}/cases/{cid}/issues", headers=tech, json={
        "part": "P-OUT", "quantity": 1, "cause": "normal"})
    assert misuse.status_code == normal.status_code == 201, (misuse.text, normal.text)
    with parts.session() as session:
        charged = session.get(Charge, misuse.json()["charge_id"])
        free = session.get(Charge, normal.json()["charge_id"])
        assert charged is not None and not charged.waived and charged.amount_cents > 0
        assert "W-A" in (charged.clause or "")
        assert free is not None and free.waived


def test_a_part_not_fitted_goes_back_to_stock_and_off_the_quote(parts: Harness) -> None:
    """The ledger's ``return``: an issued part that was not needed goes back on its shelf and
    its quote line is withdrawn; twice is refused, and so is a part never issued."""
    cid = case_in_repair(parts, "B")
    tech = bearer(parts, "hq-tech")
    before = stock_of(parts, "WH-HQ")
    issued = parts.client().post(f"{API}/cases/{cid}/issues", headers=tech,
                                 json={"part": "P-OUT", "quantity": 1})
    assert issued.status_code == 201, issued.text
    rid = issued.json()["reservation"]["id"]
    assert stock_of(parts, "WH-HQ")[0] == before[0] - 1
    url = f"{API}/cases/{cid}/reservations/{rid}/return"
    assert parts.client().post(url, headers=tech, json={}).status_code == 422  # no reason
    back = parts.client().post(url, headers=tech, json={"reason": "Not needed after all"})
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "returned"
    assert stock_of(parts, "WH-HQ") == before
    with parts.session() as session:
        charge = session.get(Charge, issued.json()["charge_id"])
        assert charge is not None and charge.voided_at is not None
        kinds = session.scalars(select(Move.kind).where(Move.case_id == cid)
                                .order_by(Move.id)).all()
        assert kinds[-1] == "return"
    again = parts.client().post(url, headers=tech, json={"reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_issued"


def test_issue_refuses_wrong_state_wrong_model_and_bad_input(parts: Harness) -> None:
    cid = inspected_case(parts)
    tech = bearer(parts, "hq-tech")
    client = parts.client()
    early = client.post(f"{API}/cases/{cid}/issues", headers=tech,
                        json={"part": "P-OUT", "quantity": 1})
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_state"
    with parts.session() as session:
        from plugins.parts import services
        services.save_part(session, {"number": "MX-ONLY", "name": "Mixer knob",
                                     "model_codes": "MX8", "price_cents": 100})
        session.commit()
    wrong = client.post(f"{API}/cases/{cid}/reservations", headers=tech,
                        json={"part": "MX-ONLY", "quantity": 1})
    assert wrong.status_code == 422 and "part" in wrong.json()["error"]["fields"]
    junk = client.post(f"{API}/cases/{cid}/reservations", headers=tech, content=b"[1]")
    assert junk.status_code == 400
    assert stock_of(parts, "WH-HQ") == (5, 0)


def test_short_stock_raises_a_requisition_and_holds_the_case(parts: Harness) -> None:
    cid = inspected_case(parts)
    tech = bearer(parts, "hq-tech")
    client = parts.client()
    short = client.post(f"{API}/cases/{cid}/reservations", headers=tech,
                        json={"part": "P-OUT", "quantity": 7})
    assert short.status_code == 409 and short.json()["error"]["code"] == "insufficient_stock"
    assert "needed_by" in short.json()["error"]["fields"]
    needed = (date.today() + timedelta(days=5)).isoformat()
    asked = client.post(f"{API}/cases/{cid}/reservations", headers=tech,
                        json={"part": "P-OUT", "quantity": 7, "needed_by": needed})
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["reservation"]["quantity"] == 5
    assert body["requisition"]["lines"][0]["quantity"] == 2
    assert stock_of(parts, "WH-HQ") == (5, 5)
    with parts.session() as session:
        holds = session.scalars(select(CaseHold).where(CaseHold.case_id == cid)).all()
        assert [(h.kind, h.released_at) for h in holds] == [("waiting_for_parts", None)]


def test_rebuild_from_the_ledger_finds_and_fixes_drift(parts: Harness) -> None:
    cid = case_in_repair(parts, "B")
    parts.client().post(f"{API}/cases/{cid}/reservations", headers=bearer(parts, "hq-tech"),
                        json={"part": "P-OUT", "quantity": 2})
    with parts.session() as session:
        assert ledger.compare(session) == []
        session.execute(update(Stock).values(on_hand=Stock.on_hand + 3))
        session.commit()
    with parts.session() as session:
        drifts = ledger.compare(session)
        assert [(d.part, d.on_hand, d.ledger_on_hand, d.reserved, d.ledger_reserved)
                for d in drifts] == [("P-OUT", 8, 5, 2, 2)]
        ledger.compare(session, fix=True)
        session.commit()
    with parts.session() as session:
        assert ledger.compare(session) == []
    assert stock_of(parts, "WH-HQ") == (5, 2)


def test_part_price_answers_the_loaner_plugin(parts: Harness) -> None:
    pm = parts.app.state.pm
    with parts.session() as session:
        assert pm.hook.part_price(session=session, model_code="PA2400", item="p-out") == 6500
        assert pm.hook.part_price(session=session, model_code="PA2400", item="Fan") == 1500
        assert pm.hook.part_price(session=session, model_code="PA2400", item="风扇") == 1500
        assert pm.hook.part_price(session=session, model_code="PA2400", item="Remote") is None


def test_a_cancelled_case_gives_its_reservations_back(parts: Harness) -> None:
    from tests.core.desk_helpers import move

    cid = inspected_case(parts)
    tech = bearer(parts, "hq-tech")
    made = parts.client().post(f"{API}/cases/{cid}/reservations", headers=tech,
                               json={"part": "P-OUT", "quantity": 3})
    assert made.status_code == 201 and stock_of(parts, "WH-HQ") == (5, 3)
    cancelled = move(parts, bearer(parts, "hq-supervisor"), cid, "cancelled",
                     reason="Customer withdrew")
    assert cancelled.status_code == 200, cancelled.text
    assert stock_of(parts, "WH-HQ") == (5, 0)
    with parts.session() as session:
        assert ledger.compare(session) == []


def test_faulty_parts_are_refurbished_or_scrapped(parts: Harness) -> None:
    cid = case_in_repair(parts, "B")
    tech, keeper = bearer(parts, "hq-tech"), bearer(parts, "hq-warehouse")
    client = parts.client()
    assert client.post(f"{API}/cases/{cid}/issues", headers=tech, json={
        "part": "P-OUT", "quantity": 2, "faulty_returned": True}).status_code == 201
    refurbished = client.post(f"{API}/refurbishments", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1, "action": "refurbish"})
    assert refurbished.status_code == 201 and refurbished.json()["condition"] == "refurbished"
    scrapped = client.post(f"{API}/refurbishments", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 2, "action": "scrap"})
    assert scrapped.status_code == 409  # only one faulty left
    assert stock_of(parts, "WH-HQ", condition="faulty") == (1, 0)
    assert stock_of(parts, "WH-HQ", condition="refurbished") == (1, 0)
    fan = client.post(f"{API}/refurbishments", headers=keeper, json={
        "part": "P-FAN", "warehouse": "WH-HQ", "quantity": 1, "action": "refurbish"})
    assert fan.status_code == 422  # not refurbishable


def test_catalogue_supersession_and_validation(parts: Harness) -> None:
    admin = bearer(parts, "hq-manager")
    client = parts.client()
    made = client.post(f"{API}/parts", headers=admin, json={
        "number": "P-OUT2", "name": "Output transistor, rev. 2", "name_zh": "输出晶体管（二版）",
        "model_codes": "PA2400, pa3000", "cost_cents": 2100, "price_cents": 6900,
        "refurbishable": True})
    assert made.status_code == 201, made.text
    assert made.json()["model_codes"] == ["PA2400", "PA3000"]
    dup = client.post(f"{API}/parts", headers=admin, json={
        "number": "p-out", "name": "x", "price_cents": 1})
    assert dup.status_code == 422 and "number" in dup.json()["error"]["fields"]
    with parts.session() as session:
        from plugins.parts import services
        old = services.get_part(session, "P-OUT")
        services.save_part(session, {"number": "P-OUT", "name": old.name,
                                     "model_codes": "PA2400", "price_cents": 6500,
                                     "superseded_by": "P-OUT2"}, old)
        session.commit()
        assert services.current_part(session, services.get_part(session, "P-OUT")).number \
            == "P-OUT2"
    fits = client.get(f"{API}/parts?model=PA3000", headers=admin).json()["parts"]
    assert {p["number"] for p in fits} == {"P-OUT2", "P-FAN"}
