"""English and Simplified Chinese: every string core marks for translation has a zh_CN
translation with the same placeholders; money, dates and times are formatted per locale in the
instance time zone; the language follows the user, the session choice, or Accept-Language.

The extraction here is the one ``make extract-messages`` runs (babel.cfg's method map and the
Makefile's ``-k`` keywords), done in-process, so a string added to a page or a view without a
translation fails this test with its msgid and where it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select
from starlette.requests import Request

from core import i18n
from core.entities import User
from core.web.templating import shell_context
from tests.support import Harness

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
ZH_PO = CORE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING_UTC = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # 04:00 on 2 January in Shanghai


# --- the catalog ------------------------------------------------------------------------------

def _makefile_keywords() -> list[str]:
    """The ``-k`` options of the Makefile's extract-messages recipe."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^extract-messages:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no extract-messages target"
    return re.findall(r"(?:-k|--keyword)[ =](\S+)", recipe.group(1))


@cache
def extracted() -> dict[str, list[str]]:
    """msgid (the singular for plurals) -> where it is used, as ``make extract-messages``
    would find it."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(_makefile_keywords())}
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(CORE), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if not msgid:
            continue
        key = f"{context}\x04{msgid}" if context else msgid
        found.setdefault(key, []).append(f"core/{filename}:{lineno}")
    return found


@cache
def zh_catalog() -> Catalog:
    with ZH_PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def _key(message: Any) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return f"{message.context}\x04{msgid}" if message.context else str(msgid)


def _forms(message: Any) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) \
        else [message.string]


@cache
def zh_strings() -> dict[str, list[str]]:
    return {_key(m): _forms(m) for m in zh_catalog() if m.id}


def zh(msgid: str) -> str:
    """The zh_CN translation of ``msgid`` as the catalog has it (and it must have it)."""
    forms = zh_strings().get(msgid)
    assert forms and forms[0], f"no zh_CN translation for {msgid!r}"
    return forms[0]


def placeholders(text: str) -> list[str]:
    return sorted(f"%({name})" + kind if name else "%" + kind
                  for name, kind in PLACEHOLDER.findall(text))


def test_extraction_finds_python_and_templates() -> None:
    """The extraction itself works: N_ and _ in Python, _() in Jinja templates."""
    found = extracted()
    assert "Unknown login or wrong password." in found  # N_ in core/security/signin.py
    assert "The current password is wrong." in found  # _ in core/web/views/auth.py
    assert "Sign in" in found  # {{ _("Sign in") }} in login.html
    assert "Signed in as %(name)s, %(place)s." in found  # _("...")|format(...) in a template
    assert len(found) > 200


def test_every_message_of_core_has_a_chinese_translation() -> None:
    strings = zh_strings()
    missing = [f"{msgid!r} ({', '.join(where[:3])})"
               for msgid, where in sorted(extracted().items())
               if not all(strings.get(msgid) or [""])]
    assert not missing, (
        f"{len(missing)} message(s) have no zh_CN translation in "
        f"{ZH_PO.relative_to(ROOT)} (run `make update-messages`, then translate):\n  "
        + "\n  ".join(missing)
    )


def test_no_fuzzy_or_empty_entries_in_the_chinese_catalog() -> None:
    fuzzy = [m.id for m in zh_catalog() if m.id and m.fuzzy]
    empty = [m.id for m in zh_catalog() if m.id and not all(_forms(m))]
    assert not fuzzy, f"fuzzy entries (check the translation, drop the flag): {fuzzy}"
    assert not empty, f"entries without a translation: {empty}"


def test_placeholders_of_translations_match_the_msgid() -> None:
    wrong = []
    for message in zh_catalog():
        if not message.id:
            continue
        source = message.id[-1] if isinstance(message.id, tuple | list) else message.id
        for form in _forms(message):
            if form and placeholders(form) != placeholders(source):
                wrong.append(f"{source!r}: {placeholders(source)} -> {form!r}")
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)


def test_catalog_passes_babels_checks_and_formats() -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in zh_catalog().check()]
    assert not problems, problems
    for message in zh_catalog():
        if message.id and message.python_format:
            source = message.id[-1] if isinstance(message.id, tuple | list) else message.id
            names = dict.fromkeys(re.findall(r"%\((\w+)\)", source), 7)
            for form in _forms(message):
                form % names  # raises on a broken placeholder


def test_chinese_is_chinese() -> None:
    """A translation without any Chinese character or punctuation is a slip (the English
    copied over), unless the msgid has no English words to translate."""
    def chinese(text: str) -> bool:
        return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)

    latin_only = [m.id for m in zh_catalog()
                  if m.id and re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", str(m.id)))
                  and not all(chinese(form) for form in _forms(m))]
    assert not latin_only, f"translations without Chinese: {latin_only}"


def test_runtime_translations_use_the_catalog() -> None:
    """Core's gettext (from the .mo when fresh, else straight from the .po) gives Chinese."""
    zh_cn = i18n.translations("zh_CN")
    assert zh_cn.gettext("Sign in") == zh("Sign in")
    assert zh_cn.gettext("Paid: %(paid)s") % {"paid": "¥1.00"} == \
        zh("Paid: %(paid)s") % {"paid": "¥1.00"}
    assert i18n.translations("en").gettext("Sign in") == "Sign in"


def test_a_plugin_catalog_cannot_reword_core(tmp_path: Path) -> None:
    """A plugin's own words come from its catalog; core's words stay core's even when a plugin
    translates the same msgid otherwise (feedback's "Name" once renamed the intake form)."""
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Sign in"\nmsgstr "插件改写"\n\n'
        'msgid "A plugin-only phrase"\nmsgstr "插件自己的话"\n', encoding="utf-8")
    both = i18n.translations("zh_CN", (tmp_path,))
    assert both.gettext("Sign in") == zh("Sign in")
    assert both.gettext("A plugin-only phrase") == "插件自己的话"


# --- formatting -------------------------------------------------------------------------------

def test_money() -> None:
    assert i18n.format_money(123456, "zh_CN") == "¥1,234.56"
    english = i18n.format_money(123456, "en")
    assert "1,234.56" in english and "CN¥" in english
    assert i18n.format_money(5, "zh_CN") == "¥0.05"
    assert i18n.format_money(None, "en") == ""


def test_days_and_timestamps_in_the_instance_time_zone() -> None:
    assert i18n.format_day(date(2026, 1, 2), "en") == "2 Jan 2026"
    assert i18n.format_day(date(2026, 1, 2), "zh_CN") == "2026年1月2日"
    assert i18n.format_day(None, "en") == ""
    english = i18n.format_timestamp(EVENING_UTC, "en", SHANGHAI)
    assert "2 Jan 2026" in english and "04:00" in english
    chinese = i18n.format_timestamp(EVENING_UTC, "zh_CN", SHANGHAI)
    assert "2026年1月2日" in chinese and "04:00" in chinese
    london = i18n.format_timestamp(EVENING_UTC, "en", ZoneInfo("Europe/London"))
    assert "1 Jan 2026" in london and "20:00" in london
    assert i18n.format_timestamp(None, "en", SHANGHAI) == ""


def test_cached_formatters_write_what_babel_writes() -> None:
    """Issue 11: days and amounts are remembered and timestamps use a time pattern parsed
    once; every text must stay byte-identical to Babel's own functions, in both locales and
    in more than one time zone (a day boundary, AM/PM hours, midnight, a DST zone)."""
    from decimal import Decimal

    from babel.dates import format_date, format_datetime, format_time
    from babel.numbers import format_currency

    days = [date(2026, 1, 2), date(1999, 12, 31), date(2024, 2, 29), date(2026, 11, 9)]
    moments = [EVENING_UTC, datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
               datetime(2025, 3, 30, 0, 59, 1, tzinfo=UTC),
               datetime(2025, 10, 26, 1, 0, tzinfo=UTC)]
    moments += [datetime(2026, 5, 17, hour, 7 * hour % 60, 3, tzinfo=UTC) for hour in range(24)]
    amounts = [0, 1, 5, 99, 100, 1250, 123456, 100000000, 123456789012, -1, -250, -123456]
    for locale in ("en", "zh_CN"):
        babel_locale = i18n.babel_locale(locale)
        for _twice in range(2):  # the second pass reads the caches
            for day in days:
                assert i18n.format_day(day, locale) == format_date(
                    day, format="medium", locale=babel_locale)
            for cents in amounts:
                assert i18n.format_money(cents, locale) == format_currency(
                    Decimal(cents) / 100, "CNY", locale=babel_locale)
            for zone in (SHANGHAI, ZoneInfo("Europe/London"), ZoneInfo("America/New_York")):
                for moment in moments:
                    assert i18n.format_timestamp(moment, locale, zone) == format_datetime(
                        moment.astimezone(zone), format="medium", tzinfo=zone,
                        locale=babel_locale), (locale, zone, moment)
                    assert i18n.format_clock(moment, locale, zone) == format_time(
                        moment.astimezone(zone), format="short", tzinfo=zone,
                        locale=babel_locale), (locale, zone, moment)


def test_a_time_pattern_with_other_fields_goes_through_babel() -> None:
    """A locale whose time has AM/PM (en_US: "h:mm a") is written by Babel's ``apply``."""
    from babel.dates import format_time

    clock = i18n._Clock(i18n.Locale.parse("en_US"), "short")
    assert clock.fields is None
    for hour in (0, 11, 12, 23):
        moment = datetime(2026, 1, 2, hour, 5, tzinfo=SHANGHAI)
        assert clock(moment) == format_time(moment, format="short", tzinfo=SHANGHAI,
                                            locale="en_US")


def _page_context(h: Harness, locale: str) -> dict[str, Any]:
    """What a template gets on a page of an anonymous visitor who chose ``locale``."""
    scope = {"type": "http", "app": h.app, "method": "GET", "path": "/", "query_string": b"",
             "headers": [], "session": {"locale": locale}, "state": {}}
    return shell_context(Request(scope))


def test_pages_format_in_the_instance_time_zone(make_app: Callable[..., Harness]) -> None:
    shanghai = _page_context(make_app(), "zh_CN")
    assert shanghai["locale"] == "zh_CN"
    assert "2026年1月2日" in shanghai["fmt_time"](EVENING_UTC)
    assert "04:00" in shanghai["fmt_time"](EVENING_UTC)
    assert shanghai["fmt_money"](123456) == "¥1,234.56"
    assert shanghai["_"]("Sign in") == zh("Sign in")
    london = _page_context(make_app(timezone="Europe/London"), "en")
    assert "1 Jan 2026" in london["fmt_time"](EVENING_UTC)
    assert "20:00" in london["fmt_time"](EVENING_UTC)


# --- choosing the language over HTTP ----------------------------------------------------------

def _text(msgid: str) -> str:
    """The translation as it appears in autoescaped HTML."""
    return html.escape(zh(msgid))


def test_english_by_default(harness: Harness) -> None:
    page = harness.client().get("/login").text
    assert '<html lang="en">' in page
    assert "Sign in" in page and _text("Sign in") not in page


def test_language_switch_makes_the_sign_in_page_chinese(harness: Harness) -> None:
    client = harness.client()
    response = client.form("/language", {"locale": "zh_CN", "next": "/login"})
    assert response.status_code == 200 and response.url.path == "/login"
    page = response.text
    assert '<html lang="zh-CN">' in page
    assert f"<h1>{_text('Sign in')}</h1>" in page
    assert _text("Password") in page and _text("After-sales service") in page
    assert ">Sign in<" not in page
    # the choice stays with the session, and can be undone
    assert '<html lang="zh-CN">' in client.get("/login").text
    back = client.form("/language", {"locale": "en", "next": "/login"}).text
    assert '<html lang="en">' in back and "<h1>Sign in</h1>" in back


def test_unknown_locale_and_foreign_next_are_ignored(harness: Harness) -> None:
    client = harness.client()
    response = client.form("/language", {"locale": "fr", "next": "https://evil.example/"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert '<html lang="en">' in client.get("/login").text


def test_wrong_password_message_in_chinese(harness: Harness) -> None:
    client = harness.client()
    client.form("/language", {"locale": "zh_CN", "next": "/login"})
    response = client.post("/login", data={"login": "nobody", "password": "whatever-123",
                                           "csrf_token": client.csrf()})
    assert response.status_code == 400
    assert _text("Unknown login or wrong password.") in response.text


@pytest.mark.parametrize(("header", "lang"), [
    ("zh-CN", "zh-CN"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh", "zh-CN"),
    ("zh-Hans-CN", "zh-CN"),
    ("en;q=0.5, zh-CN;q=0.9", "zh-CN"),
    ("en-US,en;q=0.9", "en"),
    ("zh-CN;q=0.4, en-GB;q=0.8", "en"),
    ("fr-FR", "en"),
])
def test_accept_language_for_anonymous_visitors(harness: Harness, header: str,
                                                lang: str) -> None:
    page = harness.client(headers={"Accept-Language": header}).get("/login").text
    assert f'<html lang="{lang}">' in page
    assert (_text("Sign in") in page) == (lang == "zh-CN")


def test_chinese_user_sees_the_dashboard_in_chinese(harness: Harness) -> None:
    client = harness.client("sw-clerk", headers={"Accept-Language": "en"})
    page = client.get("/").text
    assert '<html lang="zh-CN">' in page
    assert f"<h1>{_text('Dashboard')}</h1>" in page
    for msgid in ("Sign out", "Change password", "Cases", "Intake", "Welcome"):
        assert _text(msgid) in page, msgid
    assert ">Sign out<" not in page and ">Dashboard<" not in page
    welcome = client.get("/widgets/welcome", headers={"HX-Request": "true"}).text
    assert _text("Signed in as %(name)s, %(place)s.") % {
        "name": "Lin Na", "place": "成都服务点"} in welcome  # issue 18: the point's name_zh


def test_english_user_keeps_english_whatever_the_browser_says(harness: Harness) -> None:
    page = harness.client("hq-clerk", headers={"Accept-Language": "zh-CN"}).get("/").text
    assert '<html lang="en">' in page and "<h1>Dashboard</h1>" in page


def test_a_signed_in_users_choice_is_kept_on_the_user(harness: Harness) -> None:
    client = harness.client("hq-clerk")
    page = client.form("/language", {"locale": "zh_CN", "next": "/"}).text
    assert '<html lang="zh-CN">' in page and _text("Dashboard") in page
    with harness.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        assert user.locale == "zh_CN"
    # a new sign-in, in another browser, is Chinese too
    assert _text("Dashboard") in harness.client("hq-clerk").get("/").text


def test_date_cells_do_not_parse_the_locale_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: Babel locales are parsed once per process, not once per date cell."""
    import babel.core

    from core import i18n

    for locale in ("en", "zh_CN"):
        i18n.format_day(date(2025, 1, 2), locale)  # first use parses

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("locale identifier parsed again")

    monkeypatch.setattr(babel.core, "parse_locale", refuse)
    assert i18n.format_day(date(2025, 1, 2), "en") == "2 Jan 2025"
    assert i18n.format_day(date(2025, 1, 2), "zh_CN") == "2025年1月2日"
    assert i18n.format_money(1250, "en").endswith("12.50")
