"""Browser protections on every response, and delayed answers (issue 17).

:class:`SecurityHeaders` is the outermost middleware: a strict Content-Security-Policy (scripts
only from this site, no inline script, no framing), ``X-Frame-Options``, ``Referrer-Policy``,
``X-Content-Type-Options`` and ``Permissions-Policy`` on every answer, pages, JSON and static
files alike; and the ``Secure`` flag on cookies whenever the request came over HTTPS
(directly or through a trusted proxy that says so) or ``secure_cookies`` is set.

Inline ``<style>`` stays allowed: several templates carry page-specific CSS and styles cannot
run code. Inline *script* and ``on*=`` handlers are not: behaviour lives in
``/static/core/aftersales.js``.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.security import proxies

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"permissions-policy",
     b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, trusted_proxies: list[str], secure_cookies: bool) -> None:
        self.app = app
        self.trusted_proxies = list(trusted_proxies)
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.secure_cookies or proxies.is_https(scope, self.trusted_proxies)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if secure:
                    headers = [(k, _secure(v) if k.lower() == b"set-cookie" else v)
                               for k, v in headers]
                if secure:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(cookie: bytes) -> bytes:
    parts = [part.strip().lower() for part in cookie.split(b";")]
    return cookie if b"secure" in parts else cookie + b"; secure"


class _Delayed(Response):
    """A response sent only after a pause; the pause does not hold a worker thread."""

    def __init__(self, inner: Response, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds
        self.status_code = inner.status_code
        self.background = None
        self.raw_headers = inner.raw_headers
        self.body = getattr(inner, "body", b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await anyio.sleep(self.seconds)
        await self.inner(scope, receive, send)


def delayed(response: Response, seconds: float) -> Any:
    """``response``, answered ``seconds`` later (sign-in back-off); as it is when 0."""
    return _Delayed(response, seconds) if seconds > 0 else response
