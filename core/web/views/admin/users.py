"""User administration: the list, a user's page (with their API tokens and plugins' panels),
create, edit, deactivate (never delete, T-2) and reactivate.

Region scope is the ORM's: a regional admin's lists and lookups only ever contain their
region's users, and another region's user is a 404. An admin gives or takes away only roles
whose permissions they hold themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import Role, ServicePoint, User
from core.errors import DomainError, NotFound
from core.i18n import LOCALE_NAMES, N_
from core.services import roles as role_service
from core.services import users as user_service
from core.web.forms import form_status, has, see_other, undo
from core.web.templating import error_context, flash, gettext_for, panels_for, render
from core.web.views.admin.common import checked, chosen, keyset_page, params, text_values


def get_user(request: Request) -> User:
    user = request.state.db.get(User, request.path_params["user_id"])
    if user is None:  # or of another region: the same answer
        raise NotFound(N_("Not found."))
    return user


def _all_roles(request: Request) -> list[Role]:
    return role_service.all_roles(request.state.db)


def _grantable(request: Request, roles: list[Role]) -> set[str]:
    return role_service.grantable(request.state.permissions, roles)


def user_list(request: Request) -> Response:
    filters = params(request, "q", "active", "role")
    active = {"yes": True, "no": False}.get(filters["active"])
    statement = user_service.search_users(filters["q"], active, filters["role"])
    page = keyset_page(request, statement, User.id, "/admin/users", filters)
    return render(request, "admin/users.html", {
        "page": page, "values": filters, "roles": _all_roles(request)})


def render_user(request: Request, user: User, *, revoke: Any = None,
                status_code: int = 200) -> Response:
    return render(request, "admin/user.html", {
        "person": user, "tokens": user_service.tokens_of(request.state.db, user),
        "panels": panels_for(request, "user", user), "revoke": revoke,
        "is_self": user.id == request.state.user.id,
        "can_audit": has(request, "audit.view"), "locales": LOCALE_NAMES,
    }, status_code=status_code)


def user_detail(request: Request) -> Response:
    """A user's page; ``?revoke_token=<id>`` asks to confirm revoking one of their tokens."""
    user = get_user(request)
    revoke = None
    raw = request.query_params.get("revoke_token", "")
    if raw.isdigit():
        row = user_service.token_of(request.state.db, user, int(raw))
        revoke = row if row.revoked_at is None else None
    return render_user(request, user, revoke=revoke)


def _points(request: Request, current: ServicePoint | None = None) -> list[ServicePoint]:
    points = list(request.state.db.scalars(
        select(ServicePoint).where(ServicePoint.active.is_(True)).order_by(ServicePoint.code)))
    if current is not None and current not in points:
        points.append(current)
    return points


def _form(request: Request, user: User | None, values: dict[str, Any], *,
          errors: dict[str, str] | None = None, form_error: str = "",
          status_code: int = 200) -> Response:
    roles = _all_roles(request)
    return render(request, "admin/user_form.html", {
        "person": user, "values": values, "errors": errors or {}, "form_error": form_error,
        "roles": roles, "grantable": _grantable(request, roles),
        "points": _points(request, user.service_point if user else None),
        "locales": LOCALE_NAMES,
    }, status_code=status_code)


def user_new(request: Request) -> Response:
    point = request.state.user.service_point
    return _form(request, None, {"locale": "en", "service_point": point.code, "roles": []})


def _submitted(request: Request) -> dict[str, Any]:
    values = text_values(request, "active")
    values["roles"] = chosen(request, "roles")
    values.pop("password", None)  # never sent back to the browser
    return values


def user_create(request: Request) -> Response:
    values = _submitted(request)
    session = request.state.db
    form = request.state.form
    password = form.get("password", "") if form is not None else ""
    try:
        user = user_service.create_user(
            session, request.app.state.passwords, login=str(values.get("login", "")),
            display_name=str(values.get("display_name", "")),
            service_point_code=str(values.get("service_point", "")),
            role_ids=values["roles"], locale=str(values.get("locale", "")),
            password=password if isinstance(password, str) else "",
            grantable=_grantable(request, _all_roles(request)))
    except DomainError as error:
        undo(request)
        return _form(request, None, values, **error_context(request, error),
                     status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("User %(login)s created.") % {"login": user.login})
    return see_other(f"/admin/users/{user.id}")


def user_edit(request: Request) -> Response:
    user = get_user(request)
    values = {"display_name": user.display_name, "locale": user.locale,
              "service_point": user.service_point.code, "roles": sorted(user.role_ids),
              "active": "on" if user.active else ""}
    return _form(request, user, values)


def user_update(request: Request) -> Response:
    user = get_user(request)
    values = _submitted(request)
    try:
        user_service.update_user(
            request.state.db, user, display_name=str(values.get("display_name", "")),
            service_point_code=str(values.get("service_point", "")),
            role_ids=values["roles"], locale=str(values.get("locale", "")),
            active=checked(values, "active"), actor=request.state.user,
            grantable=_grantable(request, _all_roles(request)))
    except DomainError as error:
        undo(request)
        return _form(request, get_user(request), values, **error_context(request, error),
                     status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("User %(login)s saved.") % {"login": user.login})
    return see_other(f"/admin/users/{user.id}")


def deactivate_page(request: Request) -> Response:
    """The confirmation step before a user is deactivated."""
    user = get_user(request)
    return render(request, "admin/user_deactivate.html", {
        "person": user, "is_self": user.id == request.state.user.id,
        "token_count": sum(1 for t in user_service.tokens_of(request.state.db, user)
                           if t.revoked_at is None)})


def deactivate(request: Request) -> Response:
    user = get_user(request)
    user_service.set_active(request.state.db, user, False, actor=request.state.user)
    _ = gettext_for(request).gettext
    flash(request, _("User %(login)s deactivated: they can no longer sign in or use their "
                     "API tokens.") % {"login": user.login})
    return see_other(f"/admin/users/{user.id}")


def reactivate(request: Request) -> Response:
    user = get_user(request)
    user_service.set_active(request.state.db, user, True, actor=request.state.user)
    _ = gettext_for(request).gettext
    flash(request, _("User %(login)s reactivated.") % {"login": user.login})
    return see_other(f"/admin/users/{user.id}")


def revoke_token(request: Request) -> Response:
    """An admin revokes one of a user's tokens (confirmed on the user's page first)."""
    user = get_user(request)
    row = user_service.token_of(request.state.db, user, request.path_params["token_id"])
    user_service.revoke_token(request.state.db, row, user)
    _ = gettext_for(request).gettext
    flash(request, _("Token %(name)s revoked.") % {"name": row.name})
    return see_other(f"/admin/users/{user.id}#tokens")
