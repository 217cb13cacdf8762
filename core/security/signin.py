"""Sign-in with throttling that cannot be turned into a lockout (issue 17).

The same message for an unknown login and a wrong password. Two limits, both counted over
``login_window_minutes``:

* **per address**: after ``login_address_max_failures`` failures from one address, that
  address is refused (the password is not even checked) until the window passes;
* **per account**: after ``login_max_failures`` failures for a login, from anywhere, every
  further answer for it is *delayed* (``login_backoff_base_ms`` doubling per failure, at most
  ``login_backoff_max_ms``) but the right password still signs in. Someone guessing from many
  addresses is slowed; the owner is never locked out.

Every refused sign-in is in the audit log (``sign_in_refused``) as well as in
``login_attempt``; :func:`throttled` lists the accounts and addresses over a limit for admins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.db import utcnow
from core.entities import LoginAttempt, User
from core.i18n import N_
from core.security.passwords import Passwords
from core.settings import SecuritySettings

log = logging.getLogger("aftersales.security")

BAD_CREDENTIALS = N_("Unknown login or wrong password.")
THROTTLED = N_("Too many failed sign-in attempts from this address. Wait 15 minutes and try "
               "again.")


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None
    #: Seconds to wait before answering (per-account back-off); the answer is already decided.
    delay: float = 0.0


def _recent_failures(session: Session, column: object, value: str, since: object) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(column == value, LoginAttempt.at >= since, LoginAttempt.success.is_(False))
        )
        or 0
    )


def backoff_seconds(failures: int, security: SecuritySettings) -> float:
    """The delay before answering for an account with ``failures`` recent failures."""
    extra = failures - security.login_max_failures
    if extra < 0:
        return 0.0
    millis = min(security.login_backoff_base_ms * (2 ** min(extra, 30)),
                 security.login_backoff_max_ms)
    return millis / 1000.0


def _refused(session: Session, login: str, user: User | None, reason: str) -> None:
    audit.record(session, "user", user.id if user else login[:64], "sign_in_refused",
                 after={"login": login[:64], "reason": reason},
                 region_id=user.region_id if user else None)


def sign_in(
    session: Session,
    passwords: Passwords,
    security: SecuritySettings,
    login: str,
    password: str,
    address: str,
) -> SignInResult:
    login = login.strip().lower()[:64]
    address = address[:64]
    since = utcnow() - timedelta(minutes=security.login_window_minutes)
    if (_recent_failures(session, LoginAttempt.address, address, since)
            >= security.login_address_max_failures):
        log.warning("sign-in throttled for address=%s (login=%r)", address, login)
        session.add(LoginAttempt(login=login, address=address, success=False))
        _refused(session, login, None, "address_throttled")
        return SignInResult(None, THROTTLED)
    delay = backoff_seconds(_recent_failures(session, LoginAttempt.login, login, since),
                            security)
    user = session.scalars(select(User).where(User.login == login)).first()
    ok = passwords.verify(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(login=login, address=address, success=ok))
    if not ok or user is None:
        _refused(session, login, user, "bad_credentials")
        return SignInResult(None, BAD_CREDENTIALS, delay)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return SignInResult(user, None, delay)


@dataclass(frozen=True)
class Throttled:
    kind: str  # "login" or "address"
    value: str
    failures: int
    last_at: datetime
    delay: float


def throttled(session: Session, security: SecuritySettings) -> list[Throttled]:
    """Accounts being backed off and addresses being refused right now, most failures first."""
    since = utcnow() - timedelta(minutes=security.login_window_minutes)
    found: list[Throttled] = []
    for kind, column, limit in (("login", LoginAttempt.login, security.login_max_failures),
                                ("address", LoginAttempt.address,
                                 security.login_address_max_failures)):
        rows = session.execute(
            select(column, func.count(), func.max(LoginAttempt.at))
            .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
            .group_by(column).having(func.count() >= limit)
            .order_by(func.count().desc()).limit(200))
        for value, count, last_at in rows:
            delay = backoff_seconds(int(count), security) if kind == "login" else 0.0
            found.append(Throttled(kind, str(value), int(count), last_at, delay))
    return found
