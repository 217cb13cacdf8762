"""Helpers for the training tests: courses, sessions and certificates made through the
services (fast set-up), and a case brought to the point of dispatch through the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from core.entities import User
from plugins.training import services
from plugins.training.models import Certification, Course, TrainingSession
from tests.core.desk_helpers import bearer, confirm_quote, inspect, move, new_case
from tests.support import Harness

__all__ = ["bearer", "certify", "course", "dispatch", "inspected_case", "move", "session_of",
           "user_id"]


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == login)).one())


def course(h: Harness, code: str = "AMP-101", line: str = "amplifier", models: str = "",
           pass_mark: int = 60, months: int | None = None) -> int:
    with h.session() as session:
        found = session.scalars(select(Course).where(Course.code == code)).first()
        if found is None:
            found = services.create_course(session, {
                "code": code, "title": f"{code} course", "title_zh": f"{code} 课程",
                "product_line": line, "model_codes": models, "pass_mark": pass_mark,
                "validity_months": months})
            session.commit()
        return found.id


def session_of(h: Harness, course_id: int, starts_on: date | None = None,
               **extra: Any) -> int:
    starts_on = starts_on or date.today() - timedelta(days=1)
    with h.session() as session:
        row = services.create_session(session, None, {
            "course_id": course_id, "trainer": "Chen Gong", "place": "HQ training room",
            "starts_on": starts_on.isoformat(), "ends_on": starts_on.isoformat(), **extra},
            date.today())
        session.commit()
        return row.id


def certify(h: Harness, login: str, *, code: str = "AMP-101", line: str = "amplifier",
            models: str = "", issued: date | None = None, months: int | None = None,
            score: int = 90) -> Certification:
    """A pass in a session held on ``issued`` (yesterday by default)."""
    cid = course(h, code, line, models, months=months)
    issued = issued or date.today() - timedelta(days=1)
    sid = session_of(h, cid, issued)
    with h.session() as session:
        ts = session.get(TrainingSession, sid)
        tech = session.scalars(select(User).where(User.login == login)).one()
        result = services.record_result(session, ts, tech, score, None, date.today(),
                                        enrol_if_needed=True)
        session.commit()
        assert result.certification is not None
        return result.certification


def inspected_case(h: Harness, **overrides: Any) -> int:
    """A case of model PA2400 (an amplifier) at HQ, inspected: ready to dispatch."""
    cid = int(new_case(h, bearer(h, "hq-clerk"), **overrides)["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "A")
    confirm_quote(h, cid)  # the warranty plugin may class it B (W-4)
    return cid


def dispatch(h: Harness, case_id: int, login: str, **payload: Any) -> Any:
    return move(h, bearer(h, "hq-supervisor"), case_id, "dispatched",
                technician_id=user_id(h, login), **payload)
