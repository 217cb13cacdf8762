"""Every string the training plugin marks for translation has a zh_CN translation with the
same placeholders (its own catalog, consulted after core's), and a Chinese reader sees the
training pages in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from plugins.training import policy, views
from tests.plugins import catalogue
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
ZH_PO = catalogue.zh_po("training")


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    found = catalogue.extracted("training")
    assert "Certificate of after-sales training" in found and len(found) > 150
    missing, wrong = catalogue.problems("training")
    assert not missing, "no zh_CN translation in the training catalog:\n  " + "\n  ".join(missing)
    assert not wrong, wrong


def test_reason_texts_are_the_policys() -> None:
    assert views.REASONS == policy.MESSAGES


def test_a_chinese_reader_sees_the_training_pages_in_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["training"])
    page = h.client("sw-supervisor").get("/training/sessions")  # sw-* users read Chinese
    assert "培训班" in page.text and "本月没有培训班。" in page.text
