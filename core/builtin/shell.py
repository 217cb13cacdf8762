"""Core's own hook implementations: registered first, like a plugin that is always on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import bodycode
from core.api import me
from core.hooktypes import (
    AUTHENTICATED,
    PUBLIC,
    BodyCode,
    HoldKind,
    MenuItem,
    Permission,
    RoleSpec,
    RouteSpec,
    Widget,
    WorkflowMove,
)
from core.i18n import N_
from core.manifest import hookimpl
from core.settings import Settings
from core.web.views import auth, health, home

ADMIN = "admin"
BUILTIN_ROLES = (
    RoleSpec(ADMIN, N_("Administrator")),
    RoleSpec("hq_manager", N_("HQ manager")),
    RoleSpec("supervisor", N_("Supervisor")),
    RoleSpec("service_clerk", N_("Service clerk")),
    RoleSpec("technician", N_("Technician")),
    RoleSpec("finance", N_("Finance")),
    RoleSpec("warehouse_keeper", N_("Warehouse keeper")),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("admin.users", N_("Manage users and API tokens of others"),
                   default_roles=(ADMIN,)),
        Permission("admin.roles", N_("Edit roles and their permissions"), default_roles=(ADMIN,)),
        Permission("admin.org", N_("Manage regions and service points"), default_roles=(ADMIN,)),
        Permission("audit.view", N_("Browse the audit log"), default_roles=(ADMIN, "hq_manager")),
    ]


@hookimpl
def register_moves() -> list[WorkflowMove]:
    """Core's case workflow, declared once in ``core.services.workflow.WORKFLOW``."""
    from core.services.workflow import WORKFLOW

    return list(WORKFLOW)


@hookimpl
def register_hold_kinds() -> list[HoldKind]:
    """Core's holds: what any service point waits for, with or without the parts plugin."""
    return [
        HoldKind("waiting_for_parts", N_("Waiting for parts"), clause="P-5"),
        HoldKind("waiting_for_customer", N_("Waiting for the customer")),
        HoldKind("other", N_("On hold (other reason)")),
    ]


@hookimpl
def register_roles() -> list[RoleSpec]:
    return list(BUILTIN_ROLES)


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.healthz", "/healthz", health.healthz, PUBLIC),
        RouteSpec("core.login", "/login", auth.login_page, PUBLIC),
        RouteSpec("core.login_submit", "/login", auth.login_submit, PUBLIC, methods=("POST",)),
        RouteSpec("core.logout", "/logout", auth.logout, AUTHENTICATED, methods=("POST",)),
        RouteSpec("core.language", "/language", auth.set_language, PUBLIC, methods=("POST",)),
        RouteSpec("core.region_filter", "/region-filter", auth.set_region_filter, AUTHENTICATED,
                  methods=("POST",)),
        RouteSpec("core.password", "/account/password", auth.password_page, AUTHENTICATED),
        RouteSpec("core.password_submit", "/account/password", auth.password_submit,
                  AUTHENTICATED, methods=("POST",)),
        RouteSpec("core.dashboard", "/", home.dashboard, AUTHENTICATED),
        RouteSpec("core.widget_welcome", "/widgets/welcome", home.welcome_widget, AUTHENTICATED),
        RouteSpec("core.api.me", "/api/v1/me", me.me, AUTHENTICATED),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("core.dashboard", N_("Dashboard"), "/", AUTHENTICATED, order=0)]


@hookimpl
def dashboard_widgets() -> list[Widget]:
    return [Widget("core.welcome", N_("Welcome"), "/widgets/welcome", AUTHENTICATED, order=0)]


@hookimpl(trylast=True)
@bodycode.reads_default_format  # an import reads the format itself (bodycode.batch_decoder)
def decode_body_code(code: str) -> BodyCode | None:
    return bodycode.decode_default(code)


@hookimpl(tryfirst=True)
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    from core.demo import seed_core
    from core.demo_desk import seed_desk

    seed_core(session, settings)
    # The app's plugin manager rides on the session (core.db.make_sessionmaker), so demo
    # cases are priced and classified by the enabled plugins, as real ones are.
    seed_desk(session, session.info["pm"], settings, scale)
