"""Every string the warranty plugin marks for translation has a zh_CN translation with the
same placeholders (its own catalog, consulted after core's), and a Chinese reader sees the
warranty pages in Chinese.

The policy's reasons are message ids too (``policy.py`` returns ``Message(N_(...), {...})``),
so this test covers them with the pages' strings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from core.entities import ServiceCase, Unit
from tests.core.desk_helpers import bearer, move, new_case
from tests.plugins import catalogue
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
ZH_PO = catalogue.zh_po("warranty")
OTHER_ZH_POS = sorted({ROOT / "core" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po",
                       *ROOT.glob("plugins/*/locale/zh_CN/LC_MESSAGES/messages.po")} - {ZH_PO})


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    found = catalogue.extracted("warranty")
    assert "Warranty costs" in found and "The coverage class was overridden." in found
    assert len(found) >= 50
    missing, wrong = catalogue.problems("warranty")
    assert not missing, "no zh_CN translation in the warranty catalog:\n  " + "\n  ".join(missing)
    assert not wrong, wrong


def test_shared_messages_read_the_same_as_in_the_other_catalogs() -> None:
    """A msgid this catalog shares with core or another plugin reads the same here: core's
    catalog is consulted first (a plugin cannot reword core), so a different Chinese here
    would show on warranty's pages only, and the same words would read two ways."""
    strings = catalogue.catalog("warranty")
    differ = [f"{msgid!r}: {text!r} here, {other[msgid]!r} in {po.relative_to(ROOT)}"
              for po in OTHER_ZH_POS for other in [catalogue.read(po)]
              for msgid, text in strings.items() if other.get(msgid, text) != text]
    assert not differ, "\n".join(differ)


def _waived_labour(h: Harness) -> str:
    """A class-A case with one free labour line; returns the unit's body code."""
    clerk = bearer(h, "hq-clerk")
    code = f"PA2400-{date.today() - timedelta(days=30):%y%m%d}-00031"
    case_id = new_case(h, clerk, body_code=code)["id"]
    assert move(h, bearer(h, "hq-tech"), case_id, "inspected",
                fault_found="No sound").status_code == 200
    response = h.client().post(f"/api/v1/cases/{case_id}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench", "unit_price_cents": 12000})
    assert response.status_code == 201, response.text
    assert response.json()["charges"][-1]["waived"] is True
    return code


def test_the_cost_report_is_in_chinese_after_choosing_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty"])
    manager = h.client("hq-manager")  # reads English until they choose Chinese
    empty = manager.get("/warranty/report")
    assert empty.status_code == 200 and "No free warranty work recorded yet." in empty.text
    chosen = manager.form("/language", {"locale": "zh_CN", "next": "/warranty/report"})
    assert chosen.status_code == 200 and "尚无保修期内免费维修的记录。" in chosen.text
    assert "保修费用" in chosen.text and "Warranty costs" not in chosen.text

    _waived_labour(h)
    page = manager.get("/warranty/report")
    assert page.status_code == 200 and "PA2400" in page.text
    strings = catalogue.catalog("warranty")
    shown = [msgid for msgid, where in catalogue.extracted("warranty").items()
             if any("report.html" in w for w in where)]
    assert len(shown) >= 8
    for msgid in shown:
        if msgid == "No free warranty work recorded yet.":
            continue  # the report has a row now
        assert strings[msgid] in page.text, msgid
        if " " in msgid:
            assert msgid not in page.text, msgid


def test_a_chinese_reader_sees_the_warranty_panel_in_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty"])
    code = _waived_labour(h)
    panel = h.client("sw-clerk").get(f"/warranty/units/{code}/panel",  # sw-* read Chinese
                                     headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "保修类别 A" in panel.text and "剩余天数" in panel.text and "保修到期日" in panel.text
    assert "Days left" not in panel.text


def test_the_case_page_reads_the_coverage_reason_in_each_readers_language(
        make_app: Callable[..., Harness]) -> None:
    """Issue 18: core shows the case's stored coverage reason through the catalogues, so the
    warranty plugin stores a message id; the dated reason stays on the warranty panel."""
    h = make_app(plugins=["warranty"])
    code = _waived_labour(h)
    with h.session() as session:
        case = session.scalars(select(ServiceCase).join(Unit).where(
            Unit.body_code == code)).one()
        case_id, reason = case.id, case.coverage_reason
    assert reason == "Class A — in warranty (W-2, W-A)"
    chinese = h.client("hq-admin")
    chinese.form("/language", {"locale": "zh_CN", "next": "/"})
    page = chinese.get(f"/desk/cases/{case_id}").text
    assert "A类——在保修期内（W-2、W-A）" in page and "in warranty" not in page
    panel = chinese.get(f"/warranty/cases/{case_id}/panel").text
    assert "保修期至" in panel  # the panel keeps the date
    assert "Class A — in warranty (W-2, W-A)" in h.client("hq-clerk").get(
        f"/desk/cases/{case_id}").text
