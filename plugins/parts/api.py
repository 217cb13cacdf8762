"""Parts API (``/api/v1/parts/...``): catalogue, warehouses, stock and the ledger, case
reservations and issues, transfers, requisitions, reorder points, tools and reports.

Errors are core's JSON errors: 422 with per-field messages, 404 for another region's record,
409 ``insufficient_stock`` when stock would go negative or be reserved twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import (
    N_,
    ApiResponse,
    DomainError,
    NotFound,
    Problems,
    client_address,
    get_case,
    import_status,
    json_body,
    start_import,
    utcnow,
)
from plugins.parts import reports, services
from plugins.parts.models import (
    Move,
    Part,
    Requisition,
    Reservation,
    Stock,
    Tool,
    Transfer,
    Warehouse,
)


def part_json(part: Part) -> dict[str, Any]:
    return {"id": part.id, "number": part.number, "name": part.name, "name_zh": part.name_zh,
            "category": part.category, "model_codes": list(part.models),
            "cost_cents": part.cost_cents, "price_cents": part.price_cents,
            "refurbishable": part.refurbishable, "superseded_by_id": part.superseded_by_id,
            "active": part.active}


def warehouse_json(w: Warehouse) -> dict[str, Any]:
    return {"id": w.id, "code": w.code, "name": w.name, "name_zh": w.name_zh,
            "central": w.central, "region_id": w.region_id,
            "service_point_id": w.service_point_id}


def stock_json(s: Stock) -> dict[str, Any]:
    return {"id": s.id, "part": s.part.number, "part_id": s.part_id,
            "warehouse": s.warehouse.code, "warehouse_id": s.warehouse_id,
            "condition": s.condition, "on_hand": s.on_hand, "reserved": s.reserved,
            "available": s.available}


def move_json(m: Move) -> dict[str, Any]:
    return {"id": m.id, "stock_id": m.stock_id, "part_id": m.part_id,
            "warehouse_id": m.warehouse_id, "condition": m.condition, "kind": m.kind,
            "on_hand_delta": m.on_hand_delta, "reserved_delta": m.reserved_delta,
            "case_id": m.case_id, "transfer_id": m.transfer_id, "reason": m.reason,
            "at": m.at}


def reservation_json(r: Reservation) -> dict[str, Any]:
    return {"id": r.id, "case_id": r.case_id, "part_id": r.part_id,
            "part": r.stock.part.number, "warehouse": r.stock.warehouse.code,
            "condition": r.stock.condition, "quantity": r.quantity, "state": r.state,
            "charge_id": r.charge_id}


def transfer_json(t: Transfer) -> dict[str, Any]:
    return {"id": t.id, "number": t.number, "state": t.state, "waybill": t.waybill,
            "from_warehouse_id": t.from_warehouse_id, "to_warehouse_id": t.to_warehouse_id,
            "requisition_id": t.requisition_id, "shipped_at": t.shipped_at,
            "received_at": t.received_at, "note": t.note,
            "lines": [{"id": ln.id, "part": ln.part.number, "part_id": ln.part_id,
                       "condition": ln.condition, "quantity": ln.quantity,
                       "received": ln.received, "difference_note": ln.difference_note}
                      for ln in t.lines]}


def requisition_json(r: Requisition, today: date) -> dict[str, Any]:
    return {"id": r.id, "number": r.number, "state": r.state,
            "warehouse_id": r.warehouse_id, "case_id": r.case_id, "needed_by": r.needed_by,
            "late": services.is_late(r, today), "late_flagged_at": r.late_flagged_at,
            "note": r.note, "decision_note": r.decision_note,
            "requested_by_id": r.requested_by_id,
            "lines": [{"id": ln.id, "part": ln.part.number, "part_id": ln.part_id,
                       "quantity": ln.quantity, "approved": ln.approved} for ln in r.lines]}


def tool_json(t: Tool, today: date) -> dict[str, Any]:
    return {"id": t.id, "code": t.code, "name": t.name, "name_zh": t.name_zh,
            "warehouse_id": t.warehouse_id, "holder_id": t.holder_id, "due_on": t.due_on,
            "overdue": bool(t.holder_id and t.due_on and t.due_on < today)}


def _actor(request: Request) -> Any:
    return request.state.user


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    problems = Problems()
    number = problems.integer({name: value}, name)
    problems.raise_if_any()
    return number


# --- catalogue, warehouses, stock -------------------------------------------------------------


def parts(request: Request) -> Response:
    """The parts catalogue (``?model=PA2400`` keeps the parts that fit a model)."""
    model = (request.query_params.get("model") or "").strip()
    rows = request.state.db.scalars(select(Part).order_by(Part.number))
    return ApiResponse({"parts": [part_json(p) for p in rows if not model or p.fits(model)]})


def part_create(request: Request) -> Response:
    """Add a part to the catalogue."""
    part = services.save_part(request.state.db, json_body(request))
    return ApiResponse(part_json(part), status_code=201)


def warehouses(request: Request) -> Response:
    """The warehouses the user may see."""
    rows = request.state.db.scalars(select(Warehouse).order_by(Warehouse.code))
    return ApiResponse({"warehouses": [warehouse_json(w) for w in rows]})


def warehouse_create(request: Request) -> Response:
    """Add a warehouse (HQ central or a service point's store) with its bins."""
    from plugins.parts.catalogue import create_warehouse

    found = create_warehouse(request.state.db, json_body(request))
    return ApiResponse(warehouse_json(found), status_code=201)


def stock(request: Request) -> Response:
    """Stock rows: on hand, reserved, available (``?warehouse=&part=``)."""
    statement = select(Stock).order_by(Stock.id)
    warehouse_id = _int_param(request, "warehouse_id")
    part_id = _int_param(request, "part_id")
    if warehouse_id is not None:
        statement = statement.where(Stock.warehouse_id == warehouse_id)
    if part_id is not None:
        statement = statement.where(Stock.part_id == part_id)
    rows = request.state.db.scalars(statement)
    return ApiResponse({"stock": [stock_json(s) for s in rows]})


def moves(request: Request) -> Response:
    """The ledger, newest first (``?stock_id=&case_id=``, at most 500)."""
    statement = select(Move).order_by(Move.id.desc()).limit(500)
    stock_id = _int_param(request, "stock_id")
    case_id = _int_param(request, "case_id")
    if stock_id is not None:
        statement = statement.where(Move.stock_id == stock_id)
    if case_id is not None:
        statement = statement.where(Move.case_id == case_id)
    return ApiResponse({"moves": [move_json(m) for m in request.state.db.scalars(statement)]})


def receive(request: Request) -> Response:
    """Goods received into a warehouse: ``{part, warehouse, quantity, condition}``."""
    row = services.receive(request.state.db, _actor(request), json_body(request))
    return ApiResponse(stock_json(row), status_code=201)


def adjust(request: Request) -> Response:
    """A count adjustment: ``{part, warehouse, condition, counted, reason}``."""
    row = services.adjust(request.state.db, _actor(request), json_body(request))
    return ApiResponse(stock_json(row), status_code=201)


def refurbish(request: Request) -> Response:
    """Faulty parts refurbished or scrapped: ``{part, warehouse, quantity, action}``."""
    row = services.refurbish(request.state.db, _actor(request), json_body(request))
    return ApiResponse(stock_json(row), status_code=201)


# --- cases -----------------------------------------------------------------------------------


def case_parts(request: Request) -> Response:
    """A case's reservations, issues and requisitions."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    rows = session.scalars(select(Reservation).where(Reservation.case_id == case.id)
                           .order_by(Reservation.id))
    reqs = session.scalars(select(Requisition).where(Requisition.case_id == case.id)
                           .order_by(Requisition.id))
    today = services.today(session)
    return ApiResponse({"case_id": case.id,
                        "reservations": [reservation_json(r) for r in rows],
                        "requisitions": [requisition_json(r, today) for r in reqs]})


def reserve(request: Request) -> Response:
    """Reserve parts for a case: ``{part, quantity, condition, needed_by}``; what is short
    becomes a requisition and the case waits for parts (P-5)."""
    session = request.state.db
    result = services.reserve(session, request.path_params["case_id"], _actor(request),
                              json_body(request))
    today = services.today(session)
    return ApiResponse({
        "reservation": reservation_json(result.reservation) if result.reservation else None,
        "requisition": requisition_json(result.requisition, today)
        if result.requisition else None}, status_code=201)


def release(request: Request) -> Response:
    """Give a reservation back to available stock."""
    found = services.release(request.state.db, request.path_params["case_id"],
                             request.path_params["reservation_id"], _actor(request))
    return ApiResponse(reservation_json(found))


def issue(request: Request) -> Response:
    """Issue parts at repair: ``{reservation_id}`` or ``{part, quantity, condition}``, and
    ``faulty_returned``; the charge line is priced by the warranty rules (R-6)."""
    result = services.issue(request.state.db, request.path_params["case_id"],
                            _actor(request), json_body(request))
    return ApiResponse({"reservation": reservation_json(result.reservation),
                        "charge_id": result.charge_id,
                        "faulty_recorded": result.faulty_recorded}, status_code=201)


def return_from_case(request: Request) -> Response:
    """An issued part that was not fitted goes back to stock; its quote line is withdrawn.
    Body: ``{"reason": "..."}``."""
    data = json_body(request)
    found = services.return_from_case(request.state.db, request.path_params["case_id"],
                                      request.path_params["reservation_id"], _actor(request),
                                      str(data.get("reason", "")))
    return ApiResponse(reservation_json(found))


# --- transfers and requisitions -------------------------------------------------------------


def transfers(request: Request) -> Response:
    """Transfers, newest first (``?state=in_transit``)."""
    statement = select(Transfer).order_by(Transfer.id.desc())
    state = request.query_params.get("state")
    if state:
        statement = statement.where(Transfer.state == state)
    return ApiResponse({"transfers": [transfer_json(t) for t in
                                      request.state.db.scalars(statement)]})


def ship(request: Request) -> Response:
    """Ship parts: ``{from_warehouse, to_warehouse, waybill, lines: [{part, quantity,
    condition}]}``; the parts are in transit until received."""
    found = services.ship(request.state.db, _actor(request), json_body(request))
    return ApiResponse(transfer_json(found), status_code=201)


def transfer(request: Request) -> Response:
    """One transfer with its lines."""
    found = services.get_transfer(request.state.db, request.path_params["transfer_id"])
    return ApiResponse(transfer_json(found))


def receive_transfer(request: Request) -> Response:
    """Confirm receipt: ``{received: {line_id: quantity}, notes: {line_id: why}}``."""
    found = services.receive_transfer(request.state.db, request.path_params["transfer_id"],
                                      _actor(request), json_body(request))
    return ApiResponse(transfer_json(found))


def requisitions(request: Request) -> Response:
    """Requisitions, newest first (``?late=1`` keeps the late ones)."""
    session = request.state.db
    today = services.today(session)
    rows = [requisition_json(r, today) for r in
            session.scalars(select(Requisition).order_by(Requisition.id.desc()))]
    if request.query_params.get("late") in ("1", "true"):
        rows = [r for r in rows if r["late"]]
    return ApiResponse({"requisitions": rows})


def request_parts(request: Request) -> Response:
    """Ask for parts (P-5): ``{warehouse, needed_by, case_id, lines: [{part, quantity}]}``."""
    session = request.state.db
    found = services.request_parts(session, _actor(request), json_body(request))
    return ApiResponse(requisition_json(found, services.today(session)), status_code=201)


def requisition(request: Request) -> Response:
    """One requisition and its state."""
    session = request.state.db
    found = services.get_requisition(session, request.path_params["requisition_id"])
    return ApiResponse(requisition_json(found, services.today(session)))


def decide(request: Request) -> Response:
    """HQ's decision: ``{approve: true, approved: {line_id: quantity}}`` or ``{approve:
    false, note}``."""
    session = request.state.db
    found = services.decide(session, request.path_params["requisition_id"], _actor(request),
                            json_body(request))
    return ApiResponse(requisition_json(found, services.today(session)))


def ship_requisition(request: Request) -> Response:
    """Ship an approved requisition: ``{from_warehouse, waybill}``."""
    found = services.ship_requisition(request.state.db, request.path_params["requisition_id"],
                                      _actor(request), json_body(request))
    return ApiResponse(transfer_json(found), status_code=201)


# --- reorder, tools, reports ----------------------------------------------------------------


def set_reorder(request: Request) -> Response:
    """Set a reorder point: ``{warehouse, part, minimum, target}``."""
    found = services.set_reorder(request.state.db, json_body(request))
    return ApiResponse({"id": found.id, "warehouse_id": found.warehouse_id,
                        "part_id": found.part_id, "minimum": found.minimum,
                        "target": found.target}, status_code=201)


def replenishment(request: Request) -> Response:
    """What to order: reorder points under their minimum, net of parts already coming."""
    return ApiResponse({"lines": [
        {"warehouse": r.warehouse.code, "part": r.part.number, "available": r.available,
         "incoming": r.incoming, "minimum": r.minimum, "target": r.target, "order": r.order}
        for r in services.replenishment(request.state.db)]})


def tools(request: Request) -> Response:
    """The tools register (``?overdue=1`` keeps the overdue ones)."""
    session = request.state.db
    today = services.today(session)
    rows = [tool_json(t, today) for t in session.scalars(select(Tool).order_by(Tool.code))]
    if request.query_params.get("overdue") in ("1", "true"):
        rows = [t for t in rows if t["overdue"]]
    return ApiResponse({"tools": rows})


def tool_create(request: Request) -> Response:
    """Register a tool: ``{code, name, name_zh, warehouse}``."""
    session = request.state.db
    found = services.add_tool(session, json_body(request))
    return ApiResponse(tool_json(found, services.today(session)), status_code=201)


def check_out(request: Request) -> Response:
    """Lend a tool: ``{user_id, due_on}``."""
    session = request.state.db
    found = services.check_out(session, request.path_params["tool_id"], _actor(request),
                               json_body(request))
    return ApiResponse(tool_json(found, services.today(session)))


def check_in(request: Request) -> Response:
    """A tool comes back."""
    session = request.state.db
    found = services.check_in(session, request.path_params["tool_id"], _actor(request))
    return ApiResponse(tool_json(found, services.today(session)))


def report(request: Request) -> Response:
    """A report as JSON: consumption, warranty_cost, stock_value, slow_movers, stockouts;
    ``?from=&to=`` (YYYY-MM-DD, the instance's days) limit it to a period (422 when bad)."""
    name = request.path_params["name"]
    if name not in reports.REPORTS:
        raise NotFound(N_("No such report."))
    period = reports.period_from({"from": request.query_params.get("from", ""),
                                  "to": request.query_params.get("to", "")})
    header, rows = reports.REPORTS[name](request.state.db, period)
    return ApiResponse({"report": name, "columns": header,
                        "rows": [dict(zip(header, row, strict=True)) for row in rows]})


def import_catalogue(request: Request) -> Response:
    """Import the catalogue from CSV (the request body, text/csv): number, name, name_zh,
    category, model_codes, cost, price (yuan), refurbishable, superseded_by.

    The file goes through core's import job (``register_import_kinds``): the answer is 202
    with the import's id; ``GET .../parts/import/{id}`` (or the page ``/desk/import/{id}``)
    shows its progress and, when done, each refused row with its line, column and reason.
    A file without the required columns is refused at once (nothing is queued)."""
    import csv
    import io

    from plugins.parts.catalogue import CSV_REQUIRED, IMPORT_KIND

    raw = getattr(request.state, "body", b"") or b""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(N_("The file is not UTF-8 text."), field="file",
                          status_code=400) from None
    header = [h.strip().lower() for h in next(csv.reader(io.StringIO(text)), [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise DomainError(N_("The file lacks the columns: %(columns)s."),
                          params={"columns": ", ".join(missing)}, field="file")
    name = request.query_params.get("filename") or "parts.csv"
    run_id = start_import(request.state.db, request.app.state.settings, request.state.user,
                          IMPORT_KIND, name, io.BytesIO(raw), client_address(request))
    return ApiResponse(import_status(request.state.db, run_id, request.state.user),
                       status_code=202)


def import_progress(request: Request) -> Response:
    """A catalogue import's progress and, when done, its first errors (only its uploader)."""
    return ApiResponse(import_status(request.state.db, str(request.path_params["import_id"]),
                                     request.state.user))


# --- faulty parts awaiting return to HQ (R-6) ---------------------------------------------


def awaiting_json(item: Any, now: Any) -> dict[str, Any]:
    return {"stock_id": item.stock.id, "warehouse": item.warehouse.code,
            "part": item.part.number, "name": item.part.name, "name_zh": item.part.name_zh,
            "refurbishable": item.part.refurbishable, "quantity": item.quantity,
            "waiting_since": item.waiting_since, "age_days": item.age_days(now)}


def returns(request: Request) -> Response:
    """Faulty parts waiting at the stores to go back to HQ: ``?warehouse=&part=&order=age|
    warehouse|part`` (oldest first by default); region-scoped."""
    from plugins.parts import returns as faulty

    order = request.query_params.get("order", "age")
    if order not in faulty.ORDERS:
        raise DomainError(N_("Order by one of: %(orders)s."),
                          params={"orders": ", ".join(faulty.ORDERS)}, field="order",
                          status_code=400)
    items = faulty.awaiting_return(request.state.db,
                                   warehouse=request.query_params.get("warehouse", ""),
                                   part=request.query_params.get("part", ""), order=order)
    now = utcnow()
    return ApiResponse({"awaiting": [awaiting_json(i, now) for i in items]})


def send_returns(request: Request) -> Response:
    """Send a store's faulty parts to HQ in one transfer: ``{warehouse, stock_ids?,
    waybill?}`` (all of the store's waiting faulty parts without ``stock_ids``)."""
    from plugins.parts import returns as faulty

    found = faulty.send_to_hq(request.state.db, _actor(request), json_body(request))
    return ApiResponse(transfer_json(found), status_code=201)


# --- stock set aside without a case (issue 15 item 4) ---------------------------------------


def hold_json(r: Reservation) -> dict[str, Any]:
    return {"id": r.id, "part": r.stock.part.number, "part_id": r.part_id,
            "warehouse": r.stock.warehouse.code, "condition": r.stock.condition,
            "quantity": r.quantity, "state": r.state, "purpose": r.purpose,
            "held_for_id": r.held_for_id, "expires_at": r.expires_at,
            "created_by_id": r.created_by_id, "closed_at": r.closed_at}


def stock_holds(request: Request) -> Response:
    """Stock set aside without a case and still held, soonest expiry first."""
    from plugins.parts import holds

    return ApiResponse({"reservations": [hold_json(r) for r in holds.holds(request.state.db)]})


def stock_hold_create(request: Request) -> Response:
    """Set stock aside without a case: ``{part, warehouse, quantity, condition?, purpose,
    held_for? (user id), expires_on}``; 409 ``insufficient_stock`` when too few are free."""
    from plugins.parts import holds

    found = holds.reserve_stock(request.state.db, _actor(request), json_body(request))
    return ApiResponse(hold_json(found), status_code=201)


def stock_hold_release(request: Request) -> Response:
    """Give a caseless reservation back before it expires."""
    from plugins.parts import holds

    found = holds.release_stock(request.state.db, request.path_params["reservation_id"],
                                _actor(request))
    return ApiResponse(hold_json(found))
