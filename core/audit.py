"""Writing the audit log (T-2). There is deliberately no function to change or remove entries.

The actor (user, address) is taken from ``session.info["actor"]``, which the request wrapper
and the CLI set, so services record entries without passing the request around.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.entities import AuditEvent

ACTOR_KEY = "actor"


def set_actor(session: Session, user_id: int | None, login: str, address: str) -> None:
    session.info[ACTOR_KEY] = (user_id, login, address)


def record(
    session: Session,
    entity: str,
    entity_id: object,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region_id: int | None = None,
) -> AuditEvent:
    user_id, login, address = session.info.get(ACTOR_KEY, (None, "system", ""))
    event = AuditEvent(
        user_id=user_id,
        user_login=login,
        address=address,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        before=_plain(before),
        after=_plain(after),
        region_id=region_id,
    )
    session.add(event)
    return event


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v if isinstance(v, str | int | float | bool | type(None) | list) else str(v)
            for k, v in values.items()}


def changes(obj: object, fields: list[str]) -> dict[str, Any]:
    """A snapshot of some attributes, for ``before``/``after``."""
    return {name: getattr(obj, name) for name in fields}
