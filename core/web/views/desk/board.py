"""The board of open cases by state (issue 18): filters by service point and technician,
refreshed by htmx every 30 seconds and on every filter change (``hx-select`` picks the
columns out of the same page; no script of our own, nothing the CSP would refuse)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from core.services import board as board_service
from core.services import reports
from core.web.templating import render
from core.web.views.desk.common import LABELS

REFRESH_SECONDS = 30


def board_page(request: Request) -> Response:
    params = {k: v for k, v in request.query_params.items()
              if k in board_service.FILTERS and v}
    session = request.state.db
    board = board_service.board(session, params, board_service.PER_COLUMN)
    query = urlencode(board.filters)
    return render(request, "views/board.html", {
        "board": board, "values": params, "labels": LABELS,
        "self_url": "/desk/board" + (f"?{query}" if query else ""),
        "choices": reports.filter_choices(session), "refresh": REFRESH_SECONDS,
    })
