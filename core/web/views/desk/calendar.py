"""The calendar: a month grid of on-site visits (P-7) and plugins' entries (training
sessions) through ``calendar_entries``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.services import calendar
from core.services.cases import local_today
from core.web.templating import render


def month_page(request: Request) -> Response:
    state = request.app.state
    today = local_today(state.settings)
    first = calendar.parse_month(request.query_params.get("month", ""), today)
    month = calendar.month(request.state.db, state.pm, state.settings, first)
    return render(request, "views/calendar.html", {
        "month": month, "today": today,
        "clock": lambda at: at.astimezone(state.settings.tz).strftime("%H:%M")})
