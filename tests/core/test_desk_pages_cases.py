"""The case list and file: filters, keyset pages, CSV export within the region, a fixed
number of SQL statements however many rows, and another region's case is a 404."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import ServiceCase, User
from core.services import intake, quotes, workflow
from tests.support import Harness, QueryCounter


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


@pytest.fixture
def sqlite_desk(make_app: Callable[..., Harness]) -> Harness:
    return make_app(plugins=[], backend="sqlite")


def open_cases(h: Harness, n: int, *, login: str = "hq-clerk", model: str = "MC58",
               start: int = 0, **data: Any) -> list[int]:
    """``n`` cases opened through the intake service, one unit each."""
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        ids = []
        for i in range(start, start + n):
            case = intake.intake(session, h.app.state.pm, actor=user,
                                 service_point=user.service_point, today=date.today(), data={
                                     "body_code": f"{model}-250101-{i:05d}", "model_code": "",
                                     "customer": {"name": f"Customer {i}",
                                                  "address": f"{i} Test Road",
                                                  "phone": f"139{i:08d}"},
                                     "fault_description": "Crackles", "channel": "walk_in",
                                     **data})
            ids.append(case.id)
        session.commit()
    return ids


def _case_ids(html: str) -> list[int]:
    marker = 'data-case="'
    return [int(part.split('"', 1)[0]) for part in html.split(marker)[1:]]


def test_filters_and_search(desk: Harness) -> None:
    mics = open_cases(desk, 3, model="MC58")
    amps = open_cases(desk, 2, model="PA2400", start=10)
    refused = open_cases(desk, 1, start=30, body_code=None, model_code="MX12")
    client = desk.client("hq-supervisor")
    assert sorted(_case_ids(client.get("/desk/cases").text)) == sorted(mics + amps + refused)
    assert sorted(_case_ids(client.get("/desk/cases?model=PA2400").text)) == sorted(amps)
    assert _case_ids(client.get("/desk/cases?state=refused").text) == refused
    assert sorted(_case_ids(client.get("/desk/cases?state=open").text)) == sorted(mics + amps)
    assert _case_ids(client.get("/desk/cases?q=13900000011").text) == [amps[1]]
    assert _case_ids(client.get("/desk/cases?q=customer 2").text) == [mics[2]]
    assert _case_ids(client.get("/desk/cases?q=MC58-250101-00001").text) == [mics[1]]
    assert sorted(_case_ids(client.get("/desk/cases?service_point=HQ-SC").text)) \
        == sorted(mics + amps + refused)
    oldest = _case_ids(client.get("/desk/cases?sort=oldest").text)
    assert oldest == sorted(oldest)
    empty = client.get("/desk/cases?model=DM32&q=nobody")
    assert empty.status_code == 200 and "No case matches these filters." in empty.text
    assert 'value="nobody"' in empty.text  # the filter form keeps what was asked
    bad = client.get("/desk/cases?state=lost")
    assert bad.status_code == 400 and "Unknown state" in bad.text


def test_keyset_pages_keep_the_filters(desk: Harness) -> None:
    ids = open_cases(desk, 55)
    open_cases(desk, 2, model="PA2400", start=100)
    client = desk.client("hq-clerk")
    first = client.get("/desk/cases?model=MC58&sort=oldest")
    page_one = _case_ids(first.text)
    assert page_one == ids[:50]
    start = first.text.index('rel="next"')
    href = first.text[first.text.rindex('href="', 0, start) + 6:].split('"', 1)[0]
    href = href.replace("&amp;", "&")
    assert "model=MC58" in href and "sort=oldest" in href and "after=" in href
    second = client.get(href)
    assert _case_ids(second.text) == ids[50:]
    assert 'rel="next"' not in second.text and 'rel="first"' in second.text
    broken = client.get("/desk/cases?after=not-a-cursor")
    assert broken.status_code == 400 and "damaged" in broken.text


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


def test_csv_export_is_scoped_to_the_region_and_filtered(desk: Harness) -> None:
    hq = open_cases(desk, 3)
    east = open_cases(desk, 2, login="east-clerk", start=50)
    manager = desk.client("hq-manager")
    rows = _csv(manager.get("/desk/cases.csv"))
    assert sorted(r["reference"] for r in rows) == sorted(f"SC-{i:06d}" for i in hq + east)
    assert {r["service_point"] for r in rows} == {"HQ-SC", "EAST-SH"}
    regional = _csv(desk.client("east-supervisor").get("/desk/cases.csv"))
    assert sorted(r["reference"] for r in regional) == sorted(f"SC-{i:06d}" for i in east)
    filtered = _csv(manager.get("/desk/cases.csv?q=Customer 1"))
    assert [r["customer"] for r in filtered] == ["Customer 1"]
    assert filtered[0]["body_code"] == "MC58-250101-00001"
    clerk = desk.client("hq-clerk")
    assert clerk.get("/desk/cases.csv").status_code == 403
    assert "Export CSV" not in clerk.get("/desk/cases").text
    assert manager.get("/desk/cases.csv?from=yesterday").status_code == 400


def test_csv_export_streams_in_batches(sqlite_desk: Harness,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from core.services import reports

    ids = open_cases(sqlite_desk, 7)
    batches: list[int] = []
    original = reports.case_batches

    def small(session: Any, statement: Any, batch: int = 500) -> Any:
        for rows in original(session, statement, batch=3):
            batches.append(len(rows))
            yield rows

    monkeypatch.setattr(reports, "case_batches", small)
    rows = _csv(sqlite_desk.client("hq-manager").get("/desk/cases.csv"))
    assert [r["reference"] for r in rows] == [f"SC-{i:06d}" for i in ids]
    assert batches == [3, 3, 1]


def test_csv_cells_cannot_be_formulas(sqlite_desk: Harness) -> None:
    open_cases(sqlite_desk, 1, fault_description="=HYPERLINK(\"http://x\")")
    rows = _csv(sqlite_desk.client("hq-manager").get("/desk/cases.csv"))
    assert rows[0]["fault_description"].startswith("'=")


def _statements(h: Harness, client: Any, url: str) -> int:
    assert client.get(url).status_code == 200  # warm up
    with QueryCounter(h.app.state.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_list_statements_do_not_grow_with_rows(sqlite_desk: Harness) -> None:
    h = sqlite_desk
    client = h.client("hq-supervisor")
    ids = open_cases(h, 5)
    with h.session() as session:  # technicians on rows: their joined loads count too
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        for cid in ids[:2]:
            case = session.get(ServiceCase, cid)
            workflow.transition(session, h.app.state.pm, case, "inspected", tech, {
                "fault_found": "x", "coverage_class": "A"})
            workflow.transition(session, h.app.state.pm, case, "dispatched", tech,
                                {"technician_id": tech.id})
        session.commit()
    url = "/desk/cases?sort=oldest"  # the dispatched two are on the first page both times
    few = _statements(h, client, url)
    open_cases(h, 55, start=5)
    many = _statements(h, client, url)
    assert len(_case_ids(client.get(url).text)) == 50
    assert many == few, (few, many)


def test_case_page_statements_do_not_grow_with_lines(sqlite_desk: Harness) -> None:
    h = sqlite_desk
    small, large = open_cases(h, 2)
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        for cid, lines in ((small, 1), (large, 9)):
            case = session.get(ServiceCase, cid)
            workflow.transition(session, h.app.state.pm, case, "inspected", tech, {
                "fault_found": "x", "coverage_class": "B",
                "faults": [{"description": f"fault {n}", "cause": "normal"}
                           for n in range(lines)]})
            for n in range(lines):
                quotes.add_charge(session, h.app.state.pm, case, clerk, {
                    "kind": "part", "description": f"Part {n}", "unit_price_cents": 100 + n})
        session.commit()
    client = h.client("hq-supervisor")
    assert _statements(h, client, f"/desk/cases/{large}") \
        == _statements(h, client, f"/desk/cases/{small}")


def test_another_regions_case_is_not_found(desk: Harness) -> None:
    [hq_case] = open_cases(desk, 1)
    [east_case] = open_cases(desk, 1, login="east-clerk", start=5)
    east = desk.client("east-supervisor")
    assert east.get(f"/desk/cases/{east_case}").status_code == 200
    for url in (f"/desk/cases/{hq_case}", f"/desk/cases/{hq_case}/sheet"):
        response = east.get(url)
        assert response.status_code == 404 and "Not found" in response.text
    moved = east.form(f"/desk/cases/{hq_case}/transition",
                      {"to": "cancelled", "reason": "not ours"})
    assert moved.status_code == 404
    assert east.get("/desk/cases/999999").status_code == 404
    assert f"SC-{hq_case:06d}" not in east.get("/desk/cases").text
    # HQ sees both
    assert desk.client("hq-supervisor").get(f"/desk/cases/{east_case}").status_code == 200


def test_pages_need_their_permissions(desk: Harness) -> None:
    [cid] = open_cases(desk, 1)
    keeper = desk.client("hq-warehouse")  # may look at cases, nothing more of the desk
    assert keeper.get(f"/desk/cases/{cid}").status_code == 200
    for url in ("/desk/intake", "/desk/cases.csv", "/desk/finance", "/desk/my-cash",
                "/desk/widgets/turnaround"):
        response = keeper.get(url)
        assert response.status_code == 403 and "Not allowed" in response.text, url
    page = keeper.get(f"/desk/cases/{cid}").text
    assert "/transition" not in page and "/charges" not in page  # no forms it cannot use
    tech = desk.client("hq-tech")
    assert tech.form(f"/desk/cases/{cid}/transition",
                     {"to": "cancelled", "reason": "x"}).status_code == 403
    assert tech.form(f"/desk/cases/{cid}/charges", {"kind": "labour"}).status_code == 403
    with desk.session() as session:
        assert session.get(ServiceCase, cid).state == "registered"
