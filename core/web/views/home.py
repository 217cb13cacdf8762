"""The dashboard: widgets from ``dashboard_widgets``, each loaded as an htmx fragment."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.web.templating import render


def dashboard(request: Request) -> Response:
    permissions = request.state.permissions
    widgets = [
        w for w in request.app.state.registry.widgets
        if w.permission in permissions or w.permission == "authenticated"
    ]
    return render(request, "dashboard.html", {"widgets": widgets})


def welcome_widget(request: Request) -> Response:
    return render(request, "widgets/welcome.html", {})
