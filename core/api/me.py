"""``GET /api/v1/me``: who the token belongs to and what it may do."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.api.jsonio import ApiResponse
from core.entities import UserRole


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
        # role ids as strings: ``user.role_ids`` would load each role and its permissions
        "roles": sorted(request.state.db.scalars(
            select(UserRole.role_id).where(UserRole.user_id == user.id))),
        "permissions": sorted(request.state.permissions),
    })
