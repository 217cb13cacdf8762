"""Demo data for the service desk: about 20 models, hundreds of units, cases in every state
with charges, confirmations and payments. Idempotent: nothing is added twice.

``scale`` adds N units and N/5 cases through bulk inserts (benchmarks).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pluggy
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.entities import (
    CaseEvent,
    Charge,
    Confirmation,
    Customer,
    Payment,
    ProductModel,
    ServiceCase,
    ServicePoint,
    Unit,
    User,
)
from core.settings import Settings

MODELS = [
    ("PA2400", "PA-2400 two-channel power amplifier", "amplifier", 4_980_00, None),
    ("PA1200", "PA-1200 power amplifier", "amplifier", 2_980_00, None),
    ("PA4800", "PA-4800 four-channel amplifier", "amplifier", 8_800_00, 36),
    ("DA800", "DA-800 DSP amplifier", "amplifier", 6_200_00, None),
    ("CA300", "CA-300 installation amplifier", "amplifier", 1_880_00, None),
    ("XA9000", "XA-9000 touring amplifier", "amplifier", 15_800_00, 36),
    ("MX12", "MX-12 analogue mixer", "mixer", 3_600_00, None),
    ("MX16", "MX-16 analogue mixer", "mixer", 4_800_00, None),
    ("MX24", "MX-24 analogue mixer", "mixer", 7_200_00, None),
    ("DM32", "DM-32 digital mixer", "mixer", 19_800_00, None),
    ("DM16", "DM-16 digital mixer", "mixer", 11_800_00, None),
    ("MX8OEM", "MX-8 mixer (OEM)", "mixer", 1_600_00, None),
    ("MC58", "MC-58 dynamic vocal microphone", "microphone", 680_00, None),
    ("MC87", "MC-87 condenser microphone", "microphone", 1_280_00, None),
    ("WM100", "WM-100 wireless handheld set", "microphone", 2_400_00, None),
    ("WM200", "WM-200 dual wireless set", "microphone", 3_900_00, None),
    ("GM10", "GM-10 gooseneck conference microphone", "microphone", 560_00, None),
    ("BM5", "BM-5 boundary microphone", "microphone", 720_00, None),
    ("IM40", "IM-40 instrument microphone", "microphone", 890_00, None),
    ("LM1OEM", "LM-1 lavalier microphone (OEM)", "microphone", 260_00, None),
]
#: Chinese names of the demo models (issue 18: shown to Chinese readers).
MODEL_NAMES_ZH = {
    "PA2400": "PA-2400 双通道功率放大器", "PA1200": "PA-1200 功率放大器",
    "PA4800": "PA-4800 四通道功放", "DA800": "DA-800 DSP 功放",
    "CA300": "CA-300 安装功放", "XA9000": "XA-9000 巡演功放",
    "MX12": "MX-12 模拟调音台", "MX16": "MX-16 模拟调音台", "MX24": "MX-24 模拟调音台",
    "DM32": "DM-32 数字调音台", "DM16": "DM-16 数字调音台", "MX8OEM": "MX-8 调音台（OEM）",
    "MC58": "MC-58 动圈人声话筒", "MC87": "MC-87 电容话筒", "WM100": "WM-100 无线手持话筒",
    "WM200": "WM-200 双通道无线话筒", "GM10": "GM-10 鹅颈会议话筒", "BM5": "BM-5 界面话筒",
    "IM40": "IM-40 乐器话筒", "LM1OEM": "LM-1 领夹话筒（OEM）",
}
FAULTS = [
    "No sound from channel B", "Protection LED stays on", "Hum at high volume",
    "Fader 3 crackles", "Power supply dead", "Intermittent signal", "Display blank",
    "Wireless receiver loses sync", "Grille dented after drop", "Fan noisy",
]
CUSTOMERS = [
    ("Guangzhou Grand Theatre", "Tianhe District, Guangzhou", "020-3839-1000"),
    ("Pearl River Live House", "Haizhu District, Guangzhou", "020-8422-5566"),
    ("Shanghai Concert Hall AV", "Huangpu District, Shanghai", "021-5386-6666"),
    ("Hangzhou Conference Centre", "Xihu District, Hangzhou", "0571-8888-1234"),
    ("Nanjing Church Sound Team", "Gulou District, Nanjing", "025-8360-2211"),
    ("Chengdu Jazz Bar", "Jinjiang District, Chengdu", "028-8666-9900"),
    ("Chongqing Events Co.", "Yuzhong District, Chongqing", "023-6388-7711"),
    ("Kunming School No. 3", "Wuhua District, Kunming", "0871-6363-1212"),
]
REGION_OF_POINT = {"HQ-SC": 0, "EAST-SH": 2, "SW-CD": 5}


def seed_catalogue(session: Session) -> dict[str, ProductModel]:
    models = {m.code: m for m in session.scalars(select(ProductModel))}
    for code, name, line, price, months in MODELS:
        if code not in models:
            models[code] = ProductModel(code=code, name=name, name_zh=MODEL_NAMES_ZH.get(code, ""),
                                        product_line=line,
                                        list_price_cents=price, warranty_months=months,
                                        oem=code.endswith("OEM"))
            session.add(models[code])
    session.flush()
    return models


def _body_code(model: str, made: date, seq: int) -> str:
    return f"{model}-{made:%y%m%d}-{seq:05d}"


def seed_desk(session: Session, pm: pluggy.PluginManager, settings: Settings,
              scale: int = 0) -> None:
    models = seed_catalogue(session)
    if session.scalar(select(func.count()).select_from(ServiceCase)) == 0:
        _seed_cases(session, pm, settings, models)
    if scale:
        seed_scale(session, models, scale)


def _seed_cases(session: Session, pm: pluggy.PluginManager, settings: Settings,
                models: dict[str, ProductModel]) -> None:
    from core.services import intake, payments, quotes, workflow

    rng = random.Random(20261125)
    today = date.today()
    now = utcnow()
    points = {p.code: p for p in session.scalars(select(ServicePoint))}
    users = {u.login: u for u in session.scalars(select(User))}
    codes = list(models)
    plans = [
        [], ["inspected"], ["inspected", "quoted"], ["inspected", "quoted", "confirmed"],
        ["inspected", "dispatched"], ["inspected", "dispatched", "in_repair"],
        ["inspected", "dispatched", "in_repair", "repaired"],
        ["inspected", "quoted", "confirmed", "dispatched", "in_repair", "repaired",
         "returned"],
        ["inspected", "quoted", "confirmed", "dispatched", "in_repair", "repaired",
         "returned", "closed"],
        ["cancelled"],
    ]
    prefix = {"HQ-SC": "hq", "EAST-SH": "east", "SW-CD": "sw"}
    # units: a few hundred, sold over the last three years
    for i in range(300):
        code = codes[i % len(codes)]
        made = today - timedelta(days=rng.randint(DEMO_DAYS + 70, 1100))
        body = _body_code(code, made, i + 1)
        if session.scalar(select(Unit.id).where(Unit.body_code == body)) is None:
            session.add(Unit(body_code=body, model=models[code], factory_date=made,
                             own_product=True, oem=models[code].oem,
                             sold_on=made + timedelta(days=rng.randint(5, 60))))
    session.flush()
    units = list(session.scalars(select(Unit).order_by(Unit.id)))
    n = 0
    for point_code, point in points.items():
        p = prefix.get(point_code, "hq")
        clerk = users.get(f"{p}-clerk")
        tech = users.get(f"{p}-tech")
        if clerk is None or tech is None:
            continue
        for plan in plans * 2:
            unit = units[n % len(units)]
            name, address, phone = CUSTOMERS[(n + REGION_OF_POINT.get(point_code, 0))
                                             % len(CUSTOMERS)]
            n += 1
            session.info["actor"] = (clerk.id, clerk.login, "demo")
            start = _intake_moment(rng, now)
            case = intake.intake(session, pm, actor=clerk, service_point=point,
                                 today=start.astimezone(settings.tz).date(),
                                 data={"body_code": unit.body_code, "model_code": "",
                                       "customer": {"name": name, "address": address,
                                                    "phone": phone},
                                       "fault_description": rng.choice(FAULTS),
                                       "channel": rng.choice(["walk_in", "shipped_in",
                                                              "phone"])})
            for to in plan:
                payload: dict[str, object] = {}
                if to == "inspected":
                    # W-4: class B goes to repair only through a confirmed quote
                    free = rng.random() < 0.5 or ("dispatched" in plan
                                                  and "confirmed" not in plan)
                    payload = {"fault_found": case.fault_description, "coverage_class":
                               "A" if free else "B",
                               "faults": [{"description": case.fault_description,
                                           "cause": "normal"}]}
                    workflow.transition(session, pm, case, to, tech, payload)
                    if "quoted" in plan:
                        quotes.add_charge(session, pm, case, clerk, {
                            "kind": "labour", "description": "Bench repair",
                            "unit_price_cents": 18000})
                        quotes.add_charge(session, pm, case, clerk, {
                            "kind": "part", "description": "Output transistor pair",
                            "unit_price_cents": 6500, "quantity": 2})
                    continue
                if to == "confirmed":
                    quotes.record_confirmation(session, pm, case, clerk, {
                        "method": "phone", "customer_name": name})
                    continue
                if to == "dispatched":
                    payload = {"technician_id": tech.id}
                    if case.state == "inspected" and case.coverage_class in ("B", "C"):
                        # W-3/W-4: a charged class goes to repair through a confirmed quote
                        workflow.transition(session, pm, case, "quoted", clerk, {})
                        quotes.record_confirmation(session, pm, case, clerk, {
                            "method": "phone", "customer_name": name})
                if to == "cancelled":
                    payload = {"reason": "Customer withdrew the request"}
                workflow.transition(session, pm, case, to, tech, payload)
                if to == "returned" and payments.outstanding(session, case) > 0:
                    payments.record_payment(session, case, tech, {
                        "amount_cents": payments.outstanding(session, case),
                        "method": rng.choice(["cash", "wechat_pay", "alipay"])})
            _backdate(session, case, start, now)
        # W-1: one of our products brought in without a body code, on file and refused
        session.info["actor"] = (clerk.id, clerk.login, "demo")
        start = _intake_moment(rng, now)
        refused = intake.intake(session, pm, actor=clerk, service_point=point,
                                today=start.astimezone(settings.tz).date(), data={
            "body_code": None, "model_code": codes[n % len(codes)],
            "customer": {"name": CUSTOMERS[n % len(CUSTOMERS)][0],
                         "address": CUSTOMERS[n % len(CUSTOMERS)][1],
                         "phone": CUSTOMERS[n % len(CUSTOMERS)][2]},
            "fault_description": "Label with the body code torn off; no sound",
            "channel": "walk_in"})
        _backdate(session, refused, start, now)
    session.info.pop("actor", None)
    session.flush()


#: Demo intakes are spread over this many days (issue 18: the dashboard counts 30 days).
DEMO_DAYS = 90
_MOMENT_OF = {"dispatched": "dispatched_at", "repaired": "repaired_at",
              "returned": "returned_at", "closed": "closed_at"}


def _intake_moment(rng: random.Random, now: datetime) -> datetime:
    """When a demo case came in: any day of the last ``DEMO_DAYS``, in office hours' spread."""
    return now - timedelta(days=rng.randint(0, DEMO_DAYS - 1), hours=rng.randint(1, 8),
                           minutes=rng.randint(0, 59))


def _backdate(session: Session, case: ServiceCase, start: datetime, now: datetime) -> None:
    """Move a demo case's history to when it happened, so the events, turnaround timestamps,
    charges, confirmations and payments agree with its intake date (issue 18)."""
    session.flush()
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.id)))
    span = (now - start) * 0.9
    moments = [start + span * (k / max(len(events), 1)) for k in range(len(events))]
    case.opened_at = start
    charges = list(session.scalars(select(Charge).where(Charge.case_id == case.id)))
    confirmations = iter(session.scalars(select(Confirmation).where(
        Confirmation.case_id == case.id).order_by(Confirmation.id)))
    paid = iter(session.scalars(select(Payment).where(Payment.case_id == case.id)
                                .order_by(Payment.id)))
    for event, at in zip(events, moments, strict=True):
        event.at = at
        if event.kind == "transition" and event.to_state in _MOMENT_OF:
            setattr(case, _MOMENT_OF[event.to_state], at)
        if event.kind == "transition" and event.to_state == "inspected":
            for charge in charges:
                charge.created_at = at + timedelta(minutes=5)
        if event.kind == "confirmation":
            confirmation = next(confirmations, None)
            if confirmation is not None:
                confirmation.at = at
        if event.kind == "payment":
            payment = next(paid, None)
            if payment is not None:
                payment.at = at
    case.updated_at = moments[-1] if moments else start


#: Body codes of bulk units end in "-9" and seven digits, so they never meet the demo's own.
BULK_CODE_PATTERN = "%-9_______"


def seed_scale(session: Session, models: dict[str, ProductModel], scale: int) -> None:
    """Bulk demo data up to N units and N/5 cases, inserted with executemany.

    Running it again with the same N adds nothing; a larger N adds only the difference.
    """
    rng = random.Random(scale)
    today = date.today()
    existing = session.scalar(select(func.count()).select_from(Unit).where(
        Unit.body_code.like(BULK_CODE_PATTERN))) or 0
    if existing >= scale:
        return
    model_list = list(models.values())
    region_point = session.execute(select(ServicePoint.id, ServicePoint.region_id)).all()
    customer_rows = []
    for i in range(existing // 50, max(1, scale // 50)):
        _point, region_id = region_point[i % len(region_point)]
        customer_rows.append({"name": f"Bulk customer {i}", "company": "",
                              "address": f"{i} Demo Road", "phone": f"139{i:08d}",
                              "email": "", "region_id": region_id, "created_at": utcnow()})
    if customer_rows:
        session.execute(insert(Customer), customer_rows)
    customers = dict(session.execute(select(Customer.id, Customer.region_id).where(
        Customer.name.like("Bulk customer %"))).all())
    last_unit_id = session.scalar(select(func.max(Unit.id))) or 0
    unit_rows = []
    for i in range(existing, scale):
        model = model_list[i % len(model_list)]
        made = today - timedelta(days=rng.randint(1, 1500))
        unit_rows.append({"body_code": f"{model.code}-{made:%y%m%d}-9{i:07d}"[:64],
                          "model_id": model.id, "model_text": "", "factory_date": made,
                          "own_product": True, "oem": model.oem, "sold_to_id": None,
                          "sold_on": None, "created_at": utcnow()})
    session.execute(insert(Unit), unit_rows)
    units = session.execute(select(Unit.id, Unit.body_code, ProductModel.code)
                            .join(ProductModel).where(Unit.id > last_unit_id)
                            .order_by(Unit.id)).all()
    points_by_region = {region: point for point, region in region_point}
    states = ["registered", "inspected", "dispatched", "in_repair", "repaired", "returned",
              "closed"]
    case_rows = []
    now = utcnow()
    customer_list = list(customers.items())
    for i, (unit_id, body_code, model_code) in enumerate(units[: len(units) // 5]):
        customer_id, region_id = customer_list[i % len(customer_list)]
        opened = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        state = states[i % len(states)]
        dispatched = opened + timedelta(hours=12) if state not in states[:2] else None
        repaired = opened + timedelta(hours=60) if state in states[4:] else None
        returned = opened + timedelta(hours=90) if state in states[5:] else None
        case_rows.append({
            "region_id": region_id, "service_point_id": points_by_region[region_id],
            "unit_id": unit_id, "customer_id": customer_id, "state": state,
            "channel": "walk_in", "body_code_text": body_code, "model_code": model_code,
            "own_product": True, "contact_name": f"Bulk customer {customer_id}",
            "contact_phone": f"139{customer_id:08d}", "address": "Demo Road",
            "purchase_date": None, "fault_description": "Bulk demo fault",
            "intake_on": opened.date(), "coverage_class": None, "coverage_source": "",
            "coverage_reason": "", "fault_found": "", "technician_id": None,
            "onsite_address": "", "onsite_from": None, "onsite_to": None,
            "quote_version": 0, "refusal_clauses": "", "reason": "", "opened_at": opened,
            "dispatched_at": dispatched, "repaired_at": repaired, "returned_at": returned,
            "closed_at": None, "updated_at": opened,
        })
    for start in range(0, len(case_rows), 5000):
        session.execute(insert(ServiceCase), case_rows[start:start + 5000])
