"""The organisation (O-1): regions and their service points, created and edited by admins.

Every change is audited (T-2) with the values before and after. Regions and service points
are never deleted: a service point that closes is marked inactive. A service point's region
is fixed when it is created, because its users and cases belong to that region too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import audit
from core.entities import Region, ServicePoint
from core.errors import DomainError
from core.i18n import N_
from core.security.scope import SCOPE_KEY

REGION_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")
POINT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
REGION_FIELDS = ["code", "name", "name_zh", "is_hq"]
POINT_FIELDS = ["code", "name", "name_zh", "region_id", "address", "phone", "active"]

REGION_CODE_HELP = N_("Use 2-16 capital letters, digits, dashes or underscores, starting "
                      "with a letter.")
POINT_CODE_HELP = N_("Use 2-32 capital letters, digits, dashes or underscores.")
CODE_TAKEN = N_("This code is already in use.")
NAME_REQUIRED = N_("Enter a name.")
TOO_LONG = N_("This is too long.")
LAST_HQ = N_("At least one region must stay the headquarters; mark another one first.")
NO_REGION = N_("Choose a region.")


@contextmanager
def unscoped(session: Session) -> Iterator[Session]:
    """The whole database for a moment, for global uniqueness checks (codes and logins are
    unique across regions, so a regional admin must learn that one is taken)."""
    saved = session.info.get(SCOPE_KEY)
    session.info[SCOPE_KEY] = None
    try:
        with session.no_autoflush:
            yield session
    finally:
        session.info[SCOPE_KEY] = saved


def exists_anywhere(session: Session, statement: Select[Any]) -> bool:
    """Whether any row matches in any region. Asked as ``SELECT EXISTS(...)`` so no record
    of another region is loaded into the session (the identity map would otherwise hand it
    out later without the scope)."""
    with unscoped(session):
        return bool(session.scalar(select(statement.exists())))


def contains(column: Any, text: str) -> Any:
    """``column`` contains ``text``, ignoring case; ``%`` and ``_`` are taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _text(errors: dict[str, str], field: str, value: str, max_length: int, *,
          required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, NAME_REQUIRED)
    elif len(value) > max_length:
        errors.setdefault(field, TOO_LONG)
    return value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise DomainError(next(iter(errors.values())), fields=errors)


def _region_values(session: Session, region: Region | None, code: str, name: str,
                   name_zh: str, is_hq: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code = (code or "").strip().upper()
    if not REGION_CODE.match(code):
        errors["code"] = REGION_CODE_HELP
    else:
        taken = select(Region.id).where(Region.code == code)
        if region is not None:
            taken = taken.where(Region.id != region.id)
        if exists_anywhere(session, taken):
            errors["code"] = CODE_TAKEN
    values = {
        "code": code,
        "name": _text(errors, "name", name, 120, required=True),
        "name_zh": _text(errors, "name_zh", name_zh, 120),
        "is_hq": bool(is_hq),
    }
    if region is not None and region.is_hq and not is_hq:
        others = select(func.count()).select_from(Region).where(
            Region.is_hq.is_(True), Region.id != region.id)
        if not session.scalar(others):
            errors["is_hq"] = LAST_HQ
    _raise(errors)
    return values


def create_region(session: Session, *, code: str, name: str, name_zh: str = "",
                  is_hq: bool = False) -> Region:
    values = _region_values(session, None, code, name, name_zh, is_hq)
    region = Region(**values)
    session.add(region)
    session.flush()
    audit.record(session, "region", region.id, "create",
                 after=audit.changes(region, REGION_FIELDS), region_id=region.id)
    return region


def update_region(session: Session, region: Region, *, code: str, name: str, name_zh: str,
                  is_hq: bool) -> Region:
    values = _region_values(session, region, code, name, name_zh, is_hq)
    before = audit.changes(region, REGION_FIELDS)
    for key, value in values.items():
        setattr(region, key, value)
    session.flush()
    after = audit.changes(region, REGION_FIELDS)
    if after != before:
        audit.record(session, "region", region.id, "update", before=before, after=after,
                     region_id=region.id)
    return region


def _point_values(session: Session, point: ServicePoint | None, code: str, name: str,
                  address: str, phone: str, name_zh: str = ""
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    code = (code or "").strip().upper()
    if not POINT_CODE.match(code):
        errors["code"] = POINT_CODE_HELP
    else:
        taken = select(ServicePoint.id).where(ServicePoint.code == code)
        if point is not None:
            taken = taken.where(ServicePoint.id != point.id)
        if exists_anywhere(session, taken):
            errors["code"] = CODE_TAKEN
    values = {
        "code": code,
        "name": _text(errors, "name", name, 160, required=True),
        "name_zh": _text(errors, "name_zh", name_zh, 160),  # issue 18: shown to zh readers
        "address": _text(errors, "address", address, 400),
        "phone": _text(errors, "phone", phone, 40),
    }
    return values, errors


def create_service_point(session: Session, *, code: str, name: str, region_id: int | None,
                         address: str = "", phone: str = "", active: bool = True,
                         name_zh: str = "") -> ServicePoint:
    values, errors = _point_values(session, None, code, name, address, phone, name_zh)
    region = session.get(Region, region_id) if region_id is not None else None
    if region is None:
        errors["region_id"] = NO_REGION
    _raise(errors)
    assert region is not None
    point = ServicePoint(**values, region_id=region.id, active=bool(active))
    session.add(point)
    session.flush()
    audit.record(session, "service_point", point.id, "create",
                 after=audit.changes(point, POINT_FIELDS), region_id=point.region_id)
    return point


def update_service_point(session: Session, point: ServicePoint, *, code: str, name: str,
                         address: str, phone: str, active: bool, name_zh: str = ""
                         ) -> ServicePoint:
    values, errors = _point_values(session, point, code, name, address, phone, name_zh)
    _raise(errors)
    before = audit.changes(point, POINT_FIELDS)
    for key, value in {**values, "active": bool(active)}.items():
        setattr(point, key, value)
    session.flush()
    after = audit.changes(point, POINT_FIELDS)
    if after != before:
        audit.record(session, "service_point", point.id, "update", before=before,
                     after=after, region_id=point.region_id)
    return point
