"""Bookings ahead (ANCHORS: SI#5081) through HTTP on SQLite and PostgreSQL: a unit booked for
a case's period; overlapping periods refused (also when clerks book at the same moment: real
parallel requests on a live server), touching ones fine; a request for a unit another case
has booked for the coming days is refused and the unit is not offered; cancelled by whoever
booked it or a supervisor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from plugins.loaner import services
from plugins.loaner.models import LoanerReservation
from tests.live import fire
from tests.plugins.loaner.helpers import add_unit, bearer, case_id
from tests.support import Harness


def _today(h: Harness) -> date:
    with h.session() as session:
        return services.today(session)


def _book(h: Harness, login: str, uid: int, cid: int, start: int, end: int,
          reason: str = "Festival") -> object:
    today = _today(h)
    return h.client().post("/api/v1/loaner/reservations", headers=bearer(h, login), json={
        "unit_id": uid, "case_id": cid, "reason": reason,
        "start_on": (today + timedelta(days=start)).isoformat(),
        "end_on": (today + timedelta(days=end)).isoformat()})


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def test_overlaps_refused_touching_periods_fine_bad_input_4xx(h: Harness) -> None:
    uid = add_unit(h)
    first, second, third = case_id(h), case_id(h), case_id(h)
    booked = _book(h, "hq-clerk", uid, first, 20, 29)
    assert booked.status_code == 201, booked.text
    clash = _book(h, "hq-clerk", uid, second, 25, 40)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "unit_booked"
    assert "already booked from" in clash.json()["error"]["message"]
    assert _book(h, "hq-clerk", uid, second, 30, 40).status_code == 201  # the day after
    assert _book(h, "hq-clerk", uid, third, 5, 19).status_code == 201  # the day before
    for start, end, field in ((-1, 3, "start_on"), (10, 9, "end_on"), (1, 200, "end_on")):
        bad = _book(h, "hq-clerk", uid, third, start, end)
        assert bad.status_code == 422 and field in bad.json()["error"]["fields"], bad.text
    missing = h.client().post("/api/v1/loaner/reservations", headers=bearer(h, "hq-clerk"),
                              json={"unit_id": uid})
    assert missing.status_code == 422
    assert {"case_id", "start_on", "end_on", "reason"} <= set(
        missing.json()["error"]["fields"])
    listed = h.client().get(f"/api/v1/loaner/units/{uid}/reservations",
                            headers=bearer(h, "hq-clerk")).json()["reservations"]
    assert [r["case_id"] for r in listed] == [third, first, second]


def test_a_booking_keeps_the_unit_from_other_cases_requests(h: Harness) -> None:
    uid = add_unit(h)
    booker, other = case_id(h), case_id(h)
    assert _book(h, "hq-clerk", uid, booker, 2, 6).status_code == 201  # within the grace
    c = h.client()
    clerk = bearer(h, "hq-clerk")
    offered = c.get(f"/api/v1/loaner/cases/{other}/availability", headers=clerk).json()
    assert offered["units"] == []
    refused = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": other, "unit_id": uid, "reason": "Now"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "unit_booked"
    # the case that booked it is offered it and may request it
    mine = c.get(f"/api/v1/loaner/cases/{booker}/availability", headers=clerk).json()
    assert [u["id"] for u in mine["units"]] == [uid]
    assert c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": booker, "unit_id": uid, "reason": "As booked"}).status_code == 201


def test_cancel_by_the_booker_or_a_supervisor_then_bookable_again(h: Harness) -> None:
    uid = add_unit(h)
    first, second = case_id(h), case_id(h)
    rid = _book(h, "hq-clerk", uid, first, 10, 12).json()["id"]
    c = h.client()
    url = f"/api/v1/loaner/reservations/{rid}/cancel"
    assert c.post(url, headers=bearer(h, "hq-warehouse"), json={"note": "x"}
                  ).status_code == 403  # neither the booker nor a supervisor
    assert c.post(url, headers=bearer(h, "hq-clerk"), json={}).status_code == 422
    done = c.post(url, headers=bearer(h, "hq-clerk"), json={"note": "Project moved"})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    again = c.post(url, headers=bearer(h, "hq-supervisor"), json={"note": "x"})
    assert again.status_code == 409
    assert _book(h, "hq-clerk", uid, second, 10, 12).status_code == 201


def test_unit_page_books_and_shows_errors(h: Harness) -> None:
    uid = add_unit(h)
    cid = case_id(h)
    web = h.client("hq-clerk")
    today = _today(h)
    bad = web.form(f"/loaner/units/{uid}/reserve", {
        "case_id": str(cid), "reason": "Tour", "start_on": (today - timedelta(days=2)
                                                             ).isoformat(),
        "end_on": today.isoformat()}, follow_redirects=False)
    assert bad.status_code == 400 and "The period starts in the past." in bad.text
    ok = web.form(f"/loaner/units/{uid}/reserve", {
        "case_id": str(cid), "reason": "Tour", "start_on": (today + timedelta(days=9)
                                                            ).isoformat(),
        "end_on": (today + timedelta(days=11)).isoformat()}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    page = web.get(f"/loaner/units/{uid}").text
    assert 'data-booking="' in page and "Tour" in page
    with h.session() as session:
        assert session.scalars(select(LoanerReservation.status)).all() == ["booked"]


def test_parallel_bookings_of_overlapping_periods_one_wins(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    h, base = live_app(plugins=["warranty", "loaner"])
    uid = add_unit(h)
    cases = [case_id(h), case_id(h), case_id(h)]
    tokens = [bearer(h, login) for login in ("hq-clerk", "hq-supervisor", "hq-manager")]
    today = _today(h)
    periods = [(10, 20), (15, 25), (20, 22)]  # every two share a day
    answers = fire(3, lambda client, i: client.post(
        "/api/v1/loaner/reservations", headers=tokens[i], json={
            "unit_id": uid, "case_id": cases[i], "reason": "Tour",
            "start_on": (today + timedelta(days=periods[i][0])).isoformat(),
            "end_on": (today + timedelta(days=periods[i][1])).isoformat()}), base)
    assert sorted(a.status_code for a in answers) == [201, 409, 409], [
        a.text for a in answers]
    with h.session() as session:
        assert len(session.scalars(select(LoanerReservation)).all()) == 1
