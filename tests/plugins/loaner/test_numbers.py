"""Issue 14 item 7: utilisation over a period, per unit and per pool and model: calendar
days on loan / calendar days in the pool, both ends of the period included, checked against
numbers worked out by hand; the period filter on the page and the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest

from plugins.loaner import services
from plugins.loaner.models import Loan, LoanerUnit
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _at(h: Harness, day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=h.settings.tz)


def _loan(h: Harness, uid: int, lent: date, back: date | None) -> int:
    clerk = bearer(h, "hq-clerk")
    c = h.client()
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": case_id(h), "unit_id": uid, "reason": "Tour"}).json()["id"]
    assert c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                  json=lend_body()).status_code == 200
    if back is not None:
        assert c.post(f"/api/v1/loaner/loans/{lid}/return", headers=clerk,
                      json={"condition": "good"}).status_code == 200
    with h.session() as session:
        loan = session.get(Loan, lid)
        loan.lent_at = _at(h, lent)
        loan.returned_at = _at(h, back) if back is not None else None
        if back is not None:
            services.finish_check(session, uid, None, {"condition": "good"})
        session.commit()
    return int(lid)


def _added(h: Harness, uid: int, day: date) -> None:
    with h.session() as session:
        session.get(LoanerUnit, uid).created_at = _at(h, day)
        session.commit()


def test_utilisation_over_a_period_in_days(h: Harness) -> None:
    with h.session() as session:
        on = services.today(session)
    base = on - timedelta(days=60)

    def d(n: int) -> date:
        return base + timedelta(days=n)

    first, last = d(20), d(39)  # 20 days
    a = add_unit(h, 1)           # in the pool all period: 20 days
    b = add_unit(h, 2)           # added on day 30: 10 days
    c = add_unit(h, 3, model="MX16")  # never lent: 0 of 20
    later = add_unit(h, 4)       # added after the period: not counted
    for uid, day in ((a, d(0)), (b, d(30)), (c, d(0)), (later, d(45))):
        _added(h, uid, day)
    _loan(h, a, d(15), d(24))    # lent before the period: days 20..24 = 5
    _loan(h, a, d(30), d(32))    # days 30..32 = 3
    _loan(h, b, d(37), None)     # still out: days 37..39 = 3
    web = h.client("hq-supervisor")
    answer = web.get(f"/loaner/numbers.csv?from={first}&to={last}")
    assert answer.status_code == 200
    rows = {(r["service_point"], r["model"]): r
            for r in csv.DictReader(io.StringIO(answer.text))}
    pa = rows[("HQ-SC", "PA2400")]
    assert (pa["period_from"], pa["period_to"]) == (first.isoformat(), last.isoformat())
    assert (pa["days_on_loan"], pa["days_available"], pa["utilisation_pct"]) == \
        ("11", "30", "36.7")  # (5 + 3 + 3) / (20 + 10)
    assert (pa["units"], pa["out"], pa["loans"]) == ("3", "1", "3")
    mx = rows[("HQ-SC", "MX16")]
    assert (mx["days_on_loan"], mx["days_available"], mx["utilisation_pct"]) == \
        ("0", "20", "0.0")
    assert mx["never_lent"] == "MX16-230101-00003"
    with h.session() as session:
        per_unit = {r["code"]: (r["days_on_loan"], r["days_available"], r["utilisation"])
                    for r in services.unit_utilisation(session, on, first, last)}
    assert per_unit == {"PA2400-230101-00001": (8, 20, 40.0),
                        "PA2400-230101-00002": (3, 10, 30.0),
                        "MX16-230101-00003": (0, 20, 0.0)}
    page = web.get(f"/loaner/numbers?from={first}&to={last}").text
    assert 'data-unit="PA2400-230101-00001"' in page and "40.0%" in page
    assert 'data-unit="PA2400-230101-00004"' not in page and "36.7%" in page
    # a narrower period: only the first loan's last two days
    narrow = web.get(f"/loaner/numbers.csv?from={d(23)}&to={d(24)}").text
    pa = {(r["service_point"], r["model"]): r
          for r in csv.DictReader(io.StringIO(narrow))}[("HQ-SC", "PA2400")]
    assert (pa["days_on_loan"], pa["days_available"], pa["utilisation_pct"]) == \
        ("2", "2", "100.0")


def test_the_period_filter_refuses_nonsense(h: Harness) -> None:
    web = h.client("hq-supervisor")
    assert web.get("/loaner/numbers").status_code == 200  # the last 30 days by default
    reversed_ = web.get("/loaner/numbers?from=2026-11-30&to=2026-11-01")
    assert reversed_.status_code == 400 and "The period starts after it ends." in reversed_.text
    assert web.get("/loaner/numbers?from=2020-01-01&to=2026-01-01").status_code == 400
    assert web.get("/loaner/numbers.csv?from=yesterday").status_code in (400, 422)
