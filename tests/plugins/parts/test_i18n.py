"""Every string the parts plugin marks for translation has a zh_CN translation with the same
placeholders (its own catalog), and a Chinese reader sees the parts pages in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.plugins.parts.helpers import setup_parts
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "parts"
ZH_PO = PLUGIN / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


@cache
def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found = set()
    for _f, _l, message, _c, _ctx in extract_from_dir(
            str(PLUGIN), method_map, options_map, keywords={"_": None, "N_": None}):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            found.add(msgid)
    return found


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    with ZH_PO.open("rb") as handle:
        strings = {str(m.id): str(m.string) for m in read_po(handle, locale="zh_CN")
                   if m.id and not m.fuzzy}
    found = extracted()
    assert "Packing list" in found and len(found) > 100
    missing = sorted(m for m in found if not strings.get(m))
    assert not missing, missing
    wrong = [m for m, text in strings.items()
             if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(m))]
    assert not wrong, wrong


def test_a_chinese_reader_sees_the_stock_page_in_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h)
    page = h.client("sw-warehouse").get("/parts/stock")  # sw users read Chinese
    assert page.status_code == 200
    assert "配件库存" in page.text and "配件入库" in page.text
