"""The form conventions every page follows, desk, admin and plugins alike.

One definition so a page written by a plugin behaves like core's: a permission check that
answers 403 with the permission's name, POST-redirect-GET after success, 400 for a form with
field errors (refusals keep their own status), and a rollback of whatever a failed action
wrote before its form is shown again.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from core.errors import DomainError, Forbidden
from core.hooktypes import AUTHENTICATED
from core.i18n import N_


def has(request: Request, permission: str) -> bool:
    """Whether the signed-in user holds ``permission`` (everyone holds AUTHENTICATED)."""
    return permission == AUTHENTICATED or permission in request.state.permissions


def require(request: Request, permission: str) -> None:
    """Refuse with 403, naming the permission, unless the user holds it."""
    if not has(request, permission):
        raise Forbidden(N_("This needs the permission %(permission)r."),
                        params={"permission": permission})


def see_other(url: str) -> RedirectResponse:
    """After a successful POST: to a page (the browser's reload does not repeat it)."""
    return RedirectResponse(url, status_code=303)


def form_status(error: DomainError) -> int:
    """A form with field errors is a 400; refusals keep their own status (409, 403, 404...)."""
    return 400 if error.status_code == 422 else error.status_code


def undo(request: Request) -> None:
    """Forget whatever a failed action wrote, before the page is shown again (the request's
    session is committed after the view returns)."""
    request.state.db.rollback()
