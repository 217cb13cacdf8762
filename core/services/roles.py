"""Roles and their permissions, as admins edit them.

Built-in roles come from ``register_roles`` and are created at startup; admins may change
their permissions and add roles of their own. Every change is audited (T-2). Grants of
permissions that no enabled plugin registers (a plugin switched off for now) are kept as they
are: they are not on the form, so saving the form must not drop them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.entities import Role, RolePermission, User
from core.errors import DomainError
from core.i18n import N_
from core.services.org import exists_anywhere

ROLE_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
ROLES_PERMISSION = "admin.roles"

ROLE_ID_HELP = N_("Use 2-64 lower-case letters, digits or underscores, starting with a letter.")
ROLE_TAKEN = N_("A role with this id exists already.")
LABEL_REQUIRED = N_("Enter a label people will recognise.")
LABEL_TOO_LONG = N_("At most 120 characters.")
UNKNOWN_PERMISSION = N_("Unknown permission; reload the page and try again.")
LOCKOUT = N_("This would take away your own permission to edit roles; ask another "
             "administrator to do it.")


def all_roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.builtin.desc(), Role.id)))


def snapshot(role: Role) -> dict[str, Any]:
    return {"label": role.label, "permissions": sorted(role.permission_ids)}


def _label(errors: dict[str, str], label: str) -> str:
    label = (label or "").strip()
    if not label:
        errors["label"] = LABEL_REQUIRED
    elif len(label) > 120:
        errors["label"] = LABEL_TOO_LONG
    return label


def _permissions(errors: dict[str, str], chosen: Iterable[str], known: Collection[str]
                 ) -> set[str]:
    chosen = {str(p) for p in chosen}
    if chosen - set(known):
        errors["permissions"] = UNKNOWN_PERMISSION
    return chosen & set(known)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise DomainError(next(iter(errors.values())), fields=errors)


def _set_permissions(role: Role, wanted: set[str]) -> None:
    have = role.permission_ids
    role.permissions[:] = [p for p in role.permissions if p.permission_id in wanted]
    for permission_id in sorted(wanted - have):
        role.permissions.append(RolePermission(permission_id=permission_id))


def create_role(session: Session, known: Collection[str], *, role_id: str, label: str,
                permission_ids: Iterable[str] = ()) -> Role:
    errors: dict[str, str] = {}
    role_id = (role_id or "").strip().lower()
    if not ROLE_ID.match(role_id):
        errors["id"] = ROLE_ID_HELP
    elif exists_anywhere(session, select(Role.id).where(Role.id == role_id)):
        errors["id"] = ROLE_TAKEN
    label = _label(errors, label)
    wanted = _permissions(errors, permission_ids, known)
    _raise(errors)
    role = Role(id=role_id, label=label, builtin=False)
    session.add(role)
    _set_permissions(role, wanted)
    session.flush()
    audit.record(session, "role", role.id, "create", after=snapshot(role))
    return role


def _keeps_roles_permission(actor: User, role: Role, wanted: set[str]) -> bool:
    for held in actor.roles:
        permissions = wanted if held.id == role.id else held.permission_ids
        if ROLES_PERMISSION in permissions:
            return True
    return False


def update_role(session: Session, role: Role, known: Collection[str], *, label: str,
                permission_ids: Iterable[str], actor: User | None = None) -> Role:
    """Set a role's label and the permissions of ``known`` it grants; grants of permissions
    outside ``known`` stay. With ``actor``, refuses a change that would leave the actor
    unable to edit roles (nobody locks themselves out by accident)."""
    errors: dict[str, str] = {}
    label = _label(errors, label)
    wanted = _permissions(errors, permission_ids, known)
    wanted |= role.permission_ids - set(known)
    if actor is not None and not errors and not _keeps_roles_permission(actor, role, wanted):
        errors["permissions"] = LOCKOUT
    _raise(errors)
    before = snapshot(role)
    role.label = label
    _set_permissions(role, wanted)
    session.flush()
    after = snapshot(role)
    if after != before:
        audit.record(session, "role", role.id, "update", before=before, after=after)
    return role


def grantable(actor_permissions: Collection[str], roles: Iterable[Role]) -> set[str]:
    """The roles an admin may give or take away: those whose every permission they hold
    themselves (``admin.users`` is no way to more power)."""
    held = set(actor_permissions)
    return {role.id for role in roles if role.permission_ids <= held}
