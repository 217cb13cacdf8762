"""People who sign in, what they may do, and how they prove who they are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.entities.org import RegionScoped, ServicePoint


class Role(Base):
    """A named set of permissions; built-in roles are created at upgrade and stay editable."""

    __tablename__ = "role"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    builtin: Mapped[bool] = mapped_column(default=False)

    permissions: Mapped[list[RolePermission]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def permission_ids(self) -> set[str]:
        return {p.permission_id for p in self.permissions}


class RolePermission(Base):
    __tablename__ = "role_permission"

    role_id: Mapped[str] = mapped_column(ForeignKey("role.id"), primary_key=True)
    permission_id: Mapped[str] = mapped_column(String(120), primary_key=True)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("role.id"), primary_key=True, index=True)


class User(RegionScoped, Base):
    """A person at HQ or a distributor. Deactivated, never deleted (T-2).

    ``region_id`` follows the service point; it is stored so region scope is one column test.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    service_point: Mapped[ServicePoint] = relationship(lazy="joined")
    roles: Mapped[list[Role]] = relationship(secondary="user_role", lazy="selectin")

    @property
    def role_ids(self) -> set[str]:
        return {role.id for role in self.roles}


class ApiToken(Base):
    """A bearer token for ``/api/v1``. Only a SHA-256 of the token is stored; it is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Sign-in attempts, for throttling by account and by address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_login_at", "login", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    success: Mapped[bool] = mapped_column(default=False)


class PermissionsVersion(Base):
    """One row whose ``version`` goes up whenever a role, its permissions or a user's roles
    change (issue 11). Each process keeps the permission ids it has looked up per user and
    reads this number with the request's user, so a change made through any process takes
    effect on the next request in every process. ``core.security.permissions`` bumps it."""

    __tablename__ = "permissions_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class KnownPermission(Base):
    """Permissions this database has seen. A permission's default grants are applied once,
    when it first appears, so an admin who later removes it from a role is not overruled."""

    __tablename__ = "known_permission"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)


class UserSession(Base):
    """A signed-in browser (issue 17). The cookie carries a random id; only its SHA-256 is
    stored. A session counts only while this row is not ended and neither the idle nor the
    absolute timeout has passed, so sign-out, a password or role change and an admin end it
    on the server, whatever copy of the cookie someone kept."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
