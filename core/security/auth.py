"""Who is making this request: a signed session cookie (pages) or a bearer token (API)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, contains_eager, lazyload
from starlette.requests import Request

from core.db import WRITE_OPTION, utcnow
from core.entities import (
    ApiToken,
    Region,
    RolePermission,
    ServicePoint,
    User,
    UserRole,
    UserSession,
)
from core.security import sessions
from core.security.permissions import PermissionCache, version_column
from core.security.scope import set_scope

SESSION_USER_KEY = "uid"
TOUCH_EVERY = timedelta(minutes=1)
SESSION_REGION_FILTER_KEY = "region_filter"
TOKEN_PREFIX = "as_"


@dataclass(frozen=True)
class Identity:
    user: User | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    via_token: bool = False
    #: Whether the user's region is HQ, when the statement that found the user read it
    #: (a token's); ``None``: ask the user's service point (loaded with the user).
    hq: bool | None = None

    @property
    def is_hq(self) -> bool:
        if self.hq is not None:
            return self.hq
        return bool(self.user and self.user.service_point.region.is_hq)


def permissions_of(user: User) -> frozenset[str]:
    return frozenset(p for role in user.roles for p in role.permission_ids)


def permissions_for(session: Session, user_id: int) -> frozenset[str]:
    """A user's permissions in one statement of plain strings. Loading ``user.roles`` and
    each role's ``permissions`` (``selectin``) cost two statements and an ORM object per
    role and permission on every request (issue 11); the request only needs the ids."""
    return frozenset(session.scalars(
        select(RolePermission.permission_id)
        .join(UserRole, UserRole.role_id == RolePermission.role_id)
        .where(UserRole.user_id == user_id)))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


#: The two authentication statements, built once per process (issue 11: building the
#: select, its options and its conditions cost more Python per request than running it).
#: SQLAlchemy statements are immutable, so threads share them; the values are bound per call.
#: A token's request gets its user with the service point and region every page prints
#: (filled from the statement's own joins); the token's id and last use, whether the region
#: is HQ and the permissions version come as plain columns, not as an ``ApiToken`` object,
#: and roles are not loaded: the objects per request cost more Python than a lookup's own
#: work (issue 11).
_TOKEN_STATEMENT = (
    select(User, ApiToken.id, ApiToken.last_used_at, Region.is_hq, version_column())
    .join(ApiToken, ApiToken.user_id == User.id)
    .join(ServicePoint, ServicePoint.id == User.service_point_id)
    .join(Region, Region.id == ServicePoint.region_id)
    .options(contains_eager(User.service_point).contains_eager(ServicePoint.region),
             lazyload(User.roles))
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None)))
_SESSION_STATEMENT = (
    select(User, UserSession, version_column())
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.id == bindparam("uid"), UserSession.token_hash == bindparam("token_hash"))
    .options(lazyload(User.roles)))


def _user_from_token(session: Session, header: str) -> tuple[User | None, bool, int]:
    """The token's user, whether their region is HQ and the permissions version, in one
    statement."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, False, -1
    found = session.execute(_TOKEN_STATEMENT,
                            {"token_hash": hash_token(token.strip())}).first()
    if found is None or not found[0].active:
        return None, False, -1
    user, token_id, last_used_at, is_hq, version = found
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOUCH_EVERY:
        if session.get_bind().get_execution_options().get(WRITE_OPTION):
            # a writing request: saved with its own work
            session.execute(update(ApiToken).where(ApiToken.id == token_id)
                            .values(last_used_at=now))
        else:
            _touch(session, token_id, now)
    return user, bool(is_hq), int(version)


def _touch(session: Session, token_id: int, now: datetime) -> None:
    """Record the token's use in its own short writing transaction: the request's session
    may be a read-only one (GET), and an integration calling in parallel must not turn a
    read into a write conflict. At most once a minute per token."""
    engine = session.get_bind()
    with Session(engine.execution_options(**{WRITE_OPTION: True})) as writer, writer.begin():
        writer.execute(update(ApiToken).where(ApiToken.id == token_id)
                       .values(last_used_at=now))


def _permissions(request: Request, session: Session, user: User, version: int
                 ) -> frozenset[str]:
    """The user's permission ids from this app's cache when the version still matches,
    else in one statement (and remembered)."""
    cache = getattr(request.app.state, "permission_cache", None)
    if cache is None:
        cache = request.app.state.permission_cache = PermissionCache()
    permissions = cache.get(user.id, version)
    if permissions is None:
        permissions = permissions_for(session, user.id)
        cache.put(user.id, version, permissions)
    return permissions


def identify(request: Request, session: Session) -> Identity:
    header = request.headers.get("authorization")
    if header:
        user, is_hq, version = _user_from_token(session, header)
        if user is None:
            return Identity(via_token=True)
        return Identity(user, _permissions(request, session, user, version), via_token=True,
                        hq=is_hq)
    if "session" not in request.scope:
        return Identity()
    uid = request.session.get(SESSION_USER_KEY)
    if not isinstance(uid, int):
        return Identity()
    # The user (with its service point and region), the cookie's session row and the
    # permissions version in one statement (issue 11); roles are not loaded.
    token_hash = sessions.cookie_hash(request)
    found = None if token_hash is None else session.execute(
        _SESSION_STATEMENT, {"uid": uid, "token_hash": token_hash}).first()
    user, row = (found[0], found[1]) if found is not None else (None, None)
    if user is None or not user.active or not sessions.check_row(
            session, row, uid, request.app.state.settings.security):
        request.session.pop(SESSION_USER_KEY, None)
        request.session.pop(sessions.SESSION_ID_KEY, None)  # issue 17: ended on the server
        return Identity()
    assert found is not None
    return Identity(user, _permissions(request, session, user, int(found[2])))


def apply_scope(request: Request, session: Session, identity: Identity) -> None:
    """Regional users see their region; HQ users all regions, or one they filter by."""
    if identity.user is None:
        set_scope(session, None)
        return
    if identity.is_hq:
        chosen = request.session.get(SESSION_REGION_FILTER_KEY) if not identity.via_token else None
        set_scope(session, chosen if isinstance(chosen, int) else None)
        return
    set_scope(session, identity.user.region_id)
