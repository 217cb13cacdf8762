"""The staff inbox's routes (``core.services.staff_notices``), registered like a plugin's."""

from __future__ import annotations

from core.hooktypes import AUTHENTICATED, RouteSpec
from core.manifest import hookimpl
from core.web.views import notices

POST = ("POST",)


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.notices", "/notices", notices.inbox, AUTHENTICATED),
        RouteSpec("core.notices_count", "/notices/count", notices.count, AUTHENTICATED),
        RouteSpec("core.notices_read", "/notices/read", notices.mark_all_read, AUTHENTICATED,
                  methods=POST),
        RouteSpec("core.notice_open", "/notices/{notice_id:int}/open", notices.open_notice,
                  AUTHENTICATED, methods=POST),
    ]
