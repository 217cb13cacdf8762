"""Every string the feedback plugin marks for translation has a zh_CN translation with the
same placeholders (its own catalog, consulted after core's); a Chinese reader sees the pages
in Chinese, and a Chinese customer gets the reply in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.plugins import catalogue
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
ZH_PO = catalogue.zh_po("feedback")


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    found = catalogue.extracted("feedback")
    assert "How was our service?" in found and len(found) > 150
    missing, wrong = catalogue.problems("feedback")
    assert not missing, "no zh_CN translation in the feedback catalog:\n  " + "\n  ".join(missing)
    assert not wrong, wrong


def test_a_chinese_reader_sees_the_feedback_pages_in_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["feedback"])
    page = h.client("sw-supervisor").get("/feedback/complaints")  # sw-* users read Chinese
    assert "投诉与建议" in page.text and "没有符合条件的投诉。" in page.text
