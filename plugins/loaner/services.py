"""The loaner pool at work (E-1, E-2): units, requests, approvals, lending, recall,
reminders and returns, each under row locks so one unit is never lent twice.

Lock order, everywhere: the case (``lock_case``), then the loan, then the unit
(``lock_row``). Every decision is taken on what the lock re-read, never on a copy read
before it; the unique ``open_unit_id`` is the database's own guard behind the locks.
"""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import core.plugin_api as plugin_api
from core.plugin_api import (
    N_,
    OPEN_STATES,
    QUOTABLE_STATES,
    Conflict,
    DomainError,
    Message,
    NotFound,
    Problems,
    ServiceCase,
    ServicePoint,
    Term,
    User,
    across_regions,
    active_holds,
    add_charge,
    attach,
    attachments_of,
    audit,
    decode_body_code,
    local_today,
    lock_case,
    lock_row,
    message_to_json,
    place_hold,
    plugin_settings,
    queue_message,
    record_case_event,
    region_of_reader,
    release_hold,
    render_in,
)
from plugins.loaner import policy, reservations
from plugins.loaner.models import Loan, LoanerEvent, LoanerMoney, LoanerUnit
from plugins.loaner.terms import MAX_CENTS, UNIT_DAMAGE, default_deposit, price_item

HOLD = "loaner.waiting_for_loaner"
PAYMENT_METHODS = ("cash", "card", "bank_transfer", "wechat_pay", "alipay")
PAGE_SIZE = 25
#: Core's payment states (``record_payment`` takes money only then).
PAYABLE_STATES = ("confirmed", "dispatched", "in_repair", "repaired", "returned", "closed")


def settings_of(session: Session) -> Any:
    return plugin_settings(session, "loaner")


def today(session: Session) -> date:
    return local_today(session.info["settings"])


def _event(session: Session, unit: LoanerUnit, kind: str, actor: User | None, note: str = "",
           loan: Loan | None = None, params: dict[str, Any] | None = None) -> None:
    """A history line: ``note`` typed by a user, or a message id marked with ``N_`` and its
    ``params`` (plain values: they are kept as JSON), shown in the reader's language."""
    session.add(LoanerEvent(unit_id=unit.id, loan_id=loan.id if loan else None,
                            case_id=loan.case_id if loan else None, kind=kind,
                            note=note[:400], params=message_to_json(params) or None,
                            user_id=actor.id if actor else None,
                            region_id=loan.region_id if loan else unit.region_id))


def _case_event(session: Session, case_id: int, actor: User | None, kind: str, note: str,
                params: dict[str, Any], data: dict[str, Any] | None = None) -> None:
    """A line of the case's history: ``note`` a message id marked with ``N_``, ``params`` its
    values (a person's words are a value, never part of the id), read in each reader's
    language (``record_case_event``, plugin API 1.2)."""
    record_case_event(session, case_id, actor, kind, Message(note, params), data)


#: A returned accessory's state, as a word read in the reader's language (issue 18).
ITEM_STATES = {"missing": N_("missing"), "damaged": N_("damaged")}


def _items(back: list[dict[str, Any]]) -> Message:
    """"Rack ears (missing), Cover (damaged)" as a message: the states translated, the
    items (a model's accessory names, as written) not."""
    names = {f"i{n}": b["item"] for n, b in enumerate(back)}
    states = {f"s{n}": Term(ITEM_STATES.get(b["state"], b["state"])) for n, b in enumerate(back)}
    template = ", ".join(f"%(i{n})s (%(s{n})s)" for n in range(len(back)))
    return Message(template, {**names, **states})


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _method(method: str) -> Term:
    return Term(policy.METHOD_LABELS.get(method, method))


# --- photos -------------------------------------------------------------------------------

PHOTO_KIND = "loaner_loan"
#: A photo's stage is the start of its stored file name: taken at lending or at check-in.
PHOTO_STAGES = ("lend", "return")


def attach_photos(session: Session, loan: Loan, actor: User | None, stage: str,
                  photos: object) -> int:
    """Photos of the checklist (``stage`` "lend") or of the check-in ("return"), attached to
    the loan in the caller's transaction: a refused file undoes the whole lend or return."""
    if not photos:
        return 0
    if not isinstance(photos, list) or not all(
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], bytes) for p in photos):
        raise DomainError(N_("Photos are sent as files of the lending or return form."),
                          field="photos")
    for filename, data in photos:
        try:
            attach(session, owner_kind=PHOTO_KIND, owner_id=loan.id, region_id=loan.region_id,
                   filename=f"{stage}-{filename}", data=data, actor=actor)
        except DomainError as error:
            error.fields["photos"] = error.fields.pop("file", error.message)
            raise
    return len(photos)


def photos_of(session: Session, loan: Loan) -> dict[str, list[Any]]:
    """The loan's photos by stage (lending, check-in), oldest first."""
    found: dict[str, list[Any]] = {stage: [] for stage in PHOTO_STAGES}
    for row in attachments_of(session, PHOTO_KIND, loan.id):
        stage = row.filename.split("-", 1)[0]
        found.setdefault(stage if stage in found else "lend", []).append(row)
    return found


# --- units ---------------------------------------------------------------------------------


def get_unit(session: Session, unit_id: object) -> LoanerUnit:
    try:
        number = int(str(unit_id))
    except ValueError:
        raise NotFound(N_("No such loaner unit.")) from None
    unit = session.get(LoanerUnit, number)
    if unit is None:
        raise NotFound(N_("No such loaner unit."))
    return unit


def units(session: Session, *, status: str = "", model: str = "", point_id: int | None = None,
          page: int = 1) -> tuple[list[LoanerUnit], int]:
    query = select(LoanerUnit)
    if status:
        query = query.where(LoanerUnit.status == status)
    if model:
        query = query.where(LoanerUnit.model_code == model.upper())
    if point_id:
        query = query.where(LoanerUnit.service_point_id == point_id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(LoanerUnit.service_point_id, LoanerUnit.model_code,
                                          LoanerUnit.body_code)
                           .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return list(rows), total


def points(session: Session) -> list[ServicePoint]:
    return list(session.scalars(select(ServicePoint).order_by(ServicePoint.code)))


def add_unit(session: Session, actor: User | None, data: dict[str, Any]) -> LoanerUnit:
    """A unit joins a pool by its body code, decoded like any unit (W-1): its model comes
    from the code."""
    problems = Problems()
    raw = problems.text(data, "body_code", max_length=64, label=N_("Body code"))
    point_id = problems.integer(data, "service_point_id")
    condition = problems.choice(data, "condition", policy.CONDITIONS, required=False) or "good"
    accessories = problems.text(data, "accessories", required=False, max_length=2000)
    notes = problems.text(data, "notes", required=False, max_length=400)
    decoded = None
    if raw:
        try:
            decoded = decode_body_code(session.info["pm"], raw)
        except DomainError as error:
            problems.add_error("body_code", error)
    point = session.get(ServicePoint, point_id) if point_id else None
    if point_id and point is None:
        problems.add("service_point_id", N_("No such service point."))
    problems.raise_if_any()
    assert decoded is not None and point is not None
    if session.scalars(select(LoanerUnit.id).where(LoanerUnit.body_code == decoded.code)
                       ).first() is not None:
        raise Conflict(N_("%(code)s is already in a loaner pool."), params={"code": decoded.code},
                       field="body_code", code="duplicate")
    unit = LoanerUnit(body_code=decoded.code, model_code=decoded.model_code,
                      service_point_id=point.id, region_id=point.region_id,
                      condition=condition, notes=notes,
                      accessories="\n".join(policy.split_accessories(accessories)))
    session.add(unit)
    session.flush()
    _event(session, unit, "added", actor, point.code)
    audit.record(session, "loaner_unit", unit.id, "create", after={
        "body_code": unit.body_code, "model": unit.model_code, "point": point.code},
        region_id=unit.region_id)
    return unit


def import_units(session: Session, actor: User | None, text: str) -> list[LoanerUnit]:
    """CSV ``body_code,service_point,accessories,condition`` (accessories separated by
    ``;``). All or nothing: any bad line and nothing is added; errors name the line."""
    by_code = {p.code: p for p in points(session)}
    added: list[LoanerUnit] = []
    problems = Problems()
    reader = csv.reader(io.StringIO(text))
    for number, row in enumerate(reader, start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() == "body_code":
            continue
        cells = [c.strip() for c in row] + ["", "", "", ""]
        point = by_code.get(cells[1].upper())
        if point is None:
            problems.add(str(number), N_("Unknown service point %(code)r."), code=cells[1])
            continue
        try:
            with session.begin_nested():
                added.append(add_unit(session, actor, {
                    "body_code": cells[0], "service_point_id": point.id,
                    "accessories": cells[2].replace(";", "\n"),
                    "condition": cells[3] or "good"}))
        except DomainError as error:
            problems.add_error(str(number), error)  # the field is the line number
    problems.raise_if_any()
    if not added:
        raise DomainError(N_("The file holds no units."), field="file")
    return added


def retire_unit(session: Session, unit_id: object, actor: User | None, reason: str) -> LoanerUnit:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Say why the unit is retired."), field="reason")
    found = get_unit(session, unit_id)
    unit = lock_row(session, LoanerUnit, found.id)
    assert unit is not None
    if unit.status not in ("available", "in_check"):
        raise Conflict(N_("Only a unit in the pool (not reserved or out) can be retired."),
                       code="unit_busy")
    unit.status = "retired"
    unit.retired_reason = reason[:400]
    _event(session, unit, "retired", actor, reason)
    audit.record(session, "loaner_unit", unit.id, "retire", after={"reason": reason},
                 region_id=unit.region_id)
    return unit


def finish_check(session: Session, unit_id: object, actor: User | None,
                 data: dict[str, Any]) -> LoanerUnit:
    """After a return the unit is checked; then it is available again, with its condition."""
    problems = Problems()
    condition = problems.choice(data, "condition", policy.CONDITIONS)
    note = problems.text(data, "note", required=False, max_length=400)
    problems.raise_if_any()
    found = get_unit(session, unit_id)
    unit = lock_row(session, LoanerUnit, found.id)
    assert unit is not None
    if unit.status != "in_check":
        raise Conflict(N_("This unit is not waiting for its check."), code="not_in_check")
    unit.status = "available"
    unit.condition = condition
    _event(session, unit, "checked", actor, note or policy.CONDITION_LABELS[condition])
    return unit


def history(session: Session, unit: LoanerUnit) -> list[LoanerEvent]:
    return list(session.scalars(select(LoanerEvent).where(LoanerEvent.unit_id == unit.id)
                                .order_by(LoanerEvent.at.desc(), LoanerEvent.id.desc())))


# --- availability and requests ----------------------------------------------------------------


def loan_window(session: Session, needed_by: date | None) -> tuple[date, date]:
    """The days a loan asked for now ties its unit up, at the least: from today to the day
    needed (or today) plus the grace after the repair. A booking of another case on one of
    them refuses the request (``reservations``)."""
    first = today(session)
    start = max(needed_by or first, first)
    return first, start + timedelta(days=settings_of(session).grace_days)


def available_for(session: Session, case: ServiceCase, *, other_points: bool,
                  other_models: bool = False) -> list[LoanerUnit]:
    """E-2: same-model units available at the case's point first, then (with permission)
    at the other points the user sees, HQ's included; units another case has booked for the
    coming days (``loan_window``) are left out."""
    query = select(LoanerUnit).where(LoanerUnit.status == "available")
    booked = reservations.booked_units(session, *loan_window(session, None),
                                       other_than_case=case.id)
    if booked:
        query = query.where(LoanerUnit.id.not_in(booked))
    if not other_models:
        query = query.where(LoanerUnit.model_code == (case.model_code or "").upper())
    if not other_points:
        query = query.where(LoanerUnit.service_point_id == case.service_point_id)
    rows = list(session.scalars(query.order_by(LoanerUnit.body_code)))
    if other_points and region_of_reader(session) is not None:
        hq = select(plugin_api.Region.id).where(plugin_api.Region.is_hq.is_(True))
        with across_regions(session):  # E-2: HQ's pool is offered to every region
            rows += list(session.scalars(query.where(LoanerUnit.region_id.in_(hq))
                                         .order_by(LoanerUnit.body_code)))
    rows.sort(key=lambda u: (u.service_point_id != case.service_point_id,
                             u.model_code != case.model_code, u.body_code))
    return rows


def loans_of_case(session: Session, case: ServiceCase | int) -> list[Loan]:
    case_id = case if isinstance(case, int) else case.id
    return with_loaners(session, list(session.scalars(select(Loan).where(
        Loan.case_id == case_id).order_by(Loan.id.desc()))))


def get_loan(session: Session, loan_id: object) -> Loan:
    try:
        number = int(str(loan_id))
    except ValueError:
        raise NotFound(N_("No such loan.")) from None
    loan = session.get(Loan, number)
    if loan is None:
        raise NotFound(N_("No such loan."))
    return loan


def request_loan(session: Session, case_id: object, actor: User | None, data: dict[str, Any],
                 *, other_points: bool, other_models: bool) -> Loan:
    """A request on an open case reserves one unit at once, under its row lock: of two
    clerks asking for the last unit, one gets it and the other a clear 409."""
    problems = Problems()
    unit_id = problems.integer(data, "unit_id")
    reason = problems.text(data, "reason", max_length=400, label=N_("Reason"))
    needed_by = problems.day(data, "needed_by")
    other_reason = problems.text(data, "other_model_reason", required=False, max_length=400)
    problems.raise_if_any()
    if needed_by is not None and needed_by < today(session):
        raise DomainError(N_("The date needed is in the past."), field="needed_by")
    case = lock_case(session, plugin_api.get_case(session, case_id).id)
    if case.state not in policy.REQUEST_STATES:
        raise Conflict(N_("A loaner is requested while the repair is under way, not when the "
                          "case is %(state)s."), params={"state": case.state},
                       code="invalid_state")
    if any(loan.is_open for loan in loans_of_case(session, case)):
        raise Conflict(N_("This case already has a loaner requested or out."),
                       code="already_requested")
    unit = lock_row(session, LoanerUnit, unit_id)
    foreign = False
    if unit is None and other_points and region_of_reader(session) is not None:
        unit = _hq_unit(session, unit_id)  # E-2: a distributor applies to HQ's pool
        foreign = unit is not None
    if unit is None:
        raise NotFound(N_("No such loaner unit."), field="unit_id")
    if unit.status != "available":
        raise Conflict(N_("Loaner %(code)s is no longer available: someone else took it a "
                          "moment ago. Choose another unit."), params={"code": unit.body_code},
                       code="unit_taken", field="unit_id")
    if unit.service_point_id != case.service_point_id and not other_points:
        raise DomainError(N_("Units of other service points need the permission to request "
                             "from them."), field="unit_id", status_code=403, code="forbidden")
    if unit.model_code.upper() != (case.model_code or "").upper() and not other_models:
        raise DomainError(N_("E-2 lends a unit of the same model (%(model)s); another "
                             "model needs a supervisor."), params={"model": case.model_code},
                          field="unit_id", status_code=403, code="forbidden")
    policy.check_model(case.model_code or "", unit.model_code, other_reason)
    first, last = loan_window(session, needed_by)
    taken = reservations.overlapping(session, unit.id, first, last, other_than_case=case.id)
    if taken:
        raise Conflict(N_("Loaner %(code)s is already booked from %(start)s to %(end)s."),
                       params={"code": unit.body_code, "start": taken[0].start_on.isoformat(),
                               "end": taken[0].end_on.isoformat()},
                       code="unit_booked", field="unit_id")
    cross = unit.service_point_id != case.service_point_id
    loan = Loan(case_id=case.id, unit_id=unit.id, open_unit_id=unit.id, region_id=case.region_id,
                status="requested" if cross else "approved", reason=reason,
                needed_by=needed_by, other_model_reason=other_reason,
                requested_by_id=actor.id if actor else None,
                approval_point_id=unit.service_point_id if cross else None)
    session.add(loan)
    unit.status = "reserved"
    if foreign:  # the one write into HQ's pool a distributor makes: its unit reserved
        with across_regions(session):
            session.flush()
    session.flush()
    _event(session, unit, "requested", actor, N_("Case %(case)s: %(reason)s"), loan,
           {"case": case.id, "reason": reason})
    _case_event(session, case.id, actor, "loaner.requested",
                N_("Loaner %(code)s requested: %(reason)s"),
                {"code": unit.body_code, "reason": reason}, {"loan_id": loan.id})
    if not any(h.kind == HOLD for h in active_holds(session, case)) and case.state in OPEN_STATES:
        # the hold's reason is the customer's, as typed (core keeps it as text)
        place_hold(session, case, HOLD, f"{unit.body_code}: {reason}"[:400], actor)
    audit.record(session, "loaner_loan", loan.id, "request", after={
        "case_id": case.id, "unit": unit.body_code, "cross_point": cross},
        region_id=loan.region_id)
    return loan


def _lock_loan(session: Session, loan_id: object) -> tuple[ServiceCase, Loan]:
    found = get_loan(session, loan_id)
    case = lock_case(session, found.case_id)
    loan = lock_row(session, Loan, found.id)
    assert loan is not None
    return case, loan


def _release(session: Session, case: ServiceCase, loan: Loan, actor: User | None,
             note: str) -> None:
    if any(h.kind == HOLD for h in active_holds(session, case)):
        release_hold(session, case, HOLD, actor, note)


def _lock_unit(session: Session, loan: Loan) -> LoanerUnit:
    """The loan's unit, locked for a change. Another region's unit (HQ's pool lending to a
    distributor's case) is changed only by its own pool: E-2, the loaner goes back to whoever
    lent it; the borrower gets a clear 403, never a half-done write."""
    unit = lock_row(session, LoanerUnit, loan.unit_id)
    if unit is None:
        raise _not_ours(loan)
    return unit


def _hq_unit(session: Session, unit_id: object) -> LoanerUnit | None:
    """HQ's unit ``unit_id``, locked, read across the region scope (``None`` when it is not
    HQ's: another distributor's pool stays invisible)."""
    with across_regions(session):
        unit = lock_row(session, LoanerUnit, unit_id)
        if unit is None:
            return None
        region = session.get(plugin_api.Region, unit.region_id)
    return unit if region is not None and region.is_hq else None


def _free_unit(session: Session, loan: Loan, status: str) -> LoanerUnit:
    """The reserved unit back to the pool (declined, cancelled, the case ended). A
    distributor frees HQ's unit it reserved (cancelling its own request, SI#6553)."""
    unit = lock_row(session, LoanerUnit, loan.unit_id)
    if unit is None and region_of_reader(session) is not None:
        unit = _hq_unit(session, loan.unit_id)
        if unit is not None and unit.status == "reserved" and loan.open_unit_id == unit.id:
            unit.status = status
            loan.open_unit_id = None
            with across_regions(session):
                session.flush()
            return unit
    if unit is None:
        raise _not_ours(loan)
    unit.status = status
    loan.open_unit_id = None
    return unit


def _not_ours(loan: Loan) -> DomainError:
    owner = loan.loaner
    return DomainError(N_("Loaner %(code)s belongs to the pool of %(point)s: only they "
                          "lend it, take it back or free it (E-2)."),
                       params={"code": owner.body_code, "point": owner.service_point.code},
                       status_code=403, code="forbidden")


def is_hq(session: Session, user: User) -> bool:
    region = session.get(plugin_api.Region, user.region_id)
    return bool(region and region.is_hq)


def decide(session: Session, loan_id: object, actor: User, accept: bool, note: str) -> Loan:
    """The lending point accepts or declines a request from another point (E-2). Two
    approvals of one request: the second finds it decided and gets a 409."""
    note = (note or "").strip()
    if not accept and not note:
        raise DomainError(N_("Say why the request is declined."), field="note")
    case, loan = _lock_loan(session, loan_id)
    if loan.status != "requested":
        raise Conflict(N_("This request was already decided."), code="already_decided")
    if actor.service_point_id != loan.approval_point_id and not is_hq(session, actor):
        raise DomainError(N_("Only the lending service point decides this request."),
                          status_code=403, code="forbidden")
    loan.decided_by_id = actor.id
    loan.decided_at = plugin_api.utcnow()
    loan.decision_note = note[:400]
    if accept:
        loan.status = "approved"
        unit = loan.loaner
    else:
        loan.status = "declined"
        unit = _free_unit(session, loan, "available")
        _release(session, case, loan, actor, note)  # the hold's kind says what it was
    _event(session, unit, "approved" if accept else "declined", actor, note, loan)
    if accept:
        message = N_("Loaner request accepted: %(note)s") if note else \
            N_("Loaner request accepted")
    else:
        message = N_("Loaner request declined: %(note)s")
    _case_event(session, case.id, actor, "loaner.decided", message,
                {"note": note, "code": unit.body_code}, {"loan_id": loan.id})
    audit.record(session, "loaner_loan", loan.id, "approve" if accept else "decline",
                 after={"note": note}, region_id=loan.region_id)
    return loan


def cancel(session: Session, loan_id: object, actor: User | None, note: str, *,
           any_request: bool = False) -> Loan:
    """A request not lent yet is cancelled by whoever asked for it, or by someone allowed to
    cancel any request (``loaner.cancel_any``: supervisors)."""
    note = (note or "").strip()
    if not note:
        raise DomainError(N_("Say why the request is cancelled."), field="note")
    case, loan = _lock_loan(session, loan_id)
    if not any_request and (actor is None or actor.id != loan.requested_by_id):
        raise DomainError(N_("Only whoever asked for this loaner, or a supervisor, may cancel "
                             "the request."), status_code=403, code="forbidden")
    if loan.status not in ("requested", "approved"):
        raise Conflict(N_("Only a loan not lent yet can be cancelled."), code="invalid_state")
    loan.status = "cancelled"
    loan.decision_note = note[:400]
    unit = _free_unit(session, loan, "available")
    _release(session, case, loan, actor, note)
    _event(session, unit, "cancelled", actor, note, loan)
    _case_event(session, case.id, actor, "loaner.cancelled",
                N_("Loaner request cancelled: %(note)s"), {"note": note},
                {"loan_id": loan.id})
    return loan


AGREEMENT = N_(
    "Loan agreement %(number)s\n\n"
    "Lender: %(point)s\n"
    "Customer: %(customer)s (case %(case)s)\n"
    "Loaner: %(model)s, body code %(code)s, condition %(condition)s\n"
    "Accessories: %(accessories)s\n"
    "Deposit: %(deposit)s\n\n"
    "Terms (after-sales policy E-2): the loaner is lent for the time of the repair. When the "
    "repaired unit is ready, the customer returns the loaner complete, with every accessory "
    "listed above, to the lender within %(grace)s days. Missing or damaged items are charged "
    "on the case; the deposit pays them first and the rest is refunded.\n\n"
    "Signed: %(signed_by)s, %(day)s")


LANGUAGES = ("en", "zh_CN")


def customer_language(session: Session, case: ServiceCase) -> str:
    """The customer's own language (as their messages use), else the instance's default."""
    known = getattr(case.customer, "language", "") if case.customer is not None else ""
    if known in LANGUAGES:
        return str(known)
    default = getattr(session.info.get("settings"), "default_locale", "en")
    return default if default in LANGUAGES else "en"


def _point_name(point: ServicePoint, language: str) -> str:
    """The service point's Chinese name in a Chinese agreement, when it has one (issue 18)."""
    return (point.name_zh if language.startswith("zh") else "") or point.name


def agreement_text(session: Session, loan: Loan, language: str, *, accessories: list[str],
                   condition: str, deposit_cents: int, signed_by: str, day: date) -> str:
    case = loan.case
    unit = loan.loaner
    return render_in(language, session, AGREEMENT, {
        "number": f"L{loan.id:06d}", "point": _point_name(unit.service_point, language),
        "customer": case.contact_name, "case": case.id, "model": unit.model_code,
        "code": unit.body_code, "condition": condition,
        "accessories": ", ".join(accessories) or "-",
        "deposit": f"{deposit_cents / 100:.2f}", "grace": settings_of(session).grace_days,
        "signed_by": signed_by, "day": day.isoformat()})


def lend(session: Session, loan_id: object, actor: User | None, data: dict[str, Any]) -> Loan:
    """The unit goes out: the checklist (accessories ticked, condition), the deposit, the
    agreement as signed. A request from another point must be accepted first."""
    problems = Problems()
    condition = problems.choice(data, "condition", policy.CONDITIONS)
    signed_by = problems.text(data, "signed_by", max_length=160, label=N_("Signed by"))
    language = problems.choice(data, "language", LANGUAGES, required=False)
    deposit = 0
    if "deposit_cents" not in data:  # not given: the model's terms (the form always sends it)
        found = get_loan(session, loan_id)
        deposit = default_deposit(session, found.loaner.model_code)
    elif data.get("deposit_cents") not in (None, "", 0, "0"):
        deposit = problems.cents(data, "deposit_cents", allow_zero=True) or 0
        if deposit > MAX_CENTS:
            problems.add("deposit_cents", N_("At most %(amount)s."),
                         amount=f"{MAX_CENTS / 100:.2f}")
    method = problems.choice(data, "deposit_method", PAYMENT_METHODS, required=deposit > 0)
    ticked = data.get("accessories")
    if isinstance(ticked, str):
        ticked = [ticked]
    if ticked is not None and not (isinstance(ticked, list)
                                   and all(isinstance(t, str) for t in ticked)):
        problems.add("accessories", N_("Accessories are a list of names."))
        ticked = []
    problems.raise_if_any()
    case, loan = _lock_loan(session, loan_id)
    language = language or customer_language(session, case)
    if loan.status == "requested":
        raise Conflict(N_("The lending service point has not accepted this request yet."),
                       code="not_approved")
    if loan.status != "approved":
        raise Conflict(N_("This loaner was already lent or the request is closed."),
                       code="already_lent")
    unit = _lock_unit(session, loan)
    if unit.status != "reserved":
        raise Conflict(N_("Loaner %(code)s is not reserved for this case."),
                       params={"code": unit.body_code}, code="unit_taken")
    listed = unit.accessory_list
    out = listed if ticked is None else [a for a in listed if a in ticked]
    unknown = [t for t in (ticked or []) if t not in listed]
    if unknown:
        raise DomainError(N_("Not on this unit's list: %(items)s."),
                          params={"items": ", ".join(unknown)}, field="accessories")
    now = plugin_api.utcnow()
    loan.status = "lent"
    loan.lent_at = now
    loan.lent_by_id = actor.id if actor else None
    loan.accessories_out = out
    loan.condition_out = condition
    loan.deposit_cents = deposit
    loan.deposit_method = method
    loan.signed_by = signed_by
    loan.agreement_language = language
    loan.agreement_text = agreement_text(session, loan, language, accessories=out,
                                         condition=condition, deposit_cents=deposit,
                                         signed_by=signed_by, day=today(session))
    if case.state == "repaired":  # lent late: due back from today
        loan.expected_return = policy.expected_return(today(session),
                                                      settings_of(session).grace_days)
    unit.status = "on_loan"
    unit.condition = condition
    if deposit:
        session.add(LoanerMoney(loan_id=loan.id, case_id=case.id, kind="deposit",
                                amount_cents=deposit, method=method,
                                user_id=actor.id if actor else None, region_id=case.region_id))
        _case_event(session, case.id, actor, "loaner.deposit",
                    N_("Loaner deposit %(amount)s (%(method)s)"),
                    {"amount": _money(deposit), "method": _method(method)},
                    {"amount_cents": deposit, "method": method, "loan_id": loan.id})
    photos = attach_photos(session, loan, actor, "lend", data.get("photos"))
    _release(session, case, loan, actor, unit.body_code)
    _event(session, unit, "lent", actor, N_("Case %(case)s, signed by %(name)s"), loan,
           {"case": case.id, "name": signed_by})
    _case_event(session, case.id, actor, "loaner.lent", N_("Loaner %(code)s lent"),
                {"code": unit.body_code}, {"loan_id": loan.id})
    audit.record(session, "loaner_loan", loan.id, "lend", after={
        "unit": unit.body_code, "deposit_cents": deposit, "accessories": out,
        "condition": condition, "photos": photos}, region_id=loan.region_id)
    return loan


# --- recall and reminders ---------------------------------------------------------------------


RECALL_SUBJECT = N_("Your repaired unit is ready: please bring back the loaner")
RECALL_BODY = N_("Dear %(customer)s, the repair of case %(case)s is finished. Please return "
                 "loaner %(code)s (%(model)s) with all its accessories (%(accessories)s) by "
                 "%(due)s when you collect your unit.")
REMINDER_SUBJECT = N_("Reminder: loaner %(code)s is overdue")
REMINDER_BODY = N_("Dear %(customer)s, loaner %(code)s lent for case %(case)s was due back on "
                   "%(due)s (%(days)s day(s) ago). Please return it complete to %(point)s.")

DUE_SUBJECT = N_("Reminder: loaner %(code)s is due back on %(due)s")
DUE_BODY = N_("Dear %(customer)s, loaner %(code)s lent for case %(case)s is due back on "
              "%(due)s. Please return it complete, with its accessories (%(accessories)s), "
              "to %(point)s.")


def _message(session: Session, loan: Loan, kind: str, subject: str, body: str,
             params: dict[str, object], essential: bool) -> None:
    case = loan.case
    channel, recipient = ("sms", case.contact_phone) if case.contact_phone else \
        ("email", case.customer.email if case.customer else "")
    # No address on file: the case event written beside it still tells the desk to call.
    with contextlib.suppress(DomainError):
        queue_message(session, kind=kind, channel=channel, recipient=recipient,
                      subject=subject, body=body, params=params, case=case,
                      essential=essential, source="loaner")


def recall(session: Session, case: ServiceCase, actor: User | None) -> list[Loan]:
    """E-2: when the repaired unit is ready, the loaner comes back: due date set, the
    customer told through the outbox, the case and the unit's history told too."""
    recalled = []
    grace = settings_of(session).grace_days
    for loan in loans_of_case(session, case):
        if loan.status != "lent" or loan.recalled_at is not None:
            continue
        loan.recalled_at = plugin_api.utcnow()
        loan.expected_return = policy.expected_return(today(session), grace)
        params: dict[str, object] = {
            "customer": case.contact_name, "case": case.id, "code": loan.loaner.body_code,
            "model": loan.loaner.model_code, "due": loan.expected_return.isoformat(),
            "accessories": ", ".join(loan.accessories_out or []) or "-"}
        _message(session, loan, "loaner.recall", RECALL_SUBJECT, RECALL_BODY, params, True)
        _event(session, loan.loaner, "recalled", actor, N_("Due back on %(due)s"), loan,
               {"due": str(loan.expected_return)})
        _case_event(session, case.id, actor, "loaner.recall",
                    N_("Loaner %(code)s recalled, due back %(due)s"),
                    {"code": loan.loaner.body_code, "due": loan.expected_return.isoformat()},
                    {"loan_id": loan.id})
        recalled.append(loan)
    return recalled


def overdue_loans(session: Session, on: date) -> list[Loan]:
    return with_loaners(session, list(session.scalars(select(Loan).where(
        Loan.status == "lent", Loan.expected_return.is_not(None), Loan.expected_return < on,
    ).order_by(Loan.expected_return, Loan.id))))


def remind_overdue(session: Session, on: date) -> tuple[int, int]:
    """The periodic job: mark overdue loans and send the reminders that are due (at most one
    per loan a day, then every ``reminder_interval_days``). Safe to run again."""
    interval = settings_of(session).reminder_interval_days
    due = overdue_loans(session, on)
    sent = 0
    for found in due:
        loan = lock_row(session, Loan, found.id)
        if loan is None or loan.status != "lent":
            continue
        if loan.overdue_since is None:
            loan.overdue_since = on
        if not policy.reminder_due(loan.expected_return, loan.last_reminder_on, on, interval):
            continue
        days = policy.overdue_days(loan.expected_return, on)
        case = loan.case
        _message(session, loan, "loaner.reminder", REMINDER_SUBJECT, REMINDER_BODY, {
            "customer": case.contact_name, "case": case.id, "code": loan.loaner.body_code,
            "due": str(loan.expected_return), "days": days,
            "point": loan.loaner.service_point.name}, False)
        loan.reminders += 1
        loan.last_reminder_on = on
        _event(session, loan.loaner, "reminded", None, N_("%(n)d day(s) overdue"), loan,
               {"n": days})
        _case_event(session, case.id, None, "loaner.reminder",
                    N_("Loaner %(code)s overdue %(days)s day(s): reminder %(n)s sent"),
                    {"code": loan.loaner.body_code, "days": days, "n": loan.reminders},
                    {"loan_id": loan.id})
        sent += 1
    return len(due), sent


def remind_due(session: Session, on: date) -> int:
    """The periodic job: the one reminder before the due date, ``remind_days_before`` days
    ahead ([plugin.loaner]; 0 turns it off), through the customer outbox. The loan's row
    lock and ``due_reminder_on`` make it once per loan, however often the job runs."""
    days_before = settings_of(session).remind_days_before
    if days_before <= 0:
        return 0
    candidates = session.scalars(select(Loan.id).where(
        Loan.status == "lent", Loan.due_reminder_on.is_(None),
        Loan.expected_return.is_not(None), Loan.expected_return >= on,
        Loan.expected_return <= on + timedelta(days=days_before)).order_by(Loan.id))
    sent = 0
    for loan_id in list(candidates):
        loan = lock_row(session, Loan, loan_id)
        if loan is None or loan.status != "lent" or not policy.due_reminder_due(
                loan.expected_return, loan.due_reminder_on, on, days_before):
            continue
        case = loan.case
        _message(session, loan, "loaner.due_reminder", DUE_SUBJECT, DUE_BODY, {
            "customer": case.contact_name, "case": case.id, "code": loan.loaner.body_code,
            "due": str(loan.expected_return),
            "accessories": ", ".join(loan.accessories_out or []) or "-",
            "point": loan.loaner.service_point.name}, False)
        loan.due_reminder_on = on
        _event(session, loan.loaner, "due_reminded", None, N_("Due back on %(due)s"), loan,
               {"due": str(loan.expected_return)})
        _case_event(session, case.id, None, "loaner.due_reminder",
                    N_("Loaner %(code)s due back %(due)s: reminder sent"),
                    {"code": loan.loaner.body_code, "due": str(loan.expected_return)},
                    {"loan_id": loan.id})
        sent += 1
    return sent


# --- return -------------------------------------------------------------------------------------


def _refund(session: Session, case: ServiceCase, loan: Loan, actor: User | None, amount: int,
            method: str) -> str:
    """Give the rest of the deposit back: through core's ``record_refund`` when this core
    has it (issue 10), else as a row of this plugin's ledger. Returns core's reference."""
    if amount <= 0:
        return ""
    ref = ""
    record_refund = getattr(plugin_api, "record_refund", None)
    if record_refund is not None and actor is not None:
        # issue 10: core pays back only what it owes, so the deposit held is granted first
        plugin_api.grant_credit(session, case, actor, kind="deposit", amount_cents=amount,
                                description=Message(N_("Loaner deposit (loan %(loan)s)"),
                                                    {"loan": f"L{loan.id:06d}"}),
                                source=f"loaner:{loan.id}")
        refund = record_refund(session, case, actor, {
            "amount_cents": amount, "method": method, "kind": "deposit",
            "reason": Message(N_("Loaner deposit refund (loan %(loan)s)"),
                              {"loan": f"L{loan.id:06d}"})})
        ref = f"core:{getattr(refund, 'id', '')}"
    session.add(LoanerMoney(loan_id=loan.id, case_id=case.id, kind="refund",
                            amount_cents=-amount, method=method, core_ref=ref,
                            user_id=actor.id if actor else None, region_id=case.region_id))
    _case_event(session, case.id, actor, "loaner.refund",
                N_("Loaner deposit refunded %(amount)s (%(method)s)"),
                {"amount": _money(amount), "method": _method(method)},
                {"amount_cents": amount, "method": method, "loan_id": loan.id})
    return ref


def return_loan(session: Session, loan_id: object, actor: User | None,
                data: dict[str, Any]) -> Loan:
    """Check-in against the checklist: every missing or damaged item becomes a charge line
    on the case; the deposit pays the charges first, the rest is refunded; the unit goes to
    *in check*. A return racing a lend or another return of the same loan: one wins."""
    problems = Problems()
    condition = problems.choice(data, "condition", policy.CONDITIONS)
    states = data.get("accessories") or {}
    if not isinstance(states, dict):
        problems.add("accessories", N_("Give each accessory's state: ok, missing or damaged."))
        states = {}
    problems.raise_if_any()
    case, loan = _lock_loan(session, loan_id)
    if loan.status != "lent":
        raise Conflict(N_("This loaner is not out: it was returned already or never lent."),
                       code="not_lent")
    unit = _lock_unit(session, loan)
    back: list[dict[str, Any]] = []
    lines: list[policy.ReturnLine] = []
    for item in loan.accessories_out or []:
        state = states.get(item, "ok")
        if state not in ("ok", "missing", "damaged"):
            raise DomainError(N_("Choose one of: %(choices)s."),
                              params={"choices": "ok, missing, damaged"},
                              field=f"accessories.{item}")
        price = price_item(session, unit.model_code, item) if state != "ok" else 0
        back.append({"item": item, "state": state, "price_cents": price})
        if state != "ok":
            lines.append(policy.ReturnLine(item, price, state))
    if condition == "damaged" and loan.condition_out != "damaged":
        price = price_item(session, unit.model_code, UNIT_DAMAGE)
        lines.append(policy.ReturnLine(UNIT_DAMAGE, price, "damaged"))
        back.append({"item": UNIT_DAMAGE, "state": "damaged", "price_cents": price})
    charges, kept, refund = policy.settle(loan.deposit_cents, lines)
    pm = session.info["pm"]
    charged_on_case = case.state in QUOTABLE_STATES
    for line in lines:
        if charged_on_case:
            add_charge(session, pm, case, actor, {
                "kind": "other", "description": Message(
                    N_("Loaner %(code)s: %(item)s (%(state)s)"),
                    {"code": unit.body_code, "item": line.item,
                     "state": Term(ITEM_STATES.get(line.reason, line.reason))}),
                "unit_price_cents": line.price_cents, "clause": policy.CLAUSE,
                "source": f"loaner:{loan.id}:{line.item}"[:64]})
    if charged_on_case and case.state not in PAYABLE_STATES:
        kept, refund = 0, loan.deposit_cents  # the charges stay payable on the quote
    if kept:
        ref = ""
        if charged_on_case and actor is not None:
            payment = plugin_api.record_payment(session, case, actor, {
                "amount_cents": kept, "method": loan.deposit_method or "cash"})
            ref = f"core:{payment.id}"
        session.add(LoanerMoney(loan_id=loan.id, case_id=case.id, kind="kept",
                                amount_cents=-kept, method=loan.deposit_method, core_ref=ref,
                                user_id=actor.id if actor else None, region_id=case.region_id))
        _case_event(session, case.id, actor, "loaner.deposit_kept",
                    N_("Loaner deposit kept %(amount)s for missing or damaged items"),
                    {"amount": _money(kept)}, {"amount_cents": kept, "loan_id": loan.id})
    _refund(session, case, loan, actor, refund, loan.deposit_method or "cash")
    photos = attach_photos(session, loan, actor, "return", data.get("photos"))
    loan.status = "returned"
    loan.returned_at = plugin_api.utcnow()
    loan.returned_by_id = actor.id if actor else None
    loan.accessories_back = back
    loan.condition_back = condition
    loan.charges_cents = charges
    loan.refund_cents = refund
    loan.open_unit_id = None
    unit.status = "in_check"
    unit.condition = condition
    missing = [b for b in back if b["state"] != "ok"]
    _event(session, unit, "returned", actor,
           N_("Not complete: %(items)s") if missing else N_("complete"), loan,
           {"items": _items(missing)} if missing else None)
    lost = ", ".join(b["item"] for b in back if b["state"] == "missing")
    broken = ", ".join(b["item"] for b in back if b["state"] == "damaged")
    _case_event(session, case.id, actor, "loaner.returned",
                N_("Loaner %(code)s returned; missing: %(missing)s; damaged: %(damaged)s")
                if missing else N_("Loaner %(code)s returned complete"),
                {"code": unit.body_code, "missing": lost or "-", "damaged": broken or "-"},
                {"loan_id": loan.id, "charges_cents": charges, "refund_cents": refund})
    audit.record(session, "loaner_loan", loan.id, "return", after={
        "condition": condition, "charges_cents": charges, "kept_cents": kept,
        "refund_cents": refund, "charged_on_case": charged_on_case, "photos": photos},
        region_id=loan.region_id)
    return loan


def grant_exception(session: Session, case_id: object, actor: User, reason: str) -> Loan:
    """A supervisor's written exception: the case may close or ship back while its loaner
    is still out (E-2 otherwise vetoes it). The loan stays open and overdue reminders go on."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Write the reason for the exception."), field="reason")
    case = lock_case(session, plugin_api.get_case(session, case_id).id)
    lent = [loan for loan in loans_of_case(session, case) if loan.status == "lent"]
    if not lent:
        raise Conflict(N_("This case has no loaner out."), code="not_lent")
    loan = lock_row(session, Loan, lent[0].id)
    assert loan is not None
    loan.exception_reason = reason[:400]
    _case_event(session, case.id, actor, "loaner.exception",
                N_("Case may close with loaner %(code)s out: %(reason)s"),
                {"code": loan.loaner.body_code, "reason": reason}, {"loan_id": loan.id})
    audit.record(session, "loaner_loan", loan.id, "exception", after={"reason": reason},
                 region_id=loan.region_id)
    return loan


def blocking_loans(session: Session, case: ServiceCase) -> list[Loan]:
    return [loan for loan in loans_of_case(session, case)
            if loan.status == "lent" and not loan.exception_reason]


def close_requests(session: Session, case: ServiceCase, actor: User | None) -> None:
    """A case that ends (closed, refused, cancelled) gives back any unit it only reserved."""
    for found in loans_of_case(session, case):
        if found.status not in ("requested", "approved"):
            continue
        loan = lock_row(session, Loan, found.id)
        if loan is None or loan.status not in ("requested", "approved"):
            continue
        loan.status = "cancelled"
        loan.decision_note = f"case {case.state}"
        unit = _free_unit(session, loan, "available")
        _event(session, unit, "cancelled", actor, N_("The case ended: %(state)s"), loan,
               {"state": case.state})


# --- lists and numbers ----------------------------------------------------------------------------


def with_loaners(session: Session, rows: list[Loan]) -> list[Loan]:
    """Load the units of ``rows`` another region owns (HQ's lent to this region's cases) in
    one query, so ``Loan.loaner`` finds them in the session: no query per row."""
    missing = {loan.unit_id for loan in rows if loan.unit is None}
    if missing:
        with across_regions(session):
            found = {unit.id: unit for unit in session.scalars(
                select(LoanerUnit).where(LoanerUnit.id.in_(missing)))}
        for loan in rows:
            if loan.unit is None:
                loan.__dict__["_loaner"] = found.get(loan.unit_id)
    return rows


def loans(session: Session, *, status: str = "", overdue_on: date | None = None,
          approval_point_id: int | None = None, page: int = 1) -> tuple[list[Loan], int]:
    query = select(Loan)
    if status:
        query = query.where(Loan.status == status)
    if overdue_on is not None:
        query = query.where(Loan.status == "lent", Loan.expected_return < overdue_on)
    if approval_point_id is not None:
        query = query.where(Loan.status == "requested",
                            Loan.approval_point_id == approval_point_id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(Loan.id.desc())
                           .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return with_loaners(session, list(rows)), total


#: The longest period the numbers cover (a year and a day: a leap year fits).
MAX_PERIOD_DAYS = 366
#: The period shown when none is asked for: the last 30 days, today included.
DEFAULT_PERIOD_DAYS = 30


def period(on: date, start: object = None, end: object = None) -> tuple[date, date]:
    """The numbers' period, both days included: ``start``/``end`` as ISO dates (empty: the
    last 30 days to ``on``); a reversed or longer-than-a-year period is refused."""
    def day(value: object, field: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise DomainError(N_("Give the date as YYYY-MM-DD."), field=field) from None

    last = day(end, "to") or on
    first = day(start, "from") or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise DomainError(N_("The period starts after it ends."), field="from")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(N_("A period of at most %(n)s days."), params={"n": MAX_PERIOD_DAYS},
                          field="from")
    return first, last


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range(max((last - first).days + 1, 0))}


def unit_utilisation(session: Session, on: date, first: date, last: date,
                     ) -> list[dict[str, Any]]:
    """Per unit over the period (both days included): the days it was in the pool (from the
    day it was added, to the day it was retired) and the days it was out on loan (from the
    day lent to the day returned, or to today while still out), each calendar day counted
    once; utilisation = days on loan / days in the pool."""
    tz = session.info["settings"].tz
    pool = list(session.scalars(select(LoanerUnit).order_by(LoanerUnit.body_code)))
    retired_on: dict[int, date] = {}
    for event in session.scalars(select(LoanerEvent).where(LoanerEvent.kind == "retired")
                                 .order_by(LoanerEvent.at)):
        retired_on[event.unit_id] = event.at.astimezone(tz).date()
    out: dict[int, set[date]] = {}
    for loan in session.scalars(select(Loan).where(Loan.lent_at.is_not(None))):
        assert loan.lent_at is not None
        back = loan.returned_at.astimezone(tz).date() if loan.returned_at else on
        out.setdefault(loan.unit_id, set()).update(
            _days(max(loan.lent_at.astimezone(tz).date(), first), min(back, last)))
    rows = []
    for unit in pool:
        added = unit.created_at.astimezone(tz).date()
        gone = retired_on.get(unit.id) if unit.status == "retired" else None
        pool_days = _days(max(added, first), min(gone or last, last, on))
        if not pool_days:
            continue  # not in the pool during the period
        lent = out.get(unit.id, set()) & pool_days
        rows.append({"unit_id": unit.id, "code": unit.body_code,
                     "point": unit.service_point.code, "model": unit.model_code,
                     "days_available": len(pool_days), "days_on_loan": len(lent),
                     "utilisation": round(100 * len(lent) / len(pool_days), 1)})
    return rows


def numbers(session: Session, on: date, first: date | None = None,
            last: date | None = None) -> list[dict[str, Any]]:
    """Per pool and model: units, out now, utilisation over the period (days on loan / days
    in the pool, see ``unit_utilisation``), loans, average and longest loan in days, overdue
    count and days, units never lent. Region-scoped like every query."""
    if first is None or last is None:
        first, last = period(on)
    pool = list(session.scalars(select(LoanerUnit).where(LoanerUnit.status != "retired")))
    all_loans = list(session.scalars(select(Loan).where(Loan.lent_at.is_not(None))))
    lent_units = {loan.unit_id for loan in all_loans}
    groups: dict[tuple[str, str], dict[str, Any]] = {}

    def group(key: tuple[str, str]) -> dict[str, Any]:
        return groups.setdefault(key, {
            "point": key[0], "model": key[1], "units": 0, "out": 0, "loans": 0, "days": [],
            "overdue": 0, "overdue_days": 0, "never_lent": [], "days_available": 0,
            "days_on_loan": 0})

    for unit in pool:
        row = group((unit.service_point.code, unit.model_code))
        row["units"] += 1
        if unit.status == "on_loan":
            row["out"] += 1
        if unit.id not in lent_units:
            row["never_lent"].append(unit.body_code)
    for used in unit_utilisation(session, on, first, last):
        row = group((used["point"], used["model"]))
        row["days_available"] += used["days_available"]
        row["days_on_loan"] += used["days_on_loan"]
    by_unit = {u.id: u for u in pool}
    for loan in all_loans:
        unit = by_unit.get(loan.unit_id)
        if unit is None:
            continue
        row = groups[(unit.service_point.code, unit.model_code)]
        row["loans"] += 1
        assert loan.lent_at is not None
        end: datetime | date = loan.returned_at or datetime.now(loan.lent_at.tzinfo)
        row["days"].append(max((end - loan.lent_at).days, 0))  # type: ignore[operator]
        late = policy.overdue_days(loan.expected_return, on) if loan.status == "lent" else 0
        if late:
            row["overdue"] += 1
            row["overdue_days"] += late
    result = []
    for row in sorted(groups.values(), key=lambda r: (r["point"], r["model"])):
        days = row.pop("days")
        row["utilisation"] = round(100 * row["days_on_loan"] / row["days_available"], 1) \
            if row["days_available"] else 0.0
        row["average_days"] = round(sum(days) / len(days), 1) if days else 0
        row["longest_days"] = max(days) if days else 0
        result.append(row)
    return result


def search_cases(session: Session, text: str) -> list[ServiceCase]:
    query = select(ServiceCase).where(ServiceCase.state.in_(policy.REQUEST_STATES))
    if text:
        query = query.where(or_(ServiceCase.contact_name.ilike(f"%{text}%"),
                                ServiceCase.body_code_text.ilike(f"%{text}%")))
    return list(session.scalars(query.order_by(ServiceCase.id.desc()).limit(20)))
