"""Issue 17, item 1: sessions that end. Each test failed on the code before the issue: the
signed cookie alone was the session, so a saved copy outlived sign-out and password change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from core.app import SESSION_COOKIE
from core.db import utcnow
from core.entities import AuditEvent, User, UserSession
from core.services import users as user_service
from tests.core.desk_helpers import bearer
from tests.support import PASSWORD, Client, Harness


def _cookie(client: Client) -> str:
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    return value


def _replay(h: Harness, cookie: str) -> Client:
    """Another browser holding a copy of a saved cookie."""
    client = h.client()
    client.cookies.set(SESSION_COOKIE, cookie)
    return client


def _signed_in(client: Client) -> bool:
    return client.get("/desk/cases", follow_redirects=False).status_code == 200


def _uid(h: Harness, login: str) -> int:
    with h.session() as session:
        return session.scalars(select(User.id).where(User.login == login)).one()


def test_sign_out_ends_a_saved_cookie(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    client = h.client("hq-clerk")
    saved = _cookie(client)
    assert _signed_in(_replay(h, saved))
    client.form("/logout", follow_redirects=False)
    assert not _signed_in(client)
    assert not _signed_in(_replay(h, saved))  # was 200 before issue 17


def test_password_change_ends_the_other_sessions(make_app: Callable[..., Harness],
                                                 backend: str) -> None:
    h = make_app()
    here, elsewhere = h.client("hq-clerk"), h.client("hq-clerk")
    changed = here.form("/account/password", {"current": PASSWORD, "new": "a-new-pass-9",
                                              "confirm": "a-new-pass-9"},
                        follow_redirects=False)
    assert changed.status_code == 303
    assert _signed_in(here)  # the browser that changed it stays signed in
    assert not _signed_in(elsewhere)


def test_role_change_ends_the_users_sessions(harness: Harness) -> None:
    victim = harness.client("hq-clerk")
    assert _signed_in(victim)
    with harness.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        user_service.update_user(session, user, display_name=user.display_name,
                                 service_point_code=user.service_point.code,
                                 role_ids=["technician"], locale=user.locale, active=True)
        session.commit()
    assert not _signed_in(victim)


def test_admin_sees_and_ends_a_users_sessions(make_app: Callable[..., Harness],
                                              backend: str) -> None:
    h = make_app()
    victim = h.client("hq-clerk", headers={"user-agent": "VictimBrowser/1.0"})
    admin = h.client("hq-admin")
    uid = _uid(h, "hq-clerk")
    page = admin.get(f"/admin/users/{uid}")
    assert f"/admin/users/{uid}/sessions" in page.text  # the panel
    panel = admin.get(f"/admin/users/{uid}/sessions")
    assert panel.status_code == 200 and "VictimBrowser/1.0" in panel.text
    ended = admin.form(f"/admin/users/{uid}/sessions/end", follow_redirects=False)
    assert ended.status_code == 303
    assert not _signed_in(victim)
    assert "Not signed in anywhere." in admin.get(f"/admin/users/{uid}/sessions").text
    with h.session() as session:
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "sessions_ended")).one().after["count"] == 1
    # a regional admin cannot see another region's user's sessions
    with h.session() as session:
        east = session.scalars(select(User).where(User.login == "east-clerk")).first()
    if east is not None:
        regional = h.client("east-clerk")
        assert regional.get(f"/admin/users/{uid}/sessions").status_code in (403, 404)


def test_admin_ends_one_session_only(harness: Harness) -> None:
    first, second = harness.client("hq-clerk"), harness.client("hq-clerk")
    uid = _uid(harness, "hq-clerk")
    with harness.session() as session:
        first_id = session.scalars(select(UserSession.id).where(UserSession.user_id == uid)
                                   .order_by(UserSession.id)).first()
    admin = harness.client("hq-admin")
    admin.form(f"/admin/users/{uid}/sessions/end", {"session_id": str(first_id)})
    assert not _signed_in(first) and _signed_in(second)


def test_idle_timeout(make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"session_idle_minutes": 30})
    client = h.client("hq-clerk")
    with h.session() as session:
        session.execute(update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=31)))
        session.commit()
    assert not _signed_in(client)
    with h.session() as session:
        assert session.scalars(select(UserSession.end_reason)).all() == ["idle"]


def test_absolute_timeout(make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"session_max_age_hours": 2})
    client = h.client("hq-clerk")
    with h.session() as session:  # active all along, but signed in too long ago
        session.execute(update(UserSession).values(created_at=utcnow() - timedelta(hours=3)))
        session.commit()
    assert not _signed_in(client)


def test_csrf_token_rotates_at_sign_in(harness: Harness) -> None:
    client = harness.client()
    before = client.csrf()
    client.post("/login", data={"login": "hq-clerk", "password": PASSWORD,
                                "csrf_token": before}, follow_redirects=False)
    after = client.csrf()
    assert after != before
    stale = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert stale.status_code == 403  # the token seen before sign-in is worth nothing now


def test_tokens_of_a_deactivated_user_stay_revoked(make_app: Callable[..., Harness],
                                                   backend: str) -> None:
    h = make_app()
    headers = bearer(h, "hq-clerk")
    assert h.client().get("/api/v1/me", headers=headers).status_code == 200
    admin = h.client("hq-admin")
    uid = _uid(h, "hq-clerk")
    assert admin.form(f"/admin/users/{uid}/deactivate",
                      follow_redirects=False).status_code == 303
    assert h.client().get("/api/v1/me", headers=headers).status_code == 401
    assert admin.form(f"/admin/users/{uid}/reactivate",
                      follow_redirects=False).status_code == 303
    assert h.client().get("/api/v1/me", headers=headers).status_code == 401  # was 200
