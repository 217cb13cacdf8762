"""Dashboard widgets (P-6): open cases by state and by age, quotes waiting for the customer,
and turnaround medians per service point with a small inline SVG chart."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core import i18n
from core.db import utcnow
from core.services import reports, turnaround_snapshots
from core.web.templating import render, request_locale
from core.web.views.desk.common import LABELS

CHART_WIDTH = 240  # px of the longest bar


def open_by_state(request: Request) -> Response:
    rows = reports.open_by_state(request.state.db)
    return render(request, "desk/widget_open_by_state.html", {
        "rows": rows, "total": sum(n for _s, n in rows), "labels": LABELS})


def open_by_age(request: Request) -> Response:
    rows = reports.open_by_age(request.state.db, utcnow())
    return render(request, "desk/widget_open_by_age.html", {
        "rows": rows, "most": max((n for _l, n in rows), default=0), "labels": LABELS})


def waiting(request: Request) -> Response:
    count, oldest = reports.waiting_for_confirmation(request.state.db)
    return render(request, "desk/widget_waiting.html", {
        "count": count, "cases": oldest, "labels": LABELS})


def on_hold(request: Request) -> Response:
    from core.services.holds import hold_kinds

    rows = reports.on_hold(request.state.db)
    return render(request, "desk/widget_on_hold.html", {
        "rows": rows, "total": sum(n for _k, n in rows),
        "kinds": hold_kinds(request.state.db), "labels": LABELS})


def arrivals(request: Request) -> Response:
    """Cases handed to the user's service point in the last 14 days (P-2)."""
    from datetime import timedelta

    rows = reports.arrivals(request.state.db, request.state.user.service_point_id,
                            utcnow() - timedelta(days=14))
    return render(request, "desk/widget_arrivals.html", {"rows": rows, "labels": LABELS})


def _chart(rows: list[reports.Turnaround], locale: str) -> dict[str, Any]:
    """Bar geometry: one group per service point, one bar per stage, scaled to the longest."""
    stages = [(key, label) for key, label, *_ in reports.STAGES if key != "total"]
    longest = max((v for r in rows for k, _l in stages if (v := r.medians.get(k))),
                  default=0.0)
    bar, gap, label_height = 12, 4, 16
    groups, y = [], 0
    for row in rows:
        bars = []
        for index, (key, label) in enumerate(stages):
            value = row.medians.get(key)
            width = round(CHART_WIDTH * value / longest) if value and longest else 0
            bars.append({"key": key, "label": label, "value": value, "width": max(width, 1),
                         "y": y + label_height + index * (bar + gap), "index": index})
        groups.append({"name": row.point_name(locale), "y": y + 12, "bars": bars})
        y += label_height + len(stages) * (bar + gap) + 8
    return {"groups": groups, "height": max(y, 1), "bar": bar, "stages": stages}


def turnaround(request: Request) -> Response:
    """The medians as computed at most ``[dashboard] turnaround_cache_seconds`` ago, by the
    ``core.turnaround`` job or an earlier load in any process (issue 11), saying when."""
    settings = request.app.state.settings
    locale = request_locale(request)
    computed_at, found = turnaround_snapshots.recent(
        request.state.db, settings.dashboard.turnaround_cache_seconds)
    windows = [{"days": days, "rows": rows, "chart": _chart(rows, locale)}
               for days, rows in found.items()]
    return render(request, "desk/widget_turnaround.html", {
        "windows": windows, "stages": reports.STAGES, "chart_width": CHART_WIDTH,
        "labels": LABELS,
        "computed_at": i18n.format_clock(computed_at, locale, settings.tz)})
