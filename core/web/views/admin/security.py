"""What an admin sees and does about sign-in (issue 17): a user's live sessions (end one or
all of them) and the accounts and addresses being throttled right now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core import audit
from core.security import sessions
from core.security.signin import throttled
from core.web.forms import see_other
from core.web.templating import flash, gettext_for, render
from core.web.views.admin.users import get_user


def sessions_panel(request: Request) -> Response:
    """The panel on a user's page: their sessions that still count."""
    user = get_user(request)
    security = request.app.state.settings.security
    rows = sessions.live_sessions(request.state.db, user.id, security)
    return render(request, "admin/sessions_panel.html", {
        "person": user, "sessions": rows,
        "current": request.state.db.info.get(sessions.CURRENT_KEY)})


def end_sessions(request: Request) -> Response:
    """End one session (``session_id``) or all of them; the user signs in again."""
    user = get_user(request)
    raw = str(request.state.form.get("session_id", "") if request.state.form else "")
    one = int(raw) if raw.isdigit() and len(raw) < 19 else None
    ended = sessions.end_sessions(request.state.db, user.id, "ended_by_admin", session_id=one)
    audit.record(request.state.db, "user", user.id, "sessions_ended",
                 after={"count": ended, "session_id": one}, region_id=user.region_id)
    _ = gettext_for(request).gettext
    flash(request, _("%(count)s session(s) of %(login)s ended.")
          % {"count": ended, "login": user.login})
    return see_other(f"/admin/users/{user.id}")


def throttled_page(request: Request) -> Response:
    security = request.app.state.settings.security
    return render(request, "admin/throttled.html", {
        "rows": throttled(request.state.db, security), "security": security})
