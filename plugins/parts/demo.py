"""Demo parts data: a catalogue, HQ's central warehouse and one store per service point,
stock, a transfer in transit, a late requisition, a tool, faulty parts waiting to go back to
HQ and stock set aside without a case. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import Region, ServicePoint, Settings, User, seed_core_demo
from plugins.parts import services
from plugins.parts.models import Part, Requisition, Tool, Transfer, Warehouse

PARTS = [
    ("PA-OUT-01", "Output transistor pair", "输出晶体管对", "power", "PA2400", 1800, 4500, True),
    ("PA-PSU-02", "Power supply board", "电源板", "power", "PA2400", 22000, 52000, True),
    ("PA-FAN-03", "Cooling fan", "散热风扇", "cooling", "", 900, 2500, False),
    ("MX-FAD-01", "Channel fader", "通道推子", "control", "", 600, 1800, False),
]


def seed(session: Session, settings: Settings) -> None:
    seed_core_demo(session, settings)
    if session.scalars(select(Warehouse.id)).first() is not None:
        return
    for number, name, name_zh, category, models, cost, price, refurb in PARTS:
        if session.scalars(select(Part.id).where(Part.number == number)).first() is None:
            services.save_part(session, {
                "number": number, "name": name, "name_zh": name_zh, "category": category,
                "model_codes": models, "cost_cents": cost, "price_cents": price,
                "refurbishable": refurb})
    hq = session.scalars(select(Region).where(Region.is_hq.is_(True))).first()
    warehouses = {}
    for point in session.scalars(select(ServicePoint).order_by(ServicePoint.id)):
        code = "WH-" + point.code
        central = hq is not None and point.region_id == hq.id
        warehouses[point.code] = Warehouse(code=code, name=f"{point.name} store",
                                           name_zh=f"{point.name_zh}仓库" if point.name_zh
                                           else "", central=central,
                                           service_point_id=point.id,
                                           region_id=point.region_id)
        session.add(warehouses[point.code])
    session.flush()
    central = next((w for w in warehouses.values() if w.central), None)
    if central is None:
        return
    keeper = session.scalars(select(User).where(User.login == "hq-warehouse")).first()
    for number, quantity in (("PA-OUT-01", 40), ("PA-PSU-02", 6), ("PA-FAN-03", 25),
                             ("MX-FAD-01", 60)):
        services.receive(session, keeper, {"part": number, "warehouse": central.code,
                                           "quantity": quantity})
    for w in warehouses.values():
        if w.central:
            continue
        services.receive(session, keeper, {"part": "PA-FAN-03", "warehouse": w.code,
                                           "quantity": 2})
        services.set_reorder(session, {"part": "PA-OUT-01", "warehouse": w.code,
                                       "minimum": 4, "target": 10})
    others = [w for w in warehouses.values() if not w.central]
    if others:
        target = others[0]
        if session.scalars(select(Transfer.id)).first() is None:
            services.ship(session, keeper, {
                "from_warehouse": central.code, "to_warehouse": target.code,
                "waybill": "SF1234567890", "lines": [{"part": "PA-OUT-01", "quantity": 4}]})
        requester = session.scalars(select(User).where(
            User.region_id == target.region_id, User.login.like("%-tech"))).first()
        late = services._new_requisition(
            session, target, None, services.today(session) + timedelta(days=1), requester,
            [(session.scalars(select(Part).where(Part.number == "PA-PSU-02")).one(), 1)],
            note="demo")
        late.needed_by = services.today(session) - timedelta(days=3)
        session.add(Tool(code="T-SCOPE-1", name="Oscilloscope", name_zh="示波器",
                         warehouse_id=central.id, region_id=central.region_id))
        # faulty parts waiting at a store to go back to HQ, and stock set aside
        # without a case for a trade fair (issue 15)
        services.adjust(session, keeper, {"part": "PA-OUT-01", "warehouse": others[-1].code,
                                          "condition": "faulty", "counted": 2,
                                          "reason": "taken out at repair"})
        from plugins.parts.holds import reserve_stock

        reserve_stock(session, keeper, {
            "part": "PA-FAN-03", "warehouse": central.code, "quantity": 2,
            "purpose": "Trade fair demo unit", "expires_on": (
                services.today(session) + timedelta(days=10)).isoformat()})
    session.flush()
    assert session.scalars(select(Requisition.id)).first() is not None
