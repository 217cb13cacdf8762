"""One error type for users (DESIGN.md conventions).

A ``DomainError`` carries the field it is about and a message; the web layer shows it on the
form, the API answers it as ``{"error": {"code", "message", "fields"}}`` with its status.
Anything else raised while handling a request is a bug: logged with a request id, a 500.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A user mistake or a refused operation, explained."""

    status_code = 422
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        fields: dict[str, str] | None = None,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, message)
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.extra = dict(extra or {})

    def as_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields,
                          **self.extra}}


class NotFound(DomainError):
    """The record does not exist *or* is outside the user's region: the same answer."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
