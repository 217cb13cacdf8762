"""A unit's life (T-1): core's own moments (made, sold, every case and its events), the
merge of every plugin's ``unit_timeline`` answers, and the body-code lookup of the intake desk.

Titles are translatable labels (``N_``); the page translates them where it shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import bodycode
from core.entities import CaseEvent, ServiceCase, Unit, UnitSwap
from core.entities.cases import OPEN_STATES
from core.errors import DomainError, Message, Term, message_from_json
from core.hooktypes import BodyCode, TimelineEntry
from core.i18n import N_
from core.services.cases import LIST_LOADING
from core.services.catalogue import unit_by_code

STATE_TITLES = {
    "registered": N_("Registered"),
    "inspected": N_("Inspected"),
    "quoted": N_("Quoted"),
    "confirmed": N_("Confirmed"),
    "declined": N_("Quote declined"),
    "dispatched": N_("Dispatched"),
    "in_repair": N_("In repair"),
    "repaired": N_("Repaired"),
    "returned": N_("Returned"),
    "closed": N_("Closed"),
    "refused": N_("Refused"),
    "cancelled": N_("Cancelled"),
}
EVENT_TITLES = {
    "quote_changed": N_("Quote changed"),
    "confirmation": N_("Customer confirmed the quote"),
    "declined": N_("Customer declined the quote"),
    "confirmation_void": N_("Confirmation void"),
    "link_sent": N_("Confirmation link sent"),
    "status_link": N_("Status link made for the customer"),  # issue 18
    "payment": N_("Payment received"),
    "credit": N_("Credit owed to the customer"),  # issue 10
    "refund": N_("Refund paid"),
    "unit_swap": N_("Unit exchanged"),
}


def day_moment(day: date) -> datetime:
    """A calendar date (factory date, sale) as a sortable moment: noon UTC keeps the same
    calendar day in every time zone from UTC-11 to UTC+11 (Asia/Shanghai included)."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def core_entries(session: Session, unit: Unit) -> list[TimelineEntry]:
    """Made, sold, each case opened, and every event of each case the user may see (the
    region scope of the session filters the cases)."""
    entries: list[TimelineEntry] = []
    if unit.factory_date:
        entries.append(TimelineEntry(day_moment(unit.factory_date), "made",
                                     N_("Left the factory"), unit.model_label))
    if unit.sold_on:
        buyer = unit.sold_to.name if unit.sold_to else ""
        entries.append(TimelineEntry(day_moment(unit.sold_on), "sale", N_("Sold"), buyer))
    cases = list(session.scalars(select(ServiceCase).options(*LIST_LOADING)
                                 .where(ServiceCase.unit_id == unit.id)
                                 .order_by(ServiceCase.opened_at, ServiceCase.id)))
    by_id = {case.id: case for case in cases}
    for case in cases:
        entries.append(TimelineEntry(
            case.opened_at, "case", N_("Case opened"),
            # the point's code, not its name: the line is built once for readers of any language
            f"{case.reference} · {case.service_point.code} · {case.fault_description}",
            f"/desk/cases/{case.id}"))
    if by_id:
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(list(by_id)))
                                 .order_by(CaseEvent.at, CaseEvent.id))
        for event in events:
            if event.kind == "intake":
                continue  # the "case opened" entry above says it
            case = by_id[event.case_id]
            if event.kind == "transition":
                title = STATE_TITLES.get(event.to_state, event.to_state)
            else:
                title = EVENT_TITLES.get(event.kind, event.kind)
            detail: str | Message = case.reference
            if event.note:
                detail = Message("%(case)s · %(note)s", {
                    "case": case.reference,
                    "note": Message(event.note,
                                    message_from_json((event.data or {}).get("note_params")))
                    if (event.data or {}).get("note_params") is not None
                    else Term(event.note)})
            entries.append(TimelineEntry(event.at, f"case.{event.kind}", title, detail,
                                         f"/desk/cases/{case.id}"))
    entries.extend(swap_entries(session, unit))
    return entries


def swap_entries(session: Session, unit: Unit) -> list[TimelineEntry]:
    """Issue 10: an exchange shows on both units, the one returned to the company and the
    replacement given to the customer."""
    entries: list[TimelineEntry] = []
    swaps = session.scalars(select(UnitSwap).where(
        (UnitSwap.returned_unit_id == unit.id) | (UnitSwap.replacement_unit_id == unit.id))
        .order_by(UnitSwap.at, UnitSwap.id))
    for swap in swaps:
        case = session.get(ServiceCase, swap.case_id)  # None when another region's
        reference = case.reference if case else ""
        link = f"/desk/cases/{swap.case_id}" if case else ""
        if swap.returned_unit_id == unit.id:
            other = session.get(Unit, swap.replacement_unit_id)
            entries.append(TimelineEntry(
                swap.at, "unit_returned", N_("Returned to the company in an exchange"),
                " · ".join(p for p in (reference, other.body_code if other else "",
                                       swap.clause) if p), link))
        else:
            other = session.get(Unit, swap.returned_unit_id)
            buyer = case.customer.name if case else ""
            entries.append(TimelineEntry(
                swap.at, "unit_exchanged_out", N_("Given to the customer in an exchange"),
                " · ".join(p for p in (reference, buyer, other.body_code if other else "",
                                       swap.clause) if p), link))
    return entries


def unit_timeline(session: Session, pm: pluggy.PluginManager, unit: Unit
                  ) -> list[TimelineEntry]:
    """Every plugin's moments of ``unit`` merged in time order (ties keep hook order)."""
    merged: list[TimelineEntry] = []
    for answer in pm.hook.unit_timeline(session=session, unit=unit):
        merged.extend(answer or [])
    return sorted(merged, key=lambda entry: entry.at)


@dataclass
class Lookup:
    """What the intake desk shows while a body code is typed."""

    code: str
    unit: Unit | None = None
    decoded: BodyCode | None = None
    error: str = ""
    #: Why the code cannot be read, to show in the user's language (``error`` is English).
    failure: DomainError | None = None
    open_cases: list[ServiceCase] = field(default_factory=list)


def lookup(session: Session, pm: pluggy.PluginManager, raw: str) -> Lookup:
    """The unit with this body code and its open cases, or what the code says if the unit is
    not on file yet, or why the code cannot be read."""
    code = bodycode.normalise(raw or "")
    result = Lookup(code)
    if not code:
        return result
    result.unit = unit_by_code(session, code)
    if result.unit is not None:
        result.open_cases = list(session.scalars(
            select(ServiceCase).options(*LIST_LOADING)
            .where(ServiceCase.unit_id == result.unit.id,
                                      ServiceCase.state.in_(OPEN_STATES))
            .order_by(ServiceCase.opened_at.desc())))
        return result
    try:
        result.decoded = bodycode.decode(pm, code)
    except DomainError as error:
        result.error = error.message
        result.failure = error
    return result
