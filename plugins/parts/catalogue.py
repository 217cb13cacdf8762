"""Warehouses and bins (O-1): HQ central and one per service point, more with permission."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.plugin_api import N_, Problems, Region, ServicePoint, audit
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
