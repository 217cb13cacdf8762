"""A plugin's zh_CN catalogue against what its code marks for translation: one helper for
every plugin's completeness test (the extraction is ``make extract-messages``' own: babel.cfg's
method map and babel's default keywords plus ``N_``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def zh_po(plugin: str) -> Path:
    return ROOT / "plugins" / plugin / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"


@cache
def extracted(plugin: str) -> dict[str, list[str]]:
    """Every msgid the plugin's code and templates mark, with where it is."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / "plugins" / plugin), method_map, options_map,
            keywords=DEFAULT_KEYWORDS):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def read(po_file: Path) -> dict[str, str]:
    with po_file.open("rb") as handle:
        return {str(m.id if not isinstance(m.id, tuple) else m.id[0]):
                str(m.string if not isinstance(m.string, tuple) else m.string[0])
                for m in read_po(handle, locale="zh_CN") if m.id and not m.fuzzy}


@cache
def catalog(plugin: str) -> dict[str, str]:
    return read(zh_po(plugin))


def placeholders(text: str) -> list[tuple[str, str]]:
    return sorted(PLACEHOLDER.findall(text))


def problems(plugin: str) -> tuple[list[str], list[str]]:
    """``(missing, wrong)``: msgids without a translation (with where they are), and
    translations whose placeholders differ from their msgid's."""
    strings = catalog(plugin)
    missing = [f"{msgid!r} ({', '.join(where[:2])})"
               for msgid, where in sorted(extracted(plugin).items()) if not strings.get(msgid)]
    wrong = [msgid for msgid, text in strings.items() if placeholders(text) != placeholders(msgid)]
    return missing, wrong
