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
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import get_datetime_format, get_time_format, parse_pattern, tokenize_pattern
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


#: How many distinct values each formatting cache keeps. Dates and amounts repeat a lot on
#: a page (a list's intake dates, a fee on every case); a bounded cache keeps memory flat.
FORMAT_CACHE_SIZE = 4096


def format_day(value: date | None, locale: str) -> str:
    if value is None:
        return ""
    return _day_text(value, locale)


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _day_text(value: date, locale: str) -> str:
    """Babel's own ``format_date``, remembered per (day, locale): a list page printed the same
    few dates fifty times, each time walking Babel's pattern (issue 11)."""
    return _format_date(value, format="medium", locale=babel_locale_object(locale))


#: Time-of-day fields whose text depends only on the hour, minute and second, and the number
#: Babel's ``DateTimeFormat`` writes for each (zero-padded to the field's length).
_CLOCK_FIELDS: dict[str, Callable[[int, int, int], int]] = {
    "H": lambda h, _m, _s: h,
    "h": lambda h, _m, _s: h % 12 or 12,
    "K": lambda h, _m, _s: h % 12,
    "k": lambda h, _m, _s: h or 24,
    "m": lambda _h, m, _s: m,
    "s": lambda _h, _m, s: s,
}


class _Clock:
    """A locale's time pattern ("HH:mm:ss"), parsed once. When it has only hour, minute and
    second fields (both our locales), it fills Babel's own compiled pattern string with the
    numbers directly; any other field (AM/PM, zone...) goes through Babel's ``apply``."""

    def __init__(self, locale: Locale, format: str) -> None:
        self.locale = locale
        self.pattern = parse_pattern(get_time_format(format, locale=self.locale))
        fields = [value for kind, value in tokenize_pattern(self.pattern.pattern)
                  if kind == "field"]
        self.fields: list[tuple[str, str, Callable[[int, int, int], int]]] | None = [
            (char * length, f"0{length}d", _CLOCK_FIELDS[char]) for char, length in fields
        ] if all(char in _CLOCK_FIELDS for char, _ in fields) else None

    def __call__(self, local: datetime) -> str:
        if self.fields is None:
            return self.pattern.apply(local.timetz(), self.locale, reference_date=local.date())
        h, m, s = local.hour, local.minute, local.second
        return self.pattern.format % {
            name: format(number(h, m, s), spec) for name, spec, number in self.fields}


@lru_cache(maxsize=16)
def _clock(locale: str, format: str) -> _Clock:
    return _Clock(babel_locale_object(locale), format)


@lru_cache(maxsize=16)
def _datetime_joiner(locale: str, format: str) -> str:
    """The locale's "{1}, {0}" for a named format, quotes removed, as ``format_datetime``
    looks it up on every call."""
    return get_datetime_format(format, locale=babel_locale_object(locale)).replace("'", "")


def format_timestamp(value: datetime | None, locale: str, tz: ZoneInfo) -> str:
    """What ``babel.dates.format_datetime(value, "medium", tzinfo=tz, locale=...)`` writes
    (tests compare the two on many moments in both locales), without Babel's per-call
    lookups: the joiner and the time pattern are looked up once per locale and the date part
    is :func:`format_day`'s, remembered per day (issue 11)."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    return _datetime_joiner(locale, "medium").replace("{0}", _clock(locale, "medium")(local)) \
        .replace("{1}", _day_text(local.date(), locale))


def format_clock(value: datetime, locale: str, tz: ZoneInfo) -> str:
    """The time of day only ("10:42 AM", "10:42"), in the instance's time zone: Babel's
    ``format_time(value, "short", tzinfo=tz)``."""
    return _clock(locale, "short")(value.astimezone(tz))


def format_money(cents: int | None, locale: str) -> str:
    if cents is None:
        return ""
    return _money_text(cents, locale)


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _money_text(cents: int, locale: str) -> str:
    """Babel's own ``format_currency``, remembered per (amount, locale) (issue 11)."""
    return format_currency(Decimal(cents) / 100, "CNY", locale=babel_locale_object(locale))


def plugin_locale_dirs(package_dirs: Iterable[Path]) -> tuple[Path, ...]:
    return tuple(d / "locale" for d in package_dirs if (d / "locale").is_dir())
