"""Customers, models and units: finding, creating and reading body codes (W-1, W-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, bodycode
from core.entities import Customer, ProductModel, Unit
from core.errors import Conflict, DomainError, NotFound
from core.i18n import N_
from core.services.validation import Problems


def model_by_code(session: Session, code: str) -> ProductModel | None:
    return session.scalars(select(ProductModel).where(ProductModel.code == code.strip().upper())
                           ).first()


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.body_code == bodycode.normalise(code))).first()


def unit_not_found(code: str) -> NotFound:
    return NotFound(N_("No unit with body code %(code)r."), params={"code": code},
                    field="body_code")


def get_unit(session: Session, code: str) -> Unit:
    unit = unit_by_code(session, code)
    if unit is None:
        raise unit_not_found(code)
    return unit


def customer_fields(problems: Problems, data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    return {
        "name": problems.text(data, f"{prefix}name", max_length=160, label=N_("Name")),
        "company": problems.text(data, f"{prefix}company", required=False, max_length=160),
        "address": problems.text(data, f"{prefix}address", max_length=400,
                                 label=N_("Full address")),
        "phone": problems.text(data, f"{prefix}phone", max_length=40, label=N_("Phone")),
        "email": problems.text(data, f"{prefix}email", required=False, max_length=160),
    }


def find_or_create_customer(session: Session, region_id: int, fields: dict[str, str]
                            ) -> Customer:
    """The same name and phone in a region is the same customer; otherwise a new one.
    The phone is stored in E.164 (issue 18), so "+86 139-0000 1111" and "13900001111" match."""
    from core.services.customers import normalise_phone

    fields = {**fields, "phone": normalise_phone(fields.get("phone", ""))}
    existing = session.scalars(
        select(Customer).where(Customer.region_id == region_id, Customer.phone == fields["phone"],
                               Customer.name == fields["name"],
                               Customer.merged_into_id.is_(None))
    ).first()
    if existing is not None:
        if fields.get("address") and existing.address != fields["address"]:
            existing.address = fields["address"]
        return existing
    customer = Customer(region_id=region_id, **fields)
    session.add(customer)
    session.flush()
    audit.record(session, "customer", customer.id, "create", after=fields, region_id=region_id)
    return customer


def register_unit(
    session: Session, pm: pluggy.PluginManager, *, body_code: str, model_code: str,
    own_product: bool = True, oem: bool = False, customer_id: int | None = None,
    sold_on: date | None = None,
) -> Unit:
    """Create a unit. Our products' body codes are decoded (model and factory date); a
    product not ours keeps its code as text."""
    code = bodycode.normalise(body_code)
    if not code:
        raise DomainError(N_("A body code is required to register a unit (W-1)."),
                          field="body_code")
    factory_date = None
    model = model_by_code(session, model_code) if model_code else None
    if own_product:
        decoded = bodycode.decode(pm, code)
        factory_date = decoded.factory_date
        if model is None:
            model = model_by_code(session, decoded.model_code)
        if model is None:
            raise DomainError(N_("Unknown model %(model)r."),
                              params={"model": model_code or decoded.model_code},
                              field="model_code")
        if decoded.model_code != model.code and model_code:
            raise DomainError(
                N_("The body code says model %(decoded)s, not %(model)s."),
                params={"decoded": decoded.model_code, "model": model.code}, field="model_code")
        oem = oem or model.oem
    if unit_by_code(session, code) is not None:
        raise Conflict(N_("A unit with body code %(code)s already exists."), params={"code": code},
                       field="body_code")
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise DomainError(N_("No customer with id %(id)s."), params={"id": customer_id},
                          field="customer_id")
    unit = Unit(body_code=code, model=model, model_text="" if model else model_code,
                factory_date=factory_date, own_product=own_product, oem=oem,
                sold_to_id=customer_id, sold_on=sold_on)
    session.add(unit)
    session.flush()
    audit.record(session, "unit", unit.id, "create",
                 after={"body_code": code, "model": unit.model_label, "own_product": own_product})
    return unit
