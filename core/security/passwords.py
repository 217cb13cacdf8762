"""argon2id password hashing (argon2-cffi), with cost parameters from settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.i18n import N_
from core.settings import SecuritySettings

MIN_PASSWORD_LENGTH = 8

# A hash of a random password, verified against when the login is unknown, so an unknown
# user and a wrong password take the same time (no user enumeration by timing).
_DUMMY_SECRET = "not-a-real-password-aftersales"


class Passwords:
    def __init__(self, security: SecuritySettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=security.argon2_time_cost,
            memory_cost=security.argon2_memory_cost_kib,
            parallelism=security.argon2_parallelism,
        )
        self._dummy = self._hasher.hash(_DUMMY_SECRET)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> tuple[str, dict[str, object]] | None:
    """Why a new password is not acceptable (a template and its parameters), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Use at least %(count)s characters."), {"count": MIN_PASSWORD_LENGTH}
    return None
