"""The public pages' per-address limit is exact under a parallel flood (issue 16 item 3):
eight messages sent at the same moment from one address to a live server, with a limit of
three, let exactly three through and answer the other five 429, on SQLite and PostgreSQL.
Before the counter was taken atomically, PostgreSQL's parallel transactions each counted
the rows committed before them and all passed."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx2 as httpx
from sqlalchemy import func, select

from plugins.feedback import services
from plugins.feedback.models import Complaint, PublicWindow
from tests.live import fire
from tests.plugins.feedback.helpers import departments
from tests.support import Harness

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FLOOD, LIMIT = 8, 3


def _visitor(base_url: str) -> tuple[httpx.Cookies, str]:
    """An anonymous visitor who opened the form: its session cookie and CSRF token."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        found = CSRF_RE.search(client.get("/feedback/contact").text)
        assert found
        return client.cookies, found.group(1)


def test_a_parallel_flood_gets_exactly_the_limit_through(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        backend: str) -> None:
    h = make_app(plugins=["feedback"], plugin={"feedback": {"public_max_posts": LIMIT}})
    departments(h)
    _, base_url = live_app(h)
    visitors = [_visitor(base_url) for _ in range(FLOOD)]
    message = {"contact_name": "Gao", "contact_phone": "1", "subject": "Noise", "body": "b"}

    def send(client: httpx.Client, i: int) -> httpx.Response:
        cookies, token = visitors[i]
        client.cookies.update(cookies)
        return client.post("/feedback/contact", data={**message, "csrf_token": token})

    answers = fire(FLOOD, send, base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * LIMIT + [429] * (FLOOD - LIMIT), \
        [(a.status_code, a.text[:120]) for a in answers]
    with h.session() as session:
        assert session.scalar(select(func.count(Complaint.id))) == LIMIT
        assert session.scalars(select(PublicWindow.count)).all() == [LIMIT]


def test_the_job_forgets_finished_windows_only(make_app: Callable[..., Harness],
                                               backend: str) -> None:
    from datetime import timedelta

    from core.db import utcnow

    h = make_app(plugins=["feedback"], plugin={"feedback": {"public_window_minutes": 60}})
    now = utcnow()
    current = services._window_start(now, 60)
    with h.session() as session:
        session.add_all([PublicWindow(address="a", window_start=current, count=2),
                         PublicWindow(address="a", window_start=current - timedelta(hours=1),
                                      count=5),
                         PublicWindow(address="b", window_start=current - timedelta(hours=3),
                                      count=1)])
        session.commit()
    job = h.app.state.registry.jobs["feedback.public_windows"]
    with h.app.state.sessionmaker() as session:
        assert job.run(session, h.app.state.settings, now) == "1 public window(s) forgotten"
        session.commit()
    with h.session() as session:
        assert sorted((w.address, w.count) for w in session.scalars(select(PublicWindow))) \
            == [("a", 2), ("a", 5)]  # the window just ended may still be in use
