"""Every string the feedback plugin marks for translation has a zh_CN translation with the
same placeholders (its own catalog, consulted before core's); a Chinese reader sees the pages
in Chinese, and a Chinese customer gets the reply in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.support import Harness

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "feedback"
ZH_PO = PLUGIN / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


@cache
def extracted() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PLUGIN), method_map, options_map, keywords=DEFAULT_KEYWORDS):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@cache
def catalog() -> dict[str, str]:
    with ZH_PO.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale="zh_CN")
                if m.id and not m.fuzzy}


def _placeholders(text: str) -> list[tuple[str, str]]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    found = extracted()
    assert "How was our service?" in found and len(found) > 150
    strings = catalog()
    missing = [f"{msgid!r} ({', '.join(where[:2])})" for msgid, where in sorted(found.items())
               if not strings.get(msgid)]
    assert not missing, "no zh_CN translation in the feedback catalog:\n  " + \
        "\n  ".join(missing)
    wrong = [msgid for msgid, text in strings.items()
             if _placeholders(text) != _placeholders(msgid)]
    assert not wrong, wrong


def test_a_chinese_reader_sees_the_feedback_pages_in_chinese(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["feedback"])
    page = h.client("sw-supervisor").get("/feedback/complaints")  # sw-* users read Chinese
    assert "投诉与建议" in page.text and "没有符合条件的投诉。" in page.text
