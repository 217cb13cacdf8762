"""Helpers for the feedback tests: a department set-up, a case closed through the API, and
the survey token read back from the outbox message the customer got."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from core.entities import OutboxMessage, User
from plugins.feedback.models import Department, RoutingRule
from tests.core.desk_helpers import bearer, confirm_quote, inspect, move, new_case
from tests.support import Harness

__all__ = ["bearer", "closed_case", "departments", "move", "new_case", "survey_token"]


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def departments(h: Harness) -> dict[str, int]:
    """SERVICE (head hq-supervisor, 2 h / 16 h) takes anything; QUALITY (head hq-manager)
    takes product-quality complaints."""
    heads = {login: user_id(h, login) for login in ("hq-supervisor", "hq-manager")}
    with h.session() as session:
        ids = {}
        for code, head, first, resolution in (("SERVICE", "hq-supervisor", 2, 16),
                                              ("QUALITY", "hq-manager", 4, 24)):
            row = session.scalars(select(Department).where(Department.code == code)).first()
            if row is None:
                row = Department(code=code, name=f"{code.title()} dept", name_zh=f"{code}部",
                                 head_id=heads[head], first_response_hours=first,
                                 resolution_hours=resolution)
                session.add(row)
                session.flush()
            ids[code] = row.id
        if session.scalars(select(RoutingRule.id)).first() is None:
            session.add(RoutingRule(department_id=ids["QUALITY"], topic="product_quality",
                                    position=1))
            session.add(RoutingRule(department_id=ids["SERVICE"], position=99))
        session.commit()
        return ids


def closed_case(h: Harness, clerk: str = "hq-clerk", tech: str = "hq-tech",
                **overrides: Any) -> int:
    """A class-A (free) case taken in, repaired, returned and closed through the API."""
    clerk_auth, tech_auth = bearer(h, clerk), bearer(h, tech)
    boss = bearer(h, clerk.split("-")[0] + "-supervisor")
    cid = int(new_case(h, clerk_auth, **overrides)["id"])
    inspect(h, tech_auth, cid, "A")
    confirm_quote(h, cid, clerk.split("-")[0])  # the warranty plugin may class it B (W-4)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("dispatched", {"technician_id": user_id(h, tech)}), ("in_repair", {}),
        ("repaired", {}), ("returned", {}), ("closed", {})]
    for to, payload in steps:
        who = boss if to == "dispatched" else clerk_auth if to in ("returned", "closed") \
            else tech_auth
        answer = move(h, who, cid, to, **payload)
        assert answer.status_code == 200, (to, answer.text)
    return cid


def survey_token(h: Harness, case_id: int) -> str:
    with h.session() as session:
        message = session.scalars(select(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.kind == "feedback.survey")).one()
        match = re.search(r"/s/([A-Za-z0-9_-]+)", message.body)
        assert match, message.body
        return match.group(1)
