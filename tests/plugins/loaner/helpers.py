"""Helpers for the loaner tests: pool units made through the service (fast set-up), cases
brought along the workflow through the API, a second HQ service point for cross-point
requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.entities import ServicePoint, User
from plugins.loaner import services
from tests.core.desk_helpers import bearer, confirm_quote, inspect, move, new_case
from tests.support import Harness

__all__ = ["ACCESSORIES", "add_unit", "bearer", "case_id", "lend_body", "move", "point_id",
           "repaired", "user_id"]

ACCESSORIES = "Power cord\nRack ears\nQuick-start guide"


def point_id(h: Harness, code: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(ServicePoint.id).where(ServicePoint.code == code)
                                   ).one())


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def second_hq_point(h: Harness) -> int:
    """A second service point in HQ's region (HQ's own pool in Beijing)."""
    with h.session() as session:
        found = session.scalars(select(ServicePoint).where(ServicePoint.code == "HQ-BJ")).first()
        if found is None:
            hq = session.scalars(select(ServicePoint).where(ServicePoint.code == "HQ-SC")).one()
            found = ServicePoint(code="HQ-BJ", region_id=hq.region_id, name="HQ Beijing pool",
                                 address="Chaoyang, Beijing", phone="010-6000-0000")
            session.add(found)
            session.commit()
        return int(found.id)


def add_unit(h: Harness, seq: int = 1, point: str = "HQ-SC", model: str = "PA2400",
             accessories: str = ACCESSORIES) -> int:
    with h.session() as session:
        unit = services.add_unit(session, None, {
            "body_code": f"{model}-230101-{seq:05d}", "service_point_id": point_id(h, point),
            "accessories": accessories, "condition": "good"})
        session.commit()
        return int(unit.id)


def case_id(h: Harness, login: str = "hq-clerk", **overrides: Any) -> int:
    return int(new_case(h, bearer(h, login), **overrides)["id"])


def repaired(h: Harness, cid: int, region: str = "hq") -> None:
    """Inspected as class A (nothing payable), dispatched, repaired."""
    tech = bearer(h, f"{region}-tech")
    inspect(h, tech, cid, "A")
    confirm_quote(h, cid, region)  # the warranty plugin may class it B (W-4)
    supervisor = bearer(h, f"{region}-supervisor")
    answer = move(h, supervisor, cid, "dispatched", technician_id=user_id(h, f"{region}-tech"))
    assert answer.status_code == 200, answer.text
    for to in ("in_repair", "repaired"):
        answer = move(h, tech, cid, to)
        assert answer.status_code == 200, answer.text


def lend_body(**extra: Any) -> dict[str, Any]:
    return {"condition": "good", "signed_by": "Mr. Huang", "language": "en", **extra}
