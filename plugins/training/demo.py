"""Demo training data (idempotent): a course per product line, a session held two months ago
where the demo technicians passed, and next month's session.

It runs before core's demo cases (``tryfirst``), which dispatch ``hq-tech``, ``east-tech``
and ``sw-tech``: so it makes sure core's organisation and catalogue exist first (both are
idempotent), then certifies those technicians for every demo model (P-1).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import Settings, User, add_months, seed_core_demo
from plugins.training import services
from plugins.training.models import Course, Participant, TrainingSession

COURSES = [
    ("AMP-101", "Power amplifiers: service and repair", "功率放大器维修", "amplifier", 70),
    ("MIX-101", "Mixers: service and repair", "调音台维修", "mixer", 70),
    ("MIC-101", "Microphones and wireless sets: service and repair", "话筒与无线系统维修",
     "microphone", 60),
]
TRAINER = "Chen Gong"
TECHNICIANS = ("hq-tech", "east-tech", "sw-tech")
DEMO_NOTE = "demo"


def seed(session: Session, settings: Settings) -> None:
    seed_core_demo(session, settings)
    session.info.setdefault("settings", settings)
    courses = {c.code: c for c in session.scalars(select(Course))}
    for code, title, title_zh, line, mark in COURSES:
        if code not in courses:
            courses[code] = services.create_course(session, {
                "code": code, "title": title, "title_zh": title_zh, "product_line": line,
                "pass_mark": mark})
    today = services.local_today(session)
    techs = [u for u in session.scalars(select(User).where(User.login.in_(TECHNICIANS)))]
    for index, (code, *_rest) in enumerate(COURSES):
        course = courses[code]
        held = session.scalars(select(TrainingSession).where(
            TrainingSession.course_id == course.id,
            TrainingSession.notes == DEMO_NOTE)).first()
        if held is None:
            start = today - timedelta(days=60 - index)
            held = services.create_session(session, None, {
                "course_id": course.id, "trainer": TRAINER,
                "place": "HQ training room, Panyu, Guangzhou",
                "starts_on": start.isoformat(), "ends_on": start.isoformat(),
                "capacity": 20, "notes": DEMO_NOTE}, today)
            upcoming = add_months(today, 1).replace(day=10 + index)
            services.create_session(session, None, {
                "course_id": course.id, "trainer": TRAINER, "online": True, "place": "",
                "starts_on": upcoming.isoformat(), "ends_on": upcoming.isoformat(),
                "capacity": 30, "notes": "Refresher (online)"}, today)
        for n, tech in enumerate(techs):
            row = session.scalars(select(Participant).where(
                Participant.session_id == held.id, Participant.user_id == tech.id)).first()
            if row is not None and row.passed is not None:
                continue
            services.record_result(session, held, tech, 78 + 5 * n + index, None, today,
                                   enrol_if_needed=True)
    session.flush()
