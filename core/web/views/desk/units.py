"""A unit's page (T-1): its whole life in time order, from core and every plugin."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.services import timeline
from core.services.catalogue import get_unit
from core.web.templating import panels_for, render
from core.web.views.desk.common import LABELS


def unit_page(request: Request) -> Response:
    session = request.state.db
    unit = get_unit(session, request.path_params["body_code"])
    return render(request, "desk/unit.html", {
        "unit": unit,
        "entries": timeline.unit_timeline(session, request.app.state.pm, unit),
        "panels": panels_for(request, "unit", unit), "labels": LABELS,
    })
