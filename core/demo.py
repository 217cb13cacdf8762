"""Core's demo data: HQ and two regions, service points, a user for every role in each.

Idempotent: every row is looked up by its natural key before it is added.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.entities import Region, Role, ServicePoint, User
from core.security.passwords import Passwords
from core.settings import Settings

DEMO_PASSWORD = "demo-pass-2026"

REGIONS = [
    ("HQ", "Headquarters (Guangzhou)", "总部（广州）", True),
    ("EAST", "East China distributor", "华东经销商", False),
    ("SOUTHWEST", "Southwest distributor", "西南经销商", False),
]
SERVICE_POINTS = [
    ("HQ-SC", "HQ", "HQ service centre, Guangzhou", "Panyu District, Guangzhou", "020-8888-0000"),
    ("EAST-SH", "EAST", "Shanghai service point", "Xuhui District, Shanghai", "021-6666-0000"),
    ("SW-CD", "SOUTHWEST", "Chengdu service point", "Wuhou District, Chengdu", "028-8555-0000"),
]
#: Chinese names of the demo service points (issue 18: shown to Chinese readers).
POINT_NAMES_ZH = {"HQ-SC": "广州总部服务中心", "EAST-SH": "上海服务点", "SW-CD": "成都服务点"}
ROLE_LOGINS = [
    ("admin", "admin"),
    ("hq_manager", "manager"),
    ("supervisor", "supervisor"),
    ("service_clerk", "clerk"),
    ("technician", "tech"),
    ("finance", "finance"),
    ("warehouse_keeper", "warehouse"),
]
NAMES = {
    "HQ": ["Li Wei", "Wang Fang", "Zhang Min", "Liu Yang", "Chen Jie", "Yang Li", "Zhao Lei"],
    "EAST": ["Huang Tao", "Zhou Xin", "Wu Hao", "Xu Ling", "Sun Qiang", "Ma Jun", "Zhu Yan"],
    "SOUTHWEST": ["Hu Bo", "Guo Jing", "He Ping", "Lin Na", "Luo Gang", "Gao Yu", "Liang Kai"],
}


def seed_core(session: Session, settings: Settings) -> None:
    regions = {r.code: r for r in session.scalars(select(Region))}
    for code, name, name_zh, is_hq in REGIONS:
        if code not in regions:
            regions[code] = Region(code=code, name=name, name_zh=name_zh, is_hq=is_hq)
            session.add(regions[code])
    session.flush()
    points = {p.code: p for p in session.scalars(select(ServicePoint))}
    for code, region_code, name, address, phone in SERVICE_POINTS:
        if code not in points:
            points[code] = ServicePoint(code=code, region_id=regions[region_code].id, name=name,
                                        name_zh=POINT_NAMES_ZH.get(code, ""),
                                        address=address, phone=phone)
            session.add(points[code])
    session.flush()
    roles = {r.id: r for r in session.scalars(select(Role))}
    existing = set(session.scalars(select(User.login)))
    passwords = Passwords(settings.security)
    password_hash = passwords.hash(DEMO_PASSWORD)
    for point_code, region_code, *_ in SERVICE_POINTS:
        prefix = region_code.lower() if region_code != "SOUTHWEST" else "sw"
        for (role_id, suffix), name in zip(ROLE_LOGINS, NAMES[region_code], strict=True):
            if region_code != "HQ" and role_id in ("admin", "hq_manager"):
                continue
            login = f"{prefix}-{suffix}"
            if login in existing or role_id not in roles:
                continue
            point = points[point_code]
            session.add(User(login=login, display_name=name, password_hash=password_hash,
                             locale="zh_CN" if region_code == "SOUTHWEST" else "en",
                             service_point=point, region_id=point.region_id,
                             roles=[roles[role_id]]))
    session.flush()


def demo_logins(session: Session) -> list[tuple[str, str, str, str]]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    return [(u.login, u.display_name, u.service_point.name, ", ".join(sorted(u.role_ids)))
            for u in users]
