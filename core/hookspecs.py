"""Every hook of aftersales, typed and documented (pytest's hookspec style).

Families (DESIGN.md): *register* hooks run once at startup and their ids must be unique;
*page* hooks compose the web shell; *answers* hooks are ``firstresult`` (``None`` means
"not mine"); *lifecycle* hooks run at startup and when demo data is loaded.

Each hook has a section in ``docs/hooks.md`` and a test named ``test_hook_<name>``;
``tests/core/test_hook_docs.py`` fails when either is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.manifest import hookspec

if TYPE_CHECKING:
    import click
    from sqlalchemy.orm import Session
    from starlette.applications import Starlette
    from starlette.requests import Request

    from core.hooktypes import (
        BodyCode,
        Job,
        MenuItem,
        Panel,
        Permission,
        RoleSpec,
        RouteSpec,
        Widget,
    )
    from core.settings import Settings


# --- register (startup) -----------------------------------------------------------------


@hookspec
def register_permissions() -> list[Permission]:
    """Return the permissions this plugin defines.

    Ids are dotted (``warranty.override_class``) and unique across core and all plugins; a
    duplicate stops startup. ``Permission.default_roles`` grants it to built-in roles.
    """


@hookspec
def register_roles() -> list[RoleSpec]:
    """Return built-in roles this plugin adds. Role ids are unique across all plugins."""


@hookspec
def register_routes() -> list[RouteSpec]:
    """Return the HTTP routes of this plugin.

    Each route declares the permission it needs; a route id or (path, method) pair used
    twice stops startup.
    """


@hookspec
def register_jobs() -> list[Job]:
    """Return periodic jobs that ``aftersales tick`` runs (expiry, reminders, overdue)."""


@hookspec
def register_cli(cli: click.Group) -> None:
    """Add sub-commands to the ``aftersales`` command line."""


# --- page -------------------------------------------------------------------------------


@hookspec
def menu_items() -> list[MenuItem]:
    """Return main-menu entries; the shell keeps those the user has permission for and
    sorts them by ``order``. Ids are unique (checked at startup)."""


@hookspec
def dashboard_widgets() -> list[Widget]:
    """Return dashboard widgets; each is an HTML fragment URL loaded by htmx, sorted by
    ``order``. Ids are unique (checked at startup)."""


@hookspec
def detail_panels(entity: str, obj: Any, request: Request) -> list[Panel]:
    """Return panels for the detail page of ``entity`` (``"unit"``, ``"case"``, ``"user"``...)
    showing ``obj``. Panels load by htmx and are sorted by ``order``."""


@hookspec
def extra_template_vars(request: Request | None, template_name: str) -> dict[str, Any]:
    """Return extra variables for rendering ``template_name`` (Datasette's hook)."""


# --- answers (firstresult) --------------------------------------------------------------


@hookspec(firstresult=True)
def decode_body_code(code: str) -> BodyCode | None:
    """Read a body code (W-1): its model and factory date (W-2).

    Return ``None`` when the code is not in this plugin's format; raise
    ``core.errors.DomainError`` when it is in the format but cannot be valid (a date that
    does not exist). Core's own implementation reads ``MODEL-YYMMDD-SEQ`` and is asked last.
    """


# --- lifecycle --------------------------------------------------------------------------


@hookspec
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    """Add this plugin's demo data. Must be idempotent: called by every ``aftersales demo``."""


@hookspec
def startup(app: Starlette) -> None:
    """Called once when the app is built, after routes are registered."""
