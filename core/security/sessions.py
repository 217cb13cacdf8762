"""Server-side sign-in sessions (issue 17): a session ends when the server says so.

The signed cookie alone cannot be taken back: a copy saved before sign-out would still work.
So sign-in creates a ``UserSession`` row and puts a random id in the cookie; every request
checks the row (not ended, idle and absolute timeouts not passed). Sign-out ends the row; a
password change or a change of roles ends the user's *other* sessions; deactivation and an
admin end them all. The request's own session row id is kept in ``db.info`` so "others" can
exclude it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.requests import Request

from core.db import WRITE_OPTION, utcnow
from core.entities import UserSession
from core.settings import SecuritySettings

SESSION_ID_KEY = "sid"
#: ``db.info`` key of the ``UserSession.id`` the current request runs under.
CURRENT_KEY = "user_session_id"
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(db: Session, request: Request, user_id: int, address: str) -> UserSession:
    """A new session row for a sign-in; its id goes into the (already cleared) cookie."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user_id, token_hash=_hash(token), address=address[:64],
                      user_agent=request.headers.get("user-agent", "")[:200])
    db.add(row)
    db.flush()
    request.session[SESSION_ID_KEY] = token
    db.info[CURRENT_KEY] = row.id
    return row


def expired(row: UserSession, security: SecuritySettings, now: datetime) -> str | None:
    """Why the session no longer counts (``idle`` or ``absolute``), or None."""
    if now - row.created_at > timedelta(hours=security.session_max_age_hours):
        return "absolute"
    if now - row.last_seen_at > timedelta(minutes=security.session_idle_minutes):
        return "idle"
    return None


def cookie_hash(request: Request) -> str | None:
    """The hash of the cookie's session token, as stored in ``UserSession.token_hash``."""
    token = request.session.get(SESSION_ID_KEY)
    if not isinstance(token, str) or not token:
        return None
    return _hash(token)


def check(db: Session, request: Request, user_id: int, security: SecuritySettings) -> bool:
    """Whether the cookie's session is live for ``user_id``; touches it once a minute."""
    token_hash = cookie_hash(request)
    if token_hash is None:
        return False
    row = db.scalars(select(UserSession).where(UserSession.token_hash == token_hash)).first()
    return check_row(db, row, user_id, security)


def check_row(db: Session, row: UserSession | None, user_id: int,
              security: SecuritySettings) -> bool:
    """:func:`check` for a session row the caller has already read (authentication reads it
    with the user, in one statement)."""
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    now = utcnow()
    reason = expired(row, security, now)
    if reason is not None:
        _write(db, row.id, ended_at=now, end_reason=reason)
        return False
    db.info[CURRENT_KEY] = row.id
    if now - row.last_seen_at > TOUCH_EVERY:
        _write(db, row.id, last_seen_at=now)
    return True


def _write(db: Session, row_id: int, **values: object) -> None:
    """Update a session row: in a writing request with the request's own work (a second
    writer would wait for the first on SQLite); in a read-only request (GET) in its own short
    transaction, as API tokens are touched."""
    engine = db.get_bind()
    statement = update(UserSession).where(UserSession.id == row_id).values(**values)
    if engine.get_execution_options().get(WRITE_OPTION):
        db.execute(statement)
        return
    with Session(engine.execution_options(**{WRITE_OPTION: True})) as writer, writer.begin():
        writer.execute(statement)


def end_current(db: Session, request: Request) -> None:
    """Sign-out: the cookie's session ends on the server too."""
    token = request.session.get(SESSION_ID_KEY)
    if isinstance(token, str) and token:
        db.execute(update(UserSession)
                   .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
                   .values(ended_at=utcnow(), end_reason="sign_out"))


def end_sessions(db: Session, user_id: int, reason: str, *, keep_current: bool = False,
                 session_id: int | None = None) -> int:
    """End a user's live sessions (one of them with ``session_id``); with ``keep_current``
    not the one this request runs under. Returns how many ended."""
    statement = update(UserSession).where(UserSession.user_id == user_id,
                                          UserSession.ended_at.is_(None))
    if session_id is not None:
        statement = statement.where(UserSession.id == session_id)
    current = db.info.get(CURRENT_KEY)
    if keep_current and current is not None:
        statement = statement.where(UserSession.id != current)
    result = db.execute(statement.values(ended_at=utcnow(), end_reason=reason[:40]))
    return int(getattr(result, "rowcount", 0) or 0)


def live_sessions(db: Session, user_id: int, security: SecuritySettings) -> list[UserSession]:
    """A user's sessions that still count, newest first (for the admin's user page)."""
    now = utcnow()
    rows = db.scalars(select(UserSession).where(UserSession.user_id == user_id,
                                                UserSession.ended_at.is_(None))
                      .order_by(UserSession.id.desc()).limit(200))
    return [row for row in rows if expired(row, security, now) is None]
