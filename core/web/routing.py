"""Turns ``RouteSpec`` values into Starlette routes, with everything a request needs.

One wrapper does, for every route, in this order: parse a form body (async), open the
request's database session, find the user (session cookie or bearer token), set the region
scope, check the route's permission, check CSRF on state-changing browser requests, claim the
request's idempotency key (``core.web.idempotency``), run the endpoint in a worker thread,
commit, and turn a ``DomainError`` into a page or JSON error.
Because it is the only way a route is made, no view can forget one of these steps.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from core.audit import set_actor
from core.errors import DomainError, Forbidden, NotFound
from core.hooktypes import AUTHENTICATED, PUBLIC, RouteSpec
from core.i18n import N_
from core.security import auth, proxies
from core.web import idempotency, limits
from core.web.db_slots import run_with_connection

log = logging.getLogger("aftersales.web")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def client_address(request: Request) -> str:
    """The client's address; from X-Forwarded-For only behind a trusted proxy (issue 17)."""
    settings = getattr(request.app.state, "settings", None) if "app" in request.scope else None
    trusted = settings.security.trusted_proxies if settings is not None else []
    return proxies.client_address(request.scope, trusted)


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return str(token)


def _csrf_ok(request: Request, form: FormData | None) -> bool:
    expected = request.session.get(CSRF_SESSION_KEY)
    given = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form else None)
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected, given)


def error_response(request: Request, error: DomainError) -> Response:
    """The one place a user error becomes a response."""
    if is_api(request):
        return JSONResponse(error.as_json(), status_code=error.status_code)
    from core.web.templating import gettext_for, render  # late: templating imports us

    message, fields = error.localized(gettext_for(request).gettext)
    return render(
        request,
        "error.html",
        {"status": error.status_code, "message": message, "fields": fields},
        status_code=error.status_code,
    )


def _unauthenticated(request: Request) -> Response:
    if is_api(request):
        return JSONResponse(
            {"error": {"code": "unauthenticated",
                       "message": "Send a valid API token: Authorization: Bearer <token>.",
                       "fields": {}}},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={target}", status_code=303)


def _run(spec: RouteSpec, request: Request) -> Response:
    app_state = request.app.state
    factory = app_state.read_sessionmaker if request.method in SAFE_METHODS \
        else app_state.sessionmaker
    session: Session = factory()
    request.state.db = session
    try:
        identity = auth.identify(request, session)
        request.state.user = identity.user
        request.state.via_token = identity.via_token
        request.state.permissions = identity.permissions
        auth.apply_scope(request, session, identity)
        user = identity.user
        set_actor(session, user.id if user else None, user.login if user else "anonymous",
                  client_address(request))
        if spec.permission != PUBLIC:
            if identity.user is None:
                return _unauthenticated(request)
            if spec.permission != AUTHENTICATED and spec.permission not in identity.permissions:
                raise Forbidden(N_("You do not have permission for this page or action."))
        # csrf=False exempts a bearer token and a public single-use link; a route that needs
        # a signed-in user still needs the token when the session cookie signs it in (17).
        if (
            request.method not in SAFE_METHODS
            and (spec.csrf or spec.permission != PUBLIC)
            and not identity.via_token
            and not _csrf_ok(request, request.state.form)
        ):
            raise Forbidden(
                N_("This form has expired or did not come from this site (CSRF check failed). "
                   "Go back, reload the page and try again."),
                code="csrf_failed",
            )
        claimed = idempotency.claim(session, request, spec, identity.user)  # issue 10
        if claimed.replay is not None:
            session.commit()
            return claimed.replay
        response = spec.endpoint(request)
        idempotency.remember(claimed, response)
        session.commit()
        return response
    except DomainError as error:
        session.rollback()
        return error_response(request, error)
    except HTTPException as exc:
        session.rollback()
        if exc.status_code == 404:
            return error_response(request, NotFound(N_("Not found.")))
        raise
    except (OverflowError, DataError) as exc:  # issue 17: a value the database cannot take
        session.rollback()
        log.warning("value refused by the database in %s: %s", spec.id, exc)
        return error_response(request, DomainError(
            N_("A value is out of range or not allowed."), code="invalid", status_code=422))
    except IntegrityError as exc:
        # A unique key taken by a request that committed between this one's check and its
        # write (two admins adding one code at once): the check passed on what it read, the
        # database kept the rule. Said as a conflict, never a 500; the log keeps the detail.
        session.rollback()
        log.warning("integrity conflict in %s: %s", spec.id, exc.orig)
        return error_response(request, DomainError(
            N_("Someone saved the same thing at the same moment. Reload the page and check."),
            code="conflict", status_code=409))
    except PoolTimeout:  # the slots keep this rare; a busy server still says "try again"
        session.rollback()
        log.warning("no database connection free in time for %s", spec.id)
        response = error_response(request, DomainError(
            N_("The server is busy. Try again in a moment."), code="busy", status_code=503))
        response.headers["Retry-After"] = "2"
        return response
    except Exception:
        session.rollback()
        request_id = uuid.uuid4().hex[:12]
        request.state.request_id = request_id
        log.exception("unhandled error in %s (request %s)", spec.id, request_id)
        raise
    finally:
        session.close()


def make_route(spec: RouteSpec) -> Route:
    async def endpoint(request: Request) -> Response:
        request.state.route_spec = spec
        request.state.form = None
        try:  # issue 17: bounded bodies, no control characters, ids that fit 64 bits
            limits.check_path_params(request.path_params)
            limits.check_text(request.query_params.multi_items())
            if request.method not in SAFE_METHODS:
                content_type = request.headers.get("content-type", "")
                security = request.app.state.settings.security
                limit = limits.body_limit(content_type, security)
                bounded = limits.limited_request(request, limit)
                try:
                    if content_type.startswith(("application/x-www-form-urlencoded",
                                                "multipart/")):
                        request.state.form = await bounded.form()
                        limits.check_text(request.state.form.multi_items())
                    else:
                        request.state.body = await bounded.body()
                except limits.BodyTooLarge:
                    raise limits.too_large(limit) from None
                except ClientDisconnect:
                    return Response(status_code=400)
        except limits.BodyTooLarge:
            return error_response(request, limits.too_large(limit))
        except DomainError as error:
            return error_response(request, error)
        return await run_with_connection(request.app.state.engine, _run, spec, request)

    return Route(spec.path, endpoint, methods=list(spec.methods), name=spec.name or spec.id)


def form_data(request: Request) -> dict[str, Any]:
    form: FormData | None = request.state.form
    return {k: v for k, v in form.items()
            if k not in (CSRF_FIELD, idempotency.FIELD)} if form else {}
