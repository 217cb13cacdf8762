"""Sign-in with throttling.

The same message for an unknown login and a wrong password. After
``login_max_failures`` failures for an account or from an address within
``login_window_minutes``, further attempts are refused (and logged) until the window passes
without new failures; a refused attempt does not even check the password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.entities import LoginAttempt, User
from core.i18n import N_
from core.security.passwords import Passwords
from core.settings import SecuritySettings

log = logging.getLogger("aftersales.security")

BAD_CREDENTIALS = N_("Unknown login or wrong password.")
THROTTLED = N_("Too many failed sign-in attempts. Wait 15 minutes and try again.")


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None


def _recent_failures(session: Session, column: object, value: str, since: object) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(column == value, LoginAttempt.at >= since, LoginAttempt.success.is_(False))
        )
        or 0
    )


def sign_in(
    session: Session,
    passwords: Passwords,
    security: SecuritySettings,
    login: str,
    password: str,
    address: str,
) -> SignInResult:
    login = login.strip().lower()
    since = utcnow() - timedelta(minutes=security.login_window_minutes)
    if (
        _recent_failures(session, LoginAttempt.login, login, since) >= security.login_max_failures
        or _recent_failures(session, LoginAttempt.address, address, since)
        >= security.login_max_failures
    ):
        log.warning("sign-in throttled for login=%r address=%s", login, address)
        session.add(LoginAttempt(login=login, address=address, success=False))
        return SignInResult(None, THROTTLED)
    user = session.scalars(select(User).where(User.login == login)).first()
    ok = passwords.verify(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(login=login, address=address, success=ok))
    if not ok or user is None:
        return SignInResult(None, BAD_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return SignInResult(user, None)
