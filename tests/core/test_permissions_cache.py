"""Issue 11: permissions are cached per process and a changed role or user's roles takes effect
on the next request in every process.

Two apps on one database stand for two processes (each app has its own cache): a change made
through one app's admin page is seen by the other app's next request.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import PermissionsVersion, Role, User
from core.services.users import create_token
from tests.support import Harness

pytestmark = pytest.mark.usefixtures("backend")


def _role_permissions(h: Harness, role_id: str) -> set[str]:
    with h.session() as session:
        role = session.get(Role, role_id)
        assert role is not None
        return role.permission_ids


def _version(h: Harness) -> int:
    with h.session() as session:
        return int(session.scalars(select(PermissionsVersion.version)).one())


def test_role_change_in_one_process_applies_in_the_other(
        make_app: Callable[..., Harness]) -> None:
    first = make_app(plugins=[])
    second = make_app(plugins=[], url=first.url)
    tech = second.client("hq-tech")
    assert tech.get("/admin/roles").status_code == 403  # now cached in the second app
    assert tech.get("/admin/roles").status_code == 403
    before = _role_permissions(first, "technician") & set(first.app.state.registry.permissions)
    admin = first.client("hq-admin")
    version = _version(first)
    saved = admin.form("/admin/roles/edit?role=technician",
                       {"label": "Technician", "permissions": sorted(before | {"admin.roles"})})
    assert saved.status_code in (200, 303), saved.text
    assert _version(first) > version
    assert tech.get("/admin/roles").status_code == 200  # the next request in the other app
    admin.form("/admin/roles/edit?role=technician",
               {"label": "Technician", "permissions": sorted(before)})
    assert tech.get("/admin/roles").status_code == 403


def test_user_roles_change_applies_in_the_other_process(
        make_app: Callable[..., Harness]) -> None:
    first = make_app(plugins=[])
    second = make_app(plugins=[], url=first.url)
    with second.session() as session:
        token, _ = create_token(session, "hq-tech", "tests")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = second.client()
    me = client.get("/api/v1/me", headers=headers).json()
    assert "admin.roles" not in me["permissions"]
    with first.session() as session:  # any ORM change of a user's roles bumps the version
        user = session.scalars(select(User).where(User.login == "hq-tech")).one()
        user.roles = [*user.roles, session.get(Role, "admin")]
        session.commit()
    me = client.get("/api/v1/me", headers=headers).json()
    assert "admin.roles" in me["permissions"]
    assert "admin" in me["roles"]


def test_unrelated_writes_keep_the_cache(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    version = _version(h)
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-tech")).one()
        user.display_name = "Renamed"
        session.commit()
    assert _version(h) == version
