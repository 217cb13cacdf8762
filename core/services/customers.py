"""Customers as records (issue 18): phones normalised, search, the owner of a unit, merging
duplicates and the PIPL basics (export of a person's data, anonymisation on request).

Phones are stored in E.164 (``+8613900001111``) so a clerk who types the digits any way finds
the record; they are shown in the local (national) format. A phone that ``phonenumbers``
cannot read is kept as typed rather than refused: a customer's odd extension must not stop
an intake.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import phonenumbers
from sqlalchemy import ForeignKey, Table, func, or_, select, update
from sqlalchemy.orm import Session

from core import audit
from core.db import Base, utcnow
from core.entities import Customer, OutboxMessage, ServiceCase, Unit
from core.errors import DomainError, NotFound
from core.i18n import N_
from core.services.cases import LIST_LOADING

#: The country a phone without "+" is read in (the company and its distributors are in China).
DEFAULT_PHONE_REGION = "CN"
ANONYMOUS = "—"
SEARCH_LIMIT = 50
_NON_DIGITS = re.compile(r"\D+")


def normalise_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 when the number can be read, otherwise the text as typed (stripped)."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """National format for numbers of the home country, international for the others."""
    if not stored or not stored.startswith("+"):
        return stored or ""
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    home = phonenumbers.region_code_for_number(number) == region
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if home else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


def _digits_of(column: Any) -> Any:
    """The column without the separators people type, in SQL both databases understand."""
    for sep in (" ", "-", "+", "(", ")", "."):
        column = func.replace(column, sep, "")
    return column


def search(session: Session, query: str, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """By name, company, phone digits (any format, with or without the country code) or the
    body code of a unit they own or brought in. Merged duplicates are left out; the region
    scope applies as everywhere (ORM criteria)."""
    text = (query or "").strip()
    if not text:
        return []
    like = f"%{text.lower()}%"
    conditions: list[Any] = [func.lower(Customer.name).like(like),
                             func.lower(Customer.company).like(like)]
    digits = _NON_DIGITS.sub("", text)
    if len(digits) >= 4:
        national = digits[2:] if digits.startswith("86") and len(digits) > 11 else digits
        conditions.append(_digits_of(Customer.phone).like(f"%{national.lstrip('0') or national}%"))
    code = text.upper().replace(" ", "")
    if len(code) >= 4:
        owners = select(Unit.sold_to_id).where(Unit.body_code.like(f"%{code}%"),
                                                Unit.sold_to_id.is_not(None))
        bringers = select(ServiceCase.customer_id).join(Unit, ServiceCase.unit_id == Unit.id)\
            .where(Unit.body_code.like(f"%{code}%"))
        conditions += [Customer.id.in_(owners), Customer.id.in_(bringers)]
    return list(session.scalars(
        select(Customer).where(or_(*conditions), Customer.merged_into_id.is_(None))
        .order_by(Customer.name, Customer.id).limit(limit)))


def get(session: Session, customer_id: int) -> Customer:
    """A customer of the user's region (another region's is "not found", like everywhere)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(N_("No customer with id %(id)s."), params={"id": customer_id})
    return customer


def owner_of(session: Session, unit: Unit) -> Customer | None:
    """Who the unit belongs to: the buyer on file, else whoever brought it in last."""
    if unit.sold_to is not None and unit.sold_to.merged_into_id is None:
        return unit.sold_to
    return session.scalars(
        select(Customer).join(ServiceCase, ServiceCase.customer_id == Customer.id)
        .where(ServiceCase.unit_id == unit.id, Customer.merged_into_id.is_(None),
               Customer.anonymised_at.is_(None))
        .order_by(ServiceCase.opened_at.desc(), ServiceCase.id.desc()).limit(1)).first()


def units_of(session: Session, customer: Customer) -> list[Unit]:
    brought = select(ServiceCase.unit_id).where(ServiceCase.customer_id == customer.id,
                                                ServiceCase.unit_id.is_not(None))
    return list(session.scalars(
        select(Unit).where(or_(Unit.sold_to_id == customer.id, Unit.id.in_(brought)))
        .order_by(Unit.body_code)))


def cases_of(session: Session, customer: Customer) -> list[ServiceCase]:
    return list(session.scalars(select(ServiceCase).options(*LIST_LOADING)
                                .where(ServiceCase.customer_id == customer.id)
                                .order_by(ServiceCase.id.desc())))


def messages_of(session: Session, customer: Customer) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage)
                                .where(OutboxMessage.customer_id == customer.id)
                                .order_by(OutboxMessage.id.desc())))


def _references_to_customer() -> list[tuple[Table, str]]:
    """Every (table, column) pointing at a customer, core's and every enabled plugin's, so a
    merge and an export reach rows that core does not know by name."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                if isinstance(fk, ForeignKey) and fk.target_fullname == "customer.id" \
                        and not (table.name == "customer" and column.name == "merged_into_id"):
                    found.append((table, column.name))
    return found


def merge(session: Session, keep: Customer, duplicate: Customer) -> dict[str, int]:
    """Move everything of ``duplicate`` onto ``keep`` and mark it merged (never deleted: the
    audit log and old links still name it). Returns the rows moved per table."""
    if keep.id == duplicate.id:
        raise DomainError(N_("Choose another customer to merge into this one."),
                          field="duplicate_id")
    if keep.region_id != duplicate.region_id:
        raise DomainError(N_("Only customers of the same region can be merged."),
                          field="duplicate_id")
    if duplicate.merged_into_id is not None or keep.merged_into_id is not None:
        raise DomainError(N_("This customer was already merged."), field="duplicate_id")
    moved: dict[str, int] = {}
    session.flush()
    for table, column in _references_to_customer():
        result = session.execute(update(table).where(table.c[column] == duplicate.id)
                                 .values({column: keep.id}))
        if result.rowcount:
            moved[f"{table.name}.{column}"] = int(result.rowcount)
    session.flush()
    session.expire_all()  # the bulk updates above bypassed the identity map
    for field in ("company", "email", "address", "phone"):
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
    duplicate.merged_into_id = keep.id
    audit.record(session, "customer", keep.id, "merge",
                 before={"duplicate_id": duplicate.id, "duplicate_name": duplicate.name},
                 after={"moved": [f"{k}={v}" for k, v in sorted(moved.items())]},
                 region_id=keep.region_id)
    return moved


def _row(values: dict[str, Any]) -> dict[str, Any]:
    def plain(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, bytes):
            return v.hex()
        return v

    return {k: plain(v) for k, v in values.items()}


def export(session: Session, customer: Customer) -> dict[str, Any]:
    """PIPL: everything on file about the person, as plain JSON-able values — the customer
    record, every row of any table that names them, the cases' events and the units."""
    table = Base.metadata.tables["customer"]
    person = session.execute(select(table).where(table.c.id == customer.id)).mappings().one()
    related: dict[str, list[dict[str, Any]]] = {}
    for ref_table, column in _references_to_customer():
        rows = session.execute(select(ref_table).where(ref_table.c[column] == customer.id)
                               ).mappings().all()
        if rows:
            related.setdefault(ref_table.name, []).extend(_row(dict(r)) for r in rows)
    case_ids = [c["id"] for c in related.get("service_case", [])]
    if case_ids:
        events = Base.metadata.tables["case_event"]
        related["case_event"] = [_row(dict(r)) for r in session.execute(
            select(events).where(events.c.case_id.in_(case_ids)).order_by(events.c.id)
        ).mappings()]
    return {"format": "aftersales.customer-export/1", "exported_at": utcnow().isoformat(),
            "customer": _row(dict(person)), "records": related}


def anonymise(session: Session, customer: Customer) -> None:
    """PIPL erasure on request: the person's details go from the customer record and from the
    contact fields copied onto their cases and messages; cases, charges and payments stay (the
    company must keep its books). The audit entry names the fields, not their old values."""
    if customer.anonymised_at is not None:
        raise DomainError(N_("This customer is already anonymised."))
    customer.name = f"{ANONYMOUS} #{customer.id}"
    customer.company = customer.address = customer.phone = customer.email = ""
    customer.anonymised_at = utcnow()
    session.execute(update(ServiceCase).where(ServiceCase.customer_id == customer.id)
                    .values(contact_name=customer.name, contact_phone="", address="",
                            onsite_address=""))
    session.execute(update(OutboxMessage).where(OutboxMessage.customer_id == customer.id)
                    .values(recipient=""))
    audit.record(session, "customer", customer.id, "anonymise",
                 after={"cleared": ["name", "company", "address", "phone", "email",
                                    "service_case.contact", "outbox_message.recipient"]},
                 region_id=customer.region_id)


__all__ = ["anonymise", "cases_of", "display_phone", "export", "get", "merge",
           "messages_of", "normalise_phone", "owner_of", "search", "units_of"]
