"""Demo data for the feedback plugin: departments with heads and SLAs, routing rules, a
service bulletin, a consultation and a complaint waiting for its reply. Idempotent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import Customer, ProductModel, Settings, User, seed_core_demo
from plugins.feedback import services
from plugins.feedback.models import Bulletin, Complaint, Consultation, Department, RoutingRule

DEPARTMENTS = [
    ("SERVICE", "After-sales service", "售后服务部", "hq-supervisor", 8, 40),
    ("QUALITY", "Quality assurance", "质量部", "hq-manager", 8, 80),
    ("SALES", "Sales", "销售部", "hq-manager", 16, 80),
    ("LOGISTICS", "Logistics", "物流部", "hq-supervisor", 8, 40),
]
RULES = [("product_quality", "QUALITY"), ("charges", "SALES"), ("logistics", "LOGISTICS"),
         ("", "SERVICE")]


def seed(session: Session, settings: Settings) -> None:
    seed_core_demo(session, settings)
    users = {u.login: u for u in session.scalars(select(User))}
    have = {d.code for d in session.scalars(select(Department))}
    for code, name, name_zh, head, first, resolution in DEPARTMENTS:
        if code not in have:
            head_user = users.get(head)
            session.add(Department(code=code, name=name, name_zh=name_zh,
                                   head_id=head_user.id if head_user else None,
                                   first_response_hours=first, resolution_hours=resolution))
    session.flush()
    if session.scalars(select(RoutingRule.id)).first() is None:
        by_code = {d.code: d for d in session.scalars(select(Department))}
        for position, (topic, code) in enumerate(RULES, start=1):
            session.add(RoutingRule(department_id=by_code[code].id, topic=topic,
                                    position=position * 10 if topic else 1000))
    model = session.scalars(select(ProductModel).order_by(ProductModel.id)).first()
    if model is not None and session.scalars(select(Bulletin.id)).first() is None:
        session.add(Bulletin(
            kind="precaution", model_code=model.code, title="Let the amplifier cool down "
            "before moving it", title_zh="搬运前请让功放充分冷却",
            body="Wait 15 minutes after switching off before moving the unit: hot output "
                 "transistors crack under shock.", published_at=services.utcnow()))
    clerk = users.get("hq-clerk")
    if clerk is not None and session.scalars(select(Consultation.id)).first() is None:
        session.add(Consultation(
            contact_name="Zhou Min", contact_phone="138-0000-1111",
            model_code=model.code if model else "", topic="Bridged mode",
            question="Can two channels be bridged into a 4 ohm load?",
            answer="No: bridged mode needs at least 8 ohm; use stereo mode for 4 ohm.",
            created_by_id=clerk.id, region_id=clerk.region_id))
    customer = session.scalars(select(Customer).order_by(Customer.id)).first()
    if clerk is not None and customer is not None \
            and session.scalars(select(Complaint.id)).first() is None:
        services.create_complaint(session, {
            "kind": "complaint", "channel": "phone", "topic": "turnaround",
            "subject": "Repair took three weeks",
            "body": "The customer waited three weeks for a simple repair and nobody called.",
            "contact_name": customer.name, "contact_phone": customer.phone or "020-0000-0000",
        }, clerk)
    session.flush()
