"""Warehouses and bins (O-1): HQ central and one per service point, more with permission."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.plugin_api import N_, DomainError, Problems, Region, ServicePoint, audit
from plugins.parts.models import Bin, Warehouse


def create_warehouse(session: Session, data: dict[str, Any]) -> Warehouse:
    """``{code, name, name_zh, region (code), service_point (code), central, bins: [..]}``."""
    problems = Problems()
    code = problems.text(data, "code", max_length=32, label=N_("Code")).upper()
    name = problems.text(data, "name", max_length=160, label=N_("Name"))
    name_zh = problems.text(data, "name_zh", required=False, max_length=160)
    central = problems.boolean(data, "central", False)
    bins = data.get("bins") or []
    if not isinstance(bins, list) or not all(isinstance(b, str) and 0 < len(b.strip()) <= 32
                                             for b in bins):
        problems.add("bins", N_("Bins are a list of short codes."))
        bins = []
    point = None
    region = None
    if data.get("service_point"):
        point = session.scalars(select(ServicePoint).where(
            ServicePoint.code == str(data["service_point"]).strip().upper())).first()
        if point is None:
            problems.add("service_point", N_("No such service point."))
    if data.get("region"):
        region = session.scalars(select(Region).where(
            Region.code == str(data["region"]).strip().upper())).first()
        if region is None:
            problems.add("region", N_("No such region."))
    if point is None and region is None and "service_point" not in problems.fields \
            and "region" not in problems.fields:
        problems.add("region", N_("Name the region or the service point."))
    if code and session.scalars(select(Warehouse.id).where(
            func.upper(Warehouse.code) == code)).first() is not None:
        problems.add("code", N_("Warehouse %(code)s already exists."), code=code)
    problems.raise_if_any()
    region_id = point.region_id if point is not None else region.id  # type: ignore[union-attr]
    warehouse = Warehouse(code=code, name=name, name_zh=name_zh, central=central,
                          service_point_id=point.id if point else None, region_id=region_id)
    session.add(warehouse)
    session.flush()
    for bin_code in sorted({b.strip().upper() for b in bins}):
        session.add(Bin(warehouse_id=warehouse.id, code=bin_code))
    session.flush()
    audit.record(session, "parts_warehouse", warehouse.id, "create", after={"code": code},
                 region_id=region_id)
    return warehouse


CSV_COLUMNS = ("number", "name", "name_zh", "category", "model_codes", "cost", "price",
               "refurbishable", "superseded_by")


def import_catalogue(session: Session, text: str) -> tuple[int, list[tuple[int, str, str]]]:
    """Add or update parts from CSV (``CSV_COLUMNS``; money in yuan, "12.50"). Each row is
    validated whole and written in a savepoint of its own: a bad row is reported as (line,
    column, reason) and changes nothing, the good rows are kept. Rows are applied in file
    order, so a row may name as its replacement a part added on an earlier line."""
    from plugins.parts.models import Part
    from plugins.parts.services import save_part

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("number", "name", "price") if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(N_("The file lacks the columns: %(columns)s."),
                          params={"columns": ", ".join(missing)}, field="file")
    saved, errors = 0, []
    for row in reader:
        line = reader.line_num
        data = {k: (v or "").strip() for k, v in row.items() if k}
        data["cost_cents"] = data.pop("cost", "") or "0"
        data["price_cents"] = data.pop("price", "")
        number = data.get("number", "").upper()
        existing = session.scalars(select(Part).where(func.upper(Part.number) == number)
                                   ).first() if number else None
        try:
            with session.begin_nested():
                save_part(session, data, existing)
            saved += 1
        except DomainError as error:
            for field_name, message in (error.fields or {"": error.message}).items():
                column = {"cost_cents": "cost", "price_cents": "price"}.get(field_name,
                                                                            field_name)
                errors.append((line, column, message))
    return saved, errors
