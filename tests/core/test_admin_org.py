"""Organisation pages (O-1): regions and service points listed, searched, paged, created and
edited by admins; field errors with nothing written; a regional admin sees and edits only their
own region; every change audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.entities import AuditEvent, Region, Role, RolePermission, ServicePoint, User
from core.web.views.admin import common
from tests.support import Harness

#: On SQLite and on PostgreSQL (the rest runs on SQLite only, to stay fast).
BOTH = pytest.mark.usefixtures("backend")


@pytest.fixture
def h(make_app: Callable[..., Harness]) -> Harness:
    return make_app(plugins=[])


def _grant(h: Harness, login: str, *permissions: str) -> None:
    """Give ``login`` a role of its own with these permissions."""
    with h.session() as session:
        role = Role(id=f"test_{login.replace('-', '_')}", label="Test role",
                    permissions=[RolePermission(permission_id=p) for p in permissions])
        user = session.scalars(select(User).where(User.login == login)).one()
        user.roles = [*user.roles, role]
        session.commit()


def _ids(h: Harness) -> dict[str, int]:
    with h.session() as session:
        ids = {r.code: r.id for r in session.scalars(select(Region))}
        ids.update({p.code: p.id for p in session.scalars(select(ServicePoint))})
        return ids


def _audit(h: Harness, entity: str) -> list[AuditEvent]:
    with h.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.entity == entity)
                                    .order_by(AuditEvent.id)))


def _count(h: Harness, entity: type) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(entity)) or 0)


def test_pages_need_admin_org(h: Harness) -> None:
    client = h.client("east-clerk")
    ids = _ids(h)
    for path in ("/admin/regions", "/admin/regions/new", f"/admin/regions/{ids['EAST']}",
                 "/admin/service-points", "/admin/service-points/new",
                 f"/admin/service-points/{ids['EAST-SH']}"):
        assert client.get(path).status_code == 403, path
    assert client.form("/admin/regions", {"code": "NORTH", "name": "North"}).status_code == 403
    assert client.form("/admin/service-points", {"code": "X-1", "name": "X"}).status_code \
        == 403
    assert 'data-menu="core.admin.org"' not in client.get("/").text
    assert _count(h, Region) == 3


@BOTH
def test_hq_admin_adds_and_edits_a_region_with_audit(h: Harness) -> None:
    client = h.client("hq-admin")
    listing = client.get("/admin/regions")
    assert listing.status_code == 200
    assert 'data-menu="core.admin.org"' in listing.text
    for code in ("HQ", "EAST", "SOUTHWEST"):
        assert code in listing.text
    assert client.get("/admin/regions/new").status_code == 200
    created = client.form("/admin/regions", {"code": "north", "name": "North China",
                                             "name_zh": "华北经销商"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"])
    assert "Region NORTH added." in page.text and 'value="华北经销商"' in page.text
    region_id = _ids(h)["NORTH"]
    saved = client.form(f"/admin/regions/{region_id}",
                        {"code": "NORTH", "name": "North China distributor", "name_zh": ""},
                        follow_redirects=False)
    assert saved.status_code == 303
    with h.session() as session:
        region = session.get(Region, region_id)
        assert region is not None
        assert (region.name, region.name_zh, region.is_hq) == ("North China distributor", "",
                                                              False)
    events = _audit(h, "region")
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].after == {"code": "NORTH", "name": "North China", "name_zh": "华北经销商",
                               "is_hq": False}
    assert events[1].before["name"] == "North China" \
        and events[1].after["name"] == "North China distributor"
    assert events[1].region_id == region_id and events[1].user_login == "hq-admin"


def test_region_form_errors_keep_input_and_write_nothing(h: Harness) -> None:
    client = h.client("hq-admin")
    bad = client.form("/admin/regions", {"code": "east", "name": " ", "name_zh": "华东二"})
    assert bad.status_code == 400
    assert 'id="code-error"' in bad.text and 'id="name-error"' in bad.text
    assert "This code is already in use." in bad.text
    assert 'value="华东二"' in bad.text and 'value="east"' in bad.text
    syntax = client.form("/admin/regions", {"code": "no spaces!", "name": "X"})
    assert syntax.status_code == 400 and 'id="code-error"' in syntax.text
    hq = _ids(h)["HQ"]
    last_hq = client.form(f"/admin/regions/{hq}", {"code": "HQ", "name": "Headquarters"})
    assert last_hq.status_code == 400 and 'id="is_hq-error"' in last_hq.text
    assert _count(h, Region) == 3 and _audit(h, "region") == []
    with h.session() as session:
        assert session.get(Region, hq).is_hq is True


@BOTH
def test_service_points_list_create_edit_with_audit(h: Harness) -> None:
    client = h.client("hq-admin")
    ids = _ids(h)
    listing = client.get("/admin/service-points")
    assert listing.status_code == 200 and "EAST-SH" in listing.text and "SW-CD" in listing.text
    created = client.form("/admin/service-points", {
        "code": "east-hz", "name": "Hangzhou service point", "region_id": str(ids["EAST"]),
        "address": "Xihu District", "phone": "0571-1", "active": "on"},
        follow_redirects=False)
    assert created.status_code == 303, created.text
    point_id = _ids(h)["EAST-HZ"]
    form = client.get(f"/admin/service-points/{point_id}")
    assert form.status_code == 200 and 'value="Xihu District"' in form.text
    saved = client.form(f"/admin/service-points/{point_id}", {
        "code": "EAST-HZ", "name": "Hangzhou office", "address": "Xihu District",
        "phone": "0571-2"}, follow_redirects=False)  # "active" unticked: closed
    assert saved.status_code == 303
    with h.session() as session:
        point = session.get(ServicePoint, point_id)
        assert point is not None
        assert (point.name, point.phone, point.active, point.region_id) == (
            "Hangzhou office", "0571-2", False, ids["EAST"])
    events = _audit(h, "service_point")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before["active"] is True and events[1].after["active"] is False
    assert all(e.region_id == ids["EAST"] for e in events)
    inactive = client.get("/admin/service-points?active=no")
    assert "EAST-HZ" in inactive.text and "EAST-SH" not in inactive.text
    search = client.get("/admin/service-points?q=chengdu")
    assert "SW-CD" in search.text and "EAST-SH" not in search.text
    empty = client.get("/admin/service-points?q=nowhere-at-all")
    assert "No service point matches these filters." in empty.text


def test_service_point_errors_re_render_and_write_nothing(h: Harness) -> None:
    client = h.client("hq-admin")
    before = _count(h, ServicePoint)
    bad = client.form("/admin/service-points", {"code": "SW-CD", "name": "", "region_id": "",
                                                "address": "Somewhere 1", "active": "on"})
    assert bad.status_code == 400
    for field in ("code", "name", "region_id"):
        assert f'id="{field}-error"' in bad.text, field
    assert 'value="Somewhere 1"' in bad.text
    assert _count(h, ServicePoint) == before and _audit(h, "service_point") == []


def test_keyset_pages_and_search(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "PAGE_SIZE", 2)
    client = h.client("hq-admin")
    first = client.get("/admin/regions")
    assert "HQ" in first.text and "EAST" in first.text and "SOUTHWEST" not in first.text
    assert 'rel="next"' in first.text
    next_url = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(next_url.replace("&amp;", "&"))
    assert "SOUTHWEST" in second.text and 'rel="next"' not in second.text
    assert 'rel="first"' in second.text
    found = client.get("/admin/regions?q=southwest")
    assert "SOUTHWEST" in found.text and ">EAST<" not in found.text
    none = client.get("/admin/regions?q=zzz")
    assert "No region matches this search." in none.text


@BOTH
def test_regional_admin_sees_and_edits_only_own_region(h: Harness) -> None:
    _grant(h, "east-supervisor", "admin.org")
    ids = _ids(h)
    client = h.client("east-supervisor")
    regions = client.get("/admin/regions")
    assert regions.status_code == 200
    assert "EAST" in regions.text and "SOUTHWEST" not in regions.text
    assert "/admin/regions/new" not in regions.text
    assert client.get(f"/admin/regions/{ids['SOUTHWEST']}").status_code == 404
    assert client.get(f"/admin/regions/{ids['HQ']}").status_code == 404
    assert client.get("/admin/regions/new").status_code == 403
    assert client.form("/admin/regions", {"code": "WEST", "name": "W"}).status_code == 403
    points = client.get("/admin/service-points")
    assert "EAST-SH" in points.text and "SW-CD" not in points.text and "HQ-SC" not in points.text
    assert client.get(f"/admin/service-points/{ids['SW-CD']}").status_code == 404
    assert client.form(f"/admin/service-points/{ids['SW-CD']}", {
        "code": "SW-CD", "name": "Taken over"}).status_code == 404
    # Own region: names yes; the code and the HQ flag are not theirs to change.
    saved = client.form(f"/admin/regions/{ids['EAST']}", {
        "code": "HIJACK", "name": "East China", "name_zh": "华东", "is_hq": "on"},
        follow_redirects=False)
    assert saved.status_code == 303
    with h.session() as session:
        east = session.get(Region, ids["EAST"])
        assert (east.code, east.name, east.is_hq) == ("EAST", "East China", False)
    # A new point lands in their region; a code of another region is still taken.
    taken = client.form("/admin/service-points", {"code": "HQ-SC", "name": "Copy",
                                                  "region_id": str(ids["EAST"])})
    assert taken.status_code == 400 and "This code is already in use." in taken.text
    foreign = client.form("/admin/service-points", {"code": "SW-2", "name": "Sneaky",
                                                    "region_id": str(ids["SOUTHWEST"])})
    assert foreign.status_code == 400 and 'id="region_id-error"' in foreign.text
    added = client.form("/admin/service-points", {"code": "EAST-NJ", "name": "Nanjing",
                                                  "region_id": str(ids["EAST"])},
                        follow_redirects=False)
    assert added.status_code == 303
    assert _ids(h).get("SW-2") is None
