"""Sign in, sign out, change own password, choose the language."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core import audit
from core.errors import localize
from core.i18n import LOCALES
from core.security import sessions
from core.security.auth import SESSION_REGION_FILTER_KEY, SESSION_USER_KEY
from core.security.passwords import password_problem
from core.security.signin import sign_in
from core.web.routing import CSRF_SESSION_KEY, client_address, form_data
from core.web.security import delayed
from core.web.templating import flash, gettext_for, render


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the sign-in page cannot be used to redirect elsewhere."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def login_page(request: Request) -> Response:
    if request.state.user is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return render(request, "login.html", {"next": request.query_params.get("next", ""),
                                          "values": {}, "error": None})


def login_submit(request: Request) -> Response:
    form = form_data(request)
    login = str(form.get("login", ""))
    password = str(form.get("password", ""))
    state = request.app.state
    result = sign_in(request.state.db, state.passwords, state.settings.security, login, password,
                     client_address(request))
    if result.user is None:
        _ = gettext_for(request).gettext
        request.state.db.commit()  # keep the failed attempt for throttling
        return delayed(render(request, "login.html",
                              {"next": form.get("next", ""), "values": {"login": login},
                               "error": _(result.error or "")}, status_code=400), result.delay)
    # issue 18: the language picked on the sign-in page outlives the fresh session and becomes
    # the user's own (as picking it when signed in does)
    chosen = request.session.get("locale")
    request.session.clear()  # a fresh session on sign-in (no fixation)
    if chosen in LOCALES:
        request.session["locale"] = chosen
        if result.user.locale != chosen:
            result.user.locale = chosen
    # issue 17: a new CSRF token too, and a server-side session record that sign-out ends
    request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    request.session[SESSION_USER_KEY] = result.user.id
    sessions.start(request.state.db, request, result.user.id, client_address(request))
    audit.set_actor(request.state.db, result.user.id, result.user.login, client_address(request))
    audit.record(request.state.db, "user", result.user.id, "sign_in",
                 region_id=result.user.region_id)
    return delayed(RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303),
                   result.delay)


def logout(request: Request) -> Response:
    user = request.state.user
    if user is not None:
        audit.record(request.state.db, "user", user.id, "sign_out", region_id=user.region_id)
    sessions.end_current(request.state.db, request)  # issue 17: a saved cookie is dead too
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def password_page(request: Request) -> Response:
    return render(request, "password.html", {"errors": {}})


def password_submit(request: Request) -> Response:
    form = form_data(request)
    user = request.state.user
    passwords = request.app.state.passwords
    _ = gettext_for(request).gettext
    errors: dict[str, str] = {}
    if not passwords.verify(user.password_hash, str(form.get("current", ""))):
        errors["current"] = _("The current password is wrong.")
    new = str(form.get("new", ""))
    problem = password_problem(new)
    if problem:
        errors["new"] = localize(problem, _)
    elif new != str(form.get("confirm", "")):
        errors["confirm"] = _("The two new passwords differ.")
    if errors:
        return render(request, "password.html", {"errors": errors}, status_code=400)
    user.password_hash = passwords.hash(new)
    audit.record(request.state.db, "user", user.id, "password_changed", region_id=user.region_id)
    sessions.end_sessions(request.state.db, user.id, "password_changed", keep_current=True)
    flash(request, _("Your password has been changed."))
    return RedirectResponse("/", status_code=303)


def set_language(request: Request) -> Response:
    form = form_data(request)
    locale = str(form.get("locale", ""))
    if locale in LOCALES:
        request.session["locale"] = locale
        user = request.state.user
        if user is not None:
            user.locale = locale
    return RedirectResponse(_safe_next(str(form.get("next", "/"))), status_code=303)


def set_region_filter(request: Request) -> Response:
    """HQ users may narrow every list to one region; regional users are scoped anyway."""
    form = form_data(request)
    raw = str(form.get("region_id", ""))
    if raw.isdigit():
        request.session[SESSION_REGION_FILTER_KEY] = int(raw)
    else:
        request.session.pop(SESSION_REGION_FILTER_KEY, None)
    return RedirectResponse(_safe_next(str(form.get("next", "/"))), status_code=303)
