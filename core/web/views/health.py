"""``GET /healthz`` for load balancers and the office box's watchdog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from core import migrate
from core.plugins import PluginError


def _revisions(state: Any) -> migrate.Revisions:
    """The migration scripts as read once per app (issue 11: re-reading every revision file
    on every call made ``/healthz`` 30x slower than a bare app). Two first calls racing both
    read them; either result is the same."""
    revisions = getattr(state, "migration_revisions", None)
    if revisions is None:
        revisions = migrate.Revisions.load(state.enabled)
        state.migration_revisions = revisions
    return revisions


def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    body: dict[str, object] = {
        "instance": state.settings.instance_name,
        "region": state.settings.region_code,
        "plugins": [{"name": p.name, "version": p.manifest.version} for p in state.plugins],
    }
    connection = None
    try:  # one connection for the check and the migration heads (issue 11: it was two)
        connection = state.engine.connect()
        connection.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # any driver error means "not reachable"
        if connection is not None:
            connection.close()
        body["database"] = f"unreachable: {type(exc).__name__}"
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503)
    with connection:
        try:
            waiting = migrate.pending(connection, state.enabled, _revisions(state))
        except PluginError as exc:
            body.update(migrations=f"unknown: {exc}", status="unavailable")
            return JSONResponse(body, status_code=503)
    body["migrations"] = "current" if not waiting else {"pending": waiting}
    body["status"] = "ok" if not waiting else "unavailable"
    return JSONResponse(body, status_code=200 if not waiting else 503)
