"""Organisation pages (O-1): regions and service points.

HQ administrators manage every region. An administrator of a region sees and edits only their
own region (its names, not its code or HQ flag) and its service points; another region is a
404, like every record of another region. A service point's region is chosen when it is
created and then stays (its users and cases belong to that region).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import Region, ServicePoint
from core.errors import DomainError, Forbidden, NotFound
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.services import org
from core.web.forms import form_status, see_other, undo
from core.web.templating import error_context, flash, gettext_for, render
from core.web.views.admin.common import checked, is_hq, keyset_page, params, text_values

HQ_ONLY = N_("Only headquarters may add regions.")


# --- regions ----------------------------------------------------------------------------------

def _regions(request: Request) -> Any:
    statement = select(Region)
    if not is_hq(request):
        statement = statement.where(Region.id == request.state.user.region_id)
    return statement


def _region(request: Request) -> Region:
    region = request.state.db.get(Region, request.path_params["region_id"])
    if region is None or (not is_hq(request) and region.id != request.state.user.region_id):
        raise NotFound(N_("Not found."))
    return region


def region_list(request: Request) -> Response:
    filters = params(request, "q")
    statement = _regions(request)
    if filters["q"]:
        q = filters["q"]
        statement = statement.where(or_(org.contains(Region.code, q),
                                        org.contains(Region.name, q),
                                        org.contains(Region.name_zh, q)))
    page = keyset_page(request, statement, Region.id, "/admin/regions", filters)
    return render(request, "admin/regions.html", {
        "page": page, "values": filters, "can_create": is_hq(request)})


def _region_form(request: Request, region: Region | None, values: dict[str, Any], *,
                 errors: dict[str, str] | None = None, form_error: str = "",
                 status_code: int = 200) -> Response:
    points: list[ServicePoint] = []
    if region is not None:
        points = list(request.state.db.scalars(
            select(ServicePoint).where(ServicePoint.region_id == region.id)
            .order_by(ServicePoint.code)))
    return render(request, "admin/region_form.html", {
        "region": region, "values": values, "errors": errors or {}, "form_error": form_error,
        "points": points, "hq_fields": is_hq(request),
    }, status_code=status_code)


def region_new(request: Request) -> Response:
    if not is_hq(request):
        raise Forbidden(HQ_ONLY)
    return _region_form(request, None, {})


def region_create(request: Request) -> Response:
    if not is_hq(request):
        raise Forbidden(HQ_ONLY)
    data = text_values(request, "is_hq")
    try:
        region = org.create_region(request.state.db, code=str(data.get("code", "")),
                                   name=str(data.get("name", "")),
                                   name_zh=str(data.get("name_zh", "")),
                                   is_hq=checked(data, "is_hq"))
    except DomainError as error:
        undo(request)
        return _region_form(request, None, data, **error_context(request, error),
                            status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Region %(code)s added.") % {"code": region.code})
    return see_other(f"/admin/regions/{region.id}")


def region_edit(request: Request) -> Response:
    region = _region(request)
    values = {"code": region.code, "name": region.name, "name_zh": region.name_zh,
              "is_hq": "on" if region.is_hq else ""}
    return _region_form(request, region, values)


def region_update(request: Request) -> Response:
    region = _region(request)
    data = text_values(request, "is_hq")
    hq = is_hq(request)
    try:
        org.update_region(
            request.state.db, region,
            # Regional admins rename their region; its code and the HQ flag are HQ's to set.
            code=str(data.get("code", "")) if hq else region.code,
            name=str(data.get("name", "")), name_zh=str(data.get("name_zh", "")),
            is_hq=checked(data, "is_hq") if hq else region.is_hq)
    except DomainError as error:
        undo(request)
        return _region_form(request, _region(request), data, **error_context(request, error),
                            status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Region %(code)s saved.") % {"code": region.code})
    return see_other("/admin/regions")


# --- service points ---------------------------------------------------------------------------

def _region_choices(request: Request) -> list[Region]:
    """Regions a new service point may be in: the admin's own, or for HQ every region (the
    one HQ narrowed every list to, if it did)."""
    statement = _regions(request)
    narrowed = request.state.db.info.get(SCOPE_KEY)
    if narrowed is not None:
        statement = statement.where(Region.id == narrowed)
    return list(request.state.db.scalars(statement.order_by(Region.code)))


def point_list(request: Request) -> Response:
    filters = params(request, "q", "region", "active")
    statement = select(ServicePoint)
    if filters["q"]:
        q = filters["q"]
        statement = statement.where(or_(org.contains(ServicePoint.code, q),
                                        org.contains(ServicePoint.name, q),
                                        org.contains(ServicePoint.address, q),
                                        org.contains(ServicePoint.phone, q)))
    if filters["region"].isdigit():
        statement = statement.where(ServicePoint.region_id == int(filters["region"]))
    if filters["active"] in ("yes", "no"):
        statement = statement.where(ServicePoint.active.is_(filters["active"] == "yes"))
    page = keyset_page(request, statement, ServicePoint.id, "/admin/service-points", filters)
    return render(request, "admin/service_points.html", {
        "page": page, "values": filters, "regions": _region_choices(request)})


def _point_form(request: Request, point: ServicePoint | None, values: dict[str, Any], *,
                errors: dict[str, str] | None = None, form_error: str = "",
                status_code: int = 200) -> Response:
    return render(request, "admin/service_point_form.html", {
        "point": point, "values": values, "errors": errors or {}, "form_error": form_error,
        "regions": _region_choices(request) if point is None else [],
    }, status_code=status_code)


def _point(request: Request) -> ServicePoint:
    point = request.state.db.get(ServicePoint, request.path_params["point_id"])
    if point is None:  # another region's point is not found either (region scope)
        raise NotFound(N_("Not found."))
    return point


def point_new(request: Request) -> Response:
    values: dict[str, Any] = {"active": "on"}
    region = request.query_params.get("region", "")
    if region.isdigit():
        values["region_id"] = region
    return _point_form(request, None, values)


def point_create(request: Request) -> Response:
    data = text_values(request, "active")
    raw_region = str(data.get("region_id", ""))
    allowed = {r.id for r in _region_choices(request)}
    region_id = int(raw_region) if raw_region.isdigit() and int(raw_region) in allowed \
        else None
    try:
        point = org.create_service_point(
            request.state.db, code=str(data.get("code", "")), name=str(data.get("name", "")),
            name_zh=str(data.get("name_zh", "")), region_id=region_id,
            address=str(data.get("address", "")),
            phone=str(data.get("phone", "")), active=checked(data, "active"))
    except DomainError as error:
        undo(request)
        return _point_form(request, None, data, **error_context(request, error),
                           status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Service point %(code)s added.") % {"code": point.code})
    return see_other("/admin/service-points")


def point_edit(request: Request) -> Response:
    point = _point(request)
    values = {"code": point.code, "name": point.name, "name_zh": point.name_zh,
              "address": point.address,
              "phone": point.phone, "active": "on" if point.active else ""}
    return _point_form(request, point, values)


def point_update(request: Request) -> Response:
    point = _point(request)
    data = text_values(request, "active")
    try:
        org.update_service_point(
            request.state.db, point, code=str(data.get("code", "")),
            name=str(data.get("name", "")), name_zh=str(data.get("name_zh", "")),
            address=str(data.get("address", "")),
            phone=str(data.get("phone", "")), active=checked(data, "active"))
    except DomainError as error:
        undo(request)
        return _point_form(request, _point(request), data, **error_context(request, error),
                           status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Service point %(code)s saved.") % {"code": point.code})
    return see_other("/admin/service-points")
