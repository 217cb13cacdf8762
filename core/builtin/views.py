"""Views people expect (issue 18, item 6): the board of open cases, the calendar and the
customer's status link, registered like a plugin's pages."""

from __future__ import annotations

from core.entities import ServiceCase
from core.hooktypes import PUBLIC, MenuItem, Panel, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl
from core.web.views.desk import board, calendar, status

CASE = "/desk/cases/{case_id:int}"


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.desk.board", "/desk/board", board.board_page, "case.view"),
        RouteSpec("core.desk.calendar", "/desk/calendar", calendar.month_page, "case.view"),
        RouteSpec("core.desk.status_link_panel", f"{CASE}/status-link", status.panel,
                  "case.view"),
        RouteSpec("core.desk.status_link", f"{CASE}/status-link", status.create,
                  "case.quote", methods=("POST",)),
        # The customer's status page: the unguessable token is the proof; GET only.
        RouteSpec("core.public.status", "/status/{token}", status.status_page, PUBLIC),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [
        MenuItem("core.desk.board", N_("Board"), "/desk/board", "case.view", order=21),
        MenuItem("core.desk.calendar", N_("Calendar"), "/desk/calendar", "case.view",
                 order=22),
    ]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "case" and isinstance(obj, ServiceCase):
        return [Panel("core.status_link", N_("Status link for the customer"),
                      f"/desk/cases/{obj.id}/status-link", "case.view", order=45)]
    return []
