"""Jinja2 rendering: autoescaped, translated, with the shell's context on every page.

Template folders are searched plugin-first (in reverse load order), then core, so a plugin
can add templates under ``templates/<plugin>/`` and override a core template by shipping one
with the same name. One template serves both the full page and its htmx fragment: a template
extends ``layout.html`` and the layout renders only the ``content`` block when the request
comes from htmx (``HX-Request`` without ``HX-Boosted``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, Macro
from starlette.requests import Request
from starlette.responses import HTMLResponse

from core import i18n
from core.errors import DomainError, Message
from core.errors import render as render_message
from core.hooktypes import AUTHENTICATED
from core.web.routing import csrf_token

CORE_TEMPLATES = Path(__file__).parent / "templates"
FLASH_KEY = "flash"


def make_environment(plugin_template_dirs: list[Path]) -> Environment:
    loader = ChoiceLoader(
        [FileSystemLoader(str(d)) for d in reversed(plugin_template_dirs)]
        + [FileSystemLoader(str(CORE_TEMPLATES))]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def request_locale(request: Request) -> str:
    user = getattr(request.state, "user", None)
    if user is not None and user.locale in i18n.LOCALES:
        return str(user.locale)
    chosen = request.session.get("locale") if "session" in request.scope else None
    if chosen in i18n.LOCALES:
        return str(chosen)
    settings = request.app.state.settings
    return i18n.negotiate(request.headers.get("accept-language"), settings.default_locale)


def gettext_for(request: Request) -> Any:
    locale = request_locale(request)
    return i18n.translations(locale, request.app.state.locale_dirs)


def error_context(request: Request, error: DomainError) -> dict[str, Any]:
    """A failed action's messages for a form page, in the user's language: ``errors`` by
    field and ``form_error``."""
    message, fields = error.localized(gettext_for(request).gettext)
    return {"errors": fields, "form_error": message}


def flash(request: Request, message: str, category: str = "success") -> None:
    """Queue a message for the next page (kept in the signed session cookie)."""
    request.session.setdefault(FLASH_KEY, []).append([category, message])


def _pop_flashes(request: Request) -> list[list[str]]:
    if "session" not in request.scope:
        return []
    return list(request.session.pop(FLASH_KEY, []))


def visible(items: list[Any], permissions: frozenset[str]) -> list[Any]:
    """Menu items, widgets or panels the user may see: their permission is held, or any
    signed-in user may see them."""
    return [item for item in items
            if item.permission in permissions or item.permission == AUTHENTICATED]


def panels_for(request: Request, entity: str, obj: object) -> list[Any]:
    """Every plugin's panels for a detail page (``detail_panels``), those the user may see,
    sorted by order."""
    answers = request.app.state.pm.hook.detail_panels(entity=entity, obj=obj, request=request)
    found = [panel for answer in answers for panel in (answer or [])]
    return sorted(visible(found, request.state.permissions), key=lambda p: (p.order, p.id))


def shell_context(request: Request) -> dict[str, Any]:
    """What every page needs: user, menu, locale, CSRF token, formatting helpers."""
    app_state = request.app.state
    settings = app_state.settings
    locale = request_locale(request)
    trans = i18n.translations(locale, app_state.locale_dirs)
    user = getattr(request.state, "user", None)
    permissions = getattr(request.state, "permissions", frozenset())
    menu = visible(app_state.registry.menu, permissions) if user is not None else []
    tz = settings.tz
    region_choices: tuple[Any, ...] = ()
    db = getattr(request.state, "db", None)
    if user is not None and db is not None and user.service_point.region.is_hq:
        from core.services.reports import region_choices as regions

        region_choices = regions(db)
    return {
        "request": request,
        "settings": settings,
        "user": user,
        "permissions": permissions,
        "menu": menu,
        "locale": locale,
        "locales": i18n.LOCALE_NAMES,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "flashes": _pop_flashes(request),
        "is_htmx": request.headers.get("hx-request") == "true"
        and request.headers.get("hx-boosted") != "true",
        "_": trans.gettext,
        "gettext": trans.gettext,
        "ngettext": trans.ngettext,
        "localize": lambda text: message_text(text, trans.gettext),
        "fmt_date": lambda d: i18n.format_day(d, locale),
        "fmt_time": lambda t: i18n.format_timestamp(t, locale, tz),
        "fmt_money": lambda c: i18n.format_money(c, locale),
        "named": lambda record: i18n.local_name(record, locale),
        "region_name": app_state.region_label,
        "region_choices": region_choices,
        "region_filter": request.session.get("region_filter") if "session" in request.scope
        else None,
    }


def message_text(text: object, gettext: Any) -> str:
    """A :class:`~core.errors.Message` in the reader's language; anything else as it is."""
    if isinstance(text, Message):
        return render_message(text.template, text.params, gettext)
    return "" if text is None else str(text)


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    ctx = shell_context(request)
    for extra in request.app.state.pm.hook.extra_template_vars(
        request=request, template_name=template_name
    ):
        ctx.update(extra or {})
    ctx.update(context or {})
    html = render_template(env, template_name, ctx)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def render_template(env: Environment, template_name: str, variables: dict[str, Any]) -> str:
    """``env.get_template(name).render(variables)``, then :func:`release_context`."""
    token = object()
    template = env.get_template(template_name)
    jinja_context = template.new_context({**variables, RENDER_TOKEN: token})
    try:
        return str(env.concat(template.root_render_func(jinja_context)))  # type: ignore[attr-defined]
    except Exception:
        env.handle_exception()
        raise  # not reached: handle_exception raises
    finally:
        release_context(jinja_context, token)


#: A key put in every render's variables, so the contexts this render made (its own and
#: those of ``{% import ... with context %}``, which copy its variables) can be told from a
#: module Jinja caches and shares between renders (an import without context).
RENDER_TOKEN = "_aftersales_render"


def release_context(context: Context, token: object) -> None:
    """Break the reference cycles a rendered Jinja context is left in, so the request, its
    closed database session and every ORM object the page showed are freed by reference
    counting, at once and on the thread that served the request.

    A macro holds its defining context in a closure and that context holds the macro
    (``{% import ... with context %}`` and every ``{% macro %}`` do this), so without this
    the whole page's data was left to the cyclic garbage collector, which then freed it on
    whichever thread happened to allocate next -- in the middle of another request's
    database fetch. That is the setting of issue 11's SIGSEGV under four concurrent
    clients; see docs/decisions.md.
    """
    todo = [context]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.vars.get(RENDER_TOKEN) is not token \
                and current.parent.get(RENDER_TOKEN) is not token:
            continue  # a cached module's context, shared with later renders: keep it
        for value in (*current.vars.values(), *current.parent.values()):
            module_macros: list[Any] = []
            if isinstance(value, TemplateModule):
                module_macros = [v for v in vars(value).values() if isinstance(v, Macro)]
            elif isinstance(value, Macro):
                module_macros = [value]
            for macro in module_macros:
                for cell in getattr(macro._func, "__closure__", None) or ():
                    try:
                        inner = cell.cell_contents
                    except ValueError:  # an empty cell
                        continue
                    if isinstance(inner, Context):
                        todo.append(inner)
        current.vars.clear()
        current.exported_vars.clear()
        if isinstance(current.parent, dict):
            current.parent = {}
