"""Complaints through HTTP on SQLite and PostgreSQL (F-2, F-3): routed to a department, an
owner, a reply that goes to the customer's outbox, no close before the reply, an SLA breach
on a controlled clock across a weekend escalated to the department head, region scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.entities import OutboxMessage, Region, User
from plugins.feedback import policy, services
from plugins.feedback.models import Complaint, PublicWindow
from tests.plugins.feedback.helpers import bearer, departments, new_case, user_id
from tests.support import Harness

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    harness = make_app(plugins=["feedback"])
    departments(harness)
    return harness


def test_complaint_routed_replied_and_closed_through_the_desk(h: Harness) -> None:
    clerk = h.client("hq-clerk")
    made = clerk.form("/feedback/complaints", {
        "kind": "complaint", "channel": "phone", "topic": "product_quality",
        "subject": "Hum on channel A", "body": "A loud hum since the repair.",
        "contact_name": "Li Lei", "contact_phone": "139-0000-0000", "language": "zh_CN"},
        follow_redirects=False)
    assert made.status_code == 303, made.text
    cid = int(made.headers["location"].rsplit("/", 1)[1])
    page = clerk.get(f"/feedback/complaints/{cid}")
    assert page.status_code == 200 and "Quality dept" in page.text
    # F-2: not closed before the customer had the answer
    refused = clerk.form(f"/feedback/complaints/{cid}/close", {"resolution": "done"})
    assert refused.status_code == 409 and "Reply to the customer before closing" in refused.text
    assigned = clerk.form(f"/feedback/complaints/{cid}/assign", {"owner_login": "hq-supervisor"},
                          follow_redirects=False)
    assert assigned.status_code == 303
    replied = clerk.form(f"/feedback/complaints/{cid}/reply",
                         {"reply": "We replaced the output capacitor; please bring it in."},
                         follow_redirects=False)
    assert replied.status_code == 303
    closed = clerk.form(f"/feedback/complaints/{cid}/close", {"resolution": "Fixed"},
                        follow_redirects=False)
    assert closed.status_code == 303
    with h.session() as session:
        row = session.get(Complaint, cid)
        assert row.state == "closed" and row.owner.login == "hq-supervisor"
        message = session.get(OutboxMessage, row.reply_message_id)
        assert message.channel == "sms" and message.recipient == "139-0000-0000"
        assert "output capacitor" in message.body and message.language == "zh_CN"
        assert message.subject == f"关于您的意见 {row.reference}"
    listing = clerk.get("/feedback/complaints?state=closed&q=hum")
    assert "Hum on channel A" in listing.text
    assert "Hum on channel A" not in clerk.get("/feedback/complaints?q=nothing").text
    fragment = clerk.get("/feedback/complaints?state=all&q=hum", headers={"HX-Request": "true"})
    assert "Hum on channel A" in fragment.text and 'class="topbar"' not in fragment.text


def test_form_errors_are_shown_and_nothing_is_written(h: Harness) -> None:
    clerk = h.client("hq-clerk")
    bad = clerk.form("/feedback/complaints", {"subject": "", "body": "x", "case_id": "999999",
                                              "topic": "weather"})
    assert bad.status_code == 400
    for text in ("Subject is required", "No such case", "Choose one of",
                 "A phone number or an e-mail address"):
        assert text in bad.text, text
    with h.session() as session:
        assert session.scalars(select(Complaint)).first() is None


def test_api_close_needs_a_reply_and_bad_input_is_422(h: Harness) -> None:
    auth = bearer(h, "hq-clerk")
    api = h.client()
    assert api.post("/api/v1/feedback/complaints", json={"subject": 5},
                    headers=auth).status_code == 422
    case = new_case(h, auth)
    made = api.post("/api/v1/feedback/complaints", headers=auth, json={
        "case_id": case["id"], "topic": "turnaround", "subject": "Too slow",
        "body": "Three weeks"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["department"]["code"] == "SERVICE" and body["contact_name"] == \
        "Pearl River Live House"
    closing = api.post(f"/api/v1/feedback/complaints/{body['id']}/close", json={},
                       headers=auth)
    assert closing.status_code == 409
    assert closing.json()["error"]["code"] == "reply_required"
    empty = api.post(f"/api/v1/feedback/complaints/{body['id']}/reply", json={"reply": ""},
                     headers=auth)
    assert empty.status_code == 422 and "reply" in empty.json()["error"]["fields"]
    ok = api.post(f"/api/v1/feedback/complaints/{body['id']}/reply",
                  json={"reply": "Sorry, parts were late."}, headers=auth)
    assert ok.status_code == 200 and ok.json()["state"] == "replied"
    assert ok.json()["sla"]["response"] in ("met", "failed")
    assert api.post(f"/api/v1/feedback/complaints/{body['id']}/close", json={},
                    headers=auth).json()["state"] == "closed"
    listed = api.get("/api/v1/feedback/complaints?state=closed", headers=auth).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    spec = api.get("/api/v1/openapi.json", headers=auth).json()
    assert "/api/v1/feedback/complaints/{complaint_id}/reply" in spec["paths"]


def tick(h: Harness, now: datetime) -> str:
    """The registered job, run as ``aftersales tick`` runs it, with a controlled clock."""
    job = h.app.state.registry.jobs["feedback.escalate"]
    with h.app.state.sessionmaker() as session:
        summary = str(job.run(session, h.app.state.settings, now))
        session.commit()
    return summary


def test_sla_breach_across_a_weekend_is_escalated_once(h: Harness) -> None:
    friday_5pm = datetime(2026, 12, 4, 17, 0, tzinfo=TZ)
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        row = services.create_complaint(session, {
            "subject": "Late", "body": "x", "contact_name": "A", "contact_phone": "1"},
            clerk, now=friday_5pm)
        session.commit()
        cid = row.id
        # SERVICE: first response within 2 working hours -> Monday 10:00, not Saturday
        assert row.first_response_due.astimezone(TZ) == datetime(2026, 12, 7, 10, 0,
                                                                   tzinfo=TZ)
    sunday = datetime(2026, 12, 6, 23, 0, tzinfo=TZ)
    monday_1030 = datetime(2026, 12, 7, 10, 30, tzinfo=TZ)
    with h.session() as session:
        assert services.escalate(session, sunday) == []
        session.commit()
    assert tick(h, monday_1030) == "1 complaint(s) escalated"
    supervisor = user_id(h, "hq-supervisor")
    with h.session() as session:
        row = session.get(Complaint, cid)
        assert row.response_failed and row.escalated_at is not None
        assert row.escalated_to_id == supervisor
        first = row.escalated_at
    head = h.client("hq-supervisor")  # the head is told in their inbox, once
    assert 'data-unread="1"' in head.get("/notices/count").text
    assert f"{row.reference} missed its deadline" in head.get("/notices").text
    assert tick(h, datetime(2026, 12, 8, 10, 30, tzinfo=TZ)) == "0 complaint(s) escalated"
    with h.session() as session:
        assert session.get(Complaint, cid).escalated_at == first  # escalated once
    page = h.client("hq-supervisor").get(f"/feedback/complaints/{cid}")
    assert "Escalated" in page.text and "failed" in page.text


def test_region_scope(h: Harness) -> None:
    east = h.client("east-clerk")
    made = east.form("/feedback/complaints", {
        "subject": "East only", "body": "x", "contact_name": "Wang", "contact_phone": "2"},
        follow_redirects=False)
    assert made.status_code == 303
    cid = int(made.headers["location"].rsplit("/", 1)[1])
    assert h.client("sw-clerk").get(f"/feedback/complaints/{cid}").status_code == 404
    assert "East only" not in h.client("sw-clerk").get("/feedback/complaints").text
    sw = bearer(h, "sw-clerk")
    assert h.client().get(f"/api/v1/feedback/complaints/{cid}", headers=sw).status_code == 404
    assert h.client().post(f"/api/v1/feedback/complaints/{cid}/reply", json={"reply": "x"},
                           headers=sw).status_code == 404
    assert "East only" in h.client("hq-supervisor").get("/feedback/complaints").text


def test_permissions(h: Harness) -> None:
    assert h.client("hq-finance").get("/feedback/complaints").status_code == 403
    assert h.client("hq-tech").get("/feedback/complaints").status_code == 200
    assert h.client("hq-tech").form("/feedback/complaints", {"subject": "x"}).status_code \
        == 403


def test_anybody_may_complain_through_the_public_form(h: Harness) -> None:
    visitor = h.client()
    form = visitor.get("/feedback/contact")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    assert visitor.post("/feedback/contact", data={"subject": "x"}).status_code == 403  # CSRF
    bad = visitor.form("/feedback/contact", {"contact_name": "Gao", "subject": "Noise",
                                             "body": "b"})
    assert bad.status_code == 400 and "A phone number or an e-mail address" in bad.text
    sent = visitor.form("/feedback/contact", {
        "contact_name": "Gao", "contact_email": "gao@example.com", "subject": "Noise",
        "body": "Fan is loud", "case_id": "1", "topic": "product_quality",
        "language": "zh_CN"})
    assert sent.status_code == 200 and "FB-" in sent.text
    with h.session() as session:
        row = session.scalars(select(Complaint)).one()
        assert row.channel == "web" and row.case_id is None and row.created_by_id is None
        assert row.department.code == "QUALITY" and row.language == "zh_CN"
        assert row.region_id == session.scalars(select(Region.id).where(Region.code == "HQ")).one()


def test_public_form_is_throttled_per_address_and_has_a_honeypot(
        make_app: Callable[..., Harness], backend: str) -> None:
    """Gap 9: an anonymous flood cannot fill the department queues: three messages an hour
    from one address, then a plain 429 page; another address is not affected; behind a
    trusted proxy the forwarded address counts; a filled honeypot writes nothing."""
    h = make_app(plugins=["feedback"], security={"trusted_proxies": ["10.9.0.0/16"]},
                 plugin={"feedback": {"public_max_posts": 3, "public_window_minutes": 60}})
    departments(h)
    message = {"contact_name": "Gao", "contact_phone": "1", "subject": "Noise", "body": "b"}
    flood = h.client(client=("203.0.113.7", 4000))
    assert flood.get("/feedback/contact").text.count('name="website"') == 1
    for _ in range(3):
        assert flood.form("/feedback/contact", message).status_code == 200
    refused = flood.form("/feedback/contact", message)
    assert refused.status_code == 429 and "Too many messages" in refused.text
    assert refused.headers["retry-after"] == "3600" and "60 minutes" in refused.text
    assert h.client(client=("198.51.100.1", 4000)).form("/feedback/contact",
                                                        message).status_code == 200
    # behind the trusted proxy each customer is counted by the forwarded address
    proxy = h.client(client=("10.9.0.2", 4000))
    forwarded = {"x-forwarded-for": "203.0.113.7"}
    proxy.get("/feedback/contact")
    assert proxy.form("/feedback/contact", message, headers=forwarded).status_code == 429
    assert proxy.form("/feedback/contact", message,
                      headers={"x-forwarded-for": "192.0.2.50"}).status_code == 200
    # a robot fills the hidden field: thanked, nothing written, and counted
    robot = h.client(client=("192.0.2.99", 4000))
    trapped = robot.form("/feedback/contact", {**message, "website": "http://spam"})
    assert trapped.status_code == 200 and "FB-" not in trapped.text
    with h.session() as session:
        assert session.scalar(select(func.count(Complaint.id))) == 5
    # the next window: an hour later the address may write again
    with h.session() as session:
        for row in session.scalars(select(PublicWindow)):
            row.window_start = row.window_start - timedelta(minutes=61)
        session.commit()
    assert flood.form("/feedback/contact", message).status_code == 200


def test_the_sla_clock_pauses_while_waiting_for_the_customer(h: Harness) -> None:
    """Gap 8 (ANCHORS OT#3034): waiting for the customer stops both clocks: the page says
    paused, the escalation job leaves it alone however late it gets, and on resume the dues
    move on by the working time the wait took; twice is refused."""
    clerk = h.client("hq-clerk")
    made = clerk.form("/feedback/complaints", {
        "subject": "Needs the receipt", "body": "x", "contact_name": "A", "contact_phone": "1"},
        follow_redirects=False)
    cid = int(made.headers["location"].rsplit("/", 1)[1])
    assert clerk.form(f"/feedback/complaints/{cid}/wait", {},
                      follow_redirects=False).status_code == 303
    assert h.client("sw-clerk").form(f"/feedback/complaints/{cid}/resume",
                                     {}).status_code == 404  # another region's
    again = clerk.form(f"/feedback/complaints/{cid}/wait", {})
    assert again.status_code == 409 and "already waiting" in again.text
    page = clerk.get(f"/feedback/complaints/{cid}")
    assert 'id="complaint-waiting"' in page.text and "paused" in page.text
    assert "resume the clock" in page.text
    assert 'id="sla-paused">1<' in clerk.get("/feedback/widgets/sla").text
    api = h.client().get(f"/api/v1/feedback/complaints/{cid}", headers=bearer(h, "hq-clerk"))
    assert api.json()["sla"] == {"response": "paused", "resolution": "paused"}
    # the customer takes a fortnight to answer: the job escalates nothing meanwhile
    tz = h.app.state.settings.tz
    with h.session() as session:
        row = session.get(Complaint, cid)
        row.waiting_since = row.waiting_since - timedelta(days=14)
        session.commit()
        since, first_due, resolution_due = row.waiting_since, row.first_response_due, \
            row.resolution_due
        assert services.escalate(session, resolution_due + timedelta(days=30)) == []
        session.commit()
    before = services.utcnow()
    resumed = clerk.form(f"/feedback/complaints/{cid}/resume", {}, follow_redirects=False)
    after = services.utcnow()
    assert resumed.status_code == 303
    low = policy.working_time_between(since, before, tz).total_seconds() // 60
    high = policy.working_time_between(since, after, tz).total_seconds() // 60 + 1
    with h.session() as session:
        row = session.get(Complaint, cid)
        assert row.waiting_since is None and row.escalated_at is None
        assert low <= row.paused_minutes <= high and row.paused_minutes >= 9 * 9 * 60
        hours = row.paused_minutes / 60  # the dues moved on by the pause, in working hours
        assert abs(row.resolution_due - policy.add_working_hours(
            resolution_due, hours, tz)) <= timedelta(minutes=1)
        assert abs(row.first_response_due - policy.add_working_hours(
            first_due, hours, tz)) <= timedelta(minutes=1)
        assert not row.response_failed and not row.resolution_failed
    assert clerk.form(f"/feedback/complaints/{cid}/resume", {}).status_code == 409
    page = clerk.get(f"/feedback/complaints/{cid}")
    assert 'id="complaint-paused"' in page.text and "running" in page.text


def test_holidays_from_the_settings_move_the_sla_dues(make_app: Callable[..., Harness]) -> None:
    """Gap 8 (ANCHORS OT#1168): the days in ``[plugin.feedback] holidays`` are not working
    days for the SLA clock, through the desk."""
    tz = ZoneInfo("Asia/Shanghai")
    today = services.utcnow().astimezone(tz).date()
    days_off = [today + timedelta(days=i) for i in range(8)]
    h = make_app(plugins=["feedback"],
                 plugin={"feedback": {"holidays": [d.isoformat() for d in days_off]}})
    departments(h)
    made = h.client("hq-clerk").form("/feedback/complaints", {
        "subject": "Holiday", "body": "x", "contact_name": "A", "contact_phone": "1"},
        follow_redirects=False)
    cid = int(made.headers["location"].rsplit("/", 1)[1])
    with h.session() as session:
        row = session.get(Complaint, cid)
        due = row.first_response_due.astimezone(tz)
        assert due.date() > days_off[-1] and due.weekday() < 5
        assert due == policy.add_working_hours(row.created_at, 2, tz, holidays=days_off)
