"""Customers as records (issue 18): search, a customer's page, the intake autocomplete and
owner fill-in, merging duplicates, and the PIPL export and anonymisation."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.entities import Customer
from core.errors import DomainError
from core.i18n import N_
from core.services import customers
from core.web.routing import form_data
from core.web.templating import flash, gettext_for, panels_for, render
from core.web.views.desk.common import LABELS, error_context, form_status, has, see_other, undo

CUSTOMER_FIELDS = ("name", "company", "address", "phone", "email")


def _customer(request: Request) -> Customer:
    return customers.get(request.state.db, int(request.path_params["customer_id"]))


def customer_list(request: Request) -> Response:
    """Search by name, company, phone digits or body code; htmx swaps only the results."""
    query = request.query_params.get("q", "").strip()
    found = customers.search(request.state.db, query) if query else []
    return render(request, "desk/customers.html", {
        "q": query, "found": found, "phone": customers.display_phone})


def customer_page(request: Request, *, errors: dict[str, str] | None = None,
                  form_error: str = "", status_code: int = 200) -> Response:
    session = request.state.db
    customer = _customer(request)
    merged_into = session.get(Customer, customer.merged_into_id) \
        if customer.merged_into_id else None
    return render(request, "desk/customer.html", {
        "customer": customer, "merged_into": merged_into,
        "units": customers.units_of(session, customer),
        "cases": customers.cases_of(session, customer),
        "messages": customers.messages_of(session, customer),
        "panels": panels_for(request, "customer", customer),
        "phone": customers.display_phone, "labels": LABELS,
        "can_merge": has(request, "customer.merge"),
        "can_privacy": has(request, "customer.privacy"),
        "errors": errors or {}, "form_error": form_error,
    }, status_code=status_code)


def suggest(request: Request) -> Response:
    """The intake form's autocomplete: customers matching what is typed in name or phone."""
    params = request.query_params
    query = (params.get("q") or params.get("customer.phone") or params.get("customer.name")
             or "").strip()
    found = customers.search(request.state.db, query, limit=8) if len(query) >= 2 else []
    return render(request, "desk/_customer_suggest.html", {
        "found": found, "phone": customers.display_phone})


def fill(request: Request) -> Response:
    """The intake form's customer fields filled from a record on file (htmx swap)."""
    customer = _customer(request)
    values = {f"customer.{k}": getattr(customer, k) for k in CUSTOMER_FIELDS}
    values["customer.phone"] = customers.display_phone(customer.phone)
    values["customer_id"] = str(customer.id)
    return render(request, "desk/_customer_fields.html", {
        "values": values, "errors": {}, "chosen": customer})


def blank_fields(request: Request) -> Response:
    """Back to typing a new customer (the chosen record is let go)."""
    return render(request, "desk/_customer_fields.html", {"values": {}, "errors": {},
                                                          "chosen": None})


def merge(request: Request) -> Response:
    """Merge a duplicate (by its number) into this customer; an audit entry records it."""
    data = form_data(request)
    session = request.state.db
    keep = _customer(request)
    _ = gettext_for(request).gettext
    try:
        raw = str(data.get("duplicate_id", "")).strip().lstrip("#")
        if not raw.isdigit():
            raise DomainError(N_("Give the number of the duplicate customer."),
                              field="duplicate_id")
        duplicate = customers.get(session, int(raw))
        moved = customers.merge(session, keep, duplicate)
    except DomainError as error:
        undo(request)
        return customer_page(request, status_code=form_status(error),
                             **error_context(request, error))
    flash(request, _("Customer #%(dup)s merged into this record (%(rows)s records moved).")
          % {"dup": duplicate.id, "rows": sum(moved.values())})
    return see_other(f"/desk/customers/{keep.id}")


def export(request: Request) -> Response:
    """PIPL: the person's data as a JSON download (audited: who exported whom)."""
    from core import audit

    session = request.state.db
    customer = _customer(request)
    payload = customers.export(session, customer)
    audit.record(session, "customer", customer.id, "export", region_id=customer.region_id)
    body = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    return Response(body, media_type="application/json", headers={
        "content-disposition": f'attachment; filename="customer-{customer.id}.json"'})


def anonymise(request: Request) -> Response:
    """PIPL erasure on request; asks for an explicit confirmation first."""
    data = form_data(request)
    customer = _customer(request)
    _ = gettext_for(request).gettext
    if data.get("confirm") != "yes":
        error = DomainError(N_("Tick the box to confirm the customer asked for this."),
                            field="confirm")
        return customer_page(request, status_code=400, **error_context(request, error))
    try:
        customers.anonymise(request.state.db, customer)
    except DomainError as error:
        undo(request)
        return customer_page(request, status_code=form_status(error),
                             **error_context(request, error))
    flash(request, _("The customer's personal details were removed; cases and payments stay."))
    return see_other(f"/desk/customers/{customer.id}")


def owner_context(request: Request, unit: Any) -> dict[str, Any]:
    """For the body-code lookup: the owner of a known unit, to offer on the intake form."""
    owner = customers.owner_of(request.state.db, unit) if unit is not None else None
    return {"owner": owner, "phone": customers.display_phone}
