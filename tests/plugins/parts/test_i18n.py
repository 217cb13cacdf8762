"""Every string the parts plugin marks for translation has a zh_CN translation with the same
placeholders (its own catalog), and a Chinese reader sees the parts pages in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.plugins import catalogue
from tests.plugins.parts.helpers import setup_parts
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
ZH_PO = catalogue.zh_po("parts")


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    found = catalogue.extracted("parts")
    assert "Packing list" in found and len(found) > 100
    missing, wrong = catalogue.problems("parts")
    assert not missing, "no zh_CN translation in the parts catalog:\n  " + "\n  ".join(missing)
    assert not wrong, wrong


def test_a_chinese_reader_sees_the_stock_page_in_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h)
    page = h.client("sw-warehouse").get("/parts/stock")  # sw users read Chinese
    assert page.status_code == 200
    assert "配件库存" in page.text and "配件入库" in page.text


def test_parts_history_lines_and_part_names_read_in_chinese(
        make_app: Callable[..., Harness], backend: str) -> None:
    """Issue 15 item 5: the parts lines of a case's history are message ids with parameters
    (``record_case_event``), so sw-clerk reads them in Chinese and hq-admin in English; the
    parts panel names a part by its Chinese name for a Chinese reader."""
    from datetime import date, timedelta

    from tests.plugins.parts.helpers import bearer, inspected_case

    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=0)
    with h.session() as session:
        from plugins.parts import services

        services.receive(session, None, {"part": "P-OUT", "warehouse": "WH-SW",
                                         "quantity": 1})
        session.commit()
    cid = inspected_case(h, region="sw")
    needed = (date.today() + timedelta(days=3)).isoformat()
    asked = h.client().post(f"/api/v1/parts/cases/{cid}/reservations",
                            headers=bearer(h, "sw-tech"),
                            json={"part": "P-OUT", "quantity": 2, "needed_by": needed})
    assert asked.status_code == 201, asked.text
    number = asked.json()["requisition"]["number"]
    rejected = h.client().post(
        f"/api/v1/parts/requisitions/{asked.json()['requisition']['id']}/decision",
        headers=bearer(h, "hq-manager"), json={"approve": False, "note": "没有库存"})
    assert rejected.status_code == 200, rejected.text
    chinese = h.client("sw-clerk").get(f"/desk/cases/{cid}").text
    assert "配件：P-OUT × 2（已预留 1，已申请 1）" in chinese
    assert f"申领单 {number} 被驳回：没有库存" in chinese
    assert "requested 1" not in chinese and "%(" not in chinese
    english = h.client("hq-admin").get(f"/desk/cases/{cid}").text
    assert "Parts: P-OUT × 2 (reserved 1, requested 1)" in english
    assert f"Requisition {number} rejected: 没有库存" in english
    panel = h.client("sw-clerk").get(f"/parts/cases/{cid}/panel").text
    assert "P-OUT 输出晶体管" in panel and "Output transistor" not in panel
    assert "P-OUT Output transistor" in h.client("hq-admin").get(
        f"/parts/cases/{cid}/panel").text


def test_the_catalogue_form_takes_the_chinese_name(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h)
    manager = h.client("hq-manager")
    page = manager.get("/parts/catalogue")
    assert 'name="name_zh"' in page.text
    saved = manager.form("/parts/catalogue", {
        "number": "p-cap", "name": "Capacitor", "name_zh": "电容", "price_cents": "3.50",
        "model_codes": "pa2400"})
    assert saved.status_code in (200, 303), saved.text
    changed = manager.form("/parts/catalogue", {
        "number": "P-CAP", "name": "Capacitor 1000uF", "name_zh": "电容 1000uF",
        "price_cents": "4.00"})
    assert changed.status_code in (200, 303)
    refused = manager.form("/parts/catalogue", {"number": "P-X", "name": "",
                                                     "price_cents": "abc"})
    assert refused.status_code in (200, 303)
    with h.session() as session:
        from sqlalchemy import select

        from plugins.parts.models import Part

        found = {p.number: p for p in session.scalars(select(Part))}
        assert (found["P-CAP"].name_zh, found["P-CAP"].price_cents) == ("电容 1000uF", 400)
        assert "P-X" not in found
    assert "电容 1000uF" in h.client("sw-warehouse").get("/parts/catalogue").text
