"""Helpers for the parts tests: a small catalogue and warehouses made through the services,
and a case brought to repair through the desk API."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from core.entities import ServicePoint, User
from plugins.parts import services
from plugins.parts.models import Warehouse
from tests.core.desk_helpers import bearer, confirm_quote, inspect, move, new_case
from tests.support import Harness

__all__ = ["bearer", "case_in_repair", "setup_parts", "stock_of", "user_id"]


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def setup_parts(h: Harness, hq_qty: int = 5, east_qty: int = 0) -> None:
    """Parts P-OUT (PA2400, refurbishable) and P-FAN (any model); WH-HQ and WH-EAST."""
    with h.session() as session:
        services.save_part(session, {"number": "P-OUT", "name": "Output transistor",
                                     "name_zh": "输出晶体管", "model_codes": "PA2400",
                                     "cost_cents": 2000, "price_cents": 6500,
                                     "refurbishable": True})
        services.save_part(session, {"number": "P-FAN", "name": "Fan", "name_zh": "风扇",
                                     "cost_cents": 500, "price_cents": 1500})
        points = {p.code: p for p in session.scalars(select(ServicePoint))}
        for code, point, central in (("WH-HQ", "HQ-SC", True), ("WH-EAST", "EAST-SH", False),
                                     ("WH-SW", "SW-CD", False)):
            session.add(Warehouse(code=code, name=code, central=central,
                                  service_point_id=points[point].id,
                                  region_id=points[point].region_id))
        session.flush()
        if hq_qty:
            services.receive(session, None, {"part": "P-OUT", "warehouse": "WH-HQ",
                                             "quantity": hq_qty})
        if east_qty:
            services.receive(session, None, {"part": "P-OUT", "warehouse": "WH-EAST",
                                             "quantity": east_qty})
        session.commit()


def stock_of(h: Harness, warehouse: str, part: str = "P-OUT", condition: str = "new"
             ) -> tuple[int, int]:
    """(on hand, reserved)."""
    with h.session() as session:
        from plugins.parts.models import Part, Stock

        row = session.scalars(select(Stock).join(Warehouse, Warehouse.id == Stock.warehouse_id)
                              .join(Part, Part.id == Stock.part_id)
                              .where(Warehouse.code == warehouse, Part.number == part,
                                     Stock.condition == condition)).first()
        return (row.on_hand, row.reserved) if row else (0, 0)


_seq = itertools.count(100)


def body_code(coverage: str) -> str:
    """A PA2400 body code the warranty plugin classes ``coverage`` (A: 100 days old)."""
    made = date.today() - timedelta(days=100 if coverage == "A" else 900)
    return f"PA2400-{made:%y%m%d}-{next(_seq):05d}"


def case_in_repair(h: Harness, coverage: str = "B", region: str = "hq", **overrides: Any
                   ) -> int:
    """A PA2400 case inspected with ``coverage``, dispatched and in repair (no charges yet,
    so no confirmation is needed)."""
    clerk = bearer(h, f"{region}-clerk")
    overrides.setdefault("body_code", body_code(coverage))
    case = new_case(h, clerk, **overrides)
    tech = bearer(h, f"{region}-tech")
    inspect(h, tech, case["id"], coverage)
    confirm_quote(h, case["id"], region)
    moved = move(h, bearer(h, f"{region}-supervisor"), case["id"], "dispatched",
                 technician_id=user_id(h, f"{region}-tech"))
    assert moved.status_code == 200, moved.text
    assert move(h, tech, case["id"], "in_repair").status_code == 200
    return int(case["id"])


def inspected_case(h: Harness, coverage: str = "B", region: str = "hq") -> int:
    clerk = bearer(h, f"{region}-clerk")
    case = new_case(h, clerk, body_code=body_code(coverage))
    inspect(h, bearer(h, f"{region}-tech"), case["id"], coverage)
    return int(case["id"])
