"""English and Simplified Chinese: gettext catalogs (Babel) and locale-aware formatting.

Catalogs live in ``core/locale/<locale>/LC_MESSAGES/messages.po`` and, for a plugin, in its
own ``locale/`` folder. ``make`` compiles them to ``.mo`` (``pybabel compile``); when a ``.mo``
is missing or older than its ``.po`` the ``.po`` is read directly, so a fresh checkout never
shows untranslated pages because a build step was skipped.

Dates of policy (factory date, warranty end) are calendar dates; timestamps are UTC in the
database and shown in the instance time zone. Money is integer cents of CNY.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency

LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"en": "English", "zh_CN": "简体中文"}
CORE_LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def _catalog(po_file: Path) -> gettext.GNUTranslations | None:
    mo_file = po_file.with_suffix(".mo")
    if mo_file.exists() and mo_file.stat().st_mtime >= po_file.stat().st_mtime:
        with mo_file.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po_file.exists():
        return None
    import io

    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=32)
def translations(locale: str, dirs: tuple[Path, ...] = ()) -> gettext.NullTranslations:
    """Core's catalog first, then the plugins' catalogs for their own strings.

    Core is consulted first so that no plugin can reword core's screens: the feedback
    plugin once translated "Name" for its contact form (姓名) and, consulted first, renamed
    every "Name" on the intake form too."""
    if locale not in LOCALES or locale == "en":
        return gettext.NullTranslations()
    result: gettext.NullTranslations | None = None
    for folder in (CORE_LOCALE_DIR, *dirs):
        catalog = _catalog(folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po")
        if catalog is None:
            continue
        if result is None:
            result = catalog
        else:
            result.add_fallback(catalog)
    return result or gettext.NullTranslations()


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick a supported locale from an Accept-Language header, by quality.

    Any Chinese tag (zh, zh-CN, zh-Hans, zh-TW...) maps to Simplified Chinese, the only
    Chinese we ship; any English tag to English.
    """
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality >= 0:
            break
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default


def local_name(record: Any, locale: str) -> str:
    """A record's name in the reader's language (issue 18): ``name_zh`` for a Chinese reader
    when it was entered, else ``name`` (regions, service points, models...)."""
    if record is None:
        return ""
    chinese = getattr(record, "name_zh", "") or ""
    return chinese if locale == "zh_CN" and chinese else str(record.name)


def babel_locale(locale: str) -> str:
    return "zh_Hans_CN" if locale == "zh_CN" else "en_GB"


@lru_cache(maxsize=8)
def babel_locale_object(locale: str) -> Locale:
    """The Babel ``Locale`` for one of our locales, parsed once per process. Given a string,
    Babel parses the identifier and looks its data up again on every call: that was a third of
    the cost of each date cell of a list page (issue 11). ``Locale`` objects are read-only
    once loaded, so threads can share them."""
    loaded = Locale.parse(babel_locale(locale))
    loaded.date_formats  # noqa: B018 -- load the data now, not racing on first use
    return loaded


def format_day(value: date | None, locale: str) -> str:
    if value is None:
        return ""
    return _format_date(value, format="medium", locale=babel_locale_object(locale))


def format_timestamp(value: datetime | None, locale: str, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    return _format_datetime(value.astimezone(tz), format="medium", tzinfo=tz,
                            locale=babel_locale_object(locale))


def format_clock(value: datetime, locale: str, tz: ZoneInfo) -> str:
    """The time of day only ("10:42 AM", "10:42"), in the instance's time zone."""
    return _format_time(value.astimezone(tz), format="short", tzinfo=tz,
                        locale=babel_locale_object(locale))


def format_money(cents: int | None, locale: str) -> str:
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "CNY", locale=babel_locale_object(locale))


def plugin_locale_dirs(package_dirs: Iterable[Path]) -> tuple[Path, ...]:
    return tuple(d / "locale" for d in package_dirs if (d / "locale").is_dir())
