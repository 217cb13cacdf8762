"""API tokens from the browser: your own tokens listed, a new one shown once with a warning,
revoked after a confirmation; admins revoke another user's tokens from that user's page,
within their region; every creation and revocation audited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import ApiToken, AuditEvent, Role, RolePermission, User
from core.services.users import create_token
from tests.support import Harness

TOKEN_RE = re.compile(r'<p class="secret" id="new-token" data-token>(as_[^<]+)</p>')


#: On SQLite and on PostgreSQL (the rest runs on SQLite only, to stay fast).
BOTH = pytest.mark.usefixtures("backend")


@pytest.fixture
def h(make_app: Callable[..., Harness]) -> Harness:
    return make_app(plugins=[])


def _token(h: Harness, login: str, name: str = "scanner") -> tuple[str, int]:
    with h.session() as session:
        token, row = create_token(session, login, name)
        session.commit()
        return token, row.id


def _row(h: Harness, token_id: int) -> ApiToken:
    with h.session() as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        session.expunge(row)
        return row


def _uid(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def _audit(h: Harness, action: str) -> list[AuditEvent]:
    with h.session() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "api_token", AuditEvent.action == action)))


@BOTH
def test_create_token_shown_once_then_usable_and_audited(h: Harness) -> None:
    client = h.client("east-clerk")  # any signed-in user; no admin permission needed
    empty = client.get("/account/tokens")
    assert empty.status_code == 200 and "You have no API tokens yet." in empty.text
    created = client.form("/account/tokens", {"name": "Warehouse scanner"})
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    assert "shown only this once" in created.text
    match = TOKEN_RE.search(created.text)
    assert match
    token = match.group(1)
    listing = client.get("/account/tokens")
    assert "Warehouse scanner" in listing.text and token[:10] in listing.text
    assert token not in listing.text  # never shown again
    me = h.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["login"] == "east-clerk"
    assert "never" not in client.get("/account/tokens").text.split("Warehouse scanner")[1] \
        .split("</tr>")[0]  # last use is shown
    [event] = _audit(h, "create")
    assert event.user_login == "east-clerk" and event.after["name"] == "Warehouse scanner"
    assert token not in str(event.after)


def test_bad_name_re_renders_with_field_error(h: Harness) -> None:
    client = h.client("east-clerk")
    response = client.form("/account/tokens", {"name": "   "})
    assert response.status_code == 400 and 'id="name-error"' in response.text
    long = client.form("/account/tokens", {"name": "x" * 121})
    assert long.status_code == 400 and 'value="' + "x" * 121 + '"' in long.text
    with h.session() as session:
        assert session.scalars(select(ApiToken)).all() == []
    assert _audit(h, "create") == []


def test_revoke_own_token_after_confirmation(h: Harness) -> None:
    token, token_id = _token(h, "east-clerk")
    client = h.client("east-clerk")
    listing = client.get("/account/tokens")
    assert f'href="/account/tokens?revoke={token_id}#tokens"' in listing.text
    confirm = client.get(f"/account/tokens?revoke={token_id}")
    assert f'action="/account/tokens/{token_id}/revoke"' in confirm.text
    assert _row(h, token_id).revoked_at is None  # asking is not doing
    done = client.form(f"/account/tokens/{token_id}/revoke", follow_redirects=False)
    assert done.status_code == 303
    assert "Token scanner revoked." in client.get("/account/tokens").text
    assert _row(h, token_id).revoked_at is not None
    assert h.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}) \
        .status_code == 401
    assert len(_audit(h, "revoke")) == 1
    again = client.get(f"/account/tokens?revoke={token_id}")
    assert again.status_code == 200 and "/revoke" not in again.text  # nothing left to confirm


def test_someone_elses_token_is_not_found(h: Harness) -> None:
    _token_text, token_id = _token(h, "east-tech")
    client = h.client("east-clerk")
    assert client.get(f"/account/tokens?revoke={token_id}").status_code == 404
    assert client.form(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert _row(h, token_id).revoked_at is None


def test_tokens_are_managed_from_a_browser_not_with_a_token(h: Harness) -> None:
    token, _token_id = _token(h, "east-clerk")
    response = h.client().post("/account/tokens", data={"name": "more"},
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    with h.session() as session:
        assert len(session.scalars(select(ApiToken)).all()) == 1


def test_admin_revokes_a_users_token_from_their_page(h: Harness) -> None:
    token, token_id = _token(h, "east-tech", "field laptop")
    uid = _uid(h, "east-tech")
    client = h.client("hq-admin")
    page = client.get(f"/admin/users/{uid}")
    assert "field laptop" in page.text and token not in page.text
    assert f'href="/admin/users/{uid}?revoke_token={token_id}#tokens"' in page.text
    confirm = client.get(f"/admin/users/{uid}?revoke_token={token_id}")
    assert f'action="/admin/users/{uid}/tokens/{token_id}/revoke"' in confirm.text
    done = client.form(f"/admin/users/{uid}/tokens/{token_id}/revoke", follow_redirects=False)
    assert done.status_code == 303
    assert _row(h, token_id).revoked_at is not None
    [event] = _audit(h, "revoke")
    assert event.user_login == "hq-admin" and event.entity_id == str(token_id)
    # A token id under the wrong user is not found.
    _other, other_id = _token(h, "east-clerk")
    assert client.form(f"/admin/users/{uid}/tokens/{other_id}/revoke").status_code == 404
    assert client.get(f"/admin/users/{uid}?revoke_token={other_id}").status_code == 404


@BOTH
def test_admin_token_pages_need_admin_users_and_the_region(h: Harness) -> None:
    _sw, sw_token = _token(h, "sw-tech")
    _east, east_token = _token(h, "east-tech")
    sw_uid, east_uid = _uid(h, "sw-tech"), _uid(h, "east-tech")
    clerk = h.client("east-clerk")
    assert clerk.form(f"/admin/users/{east_uid}/tokens/{east_token}/revoke").status_code \
        == 403
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == "east-supervisor")).one()
        user.roles = [*user.roles, Role(id="east_admin", label="East admin", permissions=[
            RolePermission(permission_id="admin.users")])]
        session.commit()
    regional = h.client("east-supervisor")
    assert regional.form(f"/admin/users/{sw_uid}/tokens/{sw_token}/revoke").status_code == 404
    assert _row(h, sw_token).revoked_at is None
    assert regional.form(f"/admin/users/{east_uid}/tokens/{east_token}/revoke",
                         follow_redirects=False).status_code == 303
    assert _row(h, east_token).revoked_at is not None
