"""Issue 11: the import's fast insert (COPY on PostgreSQL, executemany of converted tuples on
SQLite) stores exactly what an ORM insert stores: same text for dates and timestamps on
SQLite, same defaults for columns the rows leave out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from core.entities import Customer, Region, Unit
from core.services.bulk_insert import in_values, insert_rows
from tests.support import Harness


@pytest.mark.usefixtures("backend")
def test_fast_insert_stores_what_the_orm_stores(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    made = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    values = {"model_id": None, "model_text": "Old amp", "factory_date": date(2024, 2, 29),
              "own_product": False, "oem": True, "sold_to_id": None,
              "sold_on": date(2025, 1, 2), "created_at": made}
    with h.session() as session:
        region = session.scalars(select(Region.id).where(Region.code == "EAST")).one()
        session.add(Unit(body_code="ORM-1", **values))
        session.add(Customer(name="Orm", address="1 Road", phone="021-1", region_id=region,
                             created_at=made))
        session.flush()
        insert_rows(session, Unit.__table__, [{"body_code": "FAST-1", **values},
                                              {"body_code": "FAST-2", **values}])
        insert_rows(session, Customer.__table__, [
            {"name": "Fast", "address": "1 Road", "phone": "021-1", "email": "",
             "company": "", "region_id": region, "created_at": made}])
        session.commit()
        columns = [c.key for c in Unit.__table__.columns if c.key not in ("id", "body_code")]
        rows = session.execute(text(
            f"SELECT body_code, {', '.join(columns)} FROM unit "
            "WHERE body_code IN ('ORM-1', 'FAST-1', 'FAST-2') ORDER BY body_code")).all()
        assert [r[0] for r in rows] == ["FAST-1", "FAST-2", "ORM-1"]
        assert rows[0][1:] == rows[2][1:] and rows[1][1:] == rows[2][1:]
        fast = session.scalars(select(Unit).where(Unit.body_code == "FAST-1")).one()
        assert (fast.created_at, fast.sold_on, fast.oem) == (made, date(2025, 1, 2), True)
        customers = [c.key for c in Customer.__table__.columns if c.key not in ("id", "name")]
        orm, quick = (session.execute(text(
            f"SELECT {', '.join(customers)} FROM customer WHERE name = :n"), {"n": n}).one()
            for n in ("Orm", "Fast"))
        assert quick == orm  # defaults (language, opt-out, ...) filled in as the ORM does
        found = set(session.scalars(select(Unit.body_code).where(in_values(
            Unit.body_code, ["FAST-2", "ORM-1", "NONE", "it's"],
            session.get_bind().dialect.name))))
        assert found == {"FAST-2", "ORM-1"}
