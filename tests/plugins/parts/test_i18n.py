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
