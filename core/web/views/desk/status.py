"""The customer's status link: made from the case page (a panel), opened without a sign-in.

``/status/{token}`` is a GET only (nothing to forge, so no CSRF token): it shows one case in
the link's language, with the region scope narrowed to the link's region. The panel shows
whether a link is out and makes a new one (which revokes the old); the token is shown once,
to copy, and can be sent by SMS through the outbox."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core import i18n
from core.db import utcnow
from core.errors import DomainError
from core.i18n import N_
from core.services import status_links
from core.services.cases import get_case
from core.services.messages import queue_message
from core.web.forms import has
from core.web.routing import form_data
from core.web.templating import render
from core.web.views.desk.common import LABELS
from core.web.views.desk.public import _in_locale


def _panel(request: Request, case_id: object, **extra: object) -> Response:
    session = request.state.db
    case = get_case(session, case_id)
    return render(request, "views/status_panel.html", {
        "case": case, "active": status_links.active_link(session, case),
        "link_locales": i18n.LOCALE_NAMES, "can_send": has(request, "case.quote"),
        "days": status_links.LINK_DAYS,
        "default_locale": case.customer.language or request.app.state.settings.default_locale,
        **extra})


def panel(request: Request) -> Response:
    return _panel(request, request.path_params["case_id"])


def create(request: Request) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = form_data(request)
    locale = str(data.get("locale", ""))
    token = status_links.create_link(session, case, request.state.user, locale)
    url = f"{str(request.base_url).rstrip('/')}/status/{token}"
    sent = False
    if data.get("send_sms") == "on":
        if not case.contact_phone:
            raise DomainError(N_("The customer has no phone number on file."), field="send_sms")
        queue_message(session, kind="core.status_link", channel="sms",
                      recipient=case.contact_phone, case=case,
                      language=locale if locale in i18n.LOCALES else None,
                      subject=N_("Your service case %(reference)s"),
                      body=N_("The status of your service case %(reference)s: %(url)s"),
                      params={"reference": case.reference, "url": url})
        sent = True
    return _panel(request, case.id, new_url=url, sent=sent)


def status_page(request: Request) -> Response:
    session = request.state.db
    status = status_links.status_for(session, request.path_params["token"])
    return render(request, "views/status_public.html", {
        "status": status, "case": status.case, "labels": LABELS, "now": utcnow(),
        **_in_locale(request, status.link),  # type: ignore[arg-type]
    }, headers={"Cache-Control": "no-store",
                "X-Robots-Tag": "noindex"})
