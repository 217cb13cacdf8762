"""Your own API tokens (``/account/tokens``): list, create (shown once), revoke.

A token is shown only on the page that answers its creation, never again: only its hash is
stored. Managing tokens needs a signed-in browser session, not a token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.errors import DomainError, Forbidden
from core.i18n import N_
from core.services import users as user_service
from core.web.forms import form_status, see_other, undo
from core.web.templating import error_context, flash, gettext_for, render
from core.web.views.admin.common import text_values

SIGNED_IN_ONLY = N_("Manage API tokens from a signed-in browser, not with a token.")
NAME_HELP = N_("Name the token after the program that will use it, for example "
               "\"warehouse scanner\".")
TOO_LONG = N_("At most 120 characters.")
NO_STORE = {"Cache-Control": "no-store"}


def _require_browser(request: Request) -> None:
    if request.state.via_token:
        raise Forbidden(SIGNED_IN_ONLY)


def _page(request: Request, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, form_error: str = "", revoke: object = None,
          status_code: int = 200) -> Response:
    return render(request, "admin/tokens.html", {
        "tokens": user_service.tokens_of(request.state.db, request.state.user),
        "values": values or {}, "errors": errors or {}, "form_error": form_error,
        "revoke": revoke, "revoke_base": "/account/tokens?revoke=",
    }, status_code=status_code)


def token_list(request: Request) -> Response:
    """Your tokens; ``?revoke=<id>`` asks to confirm revoking one."""
    raw = request.query_params.get("revoke", "")
    revoke = None
    if raw.isdigit():
        revoke = user_service.token_of(request.state.db, request.state.user, int(raw))
    return _page(request, revoke=revoke if revoke and revoke.revoked_at is None else None)


def token_create(request: Request) -> Response:
    _require_browser(request)
    values = text_values(request)
    name = str(values.get("name", "")).strip()
    if not name or len(name) > 120:
        problem = NAME_HELP if not name else TOO_LONG
        return _page(request, values=values, errors={"name": problem}, form_error=problem,
                     status_code=400)
    try:
        token, row = user_service.create_token(request.state.db, request.state.user.login,
                                               name)
    except DomainError as error:
        undo(request)
        return _page(request, values=values, **error_context(request, error),
                     status_code=form_status(error))
    # Shown once, on this answer to the POST; never cached, never in a URL or a redirect.
    return render(request, "admin/token_created.html", {"token": token, "row": row},
                  status_code=201, headers=NO_STORE)


def token_revoke(request: Request) -> Response:
    _require_browser(request)
    row = user_service.token_of(request.state.db, request.state.user,
                                request.path_params["token_id"])
    user_service.revoke_token(request.state.db, row, request.state.user)
    _ = gettext_for(request).gettext
    flash(request, _("Token %(name)s revoked.") % {"name": row.name})
    return see_other("/account/tokens")
