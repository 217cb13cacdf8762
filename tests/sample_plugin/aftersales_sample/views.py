"""The sample plugin's page."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from aftersales_sample.models import SampleNote
from core.plugin_api import render


def notes(request: Request) -> Response:
    rows = request.state.db.scalars(select(SampleNote).order_by(SampleNote.id))
    return render(request, "sample/notes.html", {"notes": list(rows)})
