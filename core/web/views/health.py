"""``GET /healthz`` for load balancers and the office box's watchdog."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from core import migrate
from core.plugins import PluginError


def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    body: dict[str, object] = {
        "instance": state.settings.instance_name,
        "region": state.settings.region_code,
        "plugins": [{"name": p.name, "version": p.manifest.version} for p in state.plugins],
    }
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # any driver error means "not reachable"
        body["database"] = f"unreachable: {type(exc).__name__}"
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503)
    try:
        waiting = migrate.pending(state.engine, state.enabled)
    except PluginError as exc:
        body.update(migrations=f"unknown: {exc}", status="unavailable")
        return JSONResponse(body, status_code=503)
    body["migrations"] = "current" if not waiting else {"pending": waiting}
    body["status"] = "ok" if not waiting else "unavailable"
    return JSONResponse(body, status_code=200 if not waiting else 503)
