"""Core's administration pages (organisation, users, roles, API tokens, audit log): their
routes and menu entries. Their permissions (``admin.org``, ``admin.users``, ``admin.roles``,
``audit.view``) are registered with core's own in ``core.builtin.shell``."""

from __future__ import annotations

from core.hooktypes import AUTHENTICATED, MenuItem, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl
from core.web.views.admin import audit, models, org, roles, tokens, users

POST = ("POST",)
USER = "/admin/users/{user_id:int}"


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        # Organisation (O-1)
        RouteSpec("core.admin.regions", "/admin/regions", org.region_list, "admin.org"),
        RouteSpec("core.admin.region_new", "/admin/regions/new", org.region_new, "admin.org"),
        RouteSpec("core.admin.region_create", "/admin/regions", org.region_create,
                  "admin.org", methods=POST),
        RouteSpec("core.admin.region", "/admin/regions/{region_id:int}", org.region_edit,
                  "admin.org"),
        RouteSpec("core.admin.region_update", "/admin/regions/{region_id:int}",
                  org.region_update, "admin.org", methods=POST),
        RouteSpec("core.admin.points", "/admin/service-points", org.point_list, "admin.org"),
        RouteSpec("core.admin.point_new", "/admin/service-points/new", org.point_new,
                  "admin.org"),
        RouteSpec("core.admin.point_create", "/admin/service-points", org.point_create,
                  "admin.org", methods=POST),
        RouteSpec("core.admin.point", "/admin/service-points/{point_id:int}", org.point_edit,
                  "admin.org"),
        RouteSpec("core.admin.point_update", "/admin/service-points/{point_id:int}",
                  org.point_update, "admin.org", methods=POST),
        # Product models (issue 18: names in English and Chinese), HQ's
        RouteSpec("core.admin.models", "/admin/models", models.model_list, "admin.org"),
        RouteSpec("core.admin.model_new", "/admin/models/new", models.model_new, "admin.org"),
        RouteSpec("core.admin.model_create", "/admin/models", models.model_create,
                  "admin.org", methods=POST),
        RouteSpec("core.admin.model", "/admin/models/{model_id:int}", models.model_edit,
                  "admin.org"),
        RouteSpec("core.admin.model_update", "/admin/models/{model_id:int}",
                  models.model_update, "admin.org", methods=POST),
        # Users
        RouteSpec("core.admin.users", "/admin/users", users.user_list, "admin.users"),
        RouteSpec("core.admin.user_new", "/admin/users/new", users.user_new, "admin.users"),
        RouteSpec("core.admin.user_create", "/admin/users", users.user_create, "admin.users",
                  methods=POST),
        RouteSpec("core.admin.user", USER, users.user_detail, "admin.users"),
        RouteSpec("core.admin.user_update", USER, users.user_update, "admin.users",
                  methods=POST),
        RouteSpec("core.admin.user_edit", f"{USER}/edit", users.user_edit, "admin.users"),
        RouteSpec("core.admin.user_deactivate_confirm", f"{USER}/deactivate",
                  users.deactivate_page, "admin.users"),
        RouteSpec("core.admin.user_deactivate", f"{USER}/deactivate", users.deactivate,
                  "admin.users", methods=POST),
        RouteSpec("core.admin.user_reactivate", f"{USER}/reactivate", users.reactivate,
                  "admin.users", methods=POST),
        RouteSpec("core.admin.user_token_revoke", f"{USER}/tokens/{{token_id:int}}/revoke",
                  users.revoke_token, "admin.users", methods=POST),
        # Roles
        RouteSpec("core.admin.roles", "/admin/roles", roles.role_list, "admin.roles"),
        RouteSpec("core.admin.role_new", "/admin/roles/new", roles.role_new, "admin.roles"),
        RouteSpec("core.admin.role_create", "/admin/roles", roles.role_create, "admin.roles",
                  methods=POST),
        RouteSpec("core.admin.role_edit", "/admin/roles/edit", roles.role_edit,
                  "admin.roles"),
        RouteSpec("core.admin.role_update", "/admin/roles/edit", roles.role_update,
                  "admin.roles", methods=POST),
        # Your own API tokens
        RouteSpec("core.admin.tokens", "/account/tokens", tokens.token_list, AUTHENTICATED),
        RouteSpec("core.admin.token_create", "/account/tokens", tokens.token_create,
                  AUTHENTICATED, methods=POST),
        RouteSpec("core.admin.token_revoke", "/account/tokens/{token_id:int}/revoke",
                  tokens.token_revoke, AUTHENTICATED, methods=POST),
        # The audit log (T-2): read only, there is no route that changes it.
        RouteSpec("core.admin.audit", "/admin/audit", audit.audit_log, "audit.view"),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem("core.admin.users", N_("Users"), "/admin/users", "admin.users", order=900),
        MenuItem("core.admin.roles", N_("Roles"), "/admin/roles", "admin.roles", order=910),
        MenuItem("core.admin.org", N_("Organisation"), "/admin/regions", "admin.org",
                 order=920),
        MenuItem("core.admin.audit", N_("Audit log"), "/admin/audit", "audit.view",
                 order=930),
    ]
