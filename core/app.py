"""``create_app(settings)``: the one place everything is wired.

One plugin manager per app, so tests can build apps with different plugin sets side by side.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from core import migrate
from core.db import make_engine, make_sessionmaker
from core.i18n import plugin_locale_dirs
from core.plugin_settings import validate_plugin_settings
from core.plugins import available_plugins, make_plugin_manager, resolve
from core.registry import collect
from core.security import scope
from core.security.passwords import Passwords
from core.security.permissions import PermissionCache
from core.security.roles import sync_roles
from core.settings import Settings, session_secret
from core.web.routing import make_route
from core.web.security import SecurityHeaders
from core.web.templating import CORE_TEMPLATES, make_environment, render

log = logging.getLogger("aftersales")

CORE_STATIC = CORE_TEMPLATES.parent / "static"
SESSION_COOKIE = "aftersales_session"


class PendingMigrations(RuntimeError):
    """The database is behind the code; the message says which command to run."""


def pending_message(branches: list[str]) -> str:
    return (
        f"database migrations are pending for: {', '.join(branches)}. "
        "Run `aftersales db upgrade` first."
    )


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    plugins = resolve(settings.plugins, source=settings.source)
    plugin_settings = validate_plugin_settings(settings, plugins, available_plugins())
    pm = make_plugin_manager(plugins)
    registry = collect(pm)
    engine = engine or make_engine(settings.database_url)
    locale_dirs = plugin_locale_dirs(p.package_dir for p in plugins)
    # Services that get only a session read the instance from here (docs/decisions.md).
    info = {"settings": settings, "pm": pm, "registry": registry, "locale_dirs": locale_dirs,
            "plugin_settings": plugin_settings}
    sessionmaker = make_sessionmaker(engine, info=info)
    read_sessionmaker = make_sessionmaker(engine, writes=False, info=info)
    scope.install(sessionmaker)
    scope.install(read_sessionmaker)
    enabled = [p.name for p in plugins]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        waiting = migrate.pending(engine, enabled)
        if waiting:
            raise PendingMigrations(pending_message(waiting))
        with sessionmaker.begin() as session:
            sync_roles(session, registry)
        yield

    mounts: list[Any] = [make_route(spec) for spec in registry.routes]
    mounts.append(Mount("/static/core", StaticFiles(directory=CORE_STATIC), name="static"))
    for plugin in plugins:
        if plugin.static_dir:
            mounts.append(
                Mount(f"/static/{plugin.name}", StaticFiles(directory=plugin.static_dir))
            )

    app = Starlette(
        routes=mounts,
        middleware=[
            Middleware(SecurityHeaders,  # issue 17: CSP and friends, Secure cookies on HTTPS
                       trusted_proxies=settings.security.trusted_proxies,
                       secure_cookies=settings.security.secure_cookies),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(settings),
                session_cookie=SESSION_COOKIE,
                max_age=settings.security.session_max_age_hours * 3600,
                same_site="lax",
                https_only=settings.security.secure_cookies,
            )
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.read_sessionmaker = read_sessionmaker
    app.state.pm = pm
    app.state.plugins = plugins
    app.state.plugin_settings = plugin_settings
    app.state.enabled = enabled
    app.state.registry = registry
    app.state.templates = make_environment(
        [p.templates_dir for p in plugins if p.templates_dir]
    )
    app.state.locale_dirs = locale_dirs
    app.state.region_label = settings.region_code
    app.state.passwords = Passwords(settings.security)
    app.state.permission_cache = PermissionCache()  # issue 11: per process, versioned
    pm.hook.startup(app=app)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "Not found.", 405: "Method not allowed."}.get(exc.status_code, exc.detail)
    if _wants_json(request):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return JSONResponse(
            {"error": {"code": code, "message": message, "fields": {}}},
            status_code=exc.status_code,
        )
    return safe_error_page(request, exc.status_code, str(message))


async def _server_error(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    log.error("500 on %s (request %s)", request.url.path, request_id)
    message = f"Something went wrong on our side (request {request_id}). It has been logged."
    if _wants_json(request):
        return JSONResponse(
            {"error": {"code": "server_error", "message": message, "fields": {}}},
            status_code=500,
        )
    return safe_error_page(request, 500, message)


def safe_error_page(request: Request, status: int, message: str) -> Response:
    """The error page, which must not fail itself (issue 17): the request's user may be
    detached from its closed database session, so on any trouble it is rendered without the
    user, and as plain HTML if even that fails."""
    try:
        return render(request, "error.html", {"status": status, "message": message},
                      status_code=status)
    except Exception:
        log.exception("the error page failed; answering without the user")
    request.state.user = None
    request.state.permissions = frozenset()
    try:
        return render(request, "error.html", {"status": status, "message": message},
                      status_code=status)
    except Exception:
        log.exception("the error page failed again; answering plain HTML")
    return HTMLResponse(f"<!doctype html><title>{status}</title><h1>{status}</h1>"
                        f"<p>{html.escape(message)}</p>", status_code=status)
