"""Reading JSON bodies and writing JSON answers, with 4xx errors for bad input."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from core.errors import DomainError
from core.i18n import N_
from core.web.limits import check_json


def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    raw = getattr(request.state, "body", b"") or b""
    if not raw:
        raise DomainError("The request body is empty; send a JSON object.", code="bad_request",
                          status_code=400)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(N_("The request body is not valid JSON: %(problem)s."),
                          params={"problem": str(exc)}, code="bad_request",
                          status_code=400) from None
    except RecursionError:  # issue 17: {"a": {"a": ... thousands deep
        raise DomainError("The JSON is nested too deeply.", code="bad_request",
                          status_code=400) from None
    if not isinstance(data, dict):
        raise DomainError("The request body must be a JSON object.", code="bad_request",
                          status_code=400)
    check_json(data, request.app.state.settings.security.max_json_depth)  # issue 17
    return data


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class ApiResponse(JSONResponse):
    """JSON with dates as ISO strings."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_default, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
