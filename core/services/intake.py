"""Intake (P-2): record who brought what, with which fault, and open a case.

One of our products without a body code is recorded as **refused** (W-1): the case is on
file with the customer and the reason, and no service follows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pluggy
from sqlalchemy.orm import Session

from core import audit, bodycode
from core.entities import CaseEvent, Customer, ServiceCase, ServicePoint, User
from core.entities.cases import CHANNELS
from core.errors import DomainError
from core.i18n import N_
from core.services.catalogue import (
    customer_fields,
    find_or_create_customer,
    model_by_code,
    register_unit,
    unit_by_code,
)
from core.services.validation import Problems

#: Stored on the case in English; the case page translates it.
W1_REASON = N_("Our product without a body code gets no after-sales service (W-1).")


class RefusalNeedsConfirmation(DomainError):
    """Issue 18: the desk asks before it files a W-1 refusal; nothing has been written."""


def intake(
    session: Session, pm: pluggy.PluginManager, *, actor: User | None,
    service_point: ServicePoint, data: dict[str, Any], today: date,
    confirm_refusal: bool = True,
) -> ServiceCase:
    """Validate everything first (all field errors together), then write.

    With ``confirm_refusal=False`` (the desk form) an intake that would be refused under W-1
    stops, after validation and before any write, with :class:`RefusalNeedsConfirmation`;
    the form then asks the clerk to confirm the refusal explicitly. ``data["customer_id"]``
    picks a customer on file (issue 18) instead of matching by name and phone."""
    problems = Problems()
    customer_data = data.get("customer")
    if not isinstance(customer_data, dict):
        problems.add("customer", N_("Give the customer's name, full address and phone."))
        customer_data = {}
    customer_problems = Problems()
    customer = customer_fields(customer_problems, customer_data)
    problems.extend(customer_problems, "customer.")
    own_product = problems.boolean(data, "own_product", True)
    raw_code = data.get("body_code")
    if raw_code is not None and not isinstance(raw_code, str):
        problems.add("body_code", N_("The body code must be text or null."))
        raw_code = None
    code = bodycode.normalise(raw_code or "")
    model_code = problems.text(data, "model_code", required=not code, max_length=32,
                               label=N_("Model")).upper()
    channel = problems.choice(data, "channel", CHANNELS)
    fault = problems.text(data, "fault_description", max_length=4000,
                          label=N_("Fault as described"))
    purchase_date = problems.day(data, "purchase_date")
    if purchase_date and purchase_date > today:
        problems.add("purchase_date", N_("The purchase date cannot be in the future."))
    decoded = None
    if code and own_product:
        try:
            decoded = bodycode.decode(pm, code)
        except DomainError as exc:  # a field error like the others
            problems.add_error("body_code", exc)
        except Exception as exc:  # a plugin's decoder that raised something else
            problems.add("body_code", str(exc))
    if decoded and model_code and model_code != decoded.model_code:
        problems.add("model_code", N_("The body code says model %(model)s."),
                     model=decoded.model_code)
    if own_product and (model_code or decoded) and unit_by_code(session, code) is None:
        wanted = model_code or (decoded.model_code if decoded else "")
        if wanted and model_by_code(session, wanted) is None:
            problems.add("model_code", N_("Unknown model %(model)r."), model=wanted)
    chosen = _chosen_customer(session, problems, data.get("customer_id"),
                              service_point.region_id)
    problems.raise_if_any()
    if own_product and not code and not confirm_refusal:  # W-1, issue 18
        raise RefusalNeedsConfirmation(W1_REASON, field="body_code")

    region_id = service_point.region_id
    person = _update_chosen(session, chosen, customer) if chosen else \
        find_or_create_customer(session, region_id, customer)
    unit = None
    if code:
        unit = unit_by_code(session, code) or register_unit(
            session, pm, body_code=code, model_code=model_code, own_product=own_product)
    refused = own_product and not code  # W-1
    case = ServiceCase(
        region_id=region_id, service_point=service_point, unit=unit, customer=person,
        state="refused" if refused else "registered", channel=channel,
        body_code_text=code, model_code=model_code or (unit.model_label if unit else ""),
        own_product=own_product, contact_name=person.name, contact_phone=person.phone,
        address=person.address, purchase_date=purchase_date, fault_description=fault,
        intake_on=today, refusal_clauses="W-1" if refused else "",
        reason=W1_REASON if refused else "",
    )
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, user_id=actor.id if actor else None, kind="intake",
                          to_state=case.state, note=case.reason,
                          data={"channel": channel, "body_code": code}))
    audit.record(session, "service_case", case.id, "intake",
                 after={"state": case.state, "body_code": code, "customer": person.name,
                        "clauses": case.refusal_clauses}, region_id=region_id)
    return case


def _chosen_customer(session: Session, problems: Problems, raw: Any, region_id: int
                     ) -> Customer | None:
    """The customer picked on the form (owner of the unit, or from the autocomplete)."""
    if raw in (None, ""):
        return None
    try:
        customer = session.get(Customer, int(raw))
    except (TypeError, ValueError):
        customer = None
    if customer is None or customer.region_id != region_id or customer.merged_into_id \
            or customer.anonymised_at:
        problems.add("customer_id", N_("Choose a customer on file or type a new one."))
        return None
    return customer


def _update_chosen(session: Session, customer: Customer, fields: dict[str, str]) -> Customer:
    """A customer on file whose details the clerk corrected on the form: keep the record,
    take the new details, and audit the change."""
    from core.services.customers import normalise_phone

    fields = {**fields, "phone": normalise_phone(fields.get("phone", ""))}
    before = {k: getattr(customer, k) for k in fields if getattr(customer, k) != fields[k]}
    if before:
        for key in before:
            setattr(customer, key, fields[key])
        audit.record(session, "customer", customer.id, "update", before=before,
                     after={k: fields[k] for k in before}, region_id=customer.region_id)
    return customer
