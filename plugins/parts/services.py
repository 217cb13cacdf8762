"""Parts work (R-6, P-5, O-1): catalogue, receipts and adjustments, case work (reserve, issue,
release, the faulty part taken out), transfers, requisitions, reorder points and tools.

Locks: case work takes the case lock first (``lock_case``), then the stock rows
(``stock.locked_stock``), always in that order; everything else takes only stock rows, in
ascending id order. A decision is taken after the lock, on re-read values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    Conflict,
    DomainError,
    Message,
    NotFound,
    Problems,
    Region,
    ServiceCase,
    User,
    active_holds,
    add_charge,
    audit,
    local_today,
    lock_case,
    lock_row,
    notify_staff,
    place_hold,
    record_case_event,
    release_hold,
    utcnow,
    void_charge,
)
from plugins.parts import stock as ledger
from plugins.parts.models import (
    CONDITIONS,
    Part,
    ReorderPoint,
    Requisition,
    RequisitionLine,
    Reservation,
    Stock,
    Tool,
    ToolLoan,
    Transfer,
    TransferLine,
    Warehouse,
)

HOLD = "waiting_for_parts"  # declared by core (P-5)
RESERVE_STATES = ("inspected", "quoted", "confirmed", "dispatched", "in_repair")
ISSUE_STATES = ("dispatched", "in_repair")
OPEN_REQUISITIONS = ("submitted", "approved", "shipped")


def today(session: Session) -> date:
    return local_today(session.info["settings"])


# --- catalogue ----------------------------------------------------------------------------


def get_part(session: Session, ref: object) -> Part:
    """A part by id or part number (case-insensitive)."""
    part = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        part = session.get(Part, ref)
    elif isinstance(ref, str) and ref.strip():
        text = ref.strip().upper()
        part = session.scalars(select(Part).where(func.upper(Part.number) == text)).first()
        if part is None and text.isdigit():
            part = session.get(Part, int(text))
    if part is None:
        raise NotFound(N_("No such part."), field="part")
    return part


def current_part(session: Session, part: Part) -> Part:
    """Follow the supersession chain to the part ordered today (B replaces A)."""
    seen = {part.id}
    while part.superseded_by_id and part.superseded_by_id not in seen:
        nxt = session.get(Part, part.superseded_by_id)
        if nxt is None:
            break
        seen.add(nxt.id)
        part = nxt
    return part


def save_part(session: Session, data: dict[str, Any], part: Part | None = None) -> Part:
    problems = Problems()
    number = problems.text(data, "number", max_length=40, label=N_("Part number")).upper()
    name = problems.text(data, "name", max_length=160, label=N_("Name"))
    name_zh = problems.text(data, "name_zh", required=False, max_length=160)
    category = problems.text(data, "category", required=False, max_length=40)
    models = problems.text(data, "model_codes", required=False, max_length=1000)
    cost = problems.cents(data, "cost_cents", allow_zero=True) if data.get(
        "cost_cents") not in (None, "") else 0
    price = problems.cents(data, "price_cents", allow_zero=True)
    refurbishable = problems.boolean(data, "refurbishable", False)
    replaced_by = None
    if data.get("superseded_by") not in (None, ""):
        try:
            replaced_by = get_part(session, data["superseded_by"])
        except NotFound:
            problems.add("superseded_by", N_("No such part."))
        if replaced_by is not None and part is not None and replaced_by.id == part.id:
            problems.add("superseded_by", N_("A part cannot replace itself."))
    if number:
        other = session.scalars(select(Part).where(func.upper(Part.number) == number)).first()
        if other is not None and (part is None or other.id != part.id):
            problems.add("number", N_("Part number %(number)s is already in the catalogue."),
                         number=number)
    problems.raise_if_any()
    if part is None:
        part = Part(number=number)
        session.add(part)
    part.number, part.name, part.name_zh, part.category = number, name, name_zh, category
    part.model_codes = ",".join(sorted({c.strip().upper() for c in models.split(",")
                                        if c.strip()}))
    part.cost_cents, part.price_cents = int(cost or 0), int(price or 0)
    part.refurbishable = refurbishable
    part.superseded_by_id = replaced_by.id if replaced_by else None
    session.flush()
    audit.record(session, "parts_part", part.id, "save", after={"number": number})
    return part


def part_price(session: Session, model_code: str, item: str) -> int | None:
    """The ``part_price`` answer: a catalogue part by number, else by its name (en or zh) that
    fits the model; ``None`` when the catalogue does not know it."""
    text = (item or "").strip()
    if not text:
        return None
    found = session.scalars(select(Part).where(func.upper(Part.number) == text.upper())).first()
    if found is None:
        lowered = text.lower()
        for part in session.scalars(select(Part).where(Part.active.is_(True))
                                    .order_by(Part.id)):
            if lowered in (part.name.lower(), part.name_zh.lower()) and \
                    part.fits(model_code or ""):
                found = part
                break
    return found.price_cents if found is not None else None


# --- warehouses and plain moves -------------------------------------------------------------


def get_warehouse(session: Session, ref: object) -> Warehouse:
    found = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = session.get(Warehouse, ref)
    elif isinstance(ref, str) and ref.strip():
        found = session.scalars(select(Warehouse).where(
            func.upper(Warehouse.code) == ref.strip().upper())).first()
        if found is None and ref.strip().isdigit():
            found = session.get(Warehouse, int(ref.strip()))
    if found is None:  # also: another region's warehouse (scope)
        raise NotFound(N_("No such warehouse."), field="warehouse")
    return found


def case_warehouse(session: Session, case: ServiceCase) -> Warehouse:
    """The store of the case's service point, else its region's first warehouse."""
    found = session.scalars(select(Warehouse).where(
        Warehouse.service_point_id == case.service_point_id, Warehouse.active.is_(True))
        .order_by(Warehouse.id)).first() or session.scalars(select(Warehouse).where(
            Warehouse.region_id == case.region_id, Warehouse.active.is_(True))
            .order_by(Warehouse.central.desc(), Warehouse.id)).first()
    if found is None:
        raise Conflict(N_("The case's service point has no parts warehouse."),
                       code="no_warehouse")
    return found


def _quantity(problems: Problems, data: dict[str, Any], field: str = "quantity") -> int:
    value = problems.integer(data, field, minimum=1)
    if value is not None and value > 100000:
        problems.add(field, N_("At most %(max)s."), max=100000)
    return value or 0


def _part_and_warehouse(session: Session, problems: Problems, data: dict[str, Any]
                        ) -> tuple[Part | None, Warehouse | None]:
    """The form's ``part`` and ``warehouse``, each unknown one a field error among the
    others (so every mistake is shown at once)."""
    part = warehouse = None
    try:
        part = get_part(session, data.get("part"))
    except NotFound as error:
        problems.add_error("part", error)
    try:
        warehouse = get_warehouse(session, data.get("warehouse"))
    except NotFound as error:
        problems.add_error("warehouse", error)
    return part, warehouse


def receive(session: Session, actor: User | None, data: dict[str, Any]) -> Stock:
    """Goods received from a supplier into a warehouse (new or refurbished)."""
    problems = Problems()
    quantity = _quantity(problems, data)
    condition = problems.choice(data, "condition", CONDITIONS[:2], required=False) or "new"
    reason = problems.text(data, "reason", required=False, max_length=400)
    part, warehouse = _part_and_warehouse(session, problems, data)
    problems.raise_if_any()
    assert part is not None and warehouse is not None
    row = ledger.locked_stock(session, part.id, warehouse.id, condition, create=True)
    assert row is not None
    ledger.apply(session, row, "receive", on_hand=quantity, actor=actor,
                 reason=reason or "received")
    return row


def adjust(session: Session, actor: User | None, data: dict[str, Any]) -> Stock:
    """A count correction with its reason: set on-hand to what was counted."""
    problems = Problems()
    counted = problems.integer(data, "counted", minimum=0)
    condition = problems.choice(data, "condition", CONDITIONS)
    reason = problems.text(data, "reason", max_length=400, label=N_("Reason"))
    part, warehouse = _part_and_warehouse(session, problems, data)
    problems.raise_if_any()
    assert part is not None and warehouse is not None and counted is not None
    row = ledger.locked_stock(session, part.id, warehouse.id, condition, create=True)
    assert row is not None
    if counted < row.reserved:
        raise Conflict(N_("%(reserved)s are reserved for cases; release them first."),
                       params={"reserved": row.reserved}, code="reserved", field="counted")
    ledger.apply(session, row, "adjust", on_hand=counted - row.on_hand, actor=actor,
                 reason=reason)
    return row


def refurbish(session: Session, actor: User | None, data: dict[str, Any]) -> Stock:
    """Faulty parts repaired (refurbish) or thrown away (scrap) at a warehouse."""
    problems = Problems()
    quantity = _quantity(problems, data)
    action = problems.choice(data, "action", ("refurbish", "scrap"))
    reason = problems.text(data, "reason", required=False, max_length=400)
    part, warehouse = _part_and_warehouse(session, problems, data)
    if part is not None and action == "refurbish" and not part.refurbishable:
        problems.add("part", N_("This part is not refurbishable."))
    problems.raise_if_any()
    assert part is not None and warehouse is not None
    keys = [(part.id, warehouse.id, "faulty")]
    if action == "refurbish":
        keys.append((part.id, warehouse.id, "refurbished"))
    rows = ledger.lock_many(session, keys, create=True)
    faulty = rows[keys[0]]
    assert faulty is not None
    if action == "scrap":
        ledger.apply(session, faulty, "scrap", on_hand=-quantity, actor=actor, reason=reason)
        return faulty
    ledger.apply(session, faulty, "refurbish_out", on_hand=-quantity, actor=actor,
                 reason=reason)
    good = rows[keys[1]]
    assert good is not None
    ledger.apply(session, good, "refurbish_in", on_hand=quantity, actor=actor, reason=reason)
    return good


# --- case work ------------------------------------------------------------------------------


@dataclass
class ReserveResult:
    reservation: Reservation | None
    requisition: Requisition | None


def _case_part(session: Session, case: ServiceCase, problems: Problems,
               data: dict[str, Any]) -> Part | None:
    try:
        part = get_part(session, data.get("part"))
    except NotFound as error:
        problems.add_error("part", error)
        return None
    if case.model_code and not part.fits(case.model_code):
        problems.add("part", N_("Part %(number)s does not fit model %(model)s."),
                     number=part.number, model=case.model_code)
    return part


def reserve(session: Session, case_id: int, actor: User | None, data: dict[str, Any]
            ) -> ReserveResult:
    """Set parts aside for a case. What is short is asked for by a requisition (P-5) with
    the date it is needed, and the case waits for parts until it arrives."""
    problems = Problems()
    quantity = _quantity(problems, data)
    condition = problems.choice(data, "condition", CONDITIONS[:2], required=False) or "new"
    needed_by = problems.day(data, "needed_by")
    case = lock_case(session, case_id)
    part = _case_part(session, case, problems, data)
    if needed_by is not None and needed_by < today(session):
        problems.add("needed_by", N_("The date needed cannot be in the past."))
    problems.raise_if_any()
    assert part is not None
    if case.state not in RESERVE_STATES:
        raise Conflict(N_("Parts are reserved from inspection until repair, not while the "
                          "case is %(state)s."), params={"state": case.state},
                       code="invalid_state")
    warehouse = case_warehouse(session, case)
    row = ledger.locked_stock(session, part.id, warehouse.id, condition, create=False)
    available = row.available if row is not None else 0
    take = min(available, quantity)
    short = quantity - take
    if short and needed_by is None:
        raise Conflict(N_("Only %(available)s of %(part)s available at %(warehouse)s. Give "
                          "the date the parts are needed to ask HQ for them (P-5)."),
                       params={"available": available, "part": part.number,
                               "warehouse": warehouse.code},
                       code="insufficient_stock", field="needed_by",
                       extra={"available": available})
    reservation = requisition = None
    if take:
        assert row is not None
        reservation = Reservation(case_id=case.id, stock_id=row.id, part_id=part.id,
                                  quantity=take, region_id=row.region_id,
                                  created_by_id=actor.id if actor else None)
        session.add(reservation)
        session.flush()
        ledger.apply(session, row, "reserve", reserved=take, actor=actor, case_id=case.id,
                     reason=f"reservation {reservation.id}")
    if short:
        assert needed_by is not None
        requisition = _new_requisition(session, warehouse, case.id, needed_by, actor,
                                       [(part, short)], note=f"case {case.id}")
        if not any(h.kind == HOLD for h in active_holds(session, case)):
            # the hold's kind says "waiting for parts" in the reader's language; the reason
            # is only data (quantity, part, requisition), which reads the same in any
            place_hold(session, case, HOLD, f"{short} × {part.number} · "
                       f"{requisition.number}", actor)
    record_case_event(session, case.id, actor, "parts", Message(
        N_("Parts: %(part)s × %(quantity)s (reserved %(reserved)s, requested "
           "%(requested)s)"),
        {"part": part.number, "quantity": quantity, "reserved": take, "requested": short}))
    session.flush()
    return ReserveResult(reservation, requisition)


def get_reservation(session: Session, reservation_id: int, case_id: int) -> Reservation:
    found = session.get(Reservation, reservation_id)
    if found is None or found.case_id != case_id:
        raise NotFound(N_("No such reservation on this case."))
    return found


def release(session: Session, case_id: int, reservation_id: int, actor: User | None
            ) -> Reservation:
    case = lock_case(session, case_id)
    found = get_reservation(session, reservation_id, case.id)
    found = lock_row(session, Reservation, found.id)
    assert found is not None
    if found.state != "reserved":
        raise Conflict(N_("This reservation is already %(state)s."),
                       params={"state": found.state}, code="not_reserved")
    row = lock_row(session, Stock, found.stock_id)
    assert row is not None
    ledger.apply(session, row, "release", reserved=-found.quantity, actor=actor,
                 case_id=case.id, reason=f"reservation {found.id}")
    found.state, found.closed_at = "released", utcnow()
    return found


def release_case(session: Session, case: ServiceCase, actor: User | None) -> int:
    """Release every open reservation of a case that ended without repair."""
    count = 0
    for found in list(session.scalars(select(Reservation).where(
            Reservation.case_id == case.id, Reservation.state == "reserved"))):
        release(session, case.id, found.id, actor)
        count += 1
    return count


@dataclass
class IssueResult:
    reservation: Reservation
    charge_id: int
    faulty_recorded: bool


def issue(session: Session, case_id: int, actor: User | None, data: dict[str, Any]
          ) -> IssueResult:
    """Parts fitted at repair: from the case's reservation (``reservation_id``) or straight
    from what is available. The quote line is made by ``add_charge``, priced by the warranty
    plugin (``price_charge``: free in A, charged in B/C, refurbished marked, R-6). The faulty
    part taken out goes to the warehouse's faulty stock (``faulty_returned``)."""
    problems = Problems()
    reservation_id = problems.integer(data, "reservation_id", required=False)
    faulty_returned = problems.boolean(data, "faulty_returned", False)
    cause = str(data.get("cause") or "")
    case = lock_case(session, case_id)
    if reservation_id is None:
        quantity = _quantity(problems, data)
        condition = problems.choice(data, "condition", CONDITIONS[:2], required=False) \
            or "new"
        part = _case_part(session, case, problems, data)
    problems.raise_if_any()
    if case.state not in ISSUE_STATES:
        raise Conflict(N_("Parts are issued at repair, not while the case is %(state)s."),
                       params={"state": case.state}, code="invalid_state")
    if reservation_id is not None:
        found = get_reservation(session, reservation_id, case.id)
        reservation = lock_row(session, Reservation, found.id)
        assert reservation is not None
        if reservation.state != "reserved":
            raise Conflict(N_("This reservation is already %(state)s."),
                           params={"state": reservation.state}, code="not_reserved")
        row = lock_row(session, Stock, reservation.stock_id)
        assert row is not None
        ledger.apply(session, row, "issue", on_hand=-reservation.quantity,
                     reserved=-reservation.quantity, actor=actor, case_id=case.id,
                     reason=f"reservation {reservation.id}")
        part = row.part
        quantity, condition = reservation.quantity, row.condition
    else:
        assert part is not None
        warehouse = case_warehouse(session, case)
        row = ledger.locked_stock(session, part.id, warehouse.id, condition, create=False)
        if row is None:
            raise Conflict(N_("No %(part)s (%(condition)s) at %(warehouse)s."),
                           params={"part": part.number, "condition": condition,
                                   "warehouse": warehouse.code},
                           code="insufficient_stock", extra={"available": 0})
        ledger.apply(session, row, "issue", on_hand=-quantity, actor=actor, case_id=case.id)
        reservation = Reservation(case_id=case.id, stock_id=row.id, part_id=part.id,
                                  quantity=quantity, region_id=row.region_id,
                                  created_by_id=actor.id if actor else None)
        session.add(reservation)
        session.flush()
    # issue 18: the line reads in the reader's language ("refurbished" translated)
    description = Message(N_("%(number)s %(name)s (refurbished)") if condition == "refurbished"
                          else N_("%(number)s %(name)s"),
                          {"number": part.number, "name": part.name})
    charge = add_charge(session, session.info["pm"], case, actor, {
        "kind": "part", "description": description, "quantity": quantity,
        "unit_price_cents": part.price_cents, "refurbished": condition == "refurbished",
        "source": f"parts:{reservation.id}", "cause": cause or None})
    reservation.state, reservation.closed_at = "issued", utcnow()
    reservation.charge_id = charge.id
    if faulty_returned:
        faulty = ledger.locked_stock(session, part.id, row.warehouse_id, "faulty", create=True)
        assert faulty is not None
        ledger.apply(session, faulty, "faulty_in", on_hand=quantity, actor=actor,
                     case_id=case.id, reason=f"taken out of case {case.id}")
    session.flush()
    return IssueResult(reservation, charge.id, faulty_returned)


def return_from_case(session: Session, case_id: int, reservation_id: object,
                     actor: User | None, reason: str) -> Reservation:
    """A part issued to a case but not fitted goes back on the shelf it came from (ledger
    ``return``) and its quote line is withdrawn, while the case is still in repair: what the
    customer is charged and what the shelf holds stay true."""
    problems = Problems()
    chosen = problems.integer({"reservation_id": reservation_id}, "reservation_id")
    if not reason.strip():
        problems.add("reason", N_("Say why the part goes back."))
    problems.raise_if_any()
    case = lock_case(session, case_id)
    if case.state not in ISSUE_STATES:
        raise Conflict(N_("A part goes back to stock while the case is in repair, not while "
                          "it is %(state)s."), params={"state": case.state},
                       code="invalid_state")
    found = get_reservation(session, int(chosen or 0), case.id)
    reservation = lock_row(session, Reservation, found.id)
    assert reservation is not None
    if reservation.state != "issued":
        raise Conflict(N_("Only an issued part goes back; this one is %(state)s."),
                       params={"state": reservation.state}, code="not_issued")
    row = lock_row(session, Stock, reservation.stock_id)
    assert row is not None
    ledger.apply(session, row, "return", on_hand=reservation.quantity, actor=actor,
                 case_id=case.id, reason=reason.strip()[:200])
    if reservation.charge_id is not None:
        void_charge(session, case, reservation.charge_id, actor,
                    Message(N_("%(number)s returned to stock: %(reason)s"),
                            {"number": row.part.number, "reason": reason.strip()[:300]}),
                    session.info["pm"])
    reservation.state, reservation.closed_at = "returned", utcnow()
    session.flush()
    return reservation


# --- transfers ----------------------------------------------------------------------------


def _provisional() -> str:
    """A unique placeholder until the row has its id (see ``_numbered``)."""
    return "tmp-" + uuid4().hex[:16]


def _numbered(session: Session, row: Transfer | Requisition, prefix: str) -> None:
    """Number a flushed row from its id: ``TR261202-00042``. Counting rows instead would give
    two parallel shipments the same number."""
    session.flush()
    row.number = f"{prefix}{today(session):%y%m%d}-{row.id:05d}"
    session.flush()


def _transfer_region(source: Warehouse, target: Warehouse, session: Session) -> int:
    """A transfer is the regional side's record, so both ends see it (HQ sees all)."""
    source_hq = bool(session.get(Region, source.region_id).is_hq)  # type: ignore[union-attr]
    target_hq = bool(session.get(Region, target.region_id).is_hq)  # type: ignore[union-attr]
    if not source_hq and not target_hq and source.region_id != target.region_id:
        raise DomainError(N_("Transfers between two distributors go through HQ."),
                          field="to_warehouse")
    return target.region_id if not target_hq else source.region_id


def _lines(session: Session, problems: Problems, data: dict[str, Any]
           ) -> list[tuple[Part, str, int]]:
    items = data.get("lines")
    if not isinstance(items, list) or not items:
        problems.add("lines", N_("List the parts: [{part, quantity, condition}]."))
        return []
    parsed = []
    for index, item in enumerate(items):
        line = Problems()
        if not isinstance(item, dict):
            problems.add(f"lines.{index}", N_("List the parts: [{part, quantity, "
                                              "condition}]."))
            continue
        quantity = _quantity(line, item)
        condition = line.choice(item, "condition", CONDITIONS, required=False) or "new"
        part = None
        try:
            part = get_part(session, item.get("part"))
        except NotFound as error:
            line.add_error("part", error)
        problems.extend(line, f"lines.{index}.")
        if part is not None and not line.fields:
            parsed.append((part, condition, quantity))
    return parsed


def ship(session: Session, actor: User | None, data: dict[str, Any],
         requisition: Requisition | None = None) -> Transfer:
    """Parts leave a warehouse: transfer-out moves now, in transit until received."""
    problems = Problems()
    waybill = problems.text(data, "waybill", required=False, max_length=64)
    note = problems.text(data, "note", required=False, max_length=400)
    lines = _lines(session, problems, data)
    source = target = None
    try:
        source = get_warehouse(session, data.get("from_warehouse"))
    except NotFound as error:
        problems.add_error("from_warehouse", error)
    try:
        target = get_warehouse(session, data.get("to_warehouse"))
    except NotFound:
        # the destination may be another region's: look it up outside the scope
        target = _any_warehouse(session, data.get("to_warehouse"))
        if target is None:
            problems.add("to_warehouse", N_("No such warehouse."))
    if source is not None and target is not None and source.id == target.id:
        problems.add("to_warehouse", N_("Choose another warehouse than the source."))
    problems.raise_if_any()
    assert source is not None and target is not None
    region_id = _transfer_region(source, target, session)
    transfer = Transfer(number=_provisional(), from_warehouse_id=source.id,
                        to_warehouse_id=target.id, waybill=waybill, note=note,
                        requisition_id=requisition.id if requisition else None,
                        shipped_by_id=actor.id if actor else None, region_id=region_id)
    session.add(transfer)
    _numbered(session, transfer, "TR")
    merged: dict[tuple[int, str], int] = {}
    for part, condition, quantity in lines:
        merged[(part.id, condition)] = merged.get((part.id, condition), 0) + quantity
    rows = ledger.lock_many(session, [(p, source.id, c) for p, c in merged], create=False)
    for (part_id, condition), quantity in merged.items():
        row = rows[(part_id, source.id, condition)]
        if row is None:
            part = session.get(Part, part_id)
            raise Conflict(N_("No %(part)s (%(condition)s) at %(warehouse)s."),
                           params={"part": part.number if part else part_id,
                                   "condition": condition, "warehouse": source.code},
                           code="insufficient_stock", extra={"available": 0})
        ledger.apply(session, row, "transfer_out", on_hand=-quantity, actor=actor,
                     transfer_id=transfer.id, reason=transfer.number)
        session.add(TransferLine(transfer_id=transfer.id, part_id=part_id,
                                 condition=condition, quantity=quantity))
    session.flush()
    session.refresh(transfer)
    audit.record(session, "parts_transfer", transfer.id, "ship",
                 after={"number": transfer.number}, region_id=region_id)
    return transfer


def _any_warehouse(session: Session, ref: object) -> Warehouse | None:
    """A warehouse of any region, for the *destination* of a shipment (its stock is not
    touched until the receiver, in that region, confirms)."""
    saved = session.info.get("region_id")
    session.info["region_id"] = None
    try:
        return get_warehouse(session, ref)
    except NotFound:
        return None
    finally:
        session.info["region_id"] = saved


def get_transfer(session: Session, transfer_id: int) -> Transfer:
    found = session.get(Transfer, transfer_id)
    if found is None:
        raise NotFound(N_("No such transfer."))
    return found


def receive_transfer(session: Session, transfer_id: int, actor: User | None,
                     data: dict[str, Any]) -> Transfer:
    """The receiver counts what arrived; differences are recorded on the line. Parts that
    arrive for a case's requisition are reserved for it and its hold is released."""
    found = get_transfer(session, transfer_id)
    transfer = lock_row(session, Transfer, found.id)
    assert transfer is not None
    if transfer.state != "in_transit":
        raise Conflict(N_("This transfer was already received."), code="already_received")
    counts = data.get("received") or {}
    if not isinstance(counts, dict):
        raise DomainError(N_("Give what arrived per line: {line id: quantity}."),
                          field="received")
    problems = Problems()
    got: dict[int, int] = {}
    notes = data.get("notes") if isinstance(data.get("notes"), dict) else {}
    for line in transfer.lines:
        key = str(line.id)
        if key in counts:
            value = problems.integer({key: counts[key]}, key, minimum=0)
            if value is not None and value > line.quantity * 10 + 100:
                problems.add(key, N_("At most %(max)s."), max=line.quantity * 10 + 100)
            got[line.id] = value if value is not None else line.quantity
        else:
            got[line.id] = line.quantity
        if got[line.id] != line.quantity and not str(notes.get(key, "") or "").strip() \
                and not str(data.get("note") or "").strip():
            problems.add(f"notes.{key}", N_("Say why the quantity received differs."))
    problems.raise_if_any()
    target = transfer.to_warehouse
    rows = ledger.lock_many(session, [(ln.part_id, target.id, ln.condition)
                                      for ln in transfer.lines if got[ln.id]], create=True)
    for line in transfer.lines:
        line.received = got[line.id]
        line.difference_note = str(notes.get(str(line.id), "") or data.get("note") or ""
                                   ).strip()[:400] if got[line.id] != line.quantity else ""
        if got[line.id]:
            row = rows[(line.part_id, target.id, line.condition)]
            assert row is not None
            ledger.apply(session, row, "transfer_in", on_hand=got[line.id], actor=actor,
                         transfer_id=transfer.id, reason=transfer.number)
    transfer.state, transfer.received_at = "received", utcnow()
    transfer.received_by_id = actor.id if actor else None
    session.flush()
    if transfer.requisition_id:
        _requisition_arrived(session, transfer, actor)
    return transfer


def _requisition_arrived(session: Session, transfer: Transfer, actor: User | None) -> None:
    requisition = session.get(Requisition, transfer.requisition_id)
    if requisition is None:
        return
    requisition.state = "received"
    if requisition.case_id is None:
        return
    case = lock_case(session, requisition.case_id)
    for line in transfer.lines:
        if not line.received or line.condition == "faulty":
            continue
        row = ledger.locked_stock(session, line.part_id, transfer.to_warehouse_id,
                                  line.condition, create=False)
        assert row is not None
        take = min(line.received, row.available)
        if take <= 0:
            continue
        reservation = Reservation(case_id=case.id, stock_id=row.id, part_id=line.part_id,
                                  quantity=take, region_id=row.region_id,
                                  created_by_id=actor.id if actor else None)
        session.add(reservation)
        session.flush()
        ledger.apply(session, row, "reserve", reserved=take, actor=actor, case_id=case.id,
                     reason=f"arrived by {transfer.number}")
    waiting = [r for r in session.scalars(select(Requisition).where(
        Requisition.case_id == case.id, Requisition.state.in_(OPEN_REQUISITIONS)))]
    if not waiting and any(h.kind == HOLD for h in active_holds(session, case)):
        release_hold(session, case, HOLD, actor, transfer.number)  # the kind says why


# --- requisitions (P-5) -----------------------------------------------------------------------


def _new_requisition(session: Session, warehouse: Warehouse, case_id: int | None,
                     needed_by: date, actor: User | None, lines: list[tuple[Part, int]],
                     note: str = "") -> Requisition:
    requisition = Requisition(number=_provisional(),
                              warehouse_id=warehouse.id, case_id=case_id, needed_by=needed_by,
                              note=note[:400], requested_by_id=actor.id if actor else None,
                              region_id=warehouse.region_id)
    session.add(requisition)
    _numbered(session, requisition, "RQ")
    for part, quantity in lines:
        session.add(RequisitionLine(requisition_id=requisition.id, part_id=part.id,
                                    quantity=quantity))
    session.flush()
    session.refresh(requisition)
    audit.record(session, "parts_requisition", requisition.id, "create",
                 after={"number": requisition.number, "needed_by": needed_by.isoformat()},
                 region_id=warehouse.region_id)
    return requisition


def request_parts(session: Session, actor: User | None, data: dict[str, Any]) -> Requisition:
    problems = Problems()
    needed_by = problems.day(data, "needed_by", required=True)
    note = problems.text(data, "note", required=False, max_length=400)
    case_id = problems.integer(data, "case_id", required=False)
    lines = [(p, q) for p, _c, q in _lines(session, problems, data)]
    warehouse = None
    try:
        warehouse = get_warehouse(session, data.get("warehouse"))
    except NotFound as error:
        problems.add_error("warehouse", error)
    if needed_by is not None and needed_by < today(session):
        problems.add("needed_by", N_("The date needed cannot be in the past."))
    if case_id is not None and session.get(ServiceCase, case_id) is None:
        problems.add("case_id", N_("No such case."))
    problems.raise_if_any()
    assert warehouse is not None and needed_by is not None
    return _new_requisition(session, warehouse, case_id, needed_by, actor, lines, note)


def get_requisition(session: Session, requisition_id: int) -> Requisition:
    found = session.get(Requisition, requisition_id)
    if found is None:
        raise NotFound(N_("No such requisition."))
    return found


def decide(session: Session, requisition_id: int, actor: User | None, data: dict[str, Any]
           ) -> Requisition:
    """HQ approves (all, part: ``approved`` per line id) or rejects a requisition."""
    found = get_requisition(session, requisition_id)
    requisition = lock_row(session, Requisition, found.id)
    assert requisition is not None
    if requisition.state != "submitted":
        raise Conflict(N_("This requisition is already %(state)s."),
                       params={"state": requisition.state}, code="already_decided")
    problems = Problems()
    approve = problems.boolean(data, "approve", True)
    note = problems.text(data, "note", required=not approve, max_length=400,
                         label=N_("Reason"))
    approved = data.get("approved") if isinstance(data.get("approved"), dict) else {}
    for line in requisition.lines:
        key = str(line.id)
        if not approve:
            line.approved = 0
        elif key in approved:
            value = problems.integer({key: approved[key]}, key, minimum=0)
            if value is not None and value > line.quantity:
                problems.add(key, N_("At most %(max)s."), max=line.quantity)
            line.approved = value if value is not None else 0
        else:
            line.approved = line.quantity
    if approve and requisition.lines and not any(ln.approved for ln in requisition.lines):
        problems.add("approved", N_("Approve at least one part, or reject."))
    problems.raise_if_any()
    requisition.state = "approved" if approve else "rejected"
    requisition.decided_by_id = actor.id if actor else None
    requisition.decision_note = note
    session.flush()
    if not approve and requisition.case_id is not None:
        record_case_event(session, requisition.case_id, actor, "parts", Message(
            N_("Requisition %(number)s rejected: %(reason)s"),
            {"number": requisition.number, "reason": note}))
    return requisition


def ship_requisition(session: Session, requisition_id: int, actor: User | None,
                     data: dict[str, Any]) -> Transfer:
    """Ship what HQ approved, by a transfer to the requesting warehouse."""
    found = get_requisition(session, requisition_id)
    requisition = lock_row(session, Requisition, found.id)
    assert requisition is not None
    if requisition.state != "approved":
        raise Conflict(N_("Only an approved requisition is shipped."), code="not_approved")
    lines = [{"part": ln.part_id, "quantity": ln.approved, "condition": data.get(
        "condition") or "new"} for ln in requisition.lines if ln.approved]
    target = _any_warehouse(session, requisition.warehouse_id)
    transfer = ship(session, actor, {"from_warehouse": data.get("from_warehouse"),
                                     "to_warehouse": target.code if target else None,
                                     "waybill": data.get("waybill", ""),
                                     "note": requisition.number, "lines": lines},
                    requisition=requisition)
    requisition.state = "shipped"
    return transfer


def flag_late(session: Session, now: datetime) -> list[Requisition]:
    """P-5: requisitions still open past their needed-by date are flagged once and their
    requester is told (outbox), and the case says so."""
    settings = session.info["settings"]
    day = now.astimezone(settings.tz).date()
    flagged = []
    for requisition in session.scalars(select(Requisition).where(
            Requisition.state.in_(OPEN_REQUISITIONS), Requisition.needed_by < day,
            Requisition.late_flagged_at.is_(None)).order_by(Requisition.id)):
        requisition.late_flagged_at = now
        requester = session.get(User, requisition.requested_by_id) \
            if requisition.requested_by_id else None
        if requester is not None:  # staff have logins, not mailboxes: an in-app notice
            notify_staff(session, requester, N_("Requisition %(number)s was needed by %(day)s "
                                                "and is still %(state)s."),
                         {"number": requisition.number,
                          "day": requisition.needed_by.isoformat(),
                          "state": requisition.state},
                         link=f"/parts/requisitions/{requisition.id}", source="parts")
        if requisition.case_id is not None:
            record_case_event(session, requisition.case_id, None, "parts", Message(
                N_("Requisition %(number)s is late (needed by %(day)s)."),
                {"number": requisition.number, "day": requisition.needed_by.isoformat()}))
        flagged.append(requisition)
    session.flush()
    return flagged


def is_late(requisition: Requisition, day: date) -> bool:
    return requisition.state in OPEN_REQUISITIONS and requisition.needed_by < day


# --- reorder points and tools ---------------------------------------------------------------


def set_reorder(session: Session, data: dict[str, Any]) -> ReorderPoint:
    problems = Problems()
    minimum = problems.integer(data, "minimum", minimum=0)
    target = problems.integer(data, "target", minimum=1)
    if minimum is not None and target is not None and target <= minimum:
        problems.add("target", N_("Order up to more than the reorder point."))
    part, warehouse = _part_and_warehouse(session, problems, data)
    problems.raise_if_any()
    assert part is not None and warehouse is not None
    found = session.scalars(select(ReorderPoint).where(
        ReorderPoint.warehouse_id == warehouse.id, ReorderPoint.part_id == part.id)).first()
    if found is None:
        found = ReorderPoint(warehouse_id=warehouse.id, part_id=part.id,
                             region_id=warehouse.region_id, minimum=0, target=1)
        session.add(found)
    found.minimum, found.target = int(minimum or 0), int(target or 1)
    session.flush()
    return found


@dataclass(frozen=True)
class Replenish:
    warehouse: Warehouse
    part: Part
    available: int
    incoming: int
    minimum: int
    target: int

    @property
    def order(self) -> int:
        return max(0, self.target - self.available - self.incoming)


def replenishment(session: Session) -> list[Replenish]:
    """Reorder points under their minimum, counting what is already on its way (in transit
    or requested), so the same shortage is never ordered twice (ERPNext #36154)."""
    out = []
    for point in session.scalars(select(ReorderPoint).order_by(ReorderPoint.id)):
        available = sum(s.available for s in session.scalars(select(Stock).where(
            Stock.warehouse_id == point.warehouse_id, Stock.part_id == point.part_id,
            Stock.condition.in_(("new", "refurbished")))))
        in_transit = session.scalar(select(func.coalesce(func.sum(TransferLine.quantity), 0))
                                    .join(Transfer, Transfer.id == TransferLine.transfer_id)
                                    .where(Transfer.state == "in_transit",
                                           Transfer.to_warehouse_id == point.warehouse_id,
                                           TransferLine.part_id == point.part_id)) or 0
        requested = session.scalar(
            select(func.coalesce(func.sum(RequisitionLine.quantity), 0))
            .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
            .where(Requisition.state.in_(("submitted", "approved")),
                   Requisition.warehouse_id == point.warehouse_id,
                   RequisitionLine.part_id == point.part_id)) or 0
        incoming = int(in_transit) + int(requested)
        if available + incoming < point.minimum or available < point.minimum:
            warehouse = session.get(Warehouse, point.warehouse_id)
            part = session.get(Part, point.part_id)
            if warehouse is not None and part is not None:
                item = Replenish(warehouse, part, available, incoming, point.minimum,
                                 point.target)
                if item.order > 0:
                    out.append(item)
    return out


def get_tool(session: Session, tool_id: int) -> Tool:
    found = session.get(Tool, tool_id)
    if found is None:
        raise NotFound(N_("No such tool."))
    return found


def add_tool(session: Session, data: dict[str, Any]) -> Tool:
    problems = Problems()
    code = problems.text(data, "code", max_length=32, label=N_("Code")).upper()
    name = problems.text(data, "name", max_length=160, label=N_("Name"))
    name_zh = problems.text(data, "name_zh", required=False, max_length=160)
    warehouse = None
    try:
        warehouse = get_warehouse(session, data.get("warehouse"))
    except NotFound as error:
        problems.add_error("warehouse", error)
    if code and session.scalars(select(Tool.id).where(Tool.code == code)).first():
        problems.add("code", N_("Tool %(code)s is already registered."), code=code)
    problems.raise_if_any()
    assert warehouse is not None
    tool = Tool(code=code, name=name, name_zh=name_zh, warehouse_id=warehouse.id,
                region_id=warehouse.region_id)
    session.add(tool)
    session.flush()
    return tool


def check_out(session: Session, tool_id: int, actor: User | None, data: dict[str, Any]
              ) -> Tool:
    problems = Problems()
    user_id = problems.integer(data, "user_id")
    due_on = problems.day(data, "due_on", required=True)
    holder = session.get(User, user_id) if user_id is not None else None
    if user_id is not None and holder is None:
        problems.add("user_id", N_("No such user."))
    if due_on is not None and due_on < today(session):
        problems.add("due_on", N_("The return date cannot be in the past."))
    problems.raise_if_any()
    assert holder is not None and due_on is not None
    get_tool(session, tool_id)
    tool = lock_row(session, Tool, tool_id)
    assert tool is not None
    if tool.holder_id is not None:
        raise Conflict(N_("This tool is already checked out."), code="checked_out")
    tool.holder_id, tool.checked_out_at, tool.due_on = holder.id, utcnow(), due_on
    session.add(ToolLoan(tool_id=tool.id, user_id=holder.id, due_on=due_on,
                         region_id=tool.region_id))
    session.flush()
    return tool


def check_in(session: Session, tool_id: int, actor: User | None) -> Tool:
    get_tool(session, tool_id)
    tool = lock_row(session, Tool, tool_id)
    assert tool is not None
    if tool.holder_id is None:
        raise Conflict(N_("This tool is not checked out."), code="not_checked_out")
    loan = session.scalars(select(ToolLoan).where(ToolLoan.tool_id == tool.id,
                                                  ToolLoan.returned_at.is_(None))).first()
    if loan is not None:
        loan.returned_at = utcnow()
    tool.holder_id, tool.checked_out_at, tool.due_on = None, None, None
    session.flush()
    return tool


def overdue_tools(session: Session, day: date) -> list[Tool]:
    return list(session.scalars(select(Tool).where(Tool.holder_id.is_not(None),
                                                   Tool.due_on < day).order_by(Tool.due_on)))
