"""Users and API tokens."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.db import utcnow
from core.entities import ApiToken, Role, ServicePoint, User
from core.errors import Conflict, DomainError, NotFound, Text
from core.i18n import LOCALES, N_
from core.security import sessions
from core.security.auth import hash_token, new_token
from core.security.passwords import Passwords, password_problem
from core.services.org import contains, exists_anywhere

SELF_DEACTIVATION = N_("You cannot deactivate your own account.")
GRANT_REFUSED = N_("You may only give or take away roles whose permissions you hold "
                   "yourself.")

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
USER_FIELDS = ["login", "display_name", "locale", "service_point_id", "active"]


def _validate(session: Session, login: str, display_name: str, service_point_code: str,
              role_ids: list[str], locale: str) -> tuple[ServicePoint | None, list[Role],
                                                         dict[str, Text]]:
    errors: dict[str, Text] = {}
    if not LOGIN_PATTERN.match(login):
        errors["login"] = N_("Use 2-64 lower-case letters, digits, dots, dashes or "
                             "underscores, starting with a letter or digit.")
    if not display_name.strip():
        errors["display_name"] = N_("Enter the name people know this user by.")
    point = session.scalars(
        select(ServicePoint).where(ServicePoint.code == service_point_code)
    ).first()
    if point is None:
        errors["service_point"] = (N_("No service point with code %(code)r."),
                                   {"code": service_point_code})
    roles = list(session.scalars(select(Role).where(Role.id.in_(role_ids)))) if role_ids else []
    missing = sorted(set(role_ids) - {r.id for r in roles})
    if not role_ids:
        errors["roles"] = N_("Choose at least one role.")
    elif missing:
        errors["roles"] = (N_("Unknown role: %(roles)s."), {"roles": ", ".join(missing)})
    if locale not in LOCALES:
        errors["locale"] = (N_("Choose one of %(choices)s."), {"choices": ", ".join(LOCALES)})
    return point, roles, errors


def _grant_check(errors: dict[str, Text], before: set[str], after: set[str],
                 grantable: set[str] | None) -> None:
    if grantable is not None and (before ^ after) - grantable and "roles" not in errors:
        errors["roles"] = GRANT_REFUSED


def create_user(session: Session, passwords: Passwords, *, login: str, display_name: str,
                service_point_code: str, role_ids: list[str], locale: str = "en",
                password: str, grantable: set[str] | None = None) -> User:
    """With ``grantable`` (the roles the acting admin may give), other roles are refused."""
    login = login.strip().lower()
    point, roles, errors = _validate(session, login, display_name, service_point_code,
                                     role_ids, locale)
    _grant_check(errors, set(), set(role_ids), grantable)
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    # Logins are unique across regions: look in every region, whoever is asking.
    if not errors.get("login") and exists_anywhere(session,
                                                   select(User.id).where(User.login == login)):
        errors["login"] = (N_("The login %(login)r is taken."), {"login": login})
    if errors:
        raise DomainError.for_fields(errors)
    assert point is not None
    user = User(login=login, display_name=display_name.strip(), locale=locale,
                password_hash=passwords.hash(password), service_point=point,
                region_id=point.region_id, roles=roles, active=True)
    session.add(user)
    session.flush()
    audit.record(session, "user", user.id, "create",
                 after={**audit.changes(user, USER_FIELDS), "roles": sorted(role_ids)},
                 region_id=user.region_id)
    return user


def update_user(session: Session, user: User, *, display_name: str, service_point_code: str,
                role_ids: list[str], locale: str, active: bool, actor: User | None = None,
                grantable: set[str] | None = None) -> User:
    """With ``actor``, refuses to let an admin deactivate their own account; with
    ``grantable``, refuses to give or take away any other role."""
    point, roles, errors = _validate(session, user.login, display_name, service_point_code,
                                     role_ids, locale)
    _grant_check(errors, user.role_ids, set(role_ids), grantable)
    if actor is not None and actor.id == user.id and not active:
        errors["active"] = SELF_DEACTIVATION
    if errors:
        raise DomainError.for_fields(errors)
    assert point is not None
    before = {**audit.changes(user, USER_FIELDS), "roles": sorted(user.role_ids)}
    user.display_name = display_name.strip()
    user.service_point = point
    user.region_id = point.region_id
    user.roles = roles
    user.locale = locale
    user.active = active
    session.flush()
    after = {**audit.changes(user, USER_FIELDS), "roles": sorted(user.role_ids)}
    if after != before:
        audit.record(session, "user", user.id, "update", before=before, after=after,
                     region_id=user.region_id)
    if before["active"] and not active:
        _lock_out(session, user)
    elif after["roles"] != before["roles"]:  # issue 17: new roles, new sign-in elsewhere
        sessions.end_sessions(session, user.id, "roles_changed", keep_current=True)
    return user


def _lock_out(session: Session, user: User) -> None:
    """Deactivation (issue 17): every session ends and every token is revoked for good, so
    a later reactivation does not bring old tokens back."""
    sessions.end_sessions(session, user.id, "deactivated")
    for row in tokens_of(session, user):
        revoke_token(session, row, user)


def find_user(session: Session, login: str) -> User:
    user = session.scalars(select(User).where(User.login == login.strip().lower())).first()
    if user is None:
        raise NotFound(N_("No user with login %(login)r."), params={"login": login},
                       field="login")
    return user


def set_password(session: Session, passwords: Passwords, login: str, password: str) -> None:
    problem = password_problem(password)
    if problem:
        message, params = problem
        raise DomainError(message, params=params, field="password")
    user = find_user(session, login)
    user.password_hash = passwords.hash(password)
    audit.record(session, "user", user.id, "password_set", region_id=user.region_id)
    sessions.end_sessions(session, user.id, "password_changed")  # issue 17


def create_token(session: Session, login: str, name: str) -> tuple[str, ApiToken]:
    """Returns the token (shown once) and its row; only the hash is stored."""
    user = find_user(session, login)
    if not user.active:
        raise Conflict(N_("User %(login)r is deactivated."), params={"login": login},
                       field="login")
    name = name.strip() or "token"
    token = new_token()
    row = ApiToken(user_id=user.id, name=name[:120], token_hash=hash_token(token),
                   prefix=token[:10])
    session.add(row)
    session.flush()
    audit.record(session, "api_token", row.id, "create", after={"user": user.login,
                 "name": row.name, "prefix": row.prefix}, region_id=user.region_id)
    return token, row


def revoke_token(session: Session, row: ApiToken, owner: User) -> None:
    """Revoke ``owner``'s token ``row``. The owner is passed, not read through ``row.user``:
    under an HQ user's region filter that load is scoped and finds no one (issue 17: a 500)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, "api_token", row.id, "revoke", region_id=owner.region_id)


def set_active(session: Session, user: User, active: bool, *, actor: User | None = None
               ) -> User:
    """Deactivate (or reactivate) a user; never delete one (T-2). A deactivated user cannot
    sign in, and their API tokens stop working."""
    if actor is not None and actor.id == user.id and not active:
        raise Conflict(SELF_DEACTIVATION, field="active")
    if user.active != active:
        user.active = active
        session.flush()
        audit.record(session, "user", user.id, "reactivate" if active else "deactivate",
                     before={"active": not active}, after={"active": active},
                     region_id=user.region_id)
        if not active:
            _lock_out(session, user)
    return user


def search_users(q: str = "", active: bool | None = None, role_id: str = "") -> Select[Any]:
    """Users whose login or name contains ``q``, by id (region scope applies as usual)."""
    statement = select(User).order_by(User.id)
    q = q.strip()
    if q:
        statement = statement.where(or_(contains(User.login, q),
                                        contains(User.display_name, q)))
    if active is not None:
        statement = statement.where(User.active.is_(active))
    if role_id:
        statement = statement.where(User.roles.any(Role.id == role_id))
    return statement


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A user's API tokens, newest first (revoked ones too, for the record)."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def token_of(session: Session, user: User, token_id: int) -> ApiToken:
    """One of ``user``'s tokens; another user's token is not found (404)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(N_("No such API token."))
    return row
