"""Moving a case to another service point (P-2): an engineering company or a small point
takes the request and hands it to a service centre.

The case keeps its history, charges, confirmations and payments; only where it is handled
changes. A transfer names a reason and, when the unit travels by courier, a waybill number.
A transfer inside the case's region is the desk's; one across regions needs an HQ user
(region scope: a regional user never sees another region's points or cases). The customer
record is regional, so a case moving region gets a copy of it in the receiving region.
A case with payments stays in its region: the money was collected and is handed over there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.entities import CaseEvent, Customer, Payment, ServiceCase, ServicePoint, User
from core.errors import Conflict, DomainError, Forbidden
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.services.locking import lock_case
from core.services.validation import Problems

#: Before a technician takes the case in hand, and after a declined quote (P-3 stays local).
TRANSFERABLE_STATES = ("registered", "inspected", "quoted", "confirmed", "declined")


def transfer_targets(session: Session, case: ServiceCase) -> list[ServicePoint]:
    """The active service points this user may send the case to (scope applies)."""
    return [p for p in session.scalars(select(ServicePoint).where(
        ServicePoint.active.is_(True)).order_by(ServicePoint.name))
        if p.id != case.service_point_id]


def _point_anywhere(session: Session, code: str) -> ServicePoint | None:
    """The service point by code, looked up outside the region scope, so a regional user
    is told that a transfer across regions needs HQ rather than "no such point"."""
    saved = session.info.get(SCOPE_KEY)
    session.info[SCOPE_KEY] = None
    try:
        return session.scalars(select(ServicePoint).where(ServicePoint.code == code)).first()
    finally:
        session.info[SCOPE_KEY] = saved


def transfer_case(session: Session, case: ServiceCase, actor: User,
                  data: dict[str, Any]) -> ServiceCase:
    problems = Problems()
    code = problems.text(data, "service_point", max_length=32,
                         label=N_("Service point")).strip().upper()
    reason = problems.text(data, "reason", max_length=400, label=N_("Reason"))
    waybill = problems.text(data, "waybill", required=False, max_length=64)
    problems.raise_if_any()
    target = _point_anywhere(session, code)
    if target is None or not target.active:
        raise DomainError(N_("No active service point %(code)r."), params={"code": code},
                          field="service_point")
    case = lock_case(session, case)
    if case.state not in TRANSFERABLE_STATES:
        raise Conflict(N_("A case cannot move to another service point while it is "
                          "%(state)s."), params={"state": case.state}, code="invalid_state")
    if target.id == case.service_point_id:
        raise DomainError(N_("The case is already at %(place)s."),
                          params={"place": target.name}, field="service_point")
    source = case.service_point
    cross_region = target.region_id != case.region_id
    if cross_region:
        if not actor.service_point.region.is_hq:  # P-2, region scope
            raise Forbidden(N_("A transfer to another region needs HQ."))
        paid = session.scalar(select(func.count()).select_from(Payment)
                             .where(Payment.case_id == case.id)) or 0
        if paid:
            raise Conflict(N_("A case with payments stays in its region: its money is "
                              "handed over there."), code="has_payments")
        customer = case.customer
        copy = Customer(region_id=target.region_id, name=customer.name,
                        company=customer.company, address=customer.address,
                        phone=customer.phone, email=customer.email,
                        language=customer.language,
                        messages_opt_out=customer.messages_opt_out)
        session.add(copy)
        session.flush()
        case.customer = copy
        case.region_id = target.region_id
    before = {"service_point": source.code, "region_id": source.region_id,
              "technician_id": case.technician_id}
    case.service_point = target
    case.technician = None  # P-3: the receiving point dispatches its own technicians
    session.add(CaseEvent(case_id=case.id, user_id=actor.id, kind="transfer",
                          note=reason, data={"from": source.code, "to": target.code,
                                             "waybill": waybill}))
    session.flush()
    audit.record(session, "service_case", case.id, "transfer", before=before, after={
        "service_point": target.code, "region_id": target.region_id, "reason": reason,
        "waybill": waybill}, region_id=case.region_id)
    return case
