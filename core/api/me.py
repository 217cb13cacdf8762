"""``GET /api/v1/me``: who the token belongs to and what it may do."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.api.jsonio import ApiResponse


def me(request: Request) -> Response:
    """The signed-in user (token owner), their roles and permissions."""
    user = request.state.user
    return ApiResponse({
        "id": user.id,
        "login": user.login,
        "display_name": user.display_name,
        "locale": user.locale,
        "service_point": user.service_point.code,
        "region": user.service_point.region.code,
        "roles": sorted(user.role_ids),
        "permissions": sorted(request.state.permissions),
    })
