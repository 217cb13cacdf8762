"""Warehouses and bins (O-1): HQ central and one per service point, more with permission."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    DomainError,
    ImportBatch,
    ImportContext,
    ImportKind,
    ImportRow,
    NotFound,
    Problems,
    Region,
    ServicePoint,
    audit,
    utcnow,
)
from plugins.parts.models import Bin, Part, Warehouse


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
CSV_REQUIRED = ("number", "name", "price")
IMPORT_KIND = "parts_catalogue"
#: The API's field names where the CSV's differ (money in yuan in the file).
_COLUMN_OF = {"cost_cents": "cost", "price_cents": "price"}


def import_batch(session: Session, rows: list[ImportRow], context: ImportContext
                 ) -> ImportBatch:
    """The catalogue import's batch (``register_import_kinds``): add or update parts.

    Each row is validated whole by ``save_part`` and written in a savepoint of its own: a bad
    row is reported as (line, column, reason) and changes nothing, the good rows are kept.
    Rows are applied in file order, so a row may name as its replacement a part added on an
    earlier line. A new part gets the import's stamp as ``created_at`` (the roll-back finds
    it by that); an existing part is updated (a roll-back does not undo that)."""
    from plugins.parts.services import get_part, save_part

    outcome = ImportBatch()
    for row in rows:
        data = {k: (v or "").strip() for k, v in row.values.items()}
        data["cost_cents"] = data.pop("cost", "") or "0"
        data["price_cents"] = data.pop("price", "")
        number = data.get("number", "").upper()
        existing = None
        if number:
            try:
                existing = get_part(session, number)
            except NotFound:
                existing = None
        try:
            with session.begin_nested():
                part = save_part(session, data, existing)
                if existing is None:
                    part.created_at = context.stamp
                    session.flush()
            outcome.inserted += 1
        except DomainError as error:
            for field_name, message in (error.fields or {"": error.message}).items():
                outcome.errors.append((row.line, _COLUMN_OF.get(field_name, field_name),
                                       message))
    return outcome


def roll_back(session: Session, context: ImportContext, rows: list[ImportRow]) -> int:
    """Delete the parts this import added (its stamp, its part numbers); parts it updated
    stay as they are now. A part already stocked or used cannot go (core answers 409)."""
    numbers = sorted({(r.values.get("number") or "").strip().upper() for r in rows} - {""})
    if not numbers:
        return 0
    found = list(session.scalars(select(Part.id).where(
        Part.created_at == context.stamp, func.upper(Part.number).in_(numbers))))
    if not found:
        return 0
    session.execute(update(Part).where(Part.superseded_by_id.in_(found),
                                       Part.id.in_(found))
                    .values(superseded_by_id=None).execution_options(
                        synchronize_session=False))
    return int(session.execute(delete(Part).where(Part.id.in_(found)).execution_options(
        synchronize_session=False)).rowcount or 0)


def import_kind() -> ImportKind:
    return ImportKind(
        IMPORT_KIND, N_("Parts catalogue"), CSV_COLUMNS, import_batch, "parts.catalogue",
        required=CSV_REQUIRED, roll_back=roll_back,
        help=N_("number, name and price are required; cost and price in yuan (12.50); "
                "refurbishable is yes or no; superseded_by names the part that replaces "
                "this one (in the catalogue or on an earlier line). A part number already in "
                "the catalogue is updated."))


def import_catalogue(session: Session, text: str) -> tuple[int, list[tuple[int, str, str]]]:
    """The command line's import (``aftersales parts import-catalogue``): the same batch as
    the import page's job, on a file read at once. Returns (saved, errors)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise DomainError(N_("The file lacks the columns: %(columns)s."),
                          params={"columns": ", ".join(missing)}, field="file")
    rows = [ImportRow(reader.line_num, dict(zip(header, cells, strict=False)))
            for cells in reader if any(c.strip() for c in cells)]
    outcome = import_batch(session, rows, ImportContext("", 0, None, utcnow()))
    return outcome.inserted, [(line, column, str(reason))
                              for line, column, reason in outcome.errors]
