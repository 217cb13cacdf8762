"""The customer's confirmation page (W-4): a single-use, expiring link shows the quote in
the link's language and records the answer. No sign-in and no CSRF token: the unguessable,
single-use token is the proof. A used, expired or outdated link is a 404 page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core import i18n
from core.entities import ConfirmationLink
from core.services import quotes
from core.web.routing import form_data
from core.web.templating import render
from core.web.views.desk.common import LABELS


def _in_locale(request: Request, link: ConfirmationLink) -> dict[str, Any]:
    """Render in the link's language, unless this browser chose one with the switcher."""
    chosen = request.session.get("locale")
    locale = chosen if chosen in i18n.LOCALES else link.locale
    if locale not in i18n.LOCALES:
        locale = request.app.state.settings.default_locale
    trans = i18n.translations(locale, request.app.state.locale_dirs)
    tz = request.app.state.settings.tz
    return {
        "locale": locale, "_": trans.gettext, "gettext": trans.gettext,
        "ngettext": trans.ngettext,
        "fmt_date": lambda d: i18n.format_day(d, locale),
        "fmt_time": lambda t: i18n.format_timestamp(t, locale, tz),
        "fmt_money": lambda c: i18n.format_money(c, locale),
        "named": lambda record: i18n.local_name(record, locale),  # issue 18
    }


def quote_page(request: Request) -> Response:
    session = request.state.db
    link, case = quotes.link_for(session, request.path_params["token"])
    charges = quotes.active_charges(session, case)
    return render(request, "desk/public_quote.html", {
        "case": case, "link": link, "charges": charges,
        "total_cents": sum(c.payable_cents for c in charges), "labels": LABELS,
        **_in_locale(request, link),
    })


def quote_answer(request: Request) -> Response:
    session = request.state.db
    token = request.path_params["token"]
    link, case = quotes.link_for(session, token)
    data = form_data(request)
    accepted = data.get("decision") == "confirm"
    name = str(data.get("customer_name", "")).strip()[:160]
    context = _in_locale(request, link)
    confirmation = quotes.answer_link(session, request.app.state.pm, token, accepted, name)
    return render(request, "desk/public_done.html", {
        "case": case, "confirmation": confirmation, **context,
    })
