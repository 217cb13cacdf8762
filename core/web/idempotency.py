"""A request sent twice takes effect once: idempotency keys for API clients and forms.

Row locks (``core.services.locking``) make a *move* safe to repeat: the second of two
identical moves finds the case already moved and is refused. They cannot tell a retried
*creation* (a new case, a second partial payment, a charge) from a new one. For those the
client names the request: API clients send an ``Idempotency-Key`` header (the convention of
payment APIs), and ``aftersales.js`` adds a random ``idempotency_key`` field to every form it
submits, renewed after each answer, so a double click or a browser retry sends the same key.

The first request with a key inserts the key row in its own transaction and stores its
answer there; the key is unique per user, so on PostgreSQL a second request with the same key
waits at that insert until the first commits, then finds the row and gets the stored answer
(header ``Idempotent-Replayed: true``), or runs itself if the first failed and rolled back.
On SQLite the writers are serialised and the second simply finds the row. The same key with
a different request is a client error (422), not a silent replay. Only signed-in users'
state-changing requests take part; sign-in and public links have no user (the public link is
single-use by its own lock).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from core.entities import IdempotencyKey, User
from core.errors import DomainError
from core.hooktypes import RouteSpec
from core.i18n import N_

HEADER = "idempotency-key"
FIELD = "idempotency_key"
MAX_KEY_LENGTH = 128
#: Answers larger than this are not kept whole; a replay then says the request was done.
MAX_STORED_BODY = 256 * 1024
REPLAYED_HEADER = "Idempotent-Replayed"
_IGNORED_FIELDS = frozenset({FIELD, "csrf_token"})


@dataclass
class Claim:
    """What the wrapper does with a request: run it (``row`` to store the answer in, or
    ``None`` without a key) or answer with ``replay``."""

    row: IdempotencyKey | None = None
    replay: Response | None = None


def key_of(request: Request) -> str | None:
    form: FormData | None = getattr(request.state, "form", None)
    raw = request.headers.get(HEADER) or (form.get(FIELD) if form else None)
    if not isinstance(raw, str) or not raw.strip():
        return None
    key = raw.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(N_("An idempotency key is at most %(max)s printable characters."),
                          params={"max": MAX_KEY_LENGTH}, field=FIELD)
    return key


def fingerprint(request: Request) -> str:
    """A digest of what the request asks for, so a key reused for another request is told
    apart from a repeat. The CSRF token and the key itself are not part of it."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    form: FormData | None = getattr(request.state, "form", None)
    if form is not None:
        for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
            if name in _IGNORED_FIELDS:
                continue
            shown = (f"file:{value.filename}:{value.size}" if isinstance(value, UploadFile)
                     else str(value))
            digest.update(f"{name}={shown}\n".encode())
    else:
        digest.update(getattr(request.state, "body", b"") or b"")
    return digest.hexdigest()


def _stored(session: Session, user: User, key: str) -> IdempotencyKey | None:
    return session.scalars(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)).first()


def _replay(row: IdempotencyKey, request_fingerprint: str) -> Response:
    if row.fingerprint != request_fingerprint:
        raise DomainError(N_("This idempotency key was already used for another request; "
                             "send a new key for a new request."), field=FIELD,
                          code="idempotency_key_reused")
    headers = {REPLAYED_HEADER: "true"}
    if row.location:
        headers["location"] = row.location
    return Response(row.body, status_code=row.status_code or 200,
                    media_type=row.media_type or None, headers=headers)


def claim(session: Session, request: Request, spec: RouteSpec, user: User | None) -> Claim:
    """Before the endpoint runs: take the key for this request, or find its first answer."""
    if user is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return Claim()
    key = key_of(request)
    if key is None:
        return Claim()
    wanted = fingerprint(request)
    existing = _stored(session, user, key)
    if existing is not None:
        return Claim(replay=_replay(existing, wanted))
    row = IdempotencyKey(user_id=user.id, key=key, route_id=spec.id[:128], fingerprint=wanted)
    try:
        with session.begin_nested():  # PostgreSQL waits here for a twin still running
            session.add(row)
    except IntegrityError:
        existing = _stored(session, user, key)
        if existing is None:  # pragma: no cover - the twin's row vanished: run normally
            return Claim()
        return Claim(replay=_replay(existing, wanted))
    return Claim(row=row)


def remember(claimed: Claim, response: Response) -> None:
    """After the endpoint answered: keep the answer with the key, in the same transaction."""
    row = claimed.row
    if row is None:
        return
    row.status_code = response.status_code
    row.media_type = (response.media_type or "")[:128]
    row.location = (response.headers.get("location") or "")[:2000]
    body = getattr(response, "body", b"") or b""
    row.body = body.decode("utf-8", "replace") if len(body) <= MAX_STORED_BODY else ""
