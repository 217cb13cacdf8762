"""Read-only views of the service desk: the dashboard's numbers (P-6), one case's whole file,
the finance desk's open cash (P-4), the choices of the case list's filters and the batches of
the CSV export.

Every query runs through the session's region scope, so a regional user's numbers are that
region's without any filter here.
"""

from __future__ import annotations

import statistics
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import Select, bindparam, case, func, literal, select, union, union_all
from sqlalchemy import event as orm_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload, lazyload

from core.db import UTCDateTime
from core.entities import (
    CaseCredit,
    CaseEvent,
    CaseHold,
    Charge,
    Confirmation,
    CreditNote,
    FaultLine,
    Handover,
    Payment,
    ProductModel,
    Region,
    ServiceCase,
    ServicePoint,
    UnitSwap,
    User,
    UserRole,
)
from core.entities.cases import OPEN_STATES
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.services import payments as payments_service
from core.services.cases import LIST_LOADING
from core.services.workflow import TECHNICIAN_ROLE

#: Age buckets of open cases: (label, lower bound in whole days, upper bound or None).
AGE_BUCKETS = (
    (N_("0–2 days"), 0, 3),
    (N_("3–7 days"), 3, 8),
    (N_("8–30 days"), 8, 31),
    (N_("over 30 days"), 31, None),
)
#: P-6: the measured stretches of a case, from which timestamp to which.
STAGES = (
    ("intake_dispatch", N_("Intake → dispatch"), "opened_at", "dispatched_at"),
    ("dispatch_repaired", N_("Dispatch → repaired"), "dispatched_at", "repaired_at"),
    ("repaired_returned", N_("Repaired → returned"), "repaired_at", "returned_at"),
    ("total", N_("Intake → returned"), "opened_at", "returned_at"),
)
TURNAROUND_WINDOWS = (30, 90)
STAGE_KEYS = tuple(key for key, *_ in STAGES)
#: P-6 with holds apart: hours on hold, and intake -> returned less those hours.
HELD_KEYS = ("held", "active")


# --- per-process caches ------------------------------------------------------------------


T = TypeVar("T")


class ScopedCache(Generic[T]):
    """Values reused for a while per process, per database (engine) and region scope: what
    one region's user sees is never shown to another's. The values must be plain data (they
    are shared between requests and threads, read only). Two requests that miss at once both
    compute; the later one's value stays."""

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[Engine, dict[int | None, tuple[float, T]]] \
            = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, session: Session, ttl: float, compute: Callable[[], T]) -> T:
        """The cached value for the session's database and scope, or ``compute()`` when it is
        missing or older than ``ttl`` seconds; ``ttl <= 0`` always computes (nothing kept)."""
        if ttl <= 0:
            return compute()
        engine = session.get_bind().engine
        scope = session.info.get(SCOPE_KEY)
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(engine, {}).get(scope)
        if cached is not None and cached[0] > now:
            return cached[1]
        value = compute()
        with self._lock:
            self._entries.setdefault(engine, {})[scope] = (now + ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# --- dashboard -------------------------------------------------------------------------


def open_by_state(session: Session) -> list[tuple[str, int]]:
    """Open cases per state, in workflow order (states without cases are left out)."""
    counts = dict(session.execute(
        select(ServiceCase.state, func.count()).where(ServiceCase.state.in_(OPEN_STATES))
        .group_by(ServiceCase.state)).all())
    return [(state, int(counts[state])) for state in OPEN_STATES if counts.get(state)]


def open_by_age(session: Session, now: datetime) -> list[tuple[str, int]]:
    """Open cases per age bucket (days since intake), in one query."""
    sums = []
    for _label, low, high in AGE_BUCKETS:
        condition = ServiceCase.opened_at.is_not(None)
        if low:
            condition = condition & (ServiceCase.opened_at <= now - timedelta(days=low))
        if high is not None:
            condition = condition & (ServiceCase.opened_at > now - timedelta(days=high))
        sums.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    row = session.execute(select(*sums).where(ServiceCase.state.in_(OPEN_STATES))).one()
    return [(label, int(count)) for (label, _low, _high), count in
            zip(AGE_BUCKETS, row, strict=True)]


def waiting_for_confirmation(session: Session, limit: int = 8
                             ) -> tuple[int, list[ServiceCase]]:
    """Cases quoted and waiting for the customer (W-4): how many, and the oldest few."""
    count = session.scalar(select(func.count()).select_from(ServiceCase)
                           .where(ServiceCase.state == "quoted")) or 0
    oldest = list(session.scalars(select(ServiceCase).options(*LIST_LOADING)
                                  .where(ServiceCase.state == "quoted")
                                  .order_by(ServiceCase.updated_at, ServiceCase.id)
                                  .limit(limit)))
    return int(count), oldest


def arrivals(session: Session, service_point_id: int, since: datetime, limit: int = 8
             ) -> list[tuple[ServiceCase, CaseEvent]]:
    """Open cases handed to this service point (P-2 transfer) since ``since``, newest
    first, each with its transfer event."""
    rows = session.execute(
        select(ServiceCase, CaseEvent)
        .join(CaseEvent, CaseEvent.case_id == ServiceCase.id)
        # issue 11: the widget prints the case's reference and state and the event's data;
        # none of the entities' default joined loads (a dozen joins per row)
        .options(*(lazyload(relation) for relation in (
            ServiceCase.unit, ServiceCase.customer, ServiceCase.service_point,
            ServiceCase.technician, CaseEvent.user)))
        .where(CaseEvent.kind == "transfer", CaseEvent.at >= since,
               ServiceCase.service_point_id == service_point_id,
               ServiceCase.state.in_(OPEN_STATES))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())).all()
    seen: set[int] = set()
    found = []
    for case_row, event in rows:
        if case_row.id not in seen:
            seen.add(case_row.id)
            found.append((case_row, event))
    return found[:limit]


def on_hold(session: Session) -> list[tuple[str, int]]:
    """Open cases with an open hold, per kind of hold (most first)."""
    rows = session.execute(
        select(CaseHold.kind, func.count(func.distinct(CaseHold.case_id)))
        .join(ServiceCase, ServiceCase.id == CaseHold.case_id)
        .where(CaseHold.released_at.is_(None), ServiceCase.state.in_(OPEN_STATES))
        .group_by(CaseHold.kind)).all()
    return sorted(((str(k), int(n)) for k, n in rows), key=lambda r: (-r[1], r[0]))


@dataclass(frozen=True)
class Turnaround:
    """Median hours of each stage at one service point (None: no case finished it)."""

    service_point: str
    medians: dict[str, float | None]
    counts: dict[str, int]
    service_point_zh: str = ""  # issue 18: the name Chinese readers see

    def point_name(self, locale: str) -> str:
        return self.service_point_zh if locale == "zh_CN" and self.service_point_zh \
            else self.service_point


def _hours(session: Session, column: Any) -> Any:
    """A timestamp column as hours since the epoch, computed by the database: far cheaper
    than turning tens of thousands of timestamps into Python datetimes."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 24.0
    return func.extract("epoch", column) / 3600.0


def turnarounds(session: Session, now: datetime, windows: tuple[int, ...] = TURNAROUND_WINDOWS
                ) -> dict[int, list[Turnaround]]:
    """P-6 medians per service point for each window (days): a stage counts when it ended in
    the window. The database computes the medians of every window in one statement (issue
    11: at a million units the Python version read ~100,000 rows per load)."""
    since = now - timedelta(days=max(windows))
    region = session.info.get(SCOPE_KEY)
    window = ((ServiceCase.dispatched_at >= since) | (ServiceCase.repaired_at >= since)
              | (ServiceCase.returned_at >= since))
    cases_in = select(ServiceCase.service_point_id).where(window)
    if region is not None:
        cases_in = cases_in.where(ServiceCase.region_id == region)
    named = {row[0]: (row[1], row[2]) for row in session.execute(
        select(ServicePoint.id, ServicePoint.name, ServicePoint.name_zh)
        .where(ServicePoint.id.in_(cases_in)))}
    points = {point: names[0] for point, names in named.items()}
    found: dict[int, dict[int, tuple[dict[str, float | None], dict[str, int]]]] = {
        days: {point: ({k: None for k in (*STAGE_KEYS, *HELD_KEYS)},
                       dict.fromkeys((*STAGE_KEYS, *HELD_KEYS), 0)) for point in points}
        for days in windows}
    if points:
        for days, point, key, median, count in session.execute(
                _medians(session, now, windows, region)):
            if point in found[days]:
                found[days][point][0][key] = float(median) if median is not None else None
                found[days][point][1][key] = int(count)
    order = sorted(points, key=lambda p: (points[p], p))
    return {days: [Turnaround(points[p], *found[days][p], named[p][1]) for p in order]
            for days in windows}


def _durations(session: Session, now: datetime, cutoff: datetime, region: int | None
               ) -> Any:
    """``(point, key, hours, ended)`` of every stage that ended at or after ``cutoff``, and hours on
    hold and active for returned cases: the window's cases are read once (each of the three
    end timestamps through its index), their four moments turned into hours once, then each
    stage is a cheap select of that."""
    c = ServiceCase.__table__.c
    cutoff_hours = cutoff.timestamp() / 3600
    # ``+ 0``: SQLite would otherwise read every case in service point order (to feed the
    # median's PARTITION BY) instead of the ranges of the end-timestamp indexes
    base = select(c.id, (c.service_point_id + 0).label("point"),
                  *(_hours(session, c[name]).label(name) for name in
                    ("opened_at", "dispatched_at", "repaired_at", "returned_at"))).where(
        c.id.in_(union(*(select(c.id).where(c[end] >= cutoff) for end in
                         ("dispatched_at", "repaired_at", "returned_at")))))  # 3 index ranges
    if region is not None:
        base = base.where(c.region_id == region)
    cases = base.cte("window_cases")
    k = cases.c
    parts = []
    for key, _label, start, end in STAGES:
        began, ended = k[start], k[end]
        parts.append(select(k.point, literal(key).label("key"), (ended - began).label("hours"),
                            ended.label("ended"))
                     .where(ended >= cutoff_hours, began.is_not(None), ended >= began))
    held = _held_hours_sql(session, now, cutoff, region)
    on_hold = func.coalesce(held.c.hours, 0.0)
    total = k.returned_at - k.opened_at
    joined = cases.outerjoin(held, held.c.case_id == k.id)
    returned = (k.returned_at >= cutoff_hours, k.opened_at.is_not(None),
                k.returned_at >= k.opened_at)
    parts.append(select(k.point, literal("held").label("key"), on_hold.label("hours"),
                        k.returned_at.label("ended"))
                 .select_from(joined).where(*returned))
    active = case((total - on_hold > 0, total - on_hold), else_=0.0)
    parts.append(select(k.point, literal("active").label("key"), active.label("hours"),
                        k.returned_at.label("ended"))
                 .select_from(joined).where(*returned))
    return union_all(*parts).cte("durations")


def _held_hours_sql(session: Session, now: datetime, cutoff: datetime, region: int | None
                    ) -> Any:
    """Hours each returned case of the window spent on hold (open holds count until
    ``now``; overlapping holds of different kinds once), by the database: each hold counts
    from where the holds before it (by start) ended."""
    holds = CaseHold.__table__
    cases = ServiceCase.__table__
    stop = func.coalesce(holds.c.released_at, literal(now, UTCDateTime()))
    earlier = func.max(stop).over(partition_by=holds.c.case_id,
                                  order_by=(holds.c.placed_at, stop), rows=(None, -1))
    in_window = select(cases.c.id).where(cases.c.returned_at >= cutoff)
    if region is not None:
        in_window = in_window.where(cases.c.region_id == region)
    spans = (select(holds.c.case_id, holds.c.placed_at.label("start"), stop.label("stop"),
                    earlier.label("earlier"))
             .where(holds.c.case_id.in_(in_window)).subquery("spans"))
    begin = case((spans.c.earlier > spans.c.start, spans.c.earlier), else_=spans.c.start)
    part = case((spans.c.stop > begin, _hours(session, spans.c.stop) - _hours(session, begin)),
                else_=0.0)
    return (select(spans.c.case_id, func.sum(part).label("hours"))
            .group_by(spans.c.case_id).subquery("held"))


class _Median:
    """SQLite's ``as_median(x)`` aggregate: SQLite has no median; its window functions
    (``row_number`` over the partition) cost twice this at a million units."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def _medians(session: Session, now: datetime, windows: tuple[int, ...], region: int | None
             ) -> Any:
    """``(days, point, key, median hours, count)`` for every window, the stages' durations
    computed once for the widest and grouped per window: PostgreSQL's ``percentile_cont``,
    SQLite's ``as_median`` aggregate (registered on the request's connection)."""
    durations = _durations(session, now, now - timedelta(days=max(windows)), region)
    d = durations.c
    if session.get_bind().dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(d.hours)
    else:
        raw = session.connection().connection.driver_connection
        raw.create_aggregate("as_median", 1, _Median)  # type: ignore[union-attr]
        median = func.as_median(d.hours)
    return union_all(*(
        select(literal(days).label("days"), d.point, d.key, median, func.count())
        .where(d.ended >= (now - timedelta(days=days)).timestamp() / 3600)
        .group_by(d.point, d.key) for days in windows))


def turnaround(session: Session, now: datetime, days: int) -> list[Turnaround]:
    """One window of :func:`turnarounds`."""
    return turnarounds(session, now, (days,))[days]




# --- one case ----------------------------------------------------------------------------


@dataclass
class CaseFile:
    """Everything the case page shows besides the case row itself: a fixed number of queries
    whatever the number of lines, payments or events."""

    case: ServiceCase
    charges: list[Charge]
    faults: list[FaultLine]
    confirmations: list[Confirmation]
    payments: list[Payment]
    events: list[CaseEvent]
    payable_cents: int = 0
    paid_cents: int = 0
    current_confirmation: Confirmation | None = None
    #: issue 10: money out (credits owed, credit notes paid) and an exchange's unit swap
    credits: list[CaseCredit] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    swap: UnitSwap | None = None

    @property
    def credited_cents(self) -> int:
        """The case's own credits (a deposit held is outside its balance)."""
        return sum(c.amount_cents for c in self.credits if c.kind != "deposit")

    @property
    def refunded_cents(self) -> int:
        return sum(n.amount_cents for n in self.credit_notes if n.kind != "deposit")

    @property
    def outstanding_cents(self) -> int:
        return max(0, self.balance_cents)

    @property
    def balance_cents(self) -> int:
        return (self.payable_cents - self.credited_cents - self.paid_cents
                + self.refunded_cents)

    @property
    def refundable_cents(self) -> int:
        return max(0, -self.balance_cents)

    @property
    def confirmed(self) -> bool:
        """W-4: the current quote version has an accepted confirmation."""
        return bool(self.current_confirmation and self.current_confirmation.accepted)

    @property
    def active_charges(self) -> list[Charge]:
        return [c for c in self.charges if c.voided_at is None]


#: A case file's statements, built once with the case id (``{"case_id": ...}``) as a bound
#: value: building each statement and its cache key again on every load of the case page cost
#: about as much as running it (issue 11). The case answer (``core.api.desk``) runs them too.
_CASE_ID = bindparam("case_id")
CASE_CHARGES = select(Charge).where(Charge.case_id == _CASE_ID).order_by(Charge.id)
_FILE_FAULTS = select(FaultLine).where(FaultLine.case_id == _CASE_ID).order_by(FaultLine.id)
CASE_CONFIRMATIONS = select(Confirmation).where(Confirmation.case_id == _CASE_ID) \
    .order_by(Confirmation.id)
# The collector, the payer of a credit note and the swapped units are printed by name or body
# code only: not their service point, region, roles, model or buyer (eight joins less; the
# roles were a further statement per page with payments).
CASE_PAYMENTS = select(Payment).where(Payment.case_id == _CASE_ID) \
    .options(joinedload(Payment.collected_by).lazyload("*")).order_by(Payment.id)
CASE_CREDIT_NOTES = select(CreditNote).where(CreditNote.case_id == _CASE_ID) \
    .options(joinedload(CreditNote.paid_by).lazyload("*")).order_by(CreditNote.id)
_FILE_SWAP = select(UnitSwap).where(UnitSwap.case_id == _CASE_ID).options(
    joinedload(UnitSwap.returned_unit).lazyload("*"),
    joinedload(UnitSwap.replacement_unit).lazyload("*"))


def case_file(session: Session, service_case: ServiceCase) -> CaseFile:
    by_case = {"case_id": service_case.id}
    charges = list(session.scalars(CASE_CHARGES, by_case))
    faults = list(session.scalars(_FILE_FAULTS, by_case))
    confirmations = list(session.scalars(CASE_CONFIRMATIONS, by_case))
    paid = list(session.scalars(CASE_PAYMENTS, by_case))
    # issue 11: the history prints who (name, login), not their service point and region
    events = payments_service.case_events(session, service_case)
    current = [c for c in confirmations if c.quote_version == service_case.quote_version]
    from core.services import refunds

    return CaseFile(
        service_case, charges, faults, confirmations, paid, events,
        payable_cents=sum(c.payable_cents for c in charges),
        paid_cents=sum(p.amount_cents for p in paid),
        current_confirmation=current[-1] if current else None,
        credits=refunds.credits_of(session, service_case),
        credit_notes=list(session.scalars(CASE_CREDIT_NOTES, by_case)),
        swap=session.scalars(_FILE_SWAP, by_case).first(),
    )


# --- case list -----------------------------------------------------------------------------


class PointChoice(NamedTuple):
    code: str
    name: str
    name_zh: str = ""  # issue 18: Chinese readers see it


class TechnicianChoice(NamedTuple):
    login: str
    display_name: str


class ModelChoice(NamedTuple):
    code: str


@dataclass(frozen=True)
class FilterChoices:
    """Plain values, not ORM objects: they are shared between requests and threads."""

    service_points: tuple[PointChoice, ...] = ()
    technicians: tuple[TechnicianChoice, ...] = ()
    models: tuple[ModelChoice, ...] = ()


#: How long the filter choices are reused. They change when an administrator adds a service
#: point, a technician or a product model; a new one showing up in the case list's filter
#: half a minute later is harmless, and the list page no longer runs three queries (and
#: builds a hundred ORM objects) for them on every load (issue 11).
FILTER_CHOICES_TTL = 30.0
_choices_cache: ScopedCache[FilterChoices] = ScopedCache()


def filter_choices(session: Session) -> FilterChoices:
    """What the case list's filter selects offer (within the user's scope), per database and
    region scope, recomputed at most every :data:`FILTER_CHOICES_TTL` seconds."""
    return _choices_cache.get(session, FILTER_CHOICES_TTL,
                              lambda: _load_filter_choices(session))


def _load_filter_choices(session: Session) -> FilterChoices:
    return FilterChoices(
        tuple(PointChoice(*row) for row in session.execute(
            select(ServicePoint.code, ServicePoint.name, ServicePoint.name_zh)
            .order_by(ServicePoint.code))),
        tuple(TechnicianChoice(*row) for row in session.execute(
            select(User.login, User.display_name).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role_id == TECHNICIAN_ROLE).order_by(User.display_name))),
        tuple(ModelChoice(code) for code in session.scalars(
            select(ProductModel.code).order_by(ProductModel.code))),
    )


def clear_filter_choices() -> None:
    """Forget the cached choices (tests, and callers that just changed them)."""
    _choices_cache.clear()


class RegionChoice(NamedTuple):
    id: int
    code: str
    name: str
    name_zh: str


_region_cache: ScopedCache[tuple[RegionChoice, ...]] = ScopedCache()
_REGIONS = select(Region.id, Region.code, Region.name, Region.name_zh).order_by(Region.code)


def region_choices(session: Session) -> tuple[RegionChoice, ...]:
    """The regions HQ's region selector offers on every page, as plain values reused for
    :data:`FILTER_CHOICES_TTL` seconds: one statement and an ORM object per region fewer on
    each page an HQ user loads (issue 11). A region added or renamed through this process is
    shown at once (a flush that touches a region forgets them); another worker process shows
    it within the same half minute."""
    return _region_cache.get(session, FILTER_CHOICES_TTL, lambda: tuple(
        RegionChoice(*row) for row in session.execute(_REGIONS)))


@orm_event.listens_for(Session, "after_flush")
def _forget_regions(session: Session, _context: Any) -> None:
    if any(isinstance(obj, Region)
           for changed in (session.new, session.dirty, session.deleted) for obj in changed):
        _region_cache.clear()


def case_batches(session: Session, statement: Select[tuple[ServiceCase]], batch: int = 500
                 ) -> Iterator[list[ServiceCase]]:
    """Every case of ``statement`` in id order, ``batch`` at a time by keyset. Memory stays
    flat however many cases there are, and each batch is read in a short transaction of its
    own, so a long export never holds the database (SQLite takes its lock at BEGIN)."""
    last_id = 0
    while True:
        rows = list(session.scalars(statement.where(ServiceCase.id > last_id)
                                    .order_by(ServiceCase.id).limit(batch)))
        session.expunge_all()
        session.rollback()  # read-only: end the transaction between batches
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


# --- finance (P-4) -----------------------------------------------------------------------


@dataclass(frozen=True)
class CollectorCash:
    collector: User
    payments: list[Payment]
    #: issue 10: cash paid out on credit notes, deducted (cash in minus cash out)
    credit_notes: list[CreditNote] = field(default_factory=list)

    @property
    def paid_out_cents(self) -> int:
        return sum(n.amount_cents for n in self.credit_notes)

    @property
    def total_cents(self) -> int:
        return sum(p.amount_cents for p in self.payments) - self.paid_out_cents


def cash_by_collector(session: Session) -> list[CollectorCash]:
    """Cash collected (less cash paid out) and not yet handed over, per collector."""
    from core.services.refunds import credit_notes_not_handed_over

    grouped: dict[int, tuple[User, list[Payment], list[CreditNote]]] = {}
    for payment in payments_service.not_handed_over(session):
        grouped.setdefault(payment.collected_by_id,
                           (payment.collected_by, [], []))[1].append(payment)
    for note in credit_notes_not_handed_over(session):
        grouped.setdefault(note.paid_by_id, (note.paid_by, [], []))[2].append(note)
    return [CollectorCash(user, paid, out) for user, paid, out in grouped.values()]


def handovers(session: Session, *, confirmed: bool, collector_id: int | None = None,
              limit: int = 50) -> list[Handover]:
    query = select(Handover).where(Handover.confirmed_at.is_not(None) if confirmed
                                   else Handover.confirmed_at.is_(None))
    if collector_id is not None:
        query = query.where(Handover.collector_id == collector_id)
    order = Handover.confirmed_at.desc() if confirmed else Handover.created_at
    return list(session.scalars(query.order_by(order, Handover.id).limit(limit)))
