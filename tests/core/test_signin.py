"""Sign-in: argon2id hashes, one message for unknown user and wrong password, throttling,
sign-out, own password change, cookie flags."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from core.entities import AuditEvent, LoginAttempt, User
from core.security.signin import backoff_seconds
from tests.support import PASSWORD, Client, Harness


def _attempt(client: Client, login: str, password: str) -> object:
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": client.csrf()}, follow_redirects=False)


def test_passwords_are_argon2id(harness: Harness) -> None:
    with harness.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-admin")).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_sign_in_and_out(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    client = h.client()
    response = _attempt(client, "hq-clerk", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert "Liu Yang" in client.get("/").text
    client.form("/logout", follow_redirects=False)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_secure_cookie_setting(make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"secure_cookies": True})
    response = _attempt(h.client(base_url="https://testserver"), "hq-clerk", PASSWORD)
    assert "secure" in response.headers["set-cookie"].lower()


def test_same_message_for_unknown_user_and_wrong_password(harness: Harness) -> None:
    client = harness.client()
    unknown = _attempt(client, "nobody", "whatever-123")
    wrong = _attempt(client, "hq-clerk", "wrong-password")
    assert unknown.status_code == wrong.status_code == 400
    assert "Unknown login or wrong password." in unknown.text
    assert "Unknown login or wrong password." in wrong.text
    assert 'value="nobody"' in unknown.text  # what was typed is kept


def test_deactivated_user_cannot_sign_in(harness: Harness) -> None:
    with harness.session() as session:
        session.scalars(select(User).where(User.login == "hq-tech")).one().active = False
        session.commit()
    assert _attempt(harness.client(), "hq-tech", PASSWORD).status_code == 400


def test_account_backs_off_but_the_right_password_still_works(
        make_app: Callable[..., Harness]) -> None:
    """Issue 17: five wrong passwords from anywhere must not lock the owner out; the answers
    for that account are delayed instead (growing), and every refusal is audited."""
    h = make_app(security={"login_backoff_base_ms": 50, "login_backoff_max_ms": 400})
    for n in range(6):  # from six different addresses: the per-address limit is not reached
        attacker = h.client(client=(f"10.0.1.{n}", 50000))
        assert _attempt(attacker, "hq-finance", "bad-password").status_code == 400
    owner = h.client(client=("10.0.0.9", 50000))
    started = time.monotonic()
    response = _attempt(owner, "hq-finance", PASSWORD)
    waited = time.monotonic() - started
    assert response.status_code == 303  # signed in, not refused
    assert waited >= 0.09  # 50 ms x 2^(6 - 5): backed off
    with h.session() as session:
        count = session.scalar(select(func.count()).select_from(LoginAttempt)
                               .where(LoginAttempt.login == "hq-finance"))
        refused = session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "sign_in_refused"))
    assert count == 7 and refused == 6


def test_backoff_grows_and_is_capped(harness: Harness) -> None:
    security = harness.settings.security.model_copy(
        update={"login_backoff_base_ms": 1000, "login_backoff_max_ms": 30000})
    delays = [backoff_seconds(n, security) for n in range(4, 12)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_throttled_after_failures_from_an_address(make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"login_address_max_failures": 5})
    client = h.client()
    for n in range(5):
        _attempt(client, f"someone{n}", "bad-password")
    refused = _attempt(client, "hq-clerk", PASSWORD)
    assert "Too many failed sign-in attempts" in refused.text
    # the account itself is fine from another address
    assert _attempt(h.client(client=("10.0.0.9", 50000)), "hq-clerk", PASSWORD
                    ).status_code == 303


def test_change_own_password(harness: Harness) -> None:
    client = harness.client("hq-clerk")
    bad = client.form("/account/password", {"current": "nope", "new": "short",
                                            "confirm": "short"})
    assert bad.status_code == 400
    assert "The current password is wrong." in bad.text
    assert "at least 8 characters" in bad.text
    ok = client.form("/account/password", {"current": PASSWORD, "new": "a-new-pass-9",
                                           "confirm": "a-new-pass-9"}, follow_redirects=False)
    assert ok.status_code == 303
    fresh = harness.client()
    assert _attempt(fresh, "hq-clerk", PASSWORD).status_code == 400
    assert _attempt(fresh, "hq-clerk", "a-new-pass-9").status_code == 303


def test_next_only_redirects_within_the_site(harness: Harness) -> None:
    client = harness.client()
    response = client.post("/login", data={"login": "hq-clerk", "password": PASSWORD,
                                           "next": "https://evil.example/x",
                                           "csrf_token": client.csrf()},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_admin_sees_throttled_accounts_and_addresses(make_app: Callable[..., Harness]) -> None:
    """Issue 17, item 5: the accounts backing off and the addresses throttled are listed for
    an administrator (users admins only)."""
    h = make_app(security={"login_address_max_failures": 3, "login_backoff_base_ms": 0})
    attacker = h.client(client=("10.9.8.7", 50000))
    for _ in range(6):
        _attempt(attacker, "hq-finance", "bad-password")
    page = h.client("hq-admin").get("/admin/security")
    assert page.status_code == 200
    assert "hq-finance" in page.text and "10.9.8.7" in page.text
    assert h.client("hq-clerk").get("/admin/security").status_code == 403
