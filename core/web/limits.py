"""Bounded input for every route (issue 17): body size, text characters, integer ranges.

A request body is counted *while it is read*: once it passes the limit for its kind (JSON and
other bodies, url-encoded forms, multipart uploads; ``[security] max_*_bytes``) reading stops
with a 413, so nothing beyond the limit is held in memory. A ``Content-Length`` over the limit
is refused before reading at all.

Text may not carry NUL or other control characters (tab, newline and carriage return are
fine): PostgreSQL cannot store NUL at all and SQLite would store it silently, so both refuse
it here, in query strings, path parameters, form fields and JSON strings alike. Integers that
do not fit a 64-bit column are refused too (a path id: 404; a value: 422).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive

from core.errors import DomainError, NotFound
from core.i18n import N_
from core.settings import SecuritySettings

MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BodyTooLarge(Exception):
    """The body passed its limit while being read."""


def too_large(limit: int) -> DomainError:
    return DomainError(N_("The request is too large (at most %(limit)s bytes)."),
                       params={"limit": limit}, code="too_large", status_code=413)


def body_limit(content_type: str, security: SecuritySettings) -> int:
    if content_type.startswith("multipart/"):
        return security.max_upload_bytes
    if content_type.startswith("application/x-www-form-urlencoded"):
        return security.max_form_bytes
    return security.max_json_bytes


def limited_request(request: Request, limit: int) -> Request:
    """``request`` whose body raises :class:`BodyTooLarge` once more than ``limit`` bytes have
    arrived (state and session are shared: they live in the scope)."""
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge
    receive: Receive = request.receive
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return Request(request.scope, counting)


def bad_text(field: str) -> DomainError:
    return DomainError(N_("%(field)s contains control characters (such as NUL); remove them."),
                       params={"field": field[:60]}, field=field[:60], code="invalid_text",
                       status_code=422)


def check_text(items: Iterable[tuple[str, Any]]) -> None:
    """Refuse a control character in any name or text value (files are not text)."""
    for name, value in items:
        if CONTROL.search(name):
            raise bad_text("?")
        if isinstance(value, str) and CONTROL.search(value):
            raise bad_text(name)
        if isinstance(value, UploadFile) and value.filename and CONTROL.search(value.filename):
            raise bad_text(name)


def check_path_params(params: dict[str, Any]) -> None:
    """A path id that cannot exist (beyond 64 bits) is simply not found; text is checked."""
    for name, value in params.items():
        if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
            raise NotFound(N_("Not found."))
        if isinstance(value, str) and CONTROL.search(value):
            raise NotFound(N_("Not found."))
        del name


def check_json(data: Any, max_depth: int) -> None:
    """Depth, integer range and text of a parsed JSON value, without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > max_depth:
            raise DomainError(N_("The JSON is nested too deeply (at most %(depth)s levels)."),
                              params={"depth": max_depth}, code="bad_request", status_code=400)
        if isinstance(value, dict):
            for key, item in value.items():
                if CONTROL.search(key):
                    raise bad_text(path or "body")
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, path, depth + 1) for item in value)
        elif isinstance(value, str):
            if CONTROL.search(value):
                raise bad_text(path or "body")
        elif isinstance(value, int) and not isinstance(value, bool) \
                and not MIN_INT <= value <= MAX_INT:
            raise DomainError(N_("%(field)s is out of range."), params={"field": path or "body"},
                              field=path or "body", code="invalid", status_code=422)
