"""Core's sign-in security pages (issue 17): a user's sessions as a panel on their page (an
admin ends one or all) and the list of throttled accounts and addresses."""

from __future__ import annotations

from typing import Any

from core.entities import User
from core.hooktypes import MenuItem, Panel, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl
from core.web.views.admin import security

USER = "/admin/users/{user_id:int}"


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.admin.user_sessions", f"{USER}/sessions", security.sessions_panel,
                  "admin.users"),
        RouteSpec("core.admin.user_sessions_end", f"{USER}/sessions/end",
                  security.end_sessions, "admin.users", methods=("POST",)),
        RouteSpec("core.admin.throttled", "/admin/security", security.throttled_page,
                  "admin.users"),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("core.admin.throttled", N_("Sign-in throttling"), "/admin/security",
                     "admin.users", order=905)]


@hookimpl
def detail_panels(entity: str, obj: Any, request: Any) -> list[Panel]:
    if entity == "user" and isinstance(obj, User):
        return [Panel("core.sessions", N_("Sign-in sessions"), f"/admin/users/{obj.id}/sessions",
                      "admin.users", order=1)]
    return []
