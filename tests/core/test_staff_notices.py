"""Notices to staff: a colleague is told in-app, in their own language, and only they see it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import StaffNotice, User
from core.i18n import N_
from core.services import staff_notices
from tests.support import Harness

#: any message id of core's catalogue will do (plugins pass their own)
OWED = N_("Only %(amount)s is outstanding on this case.")


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _notify(h: Harness, login: str, count: int = 1, link: str = "/desk/cases") -> list[int]:
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        ids = [staff_notices.notify(session, user, OWED, {"amount": f"{n}.00"},
                                    link=link, source="test").id for n in range(count)]
        session.commit()
    return ids


def test_a_notice_is_counted_listed_opened_and_read(h: Harness) -> None:
    [notice_id] = _notify(h, "hq-tech", link="/desk/cases?q=SC-1")
    tech = h.client("hq-tech")
    assert 'hx-get="/notices/count"' in tech.get("/").text  # the top bar loads the count
    assert 'data-unread="1"' in tech.get("/notices/count").text
    inbox = tech.get("/notices").text
    assert "Only 0.00 is outstanding on this case." in inbox
    assert 'class="unread"' in inbox
    opened = tech.form(f"/notices/{notice_id}/open", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/desk/cases?q=SC-1"
    assert 'data-unread="0"' in tech.get("/notices/count").text
    assert 'class="read"' in tech.get("/notices").text


def test_only_the_addressee_sees_or_opens_a_notice(h: Harness) -> None:
    [notice_id] = _notify(h, "hq-tech")
    other = h.client("hq-clerk")
    assert "outstanding" not in other.get("/notices").text
    assert other.form(f"/notices/{notice_id}/open").status_code == 404
    assert 'data-unread="0"' in other.get("/notices/count").text


def test_a_notice_reads_in_the_readers_language(h: Harness) -> None:
    _notify(h, "sw-clerk")  # a Chinese-speaking user in the demo data
    page = h.client("sw-clerk").get("/notices").text
    assert "0.00" in page and "is outstanding" not in page


def test_mark_all_read_and_paging(h: Harness) -> None:
    _notify(h, "hq-tech", count=staff_notices.PAGE_SIZE + 3)
    tech = h.client("hq-tech")
    first = tech.get("/notices").text
    assert first.count("data-notice=") == staff_notices.PAGE_SIZE and 'rel="next"' in first
    older = first.split('rel="next" href="')[1].split('"')[0]
    assert tech.get(older).text.count("data-notice=") == 3
    marked = tech.form("/notices/read", follow_redirects=True)
    assert f"{staff_notices.PAGE_SIZE + 3} notices marked read." in marked.text
    with h.session() as session:
        assert session.scalars(select(StaffNotice).where(StaffNotice.read_at.is_(None))
                               ).all() == []


def test_a_link_never_leads_off_site(h: Harness) -> None:
    for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        [notice_id] = _notify(h, "hq-tech", link=link)
        opened = h.client("hq-tech").form(f"/notices/{notice_id}/open",
                                          follow_redirects=False)
        assert opened.headers["location"] == "/notices"


def test_an_empty_inbox_says_so(h: Harness) -> None:
    assert "No notices." in h.client("hq-tech").get("/notices").text
