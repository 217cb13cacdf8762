"""Intake (P-2): the desk form that opens a case, and the live body-code lookup (W-1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import Customer, ProductModel
from core.errors import DomainError
from core.services import intake, timeline
from core.services.cases import local_today
from core.web.routing import CSRF_FIELD, form_data
from core.web.templating import flash, gettext_for, panels_for, render
from core.web.views.desk import customers
from core.web.views.desk.common import LABELS, error_context, has, see_other, undo

CUSTOMER_FIELDS = ("name", "company", "address", "phone", "email")
DEFAULTS = {"own_product": "on", "channel": "walk_in"}


def _page(request: Request, values: dict[str, Any], *, errors: dict[str, str] | None = None,
          form_error: str = "", status_code: int = 200, confirm_w1: bool = False) -> Response:
    session = request.state.db
    code = str(values.get("body_code", "")).strip()
    show = code and "body_code" not in (errors or {})  # the field error says it already
    found = _lookup(request, code) if show else None
    models = list(session.scalars(select(ProductModel).order_by(ProductModel.code)))
    chosen = None
    if str(values.get("customer_id", "")).isdigit():  # issue 18: the customer picked stays
        chosen = request.state.db.get(Customer, int(values["customer_id"]))
    return render(request, "desk/intake.html", {
        "values": values, "errors": errors or {}, "form_error": form_error,
        "lookup": found, "models": models, "labels": LABELS, "chosen": chosen,
        "confirm_w1": confirm_w1, "offer_owner": True,
        **customers.owner_context(request, found.unit if found else None),
    }, status_code=status_code)


def _lookup(request: Request, code: str) -> timeline.Lookup:
    """The body-code lookup, its error in the user's language."""
    found = timeline.lookup(request.state.db, request.app.state.pm, code)
    if found.failure is not None:
        found.error = found.failure.localized(gettext_for(request).gettext)[0]
    return found


def intake_page(request: Request) -> Response:
    """The empty form; with ``?body_code=`` (a link from a unit page) the form comes with the
    code typed in and the lookup shown."""
    params = {k: v for k, v in request.query_params.items() if k != CSRF_FIELD}
    return _page(request, {**DEFAULTS, **params} if params else dict(DEFAULTS))


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    def text(name: str) -> str:
        value = data.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    return {
        "body_code": text("body_code") or None,
        "model_code": text("model_code"),
        "own_product": text("own_product") or "0",
        "customer": {field: text(f"customer.{field}") for field in CUSTOMER_FIELDS},
        "purchase_date": text("purchase_date"),
        "fault_description": text("fault_description"),
        "channel": text("channel"),
        "customer_id": text("customer_id") or None,
    }


def intake_submit(request: Request) -> Response:
    data = form_data(request)
    user = request.state.user
    try:
        case = intake.intake(request.state.db, request.app.state.pm, actor=user,
                             service_point=user.service_point, data=_payload(data),
                             today=local_today(request.app.state.settings),
                             confirm_refusal=data.get("confirm_refusal") == "W-1")
        from core.web.views.desk.attachments import attach_uploads  # issue 13

        attach_uploads(request, case, "photos")
    except intake.RefusalNeedsConfirmation:
        # issue 18: say W-1 before anything is written; the clerk confirms or adds the code
        undo(request)
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        return _page(request, values, confirm_w1=True)
    except DomainError as error:
        undo(request)
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        return _page(request, values, status_code=400, **error_context(request, error))
    _ = gettext_for(request).gettext
    if case.state == "refused":
        flash(request, _("%(ref)s is on file but refused: our product without a body code "
                         "gets no after-sales service (W-1).") % {"ref": case.reference},
              "error")
    else:
        flash(request, _("%(ref)s opened.") % {"ref": case.reference})
    return see_other(f"/desk/cases/{case.id}")


def lookup(request: Request) -> Response:
    """The fragment under the body-code field (htmx), or a page of its own without it."""
    found = _lookup(request, request.query_params.get("body_code", ""))
    # Plugins add to the lookup what they know (the warranty plugin: class, end, days left),
    # for a unit on file and for a readable code of a unit not on file yet.
    panels = panels_for(request, "unit", found.unit) if found.unit else \
        panels_for(request, "body_code", found.decoded) if found.decoded else []
    return render(request, "desk/lookup.html", {
        "lookup": found, "labels": LABELS, "panels": panels,
        "offer_owner": request.headers.get("hx-request") == "true" and has(request, "case.intake"),
        **customers.owner_context(request, found.unit)})
