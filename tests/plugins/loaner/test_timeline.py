"""Issue 14 item 8: loans on the timelines of both units, through the ``unit_timeline`` hook:
the customer's unit shows the loaner it got (lent, returned); the loaner, once it is a unit on
file, shows its pool history; the loaner's own page shows the same history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import Unit
from core.services import timeline
from core.services.catalogue import unit_by_code
from tests.core.desk_helpers import BODY_CODE
from tests.plugins.loaner.helpers import add_unit, bearer, case_id, lend_body
from tests.support import Harness

LOANER = "PA2400-230101-00001"


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _kinds(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-kind="')[1:]]


def test_loans_on_the_customers_unit_and_on_the_loaners_own(h: Harness) -> None:
    uid = add_unit(h)
    cid = case_id(h)
    clerk = bearer(h, "hq-clerk")
    c = h.client()
    lid = c.post("/api/v1/loaner/loans", headers=clerk, json={
        "case_id": cid, "unit_id": uid, "reason": "Tour"}).json()["id"]
    with h.session() as session:  # requested, not lent: nothing on the customer's unit yet
        unit = unit_by_code(session, BODY_CODE)
        assert unit is not None
        entries = timeline.unit_timeline(session, h.app.state.pm, unit)
        assert not [e for e in entries if e.source == "loaner"]
    assert c.post(f"/api/v1/loaner/loans/{lid}/lend", headers=clerk,
                  json=lend_body()).status_code == 200
    assert c.post(f"/api/v1/loaner/loans/{lid}/return", headers=clerk, json={
        "condition": "good"}).status_code == 200
    web = h.client("hq-clerk")
    page = web.get(f"/desk/units/{BODY_CODE}").text
    kinds = _kinds(page)
    assert kinds.index("loaner.lent") < kinds.index("loaner.returned")  # in time order
    assert f'href="/loaner/loans/{lid}"' in page and f"{LOANER} (#{cid})" in page
    assert "Loaner lent" in page and "Loaner returned" in page
    # the loaner itself comes in for a service: it is a unit on file, with its pool history
    new_case_on_loaner = case_id(h, body_code=LOANER)
    assert new_case_on_loaner
    with h.session() as session:
        own = session.scalars(select(Unit).where(Unit.body_code == LOANER)).one()
        entries = [e for e in timeline.unit_timeline(session, h.app.state.pm, own)
                   if e.source == "loaner"]
        assert [e.kind for e in entries] == ["loaner.added", "loaner.requested",
                                             "loaner.lent", "loaner.returned"]
        assert {e.url for e in entries} == {f"/loaner/units/{uid}"}
        assert entries == sorted(entries, key=lambda e: e.at)
    loaner_page = web.get(f"/desk/units/{LOANER}").text
    assert "Added to the pool" in loaner_page and f'href="/loaner/units/{uid}"' in loaner_page
    # the loaner's own page: its history, newest first, and the loan
    own_page = web.get(f"/loaner/units/{uid}").text
    history = [k for k in _kinds(own_page) if k in ("added", "requested", "lent", "returned")]
    assert history == ["returned", "lent", "requested", "added"]
    assert f"/loaner/loans/{lid}" in own_page
