"""Notices to staff: notify a colleague in-app, list, open and mark read.

Why in-app and not e-mail: users are logins without addresses, and a regional office may
have no mail server at all; the inbox works everywhere. The subject is a message id with
parameters, translated when it is shown, so each reader sees their own language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.entities import StaffNotice, User
from core.errors import NotFound
from core.i18n import N_

PAGE_SIZE = 50


def notify(session: Session, user: User | int, subject: str,
           params: Mapping[str, object] | None = None, *, link: str = "",
           source: str = "core") -> StaffNotice:
    """Tell ``user`` something, in the caller's transaction (the notice exists exactly when
    its cause commits). ``subject`` is a message id (``N_``); ``link`` a page of this
    instance (anything else is dropped, so a notice never leads off-site)."""
    user_id = user if isinstance(user, int) else user.id
    safe_link = link if link.startswith("/") and not link.startswith("//") else ""
    notice = StaffNotice(user_id=user_id, source=source[:32], subject=subject[:400],
                         params={k: str(v) for k, v in (params or {}).items()},
                         link=safe_link[:500])
    session.add(notice)
    session.flush()
    return notice


def text_of(notice: StaffNotice, gettext: Callable[[str], str]) -> str:
    """The subject in the reader's language; a template whose placeholders do not fit its
    parameters is shown as it is rather than failing the page."""
    template = gettext(notice.subject)
    try:
        return template % notice.params if notice.params else template
    except (KeyError, TypeError, ValueError):
        return template


def unread_count(session: Session, user: User) -> int:
    return int(session.scalar(select(func.count()).select_from(StaffNotice).where(
        StaffNotice.user_id == user.id, StaffNotice.read_at.is_(None))) or 0)


def inbox(session: Session, user: User, *, before_id: int | None = None,
          size: int = PAGE_SIZE) -> tuple[list[StaffNotice], int | None]:
    """The newest notices first, a keyset page at a time; returns the page and the id to
    continue before (``None`` on the last page)."""
    query = select(StaffNotice).where(StaffNotice.user_id == user.id)
    if before_id is not None:
        query = query.where(StaffNotice.id < before_id)
    found = list(session.scalars(query.order_by(StaffNotice.id.desc()).limit(size + 1)))
    more = len(found) > size
    return found[:size], (found[size - 1].id if more else None)


def open_notice(session: Session, user: User, notice_id: int) -> StaffNotice:
    """Mark one of ``user``'s notices read and return it; another user's is not found."""
    notice = session.get(StaffNotice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound(N_("No such notice."))
    if notice.read_at is None:
        notice.read_at = utcnow()
    return notice


def mark_all_read(session: Session, user: User) -> int:
    return int(session.execute(
        update(StaffNotice)
        .where(StaffNotice.user_id == user.id, StaffNotice.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount or 0)
