"""The audit log page (T-2): newest first in keyset pages, filtered, values before and after
shown, read-only (no route changes it, and the database refuses UPDATE and DELETE), and scoped
by hand: a regional viewer sees only their region's entries, HQ sees all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from core import audit
from core.entities import AuditEvent, Region, Role, RolePermission, User
from core.web.views.admin import common
from tests.support import Harness

#: On SQLite and on PostgreSQL (the rest runs on SQLite only, to stay fast).
BOTH = pytest.mark.usefixtures("backend")


@pytest.fixture
def h(make_app: Callable[..., Harness]) -> Harness:
    return make_app(plugins=[])


def _regions(h: Harness) -> dict[str, int]:
    with h.session() as session:
        return {r.code: r.id for r in session.scalars(select(Region))}


def _seed(h: Harness) -> dict[str, int]:
    """A few entries of each region, and one of no region, written as services write them."""
    regions = _regions(h)
    with h.session() as session:
        audit.set_actor(session, None, "seed-east", "10.0.0.1")
        audit.record(session, "widget", 1, "create", after={"colour": "red"},
                     region_id=regions["EAST"])
        audit.record(session, "widget", 1, "update", before={"colour": "red", "size": 2},
                     after={"colour": "blue", "size": 2}, region_id=regions["EAST"])
        audit.set_actor(session, None, "seed-sw", "10.0.0.2")
        audit.record(session, "widget", 2, "create", after={"colour": "Chongqing secret"},
                     region_id=regions["SOUTHWEST"])
        audit.set_actor(session, None, "seed-global", "")
        audit.record(session, "role", "global_thing", "update", before={"label": "a"},
                     after={"label": "b"})
        session.commit()
    return regions


def _rows(html: str) -> list[int]:
    return [int(part.split('"')[0]) for part in html.split('<tr data-audit="')[1:]]


def _grant_audit(h: Harness, login: str) -> None:
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        user.roles = [*user.roles, Role(id="auditor", label="Auditor", permissions=[
            RolePermission(permission_id="audit.view")])]
        session.commit()


def test_audit_log_needs_audit_view(h: Harness) -> None:
    assert h.client("east-clerk").get("/admin/audit").status_code == 403
    page = h.client("hq-manager").get("/admin/audit")  # hq_manager holds audit.view
    assert page.status_code == 200 and 'data-menu="core.admin.audit"' in page.text


def test_newest_first_with_before_and_after(h: Harness) -> None:
    _seed(h)
    page = h.client("hq-admin").get("/admin/audit?entity=widget")
    assert page.status_code == 200
    with h.session() as session:
        ids = list(session.scalars(select(AuditEvent.id).where(AuditEvent.entity == "widget")
                                   .order_by(AuditEvent.id.desc())))
    assert _rows(page.text) == ids
    update_row = page.text.split(f'<tr data-audit="{ids[1]}">')[1].split('</table>')[0]
    assert "colour" in update_row and "red" in update_row and "blue" in update_row
    # a field core does not know reads as words (issue 18); its key stays in data-field
    assert '<tr class="changed"><th scope="row" data-field="colour">Colour</th>' in update_row
    assert '<tr><th scope="row" data-field="size">Size</th>' in update_row  # unchanged
    assert "seed-east" in update_row and "10.0.0.1" in update_row


@BOTH
def test_filters(h: Harness) -> None:
    _seed(h)
    client = h.client("hq-admin")
    by_action = _rows(client.get("/admin/audit?entity=widget&action=create").text)
    assert len(by_action) == 2
    by_record = client.get("/admin/audit?entity=widget&entity_id=2").text
    assert len(_rows(by_record)) == 1 and "Chongqing secret" in by_record
    by_user = client.get("/admin/audit?user=SEED-EAST").text
    assert len(_rows(by_user)) == 2 and "seed-sw" not in by_user
    today = datetime.now(UTC).astimezone(h.settings.tz).date().isoformat()
    dated = _rows(client.get(f"/admin/audit?entity=widget&from={today}&to={today}").text)
    assert len(dated) == 3
    past = client.get("/admin/audit?entity=widget&from=2020-01-01&to=2020-01-31")
    assert _rows(past.text) == [] and "No entry matches these filters." in past.text


def test_bad_dates_re_render_with_field_errors(h: Harness) -> None:
    _seed(h)
    client = h.client("hq-admin")
    bad = client.get("/admin/audit?from=yesterday&to=2026-13-01&entity=widget")
    assert bad.status_code == 400
    assert 'id="from-error"' in bad.text and 'id="to-error"' in bad.text
    assert 'value="yesterday"' in bad.text and 'value="widget"' in bad.text
    assert _rows(bad.text) == []
    backwards = client.get("/admin/audit?from=2026-03-02&to=2026-03-01")
    assert backwards.status_code == 400 and 'id="to-error"' in backwards.text


def test_keyset_pages(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(h)
    monkeypatch.setattr(common, "PAGE_SIZE", 2)
    client = h.client("hq-admin")
    seen: list[int] = []
    url: str | None = "/admin/audit?entity=widget"
    while url:
        html = client.get(url).text
        rows = _rows(html)
        assert len(rows) <= 2
        seen += rows
        url = None
        if 'rel="next"' in html:
            url = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
            url = url.replace("&amp;", "&")
    assert len(seen) == 3 and seen == sorted(seen, reverse=True)


@BOTH
def test_regional_viewer_sees_only_own_region(h: Harness) -> None:
    regions = _seed(h)
    _grant_audit(h, "east-supervisor")
    east = h.client("east-supervisor").get("/admin/audit").text
    with h.session() as session:
        rows = {e.id: e for e in session.scalars(select(AuditEvent))}
    shown = _rows(east)
    assert shown and all(rows[i].region_id == regions["EAST"] for i in shown)
    assert "Chongqing secret" not in east and "global_thing" not in east
    assert "seed-east" in east
    hq = h.client("hq-admin").get("/admin/audit").text
    assert "Chongqing secret" in hq and "global_thing" in hq and "seed-east" in hq
    # HQ narrowing every list to one region narrows this one too.
    manager = h.client("hq-manager")
    manager.form("/region-filter", {"region_id": str(regions["SOUTHWEST"]), "next": "/"})
    narrowed = manager.get("/admin/audit").text
    assert "Chongqing secret" in narrowed and "seed-east" not in narrowed


def test_read_only_no_route_changes_the_log(h: Harness) -> None:
    _seed(h)
    audit_routes = [r for r in h.app.state.registry.routes if r.path.startswith("/admin/audit")]
    assert audit_routes and all(r.methods == ("GET",) for r in audit_routes)
    client = h.client("hq-admin")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.request(method, "/admin/audit",
                                  headers={"X-CSRF-Token": client.csrf()})
        assert response.status_code == 405, method


@BOTH
def test_database_refuses_update_and_delete_of_audit_entries(h: Harness) -> None:
    _seed(h)
    with h.session() as session:
        before = session.scalar(select(text("count(*)")).select_from(AuditEvent))
    attempts = [
        update(AuditEvent).values(action="tampered"),
        delete(AuditEvent),
        text("UPDATE audit_event SET user_login = 'nobody'"),
        text("DELETE FROM audit_event"),
    ]
    for statement in attempts:
        with h.app.state.engine.connect() as connection, pytest.raises(DBAPIError) as caught:
            connection.execute(statement)
        assert "append-only" in str(caught.value)
    with h.session() as session:
        assert session.scalar(select(text("count(*)")).select_from(AuditEvent)) == before
        assert not session.scalars(select(AuditEvent).where(
            AuditEvent.action == "tampered")).first()
