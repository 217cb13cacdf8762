"""Stock set aside without a case (issue 15 item 4; InvenTree #4874): a purpose, a person and
an expiry; released by hand or by the ``parts.expire_reservations`` job; never oversold, with
real parallel requests on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from core.plugin_api import utcnow
from plugins.parts import holds
from plugins.parts import stock as ledger
from plugins.parts.models import Reservation
from tests.live import fire
from tests.plugins.parts.helpers import (
    bearer,
    inspected_case,
    setup_parts,
    stock_of,
    user_id,
)
from tests.support import Harness

API = "/api/v1/parts"


def soon(days: int = 7) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=3)
    return h


def test_set_aside_release_and_expire(parts: Harness) -> None:
    client = parts.client()
    keeper = bearer(parts, "hq-warehouse")
    asked = client.post(f"{API}/reservations", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 2, "purpose": "Trade fair demo",
        "held_for": user_id(parts, "hq-tech"), "expires_on": soon()})
    assert asked.status_code == 201, asked.text
    held = asked.json()
    assert (held["quantity"], held["state"], held["purpose"]) == (2, "reserved",
                                                                  "Trade fair demo")
    assert stock_of(parts, "WH-HQ") == (3, 2)
    too_many = client.post(f"{API}/reservations", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 2, "purpose": "x",
        "expires_on": soon()})
    assert too_many.status_code == 409
    assert too_many.json()["error"]["code"] == "insufficient_stock"
    assert too_many.json()["error"]["available"] == 1
    listed = client.get(f"{API}/reservations", headers=bearer(parts, "hq-tech")).json()
    assert [r["id"] for r in listed["reservations"]] == [held["id"]]
    # the case reservation sees only what is left
    cid = inspected_case(parts)
    short = client.post(f"{API}/cases/{cid}/reservations", headers=bearer(parts, "hq-tech"),
                        json={"part": "P-OUT", "quantity": 2})
    assert short.status_code == 409
    released = client.post(f"{API}/reservations/{held['id']}/release", headers=keeper)
    assert released.status_code == 200 and released.json()["state"] == "released"
    assert stock_of(parts, "WH-HQ") == (3, 0)
    again = client.post(f"{API}/reservations/{held['id']}/release", headers=keeper)
    assert again.status_code == 409
    # the job gives back what has expired, once
    later = client.post(f"{API}/reservations", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1, "purpose": "Spare for visit",
        "expires_on": soon(1)})
    assert later.status_code == 201
    with parts.session() as session:
        assert holds.expire(session, utcnow()) == 0  # not yet
        session.execute(update(Reservation).where(Reservation.id == later.json()["id"])
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    with parts.session() as session:
        assert holds.expire(session, utcnow()) == 1
        session.commit()
    with parts.session() as session:
        assert holds.expire(session, utcnow()) == 0
        found = session.get(Reservation, later.json()["id"])
        assert found is not None and found.state == "expired"
        assert ledger.compare(session) == []
    assert stock_of(parts, "WH-HQ") == (3, 0)
    # a case's reservation is not released through this API
    case_held = client.post(f"{API}/cases/{cid}/reservations",
                            headers=bearer(parts, "hq-tech"),
                            json={"part": "P-OUT", "quantity": 1}).json()["reservation"]
    assert client.post(f"{API}/reservations/{case_held['id']}/release",
                       headers=keeper).status_code == 404


def test_bad_input_is_refused_with_every_field(parts: Harness) -> None:
    client = parts.client()
    keeper = bearer(parts, "hq-warehouse")
    bad = client.post(f"{API}/reservations", headers=keeper, json={
        "part": "NOPE", "warehouse": "WH-HQ", "quantity": 0, "purpose": "",
        "expires_on": (date.today() - timedelta(days=1)).isoformat(), "held_for": 999999})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) >= {"part", "quantity", "purpose",
                                                  "expires_on", "held_for"}
    far = client.post(f"{API}/reservations", headers=keeper, json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1, "purpose": "x",
        "expires_on": soon(400)})
    assert far.status_code == 422 and "expires_on" in far.json()["error"]["fields"]
    other_region = client.post(f"{API}/reservations", headers=bearer(parts, "east-warehouse"),
                               json={"part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1,
                                     "purpose": "x", "expires_on": soon()})
    assert other_region.status_code == 422  # HQ's warehouse is not East's
    assert stock_of(parts, "WH-HQ") == (3, 0)
    assert client.post(f"{API}/reservations", headers=bearer(parts, "hq-clerk"), json={
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1, "purpose": "x",
        "expires_on": soon()}).status_code == 403


def test_the_stock_page_sets_aside_and_releases(parts: Harness) -> None:
    keeper = parts.client("hq-warehouse")
    sent = keeper.form("/parts/stock/set-aside", {
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": "1", "purpose": "Customer visit",
        "held_for": "", "expires_on": soon()})
    assert sent.status_code == 200 and "Parts set aside." in sent.text
    assert "Customer visit" in sent.text
    with parts.session() as session:
        rid = session.scalars(select(Reservation.id).where(
            Reservation.case_id.is_(None))).one()
    refused = keeper.form("/parts/stock/set-aside", {
        "part": "P-OUT", "warehouse": "WH-HQ", "quantity": "9", "purpose": "x",
        "expires_on": soon()})
    assert refused.status_code == 200 and "Only 2 of P-OUT available" in refused.text
    released = keeper.form(f"/parts/stock/set-aside/{rid}/release")
    assert released.status_code == 200 and "Reservation released." in released.text
    assert stock_of(parts, "WH-HQ") == (3, 0)


def test_a_caseless_and_a_case_reservation_of_the_last_unit_one_succeeds(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        backend: str) -> None:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=1)
    cid = inspected_case(h)
    tech, keeper = bearer(h, "hq-tech"), bearer(h, "hq-warehouse")
    _, base = live_app(h)

    def send(client, index):  # type: ignore[no-untyped-def]
        if index == 0:
            return client.post(f"{API}/reservations", headers=keeper, json={
                "part": "P-OUT", "warehouse": "WH-HQ", "quantity": 1, "purpose": "demo",
                "expires_on": soon()})
        return client.post(f"{API}/cases/{cid}/reservations", headers=tech,
                           json={"part": "P-OUT", "quantity": 1})

    answers = fire(2, send, base)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert stock_of(h, "WH-HQ") == (1, 1)
    with h.session() as session:
        assert ledger.compare(session) == []
        assert len(session.scalars(select(Reservation).where(
            Reservation.state == "reserved")).all()) == 1
