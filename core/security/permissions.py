"""Each process remembers users' permission ids; one number in the database says when to forget.

Issue 11: reading a user's roles and permissions cost a statement (earlier three) and many
objects on every request. The permission ids now live in a per-app cache keyed by user, each
entry stamped with the ``permissions_version`` it was read under. Authentication reads the
current version in the same statement as the user and the session or token, and reloads the
entry only when the number moved. Any ORM flush that changes a role, a role's permissions or a
user's roles bumps the number in the same transaction (an ``after_flush`` hook on every
session, so admin pages, the CLI, ``sync_roles`` and plugins cannot forget it), so a change
made in one process takes effect on the next request in every process.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import ColumnElement, event, func, inspect, select, update
from sqlalchemy.orm import Session

from core.entities import PermissionsVersion, Role, RolePermission, User

#: the id of the one row of ``permissions_version``
ROW_ID = 1
#: entries kept per process before the cache starts over (a user is one small frozenset)
MAX_ENTRIES = 20_000


def version_column() -> ColumnElement[int]:
    """The current version as a scalar subquery, to add to the request's user statement;
    -1 when the row is missing (then nothing is cached)."""
    return func.coalesce(
        select(PermissionsVersion.version).where(PermissionsVersion.id == ROW_ID)
        .scalar_subquery(), -1)


def bump(session: Session) -> None:
    """Tell every process that permissions changed (in the caller's transaction)."""
    session.connection().execute(
        update(PermissionsVersion).where(PermissionsVersion.id == ROW_ID)
        .values(version=PermissionsVersion.version + 1))


def _changes_permissions(session: Session) -> bool:
    for obj in session.new:
        if isinstance(obj, (Role, RolePermission)):
            return True
    for obj in session.deleted:
        if isinstance(obj, (Role, RolePermission, User)):
            return True
    for obj in session.dirty:
        if isinstance(obj, (Role, RolePermission)):
            return True
        if isinstance(obj, User) and inspect(obj).attrs.roles.history.has_changes():
            return True
    return False


@event.listens_for(Session, "after_flush")
def _bump_on_change(session: Session, _context: Any) -> None:
    # Role.permissions is a collection of RolePermission rows (new/deleted on change); a
    # user's roles are a secondary collection, seen as a change of ``User.roles``.
    if _changes_permissions(session):
        bump(session)


class PermissionCache:
    """Permission ids per user id, each with the version it was read under."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[int, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: int, version: int) -> frozenset[str] | None:
        entry = self._entries.get(user_id)
        if entry is None or version < 0 or entry[0] != version:
            return None
        return entry[1]

    def put(self, user_id: int, version: int, permissions: frozenset[str]) -> None:
        if version < 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[user_id] = (version, permissions)
