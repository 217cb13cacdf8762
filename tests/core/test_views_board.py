"""Issue 18, item 6: the board of open cases by state, with holds, filters by service point
and technician, htmx refresh without script of our own, a fixed number of SQL statements
however many cases, the first cases of a long column with its count and a link to the list,
and the region scope of every list."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import ServiceCase, User
from core.services import board as board_service
from core.services import holds, workflow
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness, QueryCounter


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _column(html: str, state: str) -> str:
    match = re.search(rf'<section class="board-column" data-state="{state}".*?</section>',
                      html, re.S)
    assert match, state
    return match.group(0)


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-case="(\d+)"', html)]


def _dispatch(h: Harness, case_ids: list[int], tech_login: str = "hq-tech") -> None:
    with h.session() as session:
        tech = session.scalars(select(User).where(User.login == tech_login)).one()
        for cid in case_ids:
            case = session.get(ServiceCase, cid)
            workflow.transition(session, h.app.state.pm, case, "inspected", tech, {
                "fault_found": "x", "coverage_class": "A"})
            workflow.transition(session, h.app.state.pm, case, "dispatched", tech,
                                {"technician_id": tech.id})
        session.commit()


def test_board_shows_columns_holds_and_filters(desk: Harness) -> None:
    registered = open_cases(desk, 3)
    dispatched = open_cases(desk, 2, start=10)
    _dispatch(desk, dispatched)
    [refused] = open_cases(desk, 1, start=20, body_code=None, model_code="MX12")
    with desk.session() as session:
        clerk = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        holds.place_hold(session, registered[0], "waiting_for_customer", "Asked for the "
                         "purchase invoice", clerk)
        session.commit()
    client = desk.client("hq-supervisor")
    page = client.get("/desk/board")
    assert page.status_code == 200
    html = page.text
    assert _ids(_column(html, "registered")) == registered  # oldest first
    assert _ids(_column(html, "dispatched")) == dispatched
    assert refused not in _ids(html)  # closed, refused and cancelled are not on the board
    assert 'data-count="3"' in _column(html, "registered")
    assert 'data-on-hold="1"' in _column(html, "registered")
    card = re.search(rf'<li class="board-card held" data-case="{registered[0]}".*?</li>', html,
                     re.S)
    assert card and 'data-hold="waiting_for_customer"' in card.group(0)
    assert "Waiting for the customer" in card.group(0)
    # htmx: the columns refresh on a timer and the filters swap them, no inline script
    assert 'hx-trigger="every 30s"' in html and 'hx-trigger="change"' in html
    assert "<script>" not in html and "hx-on" not in html
    # filters: technician and service point
    by_tech = client.get("/desk/board?technician=hq-tech").text
    assert sorted(_ids(by_tech)) == sorted(dispatched)
    assert _ids(client.get("/desk/board?service_point=EAST-SH").text) == []
    assert sorted(_ids(client.get("/desk/board?service_point=HQ-SC").text)) \
        == sorted(registered + dispatched)
    # the hold filter: on some hold, on none, on one kind
    assert _ids(client.get("/desk/board?hold=any").text) == [registered[0]]
    assert _ids(client.get("/desk/board?hold=waiting_for_customer").text) == [registered[0]]
    assert _ids(client.get("/desk/board?hold=waiting_for_parts").text) == []
    assert sorted(_ids(client.get("/desk/board?hold=none").text)) \
        == sorted(registered[1:] + dispatched)
    held_only = client.get("/desk/board?hold=any").text
    assert 'hx-get="/desk/board?hold=any"' in held_only  # the refresh keeps the filter
    # an htmx refresh gets the fragment (no page shell)
    fragment = client.get("/desk/board?technician=hq-tech", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="board-columns"' in fragment.text
    # the menu has it, for case.view
    assert 'href="/desk/board"' in client.get("/").text


def test_board_is_region_scoped(desk: Harness) -> None:
    hq = open_cases(desk, 2)
    east = open_cases(desk, 2, login="east-clerk", start=50)
    assert sorted(_ids(desk.client("east-supervisor").get("/desk/board").text)) == east
    assert sorted(_ids(desk.client("hq-supervisor").get("/desk/board").text)) \
        == sorted(hq + east)


def test_board_needs_a_sign_in(desk: Harness) -> None:
    assert desk.client().get("/desk/board", follow_redirects=False).status_code == 303


def test_long_column_shows_the_first_cases_a_count_and_a_link(
        make_app: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    h = make_app(plugins=[], backend="sqlite")
    monkeypatch.setattr(board_service, "PER_COLUMN", 5)
    ids = open_cases(h, 12)
    html = h.client("hq-supervisor").get("/desk/board?service_point=HQ-SC").text
    column = _column(html, "registered")
    assert _ids(column) == ids[:5]
    assert 'data-count="12"' in column and 'data-more="7"' in column
    link = re.search(r'href="(/desk/cases\?[^"]+)" data-more', column)
    assert link
    url = link.group(1).replace("&amp;", "&")
    assert "state=registered" in url and "service_point=HQ-SC" in url
    listed = h.client("hq-supervisor").get(url)
    assert listed.status_code == 200 and f'data-case="{ids[0]}"' in listed.text


def test_board_statements_do_not_grow_with_cases(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[], backend="sqlite")
    client = h.client("hq-supervisor")
    ids = open_cases(h, 4)
    _dispatch(h, ids[:2])
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        holds.place_hold(session, ids[2], "waiting_for_parts", "PA2400 output board", clerk)
        session.commit()

    def statements() -> int:
        assert client.get("/desk/board").status_code == 200  # warm up
        with QueryCounter(h.app.state.engine) as counter:
            assert client.get("/desk/board").status_code == 200
        return counter.count

    few = statements()
    more = open_cases(h, 40, start=100)
    _dispatch(h, more[:6])
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        for cid in more[6:16]:
            holds.place_hold(session, cid, "waiting_for_parts", "parts", clerk)
            holds.place_hold(session, cid, "other", "other", clerk)
        session.commit()
    assert statements() == few


def test_a_column_of_ten_thousand_cases_shows_twenty(make_app: Callable[..., Harness]
                                                     ) -> None:
    """10,000 registered cases: the board reads 20 of them (LIMIT), counts them all in
    the database, and answers in well under a second on SQLite."""
    import time
    from datetime import date

    from sqlalchemy import insert

    from core.db import utcnow
    from core.entities import Customer, ServicePoint

    h = make_app(plugins=[], backend="sqlite")
    [first] = open_cases(h, 1)
    with h.session() as session:
        case = session.get(ServiceCase, first)
        point = session.get(ServicePoint, case.service_point_id)
        customer = session.get(Customer, case.customer_id)
        now, today = utcnow(), date.today()
        session.execute(insert(ServiceCase), [{
            "region_id": point.region_id, "service_point_id": point.id,
            "customer_id": customer.id, "state": "registered", "channel": "walk_in",
            "contact_name": "Bulk", "contact_phone": "13900000000", "address": "Road",
            "fault_description": "Hum", "intake_on": today, "opened_at": now,
            "updated_at": now} for _ in range(9_999)])
        session.commit()
    client = h.client("hq-supervisor")
    assert client.get("/desk/board").status_code == 200  # warm up
    start = time.perf_counter()
    with QueryCounter(h.app.state.engine) as counter:
        page = client.get("/desk/board")
    elapsed = time.perf_counter() - start
    column = _column(page.text, "registered")
    assert 'data-count="10000"' in column and len(_ids(column)) == 20
    assert _ids(column)[0] == first and 'data-more="9980"' in column
    limited = [s for s in counter.statements if "service_case.state = " in s
               and "LIMIT" in s.upper()]
    assert limited, counter.statements
    assert elapsed < 2.0, elapsed
