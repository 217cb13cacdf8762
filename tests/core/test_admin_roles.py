"""Roles: listed with their permissions; a role's permissions edited with checkboxes of every
registered permission; custom roles created; bad input re-rendered with nothing written; no
admin locks themselves out; every change audited with before and after."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import AuditEvent, Role, RolePermission, User
from core.web.views.admin import common
from tests.support import Harness

#: On SQLite and on PostgreSQL (the rest runs on SQLite only, to stay fast).
BOTH = pytest.mark.usefixtures("backend")


@pytest.fixture
def h(make_app: Callable[..., Harness]) -> Harness:
    return make_app(plugins=[])


def _permissions(h: Harness, role_id: str) -> set[str]:
    with h.session() as session:
        role = session.get(Role, role_id)
        assert role is not None
        return role.permission_ids


def _audit(h: Harness) -> list[AuditEvent]:
    with h.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.entity == "role")
                                    .order_by(AuditEvent.id)))


def test_pages_need_admin_roles(h: Harness) -> None:
    client = h.client("east-clerk")
    for path in ("/admin/roles", "/admin/roles/new", "/admin/roles/edit?role=technician"):
        assert client.get(path).status_code == 403, path
    assert client.form("/admin/roles", {"id": "x_role", "label": "X"}).status_code == 403
    assert client.form("/admin/roles/edit?role=technician",
                       {"label": "T", "permissions": ["admin.roles"]}).status_code == 403
    assert "admin.roles" not in _permissions(h, "technician")


def test_list_shows_roles_with_their_permissions(h: Harness,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client = h.client("hq-admin")
    page = client.get("/admin/roles")
    assert page.status_code == 200 and 'data-menu="core.admin.roles"' in page.text
    assert "Technician" in page.text and "Edit roles and their permissions" in page.text
    assert "/admin/roles/edit?role=supervisor" in page.text
    found = client.get("/admin/roles?q=financ")
    assert 'data-role="finance"' in found.text and 'data-role="technician"' not in found.text
    assert "No role matches this search." in client.get("/admin/roles?q=zzz").text
    monkeypatch.setattr(common, "PAGE_SIZE", 3)
    seen: list[str] = []
    url: str | None = "/admin/roles"
    while url:
        text = client.get(url).text
        seen += [p.split('"')[0] for p in text.split('<tr data-role="')[1:]]
        url = None
        if 'rel="next"' in text:
            url = text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    with h.session() as session:
        every_role = sorted(session.scalars(select(Role.id)))
    assert seen == every_role  # in order, each once, none lost between pages


@BOTH
def test_edit_permissions_with_checkboxes_and_audit(h: Harness) -> None:
    client = h.client("hq-admin")
    before = _permissions(h, "technician")
    form = client.get("/admin/roles/edit?role=technician")
    assert form.status_code == 200
    registry = h.app.state.registry.permissions
    for permission in registry:  # every registered permission is a checkbox
        assert f'name="permissions" value="{permission}"' in form.text, permission
    shown = before & set(registry)  # grants of plugins not enabled here are kept aside
    for permission in shown:
        assert f'value="{permission}" checked' in form.text
    wanted = sorted(shown | {"reports.view"} - {"payment.collect"})
    saved = client.form("/admin/roles/edit?role=technician",
                        {"label": "Technician", "permissions": wanted},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = set(wanted) | (before - set(registry))
    assert _permissions(h, "technician") == after
    [event] = _audit(h)
    assert event.entity_id == "technician" and event.action == "update"
    assert event.before == {"label": "Technician", "permissions": sorted(before)}
    assert event.after == {"label": "Technician", "permissions": sorted(after)}
    assert event.user_login == "hq-admin" and event.region_id is None
    # The change applies at the user's next request.
    tech = h.client("hq-tech")
    assert tech.get("/desk/cases").status_code == 200


@BOTH
def test_create_custom_role_and_assign_it(h: Harness) -> None:
    client = h.client("hq-admin")
    assert client.get("/admin/roles/new").status_code == 200
    created = client.form("/admin/roles", {"id": "Regional_Admin", "label": "Regional admin",
                                           "permissions": ["admin.users", "audit.view"]},
                          follow_redirects=False)
    assert created.status_code == 303, created.text
    with h.session() as session:
        role = session.get(Role, "regional_admin")
        assert role is not None and not role.builtin and role.label == "Regional admin"
        assert role.permission_ids == {"admin.users", "audit.view"}
    [event] = _audit(h)
    assert event.action == "create" and event.after["permissions"] == ["admin.users",
                                                                      "audit.view"]
    assert "Regional admin" in client.get("/admin/users/new").text


def test_bad_input_re_renders_and_writes_nothing(h: Harness) -> None:
    client = h.client("hq-admin")
    bad = client.form("/admin/roles", {"id": "technician", "label": " ",
                                       "permissions": ["case.view", "no.such.permission"]})
    assert bad.status_code == 400
    for field in ("id", "label", "permissions"):
        assert f'id="{field}-error"' in bad.text, field
    assert 'value="case.view" checked' in bad.text
    syntax = client.form("/admin/roles", {"id": "1 bad id", "label": "Bad"})
    assert syntax.status_code == 400 and 'value="1 bad id"' in syntax.text
    before = _permissions(h, "finance")
    empty_label = client.form("/admin/roles/edit?role=finance",
                              {"label": "", "permissions": ["case.view"]})
    assert empty_label.status_code == 400 and 'id="label-error"' in empty_label.text
    assert 'value="case.view" checked' in empty_label.text
    assert _permissions(h, "finance") == before and _audit(h) == []
    with h.session() as session:
        assert session.get(Role, "1 bad id") is None
    assert client.get("/admin/roles/edit?role=nope").status_code == 404


def test_no_admin_locks_themselves_out(h: Harness) -> None:
    client = h.client("hq-admin")
    before = _permissions(h, "admin")
    response = client.form("/admin/roles/edit?role=admin",
                           {"label": "Administrator",
                            "permissions": sorted(before - {"admin.roles"})})
    assert response.status_code == 400 and 'id="permissions-error"' in response.text
    assert _permissions(h, "admin") == before and _audit(h) == []


def test_grants_of_disabled_plugins_are_kept(h: Harness) -> None:
    with h.session() as session:
        role = session.get(Role, "technician")
        role.permissions.append(RolePermission(permission_id="loaner.lend"))
        session.commit()
    client = h.client("hq-admin")
    form = client.get("/admin/roles/edit?role=technician")
    assert "loaner.lend" in form.text  # told, not offered as a checkbox
    assert 'value="loaner.lend"' not in form.text
    saved = client.form("/admin/roles/edit?role=technician",
                        {"label": "Technician", "permissions": ["case.view"]},
                        follow_redirects=False)
    assert saved.status_code == 303
    registered = set(h.app.state.registry.permissions)
    kept = _permissions(h, "technician")
    assert "loaner.lend" in kept and kept & registered == {"case.view"}


def test_regional_user_with_admin_roles_edits_roles(h: Harness) -> None:
    """Roles are not records of a region: whoever holds admin.roles edits them all."""
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == "east-supervisor")).one()
        user.roles = [*user.roles, Role(id="role_keeper", label="Role keeper", permissions=[
            RolePermission(permission_id="admin.roles")])]
        session.commit()
    client = h.client("east-supervisor")
    assert client.get("/admin/roles").status_code == 200
    saved = client.form("/admin/roles/edit?role=finance",
                        {"label": "Finance", "permissions": ["case.view"]},
                        follow_redirects=False)
    assert saved.status_code == 303
    assert _permissions(h, "finance") & set(h.app.state.registry.permissions) == {"case.view"}
    assert _audit(h)[0].user_login == "east-supervisor"
