"""Product models (issue 18): HQ adds and edits the catalogue's models, with their Chinese
names, which every page then shows to Chinese readers (``named()`` in the templates).

Models are global, so a regional administrator may not change them (403) — the list is
HQ's page. The code is set when a model is added and then stays (it is in every body code).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import ProductModel
from core.entities.catalogue import PRODUCT_LINES
from core.errors import DomainError, Forbidden, NotFound
from core.i18n import N_, format_money
from core.services import models_admin, org
from core.web.forms import form_status, see_other, undo
from core.web.templating import error_context, flash, gettext_for, render, request_locale
from core.web.views.admin.common import checked, is_hq, keyset_page, params, text_values

HQ_ONLY = N_("Only headquarters may change the product models.")
#: Product lines as words (the stored key is what plugins and reports use).
LINES = {"amplifier": N_("Amplifiers"), "mixer": N_("Mixers"),
         "microphone": N_("Microphones"), "other": N_("Other products")}


def _hq(request: Request) -> None:
    if not is_hq(request):
        raise Forbidden(HQ_ONLY)


def _model(request: Request) -> ProductModel:
    model = request.state.db.get(ProductModel, request.path_params["model_id"])
    if model is None:
        raise NotFound(N_("Not found."))
    return model


def model_list(request: Request) -> Response:
    _hq(request)
    filters = params(request, "q")
    statement = select(ProductModel)
    if filters["q"]:
        q = filters["q"]
        statement = statement.where(or_(org.contains(ProductModel.code, q),
                                        org.contains(ProductModel.name, q),
                                        org.contains(ProductModel.name_zh, q)))
    page = keyset_page(request, statement, ProductModel.id, "/admin/models", filters)
    locale = request_locale(request)
    return render(request, "admin/models.html", {
        "page": page, "values": filters, "lines": LINES,
        "price": lambda cents: format_money(cents, locale)})


def _form(request: Request, model: ProductModel | None, values: dict[str, Any], *,
          errors: dict[str, str] | None = None, form_error: str = "",
          status_code: int = 200) -> Response:
    return render(request, "admin/model_form.html", {
        "model": model, "values": values, "errors": errors or {}, "form_error": form_error,
        "lines": LINES, "product_lines": PRODUCT_LINES}, status_code=status_code)


def model_new(request: Request) -> Response:
    _hq(request)
    return _form(request, None, {"product_line": "other"})


def model_create(request: Request) -> Response:
    _hq(request)
    data = text_values(request, "oem")
    try:
        model = models_admin.create_model(request.state.db, {**data, "oem": checked(data, "oem")})
    except DomainError as error:
        undo(request)
        return _form(request, None, data, **error_context(request, error),
                     status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Model %(code)s added.") % {"code": model.code})
    return see_other("/admin/models")


def model_edit(request: Request) -> Response:
    _hq(request)
    model = _model(request)
    values = {"name": model.name, "name_zh": model.name_zh,
              "product_line": model.product_line,
              "list_price": f"{model.list_price_cents / 100:.2f}",
              "warranty_months": "" if model.warranty_months is None
              else str(model.warranty_months), "oem": "on" if model.oem else ""}
    return _form(request, model, values)


def model_update(request: Request) -> Response:
    _hq(request)
    model = _model(request)
    data = text_values(request, "oem")
    try:
        models_admin.update_model(request.state.db, model, {**data, "oem": checked(data, "oem")})
    except DomainError as error:
        undo(request)
        return _form(request, _model(request), data, **error_context(request, error),
                     status_code=form_status(error))
    _ = gettext_for(request).gettext
    flash(request, _("Model %(code)s saved.") % {"code": model.code})
    return see_other("/admin/models")
