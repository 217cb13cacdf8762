"""The staff inbox: notices the system left for the signed-in user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.services import staff_notices
from core.web.forms import see_other
from core.web.templating import flash, gettext_for, render


def inbox(request: Request) -> Response:
    session = request.state.db
    raw = request.query_params.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    notices, next_before = staff_notices.inbox(session, request.state.user, before_id=before)
    gettext = gettext_for(request).gettext
    return render(request, "notices/inbox.html", {
        "notices": [(n, staff_notices.text_of(n, gettext)) for n in notices],
        "next_before": next_before,
        "unread": staff_notices.unread_count(session, request.state.user),
    })


def count(request: Request) -> Response:
    """The top bar's link with the number of unread notices (loaded by htmx, so pages do not
    pay a query for it)."""
    return render(request, "notices/_count.html", {
        "unread": staff_notices.unread_count(request.state.db, request.state.user)})


def open_notice(request: Request) -> Response:
    notice = staff_notices.open_notice(request.state.db, request.state.user,
                                       int(request.path_params["notice_id"]))
    return see_other(notice.link or "/notices")


def mark_all_read(request: Request) -> Response:
    marked = staff_notices.mark_all_read(request.state.db, request.state.user)
    ngettext = gettext_for(request).ngettext
    flash(request, ngettext("%(num)d notice marked read.", "%(num)d notices marked read.",
                            marked) % {"num": marked})
    return see_other("/notices")
