"""Stock never goes negative and a reservation is never counted twice, under real parallel
requests against a live server, on SQLite and PostgreSQL (issue 15; InvenTree #12478)."""

from __future__ import annotations

from collections.abc import Callable

from plugins.parts import stock as ledger
from tests.live import fire
from tests.plugins.parts.helpers import bearer, case_in_repair, setup_parts, stock_of
from tests.support import Harness

API = "/api/v1/parts"


def _ready(make_app: Callable[..., Harness], qty: int) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=qty)
    return h


def _no_drift(h: Harness) -> None:
    with h.session() as session:
        assert ledger.compare(session) == []


def test_two_issues_of_the_last_unit_one_succeeds(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        backend: str) -> None:
    h = _ready(make_app, 1)
    cases = [case_in_repair(h, "B"), case_in_repair(h, "B")]
    tech = bearer(h, "hq-tech")
    _, base = live_app(h)
    answers = fire(2, lambda c, i: c.post(f"{API}/cases/{cases[i]}/issues", headers=tech,
                                          json={"part": "P-OUT", "quantity": 1}), base)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json()["error"]["code"] == "insufficient_stock"
    assert stock_of(h, "WH-HQ") == (0, 0)
    _no_drift(h)


def test_three_reservations_of_two_units_never_overbook(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        backend: str) -> None:
    h = _ready(make_app, 2)
    cases = [case_in_repair(h, "B") for _ in range(3)]
    tech = bearer(h, "hq-tech")
    _, base = live_app(h)
    answers = fire(3, lambda c, i: c.post(f"{API}/cases/{cases[i]}/reservations",
                                          headers=tech, json={"part": "P-OUT", "quantity": 1}),
                   base)
    assert sorted(a.status_code for a in answers) == [201, 201, 409]
    assert stock_of(h, "WH-HQ") == (2, 2)
    _no_drift(h)


def test_a_transfer_and_an_issue_of_the_same_stock_never_go_negative(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        backend: str) -> None:
    h = _ready(make_app, 1)
    cid = case_in_repair(h, "B")
    tech, keeper = bearer(h, "hq-tech"), bearer(h, "hq-warehouse")
    _, base = live_app(h)

    def send(client, index):  # type: ignore[no-untyped-def]
        if index == 0:
            return client.post(f"{API}/transfers", headers=keeper, json={
                "from_warehouse": "WH-HQ", "to_warehouse": "WH-EAST", "waybill": "SF1",
                "lines": [{"part": "P-OUT", "quantity": 1}]})
        return client.post(f"{API}/cases/{cid}/issues", headers=tech,
                           json={"part": "P-OUT", "quantity": 1})

    answers = fire(2, send, base)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert stock_of(h, "WH-HQ") == (0, 0)
    _no_drift(h)


def test_parallel_shipments_get_distinct_numbers(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        backend: str) -> None:
    h = _ready(make_app, 4)
    keeper = bearer(h, "hq-warehouse")
    _, base = live_app(h)
    answers = fire(3, lambda c, i: c.post(f"{API}/transfers", headers=keeper, json={
        "from_warehouse": "WH-HQ", "to_warehouse": "WH-EAST",
        "lines": [{"part": "P-OUT", "quantity": 1}]}), base)
    assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
    assert len({a.json()["number"] for a in answers}) == 3
    assert stock_of(h, "WH-HQ") == (1, 0)
    _no_drift(h)
