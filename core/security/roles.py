"""Keeping built-in roles and newly registered permissions in the database.

Run after every ``db upgrade`` and at app startup; idempotent. The administrator role gets
every permission when it first appears.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.entities import KnownPermission, Role, RolePermission
from core.registry import Registry

ADMIN_ROLE = "admin"


def sync_roles(session: Session, registry: Registry) -> list[str]:
    """Create missing built-in roles and apply default grants of new permissions."""
    roles = {role.id: role for role in session.scalars(select(Role))}
    for spec in registry.roles.values():
        if spec.id not in roles:
            # A role that appears later (a plugin enabled later) gets its grants at once,
            # also for permissions this database has seen before.
            grants = set(spec.permissions) | {
                p.id for p in registry.permissions.values() if spec.id in p.default_roles}
            if spec.id == ADMIN_ROLE:
                grants = set(registry.permissions)
            roles[spec.id] = Role(id=spec.id, label=spec.label, builtin=True,
                                  permissions=[RolePermission(permission_id=p)
                                               for p in sorted(grants)])
            session.add(roles[spec.id])
    known = set(session.scalars(select(KnownPermission.id)))
    added = []
    for permission in registry.permissions.values():
        if permission.id in known:
            continue
        session.add(KnownPermission(id=permission.id))
        grant_to = {ADMIN_ROLE, *permission.default_roles}
        for spec in registry.roles.values():
            if permission.id in spec.permissions:
                grant_to.add(spec.id)
        for role_id in sorted(grant_to):
            role = roles.get(role_id)
            if role is not None and permission.id not in role.permission_ids:
                role.permissions.append(RolePermission(permission_id=permission.id))
        added.append(permission.id)
    session.flush()
    return added
