"""User administration: list with search, filters and keyset pages; create and edit with field
errors and nothing written; deactivate after a confirmation step (never delete); a regional
admin sees only their region's users; no role can be handed out beyond one's own
permissions; plugins' panels on a user's page; everything audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.entities import AuditEvent, Role, RolePermission, User
from core.hooktypes import Panel
from core.manifest import hookimpl
from core.web.views.admin import common
from tests.support import PASSWORD, Harness

NEW_USER = {"login": "east-clerk2", "display_name": "Qian Hui", "password": "long-enough-1",
            "locale": "zh_CN", "service_point": "EAST-SH", "roles": ["service_clerk"]}


#: On SQLite and on PostgreSQL (the rest runs on SQLite only, to stay fast).
BOTH = pytest.mark.usefixtures("backend")


@pytest.fixture
def h(make_app: Callable[..., Harness]) -> Harness:
    return make_app(plugins=[])


def _grant(h: Harness, login: str, *permissions: str) -> None:
    with h.session() as session:
        role = Role(id=f"test_{login.replace('-', '_')}", label="Test role",
                    permissions=[RolePermission(permission_id=p) for p in permissions])
        user = session.scalars(select(User).where(User.login == login)).one()
        user.roles = [*user.roles, role]
        session.commit()


def _user(h: Harness, login: str) -> User:
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        session.expunge(user)
        return user


def _audit(h: Harness, **where: Any) -> list[AuditEvent]:
    with h.session() as session:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            statement = statement.where(getattr(AuditEvent, name) == value)
        return list(session.scalars(statement))


def _users(h: Harness) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_pages_need_admin_users(h: Harness) -> None:
    client = h.client("east-clerk")
    uid = _user(h, "east-tech").id
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{uid}",
                 f"/admin/users/{uid}/edit", f"/admin/users/{uid}/deactivate"):
        assert client.get(path).status_code == 403, path
    assert client.form("/admin/users", NEW_USER).status_code == 403
    assert client.form(f"/admin/users/{uid}/deactivate").status_code == 403
    assert _user(h, "east-tech").active and _users(h) == 17


@BOTH
def test_create_user_then_sign_in_with_audit(h: Harness) -> None:
    client = h.client("hq-admin")
    assert client.get("/admin/users/new").status_code == 200
    response = client.form("/admin/users", NEW_USER, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "User east-clerk2 created." in page.text and "Qian Hui" in page.text
    assert "Shanghai service point" in page.text and "Service clerk" in page.text
    created = _user(h, "east-clerk2")
    assert created.locale == "zh_CN" and created.active
    [event] = _audit(h, entity="user", action="create")
    assert event.user_login == "hq-admin" and event.entity_id == str(created.id)
    assert event.after["roles"] == ["service_clerk"] and event.region_id == created.region_id
    assert "long-enough-1" not in str(event.after)
    h.client().login("east-clerk2", "long-enough-1")


@BOTH
def test_bad_input_re_renders_with_field_errors_and_writes_nothing(h: Harness) -> None:
    client = h.client("hq-admin")
    before = _users(h)
    bad = {**NEW_USER, "login": "Bad Login!", "display_name": " ", "password": "short",
           "service_point": "NOWHERE", "roles": []}
    response = client.form("/admin/users", bad)
    assert response.status_code == 400
    for field in ("login", "display_name", "password", "service_point", "roles"):
        assert f'id="{field}-error"' in response.text, field
    assert 'value="Bad Login!"' in response.text  # what was typed is kept...
    assert "short" not in response.text  # ...except the password
    taken = client.form("/admin/users", {**NEW_USER, "login": "sw-tech"})
    assert taken.status_code == 400 and "is taken" in taken.text
    assert 'value="Qian Hui"' in taken.text
    assert 'value="service_clerk" checked' in taken.text
    assert _users(h) == before and _audit(h, entity="user", action="create") == []


def test_edit_user_roles_point_locale_and_audit(h: Harness) -> None:
    client = h.client("hq-admin")
    uid = _user(h, "east-tech").id
    form = client.get(f"/admin/users/{uid}/edit")
    assert form.status_code == 200 and 'value="technician" checked' in form.text
    saved = client.form(f"/admin/users/{uid}", {
        "display_name": "Sun Qiang (senior)", "locale": "zh_CN", "service_point": "EAST-SH",
        "roles": ["technician", "supervisor"], "active": "on"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    user = _user(h, "east-tech")
    assert user.display_name == "Sun Qiang (senior)" and user.locale == "zh_CN"
    with h.session() as session:
        assert session.get(User, uid).role_ids == {"technician", "supervisor"}
    [event] = _audit(h, entity="user", action="update")
    assert event.before["roles"] == ["technician"]
    assert event.after["roles"] == ["supervisor", "technician"]
    bad = client.form(f"/admin/users/{uid}", {"display_name": "", "locale": "fr",
                                              "service_point": "EAST-SH", "roles": [],
                                              "active": "on"})
    assert bad.status_code == 400
    for field in ("display_name", "locale", "roles"):
        assert f'id="{field}-error"' in bad.text, field
    assert _user(h, "east-tech").display_name == "Sun Qiang (senior)"
    assert len(_audit(h, entity="user", action="update")) == 1


@BOTH
def test_deactivate_needs_confirmation_and_never_deletes(h: Harness) -> None:
    client = h.client("hq-admin")
    uid = _user(h, "hq-tech").id
    victim = h.client("hq-tech")
    detail = client.get(f"/admin/users/{uid}")
    assert f'href="/admin/users/{uid}/deactivate"' in detail.text
    confirm = client.get(f"/admin/users/{uid}/deactivate")
    assert confirm.status_code == 200
    assert f'action="/admin/users/{uid}/deactivate"' in confirm.text
    assert _user(h, "hq-tech").active  # asking is not doing
    done = client.form(f"/admin/users/{uid}/deactivate", follow_redirects=False)
    assert done.status_code == 303
    assert "deactivated" in client.get(done.headers["location"]).text
    assert _user(h, "hq-tech").active is False and _users(h) == 17
    [event] = _audit(h, entity="user", action="deactivate")
    assert event.before == {"active": True} and event.after == {"active": False}
    assert victim.get("/", follow_redirects=False).status_code == 303  # signed out
    stranger = h.client()
    refused = stranger.form("/login", {"login": "hq-tech", "password": PASSWORD},
                            follow_redirects=False)
    assert refused.status_code == 400 and "Unknown login or wrong password." in refused.text
    inactive = client.get("/admin/users?active=no")
    assert "hq-tech" in inactive.text and "hq-clerk" not in inactive.text
    back = client.form(f"/admin/users/{uid}/reactivate", follow_redirects=False)
    assert back.status_code == 303 and _user(h, "hq-tech").active
    assert [e.action for e in _audit(h, entity="user", entity_id=str(uid))
            if e.action not in ("sign_in", "sign_in_refused")] == ["deactivate", "reactivate"]


def test_admin_cannot_deactivate_themselves(h: Harness) -> None:
    client = h.client("hq-admin")
    uid = _user(h, "hq-admin").id
    assert "/deactivate" not in client.get(f"/admin/users/{uid}").text
    assert client.form(f"/admin/users/{uid}/deactivate").status_code == 409
    edit = client.form(f"/admin/users/{uid}", {"display_name": "Li Wei", "locale": "en",
                                               "service_point": "HQ-SC", "roles": ["admin"]})
    assert edit.status_code == 400 and 'id="active-error"' in edit.text
    assert _user(h, "hq-admin").active


@BOTH
def test_list_search_filters_and_keyset_pages(h: Harness,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    client = h.client("hq-admin")
    listing = client.get("/admin/users")
    assert listing.status_code == 200 and 'data-menu="core.admin.users"' in listing.text
    assert "hq-admin" in listing.text and "sw-tech" in listing.text
    by_name = client.get("/admin/users?q=wu%20HAO")  # Wu Hao is east-supervisor
    assert "east-supervisor" in by_name.text and "hq-admin" not in by_name.text
    by_role = client.get("/admin/users?role=finance")
    assert "east-finance" in by_role.text and "east-clerk" not in by_role.text
    assert "No user matches these filters." in client.get("/admin/users?q=%25%25").text
    monkeypatch.setattr(common, "PAGE_SIZE", 5)
    seen: list[str] = []
    url: str | None = "/admin/users?active=yes"
    while url:
        page = client.get(url)
        rows = page.text.count('<tr data-user="')
        assert rows <= 5
        seen += [part.split('"')[0] for part in page.text.split('<tr data-user="')[1:]]
        url = None
        if 'rel="next"' in page.text:
            url = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
            url = url.replace("&amp;", "&")
            assert "active=yes" in url
    assert len(seen) == len(set(seen)) == 17


@BOTH
def test_regional_admin_sees_only_own_region(h: Harness) -> None:
    _grant(h, "east-supervisor", "admin.users", "case.view", "case.intake")
    client = h.client("east-supervisor")
    listing = client.get("/admin/users")
    assert listing.status_code == 200
    assert "east-clerk" in listing.text
    assert "sw-tech" not in listing.text and "hq-admin" not in listing.text
    sw = _user(h, "sw-tech").id
    for path in (f"/admin/users/{sw}", f"/admin/users/{sw}/edit",
                 f"/admin/users/{sw}/deactivate"):
        assert client.get(path).status_code == 404, path
    assert client.form(f"/admin/users/{sw}/deactivate").status_code == 404
    assert client.form(f"/admin/users/{sw}", {"display_name": "x", "locale": "en",
                                              "service_point": "SW-CD",
                                              "roles": ["technician"]}).status_code == 404
    assert _user(h, "sw-tech").active
    east = _user(h, "east-tech").id
    assert client.get(f"/admin/users/{east}").status_code == 200
    # Another region's service point does not exist for them either.
    moved = client.form(f"/admin/users/{east}", {"display_name": "Sun Qiang", "locale": "en",
                                                 "service_point": "SW-CD",
                                                 "roles": ["technician"], "active": "on"})
    assert moved.status_code == 400 and 'id="service_point-error"' in moved.text
    form = client.get("/admin/users/new")
    assert "EAST-SH" in form.text and "SW-CD" not in form.text


def test_no_role_beyond_ones_own_permissions(h: Harness) -> None:
    _grant(h, "east-supervisor", "admin.users")
    client = h.client("east-supervisor")
    form = client.get("/admin/users/new")
    assert 'value="admin" disabled' in form.text
    escalate = client.form("/admin/users", {**NEW_USER, "roles": ["admin"]})
    assert escalate.status_code == 400 and 'id="roles-error"' in escalate.text
    uid = _user(h, "east-clerk").id
    promote = client.form(f"/admin/users/{uid}", {"display_name": "Xu Ling", "locale": "en",
                                                  "service_point": "EAST-SH",
                                                  "roles": ["service_clerk", "admin"],
                                                  "active": "on"})
    assert promote.status_code == 400
    with h.session() as session:
        assert session.get(User, uid).role_ids == {"service_clerk"}
    assert _audit(h, entity="user", action="create") == []
    assert _audit(h, entity="user", action="update") == []


class _PanelPlugin:
    @hookimpl
    def detail_panels(self, entity: str, obj: object, request: object) -> list[Panel]:
        if entity != "user" or not isinstance(obj, User):
            return []
        return [Panel("test.late", "Late panel", f"/test/users/{obj.id}/late", "admin.users",
                      order=50),
                Panel("test.early", "Early panel", f"/test/users/{obj.id}/early",
                      "admin.users", order=5),
                Panel("test.secret", "Secret panel", "/test/secret", "no.such.permission")]


def test_user_page_shows_plugin_panels_in_order(h: Harness) -> None:
    h.app.state.pm.register(_PanelPlugin(), name="test-panels")
    client = h.client("hq-admin")
    uid = _user(h, "east-tech").id
    page = client.get(f"/admin/users/{uid}").text
    early = page.index(f'hx-get="/test/users/{uid}/early" hx-trigger="load"')
    late = page.index(f'hx-get="/test/users/{uid}/late" hx-trigger="load"')
    assert early < late
    assert f'<a href="/test/users/{uid}/early">' in page  # works without JavaScript
    assert "Secret panel" not in page and "/test/secret" not in page
