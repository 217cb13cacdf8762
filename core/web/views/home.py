"""The dashboard: widgets from ``dashboard_widgets``, each loaded as an htmx fragment."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.web.templating import render, visible


def dashboard(request: Request) -> Response:
    widgets = visible(request.app.state.registry.widgets, request.state.permissions)
    return render(request, "dashboard.html", {"widgets": widgets})


def welcome_widget(request: Request) -> Response:
    return render(request, "widgets/welcome.html", {})
