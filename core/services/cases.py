"""Reading cases: by id (scoped, 404 otherwise), and lists with filters and keyset paging."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, or_, select, tuple_
from sqlalchemy.orm import Session, aliased, defaultload, joinedload

from core.entities import Customer, ServiceCase, ServicePoint, Unit, User
from core.entities.cases import STATES
from core.errors import DomainError, NotFound
from core.i18n import N_
from core.settings import Settings

PAGE_SIZE = 50
#: What a list row shows: the case, its unit's body code, customer, service point and
#: technician, in one statement. Without these options every listed case also joined the
#: unit's model and buyer, the service point's region, the technician's service point and
#: region, and then ran two more statements for the technician's roles and permissions
#: (a ten-way join to print four columns, issue 11). Deeper relations still load lazily if a
#: caller touches them, so nothing is silently missing.
LIST_LOADING = (
    joinedload(ServiceCase.unit).lazyload("*"),
    joinedload(ServiceCase.customer).lazyload("*"),
    joinedload(ServiceCase.service_point).lazyload("*"),
    joinedload(ServiceCase.technician).lazyload("*"),
)
SORTS = {"newest": ("opened_at", True), "oldest": ("opened_at", False),
         "updated": ("updated_at", True)}




class PointName(NamedTuple):
    """A service point as a list row names it (``named()`` reads ``name`` and ``name_zh``)."""

    code: str
    name: str
    name_zh: str


class CaseRow(NamedTuple):
    """One line of the case list (page and API): the columns it prints, read as a plain row.
    Building four ORM objects per line (case, unit, customer, service point, technician) was
    most of the list's database side and none of it was needed to print it (issue 11). The
    joined records are ``None`` alike when the case has none (no unit, no technician)."""

    id: int
    state: str
    intake_on: date
    opened_at: datetime
    updated_at: datetime
    body_code_text: str
    model_code: str
    contact_phone: str
    coverage_class: str | None
    unit_body_code: str | None
    customer_name: str | None
    customer_company: str | None
    point_code: str | None
    point_name: str | None
    point_name_zh: str | None
    technician_login: str | None
    technician_name: str | None

    @property
    def reference(self) -> str:
        return ServiceCase.reference_of(self.id)

    @property
    def service_point(self) -> PointName | None:
        if self.point_code is None:
            return None
        return PointName(self.point_code, self.point_name or "", self.point_name_zh or "")


# Aliases, so that a filter's subquery on the same table (a customer's name, a technician's
# login) is not correlated to the list's join.
_unit = aliased(Unit, name="list_unit")
_customer = aliased(Customer, name="list_customer")
_point = aliased(ServicePoint, name="list_point")
_technician = aliased(User, name="list_technician")
_ROW_COLUMNS = {
    "unit_body_code": _unit.body_code, "customer_name": _customer.name,
    "customer_company": _customer.company, "point_code": _point.code,
    "point_name": _point.name, "point_name_zh": _point.name_zh,
    "technician_login": _technician.login, "technician_name": _technician.display_name,
}


#: The columns of :class:`CaseRow`, each case outer-joined to its unit, customer, service
#: point and technician as ``LIST_LOADING`` joined them; built once (each page adds its filters
#: to a copy). The region scope is added by the session as for any ORM statement, to the case
#: and, in the joins, to the customer, service point and technician.
LIST_SELECT: Select[Any] = (
    select(*[_ROW_COLUMNS[name].label(name) if name in _ROW_COLUMNS
             else getattr(ServiceCase, name) for name in CaseRow._fields])
    .select_from(ServiceCase)
    .outerjoin(_unit, ServiceCase.unit_id == _unit.id)
    .outerjoin(_customer, ServiceCase.customer_id == _customer.id)
    .outerjoin(_point, ServiceCase.service_point_id == _point.id)
    .outerjoin(_technician, ServiceCase.technician_id == _technician.id))


def local_today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


# issue 11: the technician's roles (and their permissions) load only if asked for. The
# statement is built once with the id as a bound value: building it and its cache key on
# every page load cost about half as much as running it.
_CASE_OPTIONS = (defaultload(ServiceCase.technician).lazyload(User.roles),)
_CASE_BY_ID = select(ServiceCase).where(ServiceCase.id == bindparam("case_id")) \
    .options(*_CASE_OPTIONS)


def get_case(session: Session, case_id: object) -> ServiceCase:
    """The case if it exists *and* is in the user's scope; otherwise the same 404."""
    try:
        number = int(str(case_id))
    except ValueError:
        raise NotFound(N_("No such case.")) from None
    if session.identity_key(ServiceCase, number) in session.identity_map:
        # already in the session (an action reads it again): the identity map's rules
        case = session.get(ServiceCase, number, options=_CASE_OPTIONS)
    else:
        case = session.scalars(_CASE_BY_ID, {"case_id": number}).one_or_none()
    if case is None:
        raise NotFound(N_("No such case."))
    return case


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    next_cursor: str | None
    filters: dict[str, str]


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    """A cursor of this module's making, checked field by field (issue 17): anything else,
    however it decodes, is a 400 rather than a 500."""
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not (isinstance(values, list) and len(values) == 2 and isinstance(values[0], str)
                and type(values[1]) is int and 0 < values[1] < 2**63):
            raise ValueError("not a cursor")
        at = datetime.fromisoformat(values[0])
        if at.tzinfo is None:
            raise ValueError("no time zone")
        return [at, values[1]]
    except (ValueError, TypeError, IndexError, RecursionError):
        raise DomainError(N_("The page link is damaged; start from the first page."),
                          field="after", status_code=400) from None


def filtered_cases(params: dict[str, str], base: Select[Any] | None = None
                   ) -> tuple[Select[Any], dict[str, str]]:
    """The filters of the case list as one statement (scope is added by the session), on
    ``select(ServiceCase)`` or on ``base``, a select from the case table."""
    query = select(ServiceCase) if base is None else base
    used: dict[str, str] = {}
    state = params.get("state", "")
    if state:
        if state == "open":
            query = query.where(ServiceCase.state.not_in(("closed", "refused", "cancelled")))
        elif state in STATES:
            query = query.where(ServiceCase.state == state)
        else:
            raise DomainError(N_("Unknown state %(state)r."), params={"state": state},
                              field="state", status_code=400)
        used["state"] = state
    for field, column in (("service_point", ServicePoint.code), ("technician", User.login)):
        value = params.get(field, "").strip()
        if value:
            target = ServicePoint if field == "service_point" else User
            key = ServiceCase.service_point_id if field == "service_point" \
                else ServiceCase.technician_id
            query = query.where(key.in_(select(target.id).where(column == value)))
            used[field] = value
    hold = params.get("hold", "").strip()
    if hold:  # "any" or a kind of hold: cases with such a hold open now
        from core.entities import CaseHold

        held = select(CaseHold.case_id).where(CaseHold.released_at.is_(None))
        if hold != "any":
            held = held.where(CaseHold.kind == hold)
        query = query.where(ServiceCase.id.in_(held))
        used["hold"] = hold
    model = params.get("model", "").strip().upper()
    if model:
        query = query.where(ServiceCase.model_code == model)
        used["model"] = model
    for field, op in (("from", "ge"), ("to", "le")):
        value = params.get(field, "").strip()
        if value:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise DomainError(N_("%(value)r is not a date (YYYY-MM-DD)."),
                                  params={"value": value}, field=field,
                                  status_code=400) from None
            query = query.where(ServiceCase.intake_on >= day if op == "ge"
                                else ServiceCase.intake_on <= day)
            used[field] = value
    text = params.get("q", "").strip()
    if text:
        like = f"%{text}%"
        query = query.where(or_(
            ServiceCase.body_code_text == text.upper(),
            ServiceCase.contact_phone.like(like),
            ServiceCase.contact_name.ilike(like),
            ServiceCase.customer_id.in_(select(Customer.id).where(
                or_(Customer.name.ilike(like), Customer.company.ilike(like)))),
            ServiceCase.unit_id.in_(select(Unit.id).where(Unit.body_code.like(
                f"{text.upper()}%"))),
        ))
        used["q"] = text
    return query, used


def _after(column: Any, at: datetime, last_id: int, descending: bool) -> tuple[Any, Any]:
    """The keyset condition "after (at, last_id) in this order", written so a database can
    use it as an index range: a plain bound on the sort column, which the sort column's
    index turns into a range scan, and the row-value comparison ``(column, id) < (at, id)``
    for the ties. The previous ``column < at OR (column = at AND id < last_id)`` was run by
    PostgreSQL as a filter over an index scan from the first row: tens of thousands of rows
    read and thrown away on a deep page (issue 11)."""
    bound = bindparam(None, at, type_=column.type)
    key = bindparam(None, last_id, type_=ServiceCase.id.type)
    if descending:
        return column <= bound, tuple_(column, ServiceCase.id) < tuple_(bound, key)
    return column >= bound, tuple_(column, ServiceCase.id) > tuple_(bound, key)


def case_page(session: Session, params: dict[str, str], page_size: int = PAGE_SIZE
              ) -> CasePage:
    query, used = filtered_cases(params, LIST_SELECT)
    sort = params.get("sort", "newest")
    if sort not in SORTS:
        raise DomainError(N_("Unknown sort %(sort)r."), params={"sort": sort}, field="sort",
                          status_code=400)
    if sort != "newest":
        used["sort"] = sort
    column_name, descending = SORTS[sort]
    column = getattr(ServiceCase, column_name)
    cursor = params.get("after", "")
    if cursor:
        at, last_id = _decode(cursor)
        query = query.where(*_after(column, at, last_id, descending))
    order = (column.desc(), ServiceCase.id.desc()) if descending \
        else (column.asc(), ServiceCase.id.asc())
    rows = [CaseRow._make(row) for row in session.execute(
        query.order_by(*order).limit(page_size + 1))]
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = _encode([getattr(last, column_name), last.id])
    return CasePage(rows, next_cursor, used)


def day_bounds(day: date, settings: Settings) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=settings.tz)
    return start, datetime.combine(day, time.max, tzinfo=settings.tz)
