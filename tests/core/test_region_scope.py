"""Region scope is enforced once, in the ORM: every query of a regional user sees only that
region's records; HQ sees all and may filter by one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.entities import Region, ServicePoint, User
from core.errors import Forbidden
from core.security.scope import set_scope
from tests.support import Harness


def _region(session, code: str) -> Region:
    return session.scalars(select(Region).where(Region.code == code)).one()


def test_regional_session_sees_only_its_region(make_app: Callable[..., Harness],
                                               backend: str) -> None:
    h = make_app()
    with h.session() as session:
        east = _region(session, "EAST")
        total = session.scalar(select(func.count()).select_from(User))
        set_scope(session, east.id)
        logins = set(session.scalars(select(User.login)))
        assert logins and all(login.startswith("east-") for login in logins)
        # counts, joins and get() go through the same filter
        assert session.scalar(select(func.count()).select_from(User)) == len(logins) < total
        joined = session.scalars(select(User).join(User.service_point)
                                 .where(ServicePoint.code == "SW-CD")).all()
        assert joined == []
        other = session.scalars(select(User.id).execution_options(populate_existing=True)
                                .where(User.login == "sw-clerk")).first()
        assert other is None


def test_get_of_another_regions_record_finds_nothing(harness: Harness) -> None:
    with harness.session() as session:
        sw_clerk_id = session.scalars(select(User.id).where(User.login == "sw-clerk")).one()
        east = _region(session, "EAST")
    with harness.session() as session:
        set_scope(session, east.id)
        assert session.get(User, sw_clerk_id) is None


def test_writing_into_another_region_is_refused(harness: Harness) -> None:
    with harness.session() as session:
        east = _region(session, "EAST")
        sw = _region(session, "SOUTHWEST")
        set_scope(session, east.id)
        session.add(ServicePoint(code="SW-NEW", name="x", region_id=sw.id))
        with pytest.raises(Forbidden):
            session.flush()


def test_hq_user_sees_all_regions_and_can_filter(harness: Harness) -> None:
    from tests.core.desk_helpers import bearer, new_case

    new_case(harness, bearer(harness, "east-clerk"), body_code="MC58-250101-00001",
             model_code="MC58", customer={"name": "East Customer", "address": "a",
                                          "phone": "1"})
    new_case(harness, bearer(harness, "sw-clerk"), body_code="MC58-250101-00002",
             model_code="MC58", customer={"name": "Southwest Customer", "address": "a",
                                          "phone": "2"})
    client = harness.client("hq-manager")
    page = client.get("/desk/cases").text
    assert "East Customer" in page and "Southwest Customer" in page
    assert 'id="region-select"' in page
    with harness.session() as session:
        east = _region(session, "EAST")
    response = client.form("/region-filter", {"region_id": str(east.id), "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/desk/cases").text
    assert "East Customer" in page and "Southwest Customer" not in page
    client.form("/region-filter", {"region_id": "", "next": "/"})
    assert "Southwest Customer" in client.get("/desk/cases").text
    regional = harness.client("east-clerk").get("/desk/cases").text
    assert 'id="region-select"' not in regional


def test_a_statement_built_once_is_scoped_to_each_readers_region(harness: Harness) -> None:
    """Issue 11: the scoped form of a statement is kept per statement and region; the same
    statement object, run for one region, another, none and the first again, always sees
    exactly the reader's region (and the scoped forms are not mixed up)."""
    from sqlalchemy import bindparam

    built_once = select(User.login).where(User.active == bindparam("active")) \
        .order_by(User.login)
    with harness.session() as session:
        east = _region(session, "EAST").id
        sw = _region(session, "SOUTHWEST").id
        everyone = set(session.scalars(built_once, {"active": True}))
    for region, prefix in ((east, "east-"), (sw, "sw-"), (None, ""), (east, "east-"),
                           (sw, "sw-")):
        with harness.session() as session:
            set_scope(session, region)
            logins = set(session.scalars(built_once, {"active": True}))
        if region is None:
            assert logins == everyone
        else:
            assert logins and all(login.startswith(prefix) for login in logins), logins
