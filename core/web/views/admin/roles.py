"""Roles: the list with what each allows, a role's permissions as checkboxes of every
registered permission, and custom roles. Every change is in the audit log (T-2).

A role is named by its id in the query string (``/admin/roles/edit?role=supervisor``): roles
are not records of a region.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from sqlalchemy import func, or_, select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import Role, User, UserRole
from core.errors import DomainError, NotFound
from core.hooktypes import Permission
from core.i18n import N_
from core.services import org
from core.services import roles as role_service
from core.web.forms import form_status, see_other, undo
from core.web.templating import error_context, flash, gettext_for, render
from core.web.views.admin.common import chosen, keyset_page, params, text_values


def _known(request: Request) -> dict[str, Permission]:
    return dict(request.app.state.registry.permissions)


def _groups(request: Request) -> list[tuple[str, list[Permission]]]:
    """Registered permissions grouped by their first word (``case``, ``admin``, a plugin's)."""
    permissions = sorted(_known(request).values(), key=lambda p: p.id)
    return [(group, list(items))
            for group, items in groupby(permissions, key=lambda p: p.id.split(".")[0])]


def role_list(request: Request) -> Response:
    filters = params(request, "q")
    statement = select(Role)
    if filters["q"]:
        q = filters["q"]
        statement = statement.where(or_(org.contains(Role.id, q), org.contains(Role.label, q)))
    page = keyset_page(request, statement, Role.id, "/admin/roles", filters, numeric=False)
    ids = [role.id for role in page.rows]
    # Joined with User so that the counts, like everything else, follow the region scope.
    counts = {role_id: count for role_id, count in request.state.db.execute(
        select(UserRole.role_id, func.count()).join(User, User.id == UserRole.user_id)
        .where(UserRole.role_id.in_(ids), User.active.is_(True))
        .group_by(UserRole.role_id))} if ids else {}
    return render(request, "admin/roles.html", {
        "page": page, "values": filters, "known": _known(request), "counts": counts})


def _form(request: Request, role: Role | None, values: dict[str, Any], *,
          errors: dict[str, str] | None = None, form_error: str = "",
          status_code: int = 200) -> Response:
    known = _known(request)
    hidden = sorted(role.permission_ids - set(known)) if role is not None else []
    return render(request, "admin/role_form.html", {
        "role": role, "values": values, "errors": errors or {}, "form_error": form_error,
        "groups": _groups(request), "unregistered": hidden,
    }, status_code=status_code)


def _role(request: Request) -> Role:
    role = request.state.db.get(Role, request.query_params.get("role", ""))
    if role is None:
        raise NotFound(N_("Not found."))
    return role


def role_new(request: Request) -> Response:
    return _form(request, None, {"permissions": []})


def role_create(request: Request) -> Response:
    values = text_values(request)
    values["permissions"] = chosen(request, "permissions")
    try:
        role = role_service.create_role(
            request.state.db, _known(request), role_id=str(values.get("id", "")),
            label=str(values.get("label", "")), permission_ids=values["permissions"])
    except DomainError as error:
        undo(request)
        return _form(request, None, values, **error_context(request, error),
                     status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Role %(id)s created.") % {"id": role.id})
    return see_other("/admin/roles")


def role_edit(request: Request) -> Response:
    role = _role(request)
    return _form(request, role, {"label": role.label,
                                 "permissions": sorted(role.permission_ids)})


def role_update(request: Request) -> Response:
    role = _role(request)
    values = text_values(request)
    values["permissions"] = chosen(request, "permissions")
    try:
        role_service.update_role(request.state.db, role, _known(request),
                                 label=str(values.get("label", "")),
                                 permission_ids=values["permissions"],
                                 actor=request.state.user)
    except DomainError as error:
        undo(request)
        return _form(request, _role(request), values, **error_context(request, error),
                     status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Role %(id)s saved.") % {"id": role.id})
    return see_other("/admin/roles")
