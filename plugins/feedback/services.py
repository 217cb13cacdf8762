"""The feedback plugin's operations: the rules of ``policy.py`` applied to ``models.py``.

Every write runs in the caller's transaction (a request's session, or a job's); nothing here
commits. Scarce rows are guarded by ``lock_row``: a complaint (reply and close), a survey
(answered once).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    Conflict,
    Customer,
    DomainError,
    Message,
    NotFound,
    Problems,
    ProductModel,
    Region,
    ServiceCase,
    ServicePoint,
    Unit,
    User,
    audit,
    get_case,
    lock_row,
    notify_staff,
    open_case,
    plugin_settings,
    queue_message,
    record_case_event,
    utcnow,
)
from plugins.feedback import policy, questionnaires
from plugins.feedback.models import (
    Bulletin,
    BulletinAck,
    Callback,
    Complaint,
    Consultation,
    Department,
    FollowUp,
    PublicWindow,
    Question,
    RoutingRule,
    Survey,
    SurveyAnswer,
)

PAGE_SIZE = 25


def _settings(session: Session) -> Any:
    return plugin_settings(session, "feedback")


def _tz(session: Session) -> Any:
    return session.info["settings"].tz


def local_today(session: Session, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(_tz(session)).date()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- departments and routing ----------------------------------------------------------------


def departments(session: Session, active_only: bool = False) -> list[Department]:
    query = select(Department).order_by(Department.code)
    if active_only:
        query = query.where(Department.active.is_(True))
    return list(session.scalars(query))


def save_department(session: Session, data: dict[str, Any]) -> Department:
    problems = Problems()
    code = problems.text(data, "code", max_length=32).upper()
    name = problems.text(data, "name", max_length=120)
    name_zh = problems.text(data, "name_zh", required=False, max_length=120)
    first = problems.integer(data, "first_response_hours", minimum=1)
    resolution = problems.integer(data, "resolution_hours", minimum=1)
    head_login = problems.text(data, "head_login", required=False, max_length=64)
    head = None
    if head_login:
        head = session.scalars(select(User).where(User.login == head_login)).first()
        if head is None:
            problems.add("head_login", N_("No such user."))
    if first is not None and resolution is not None and resolution < first:
        problems.add("resolution_hours",
                     N_("Resolution cannot be due before the first response."))
    row = session.scalars(select(Department).where(Department.code == code)).first()
    problems.raise_if_any()
    if row is None:
        row = Department(code=code)
        session.add(row)
    row.name, row.name_zh = name, name_zh
    row.first_response_hours, row.resolution_hours = int(first or 8), int(resolution or 40)
    row.head_id = head.id if head else None
    session.flush()
    audit.record(session, "feedback_department", row.id, "save",
                 after={"code": code, "head": head_login})
    return row


def rules(session: Session) -> list[policy.Rule]:
    return [policy.Rule(r.department_id, r.topic, r.product_line, r.region_id, r.position)
            for r in session.scalars(select(RoutingRule).order_by(RoutingRule.position))]


def add_rule(session: Session, data: dict[str, Any]) -> RoutingRule:
    problems = Problems()
    department_id = problems.integer(data, "department_id")
    topic = problems.choice(data, "topic", policy.TOPICS, required=False)
    line = problems.text(data, "product_line", required=False, max_length=32)
    region_id = problems.integer(data, "region_id", required=False)
    if department_id is not None and session.get(Department, department_id) is None:
        problems.add("department_id", N_("No such department."))
    problems.raise_if_any()
    position = (session.scalar(select(func.max(RoutingRule.position))) or 0) + 1
    rule = RoutingRule(department_id=department_id, topic=topic, product_line=line,
                       region_id=region_id, position=position)
    session.add(rule)
    session.flush()
    return rule


def _product_line(session: Session, model_code: str) -> str:
    if not model_code:
        return ""
    line = session.scalar(select(ProductModel.product_line)
                          .where(ProductModel.code == model_code))
    return str(line or "")


def route_to(session: Session, topic: str, model_code: str, region_id: int | None
             ) -> Department:
    """F-2: the department for this complaint; the first active one when no rule says."""
    found = policy.route(rules(session), topic, _product_line(session, model_code), region_id)
    department = session.get(Department, found) if found is not None else None
    if department is None or not department.active:
        department = session.scalars(select(Department).where(Department.active.is_(True))
                                     .order_by(Department.id)).first()
    if department is None:
        raise Conflict(N_("No department handles complaints yet: an HQ manager sets them up "
                          "first."), code="no_department")
    return department


# --- complaints --------------------------------------------------------------------------


def _due(session: Session, start: datetime, hours: float) -> datetime:
    conf = _settings(session)
    return policy.add_working_hours(start, hours, _tz(session), conf.workday_start_hour,
                                    conf.workday_end_hour, conf.holidays)


def _working_time(session: Session, start: datetime, end: datetime) -> timedelta:
    conf = _settings(session)
    return policy.working_time_between(start, end, _tz(session), conf.workday_start_hour,
                                       conf.workday_end_hour, conf.holidays)


def create_complaint(session: Session, data: dict[str, Any], actor: User | None,
                     now: datetime | None = None, region_id: int | None = None) -> Complaint:
    """Accept a complaint or suggestion from any channel (F-3), linked to a case, unit or
    customer when known, routed to its department with its SLA clock started (F-2).
    ``region_id`` is the region of a complaint nobody signed in for (the public form)."""
    now = now or utcnow()
    problems = Problems()
    kind = problems.choice(data, "kind", policy.KINDS, required=False) or "complaint"
    channel = problems.choice(data, "channel", policy.CHANNELS, required=False) or "desk"
    topic = problems.choice(data, "topic", policy.TOPICS, required=False) or "other"
    subject = problems.text(data, "subject", max_length=200)
    body = problems.text(data, "body", max_length=10_000)
    name = problems.text(data, "contact_name", required=False, max_length=160)
    phone = problems.text(data, "contact_phone", required=False, max_length=40)
    email = problems.text(data, "contact_email", required=False, max_length=160)
    language = problems.choice(data, "language", ("en", "zh_CN"), required=False)
    case_id = problems.integer(data, "case_id", required=False)
    body_code = problems.text(data, "body_code", required=False, max_length=64).upper()
    case = unit = customer = None
    if case_id is not None:
        case = session.get(ServiceCase, case_id)  # region-scoped: another region's is absent
        if case is None:
            problems.add("case_id", N_("No such case."))
    if body_code:
        unit = session.scalars(select(Unit).where(Unit.body_code == body_code)).first()
        if unit is None:
            problems.add("body_code", N_("No unit with this body code."))
    if case is not None:
        customer, unit = case.customer, unit or case.unit
        name, phone = name or case.contact_name, phone or case.contact_phone
        email = email or case.customer.email
    elif unit is not None and unit.sold_to is not None:
        customer = session.get(Customer, unit.sold_to_id)
    if customer is not None and case is None:
        name, phone, email = name or customer.name, phone or customer.phone, \
            email or customer.email
    if not name:
        problems.add("contact_name", N_("Who is complaining? A name is required."))
    if not phone and not email:
        problems.add("contact_phone", N_("A phone number or an e-mail address is needed to "
                                         "reply to the customer (F-2)."))
    problems.raise_if_any()
    if region_id is not None:
        pass
    elif case is not None:
        region_id = case.region_id
    elif customer is not None:
        region_id = customer.region_id
    elif actor is not None:
        region_id = actor.region_id
    else:
        raise DomainError(N_("A complaint needs a case, a customer or a region."))
    model_code = (case.model_code if case is not None
                  else unit.model.code if unit is not None and unit.model is not None else "")
    department = route_to(session, topic, model_code, region_id)
    settings = session.info["settings"]
    complaint = Complaint(
        kind=kind, channel=channel, topic=topic, subject=subject, body=body,
        customer_id=customer.id if customer else None, case_id=case.id if case else None,
        unit_id=unit.id if unit else None, model_code=model_code, contact_name=name,
        contact_phone=phone, contact_email=email,
        language=language or settings.default_locale, department_id=department.id,
        state="new", first_response_due=_due(session, now, department.first_response_hours),
        resolution_due=_due(session, now, department.resolution_hours),
        created_by_id=actor.id if actor else None, created_at=now, region_id=region_id)
    session.add(complaint)
    session.flush()
    audit.record(session, "feedback_complaint", complaint.id, "create",
                 after={"department": department.code, "topic": topic, "channel": channel},
                 region_id=region_id)
    return complaint


def get_complaint(session: Session, complaint_id: int) -> Complaint:
    row = session.get(Complaint, complaint_id)
    if row is None:
        raise NotFound(N_("No such complaint."))
    return row


def _lock_complaint(session: Session, complaint_id: int) -> Complaint:
    row = lock_row(session, Complaint, complaint_id)
    if row is None:
        raise NotFound(N_("No such complaint."))
    return row


def search_complaints(session: Session, q: str = "", state: str = "", page: int = 1
                      ) -> tuple[list[Complaint], bool]:
    """A page of complaints, newest first, and whether there is a next page."""
    query = select(Complaint).order_by(Complaint.id.desc())
    if state == "open":
        query = query.where(Complaint.state.in_(policy.OPEN))
    elif state in policy.STATES:
        query = query.where(Complaint.state == state)
    q = q.strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(Complaint.subject.ilike(like), Complaint.contact_name.ilike(like),
                                Complaint.contact_phone.ilike(like),
                                Complaint.model_code.ilike(like)))
    rows = list(session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def assign(session: Session, complaint_id: int, data: dict[str, Any], actor: User | None
           ) -> Complaint:
    """Give the complaint an owner (and maybe another department)."""
    complaint = _lock_complaint(session, complaint_id)
    policy.check_reply(complaint.state)
    problems = Problems()
    owner_login = problems.text(data, "owner_login", max_length=64)
    department_id = problems.integer(data, "department_id", required=False)
    owner = session.scalars(select(User).where(User.login == owner_login)).first() \
        if owner_login else None
    if owner_login and owner is None:
        problems.add("owner_login", N_("No such user."))
    if department_id is not None and session.get(Department, department_id) is None:
        problems.add("department_id", N_("No such department."))
    problems.raise_if_any()
    assert owner is not None
    before = {"owner": complaint.owner.login if complaint.owner else None,
              "department": complaint.department.code}
    complaint.owner_id = owner.id
    if department_id is not None:
        complaint.department_id = department_id
    if complaint.state == "new":
        complaint.state = "assigned"
    session.flush()
    session.refresh(complaint)
    audit.record(session, "feedback_complaint", complaint.id, "assign", before=before,
                 after={"owner": owner.login, "department": complaint.department.code},
                 region_id=complaint.region_id)
    return complaint


def reply(session: Session, complaint_id: int, data: dict[str, Any], actor: User | None,
          now: datetime | None = None) -> Complaint:
    """Record the reply and queue it to the customer (F-2); the first reply stops the
    first-response clock."""
    now = now or utcnow()
    complaint = _lock_complaint(session, complaint_id)
    policy.check_reply(complaint.state)
    problems = Problems()
    text = problems.text(data, "reply", max_length=10_000, label=N_("Reply"))
    problems.raise_if_any()
    if complaint.waiting_since is not None:  # we act again: the clock runs again
        _restart_clock(session, complaint, now)
    channel, recipient = ("email", complaint.contact_email) if complaint.contact_email \
        else ("sms", complaint.contact_phone)
    message = queue_message(
        session, kind="feedback.reply", channel=channel, recipient=recipient,
        subject=N_("About your feedback %(reference)s"),
        body=N_("Dear %(name)s, about your feedback \"%(subject)s\": %(reply)s"),
        params={"reference": complaint.reference, "name": complaint.contact_name,
                "subject": complaint.subject, "reply": text},
        language=complaint.language, case=complaint.case, customer=complaint.customer,
        source="feedback", region_id=complaint.region_id)
    complaint.reply, complaint.replied_at = text, now
    complaint.reply_message_id = message.id
    if complaint.first_response_at is None:
        complaint.first_response_at = now
        if now > complaint.first_response_due:
            complaint.response_failed = True
    complaint.state = "replied"
    if complaint.owner_id is None and actor is not None:
        complaint.owner_id = actor.id
    session.flush()
    audit.record(session, "feedback_complaint", complaint.id, "reply",
                 after={"message": message.id, "channel": channel},
                 region_id=complaint.region_id)
    return complaint


def close(session: Session, complaint_id: int, data: dict[str, Any], actor: User | None,
          now: datetime | None = None) -> Complaint:
    """Close once the customer has had the reply (F-2); the resolution is recorded."""
    now = now or utcnow()
    complaint = _lock_complaint(session, complaint_id)
    policy.check_close(complaint.state, complaint.replied_at is not None)
    problems = Problems()
    resolution = problems.text(data, "resolution", required=False, max_length=10_000)
    problems.raise_if_any()
    if complaint.waiting_since is not None:
        _restart_clock(session, complaint, now)
    complaint.resolution = resolution or complaint.reply
    complaint.state, complaint.closed_at = "closed", now
    if now > complaint.resolution_due:
        complaint.resolution_failed = True
    session.flush()
    audit.record(session, "feedback_complaint", complaint.id, "close",
                 region_id=complaint.region_id)
    return complaint


def sla(complaint: Complaint, now: datetime) -> dict[str, str]:
    """Both clocks' states for display: ``met``, ``failed``, ``running``, or ``paused`` while
    the complaint waits for the customer (a clock that has not stopped stands still)."""
    if complaint.waiting_since is not None:
        now = complaint.waiting_since
    response = policy.sla_state(complaint.first_response_due, complaint.first_response_at, now)
    resolution = policy.sla_state(complaint.resolution_due, complaint.closed_at, now)
    if complaint.response_failed:
        response = "failed"
    if complaint.resolution_failed:
        resolution = "failed"
    if complaint.waiting_since is not None:
        response = "paused" if response == "running" else response
        resolution = "paused" if resolution == "running" else resolution
    return {"response": response, "resolution": resolution}


def _restart_clock(session: Session, complaint: Complaint, now: datetime) -> None:
    """End a wait: the clocks still running move on by the working time the wait took."""
    assert complaint.waiting_since is not None
    stood = _working_time(session, complaint.waiting_since, now)
    hours = stood.total_seconds() / 3600
    if hours > 0:
        if complaint.first_response_at is None:
            complaint.first_response_due = _due(session, complaint.first_response_due, hours)
        if complaint.closed_at is None:
            complaint.resolution_due = _due(session, complaint.resolution_due, hours)
    complaint.paused_minutes += round(stood.total_seconds() / 60)
    complaint.waiting_since = None
    audit.record(session, "feedback_complaint", complaint.id, "resume",
                 after={"paused_minutes": round(stood.total_seconds() / 60)},
                 region_id=complaint.region_id)


def wait_for_customer(session: Session, complaint_id: int, data: dict[str, Any],
                      actor: User | None, now: datetime | None = None) -> Complaint:
    """The complaint waits for the customer (documents, a visit, a reply): its SLA clocks stop
    until it resumes (ANCHORS OT#3034: the clock pauses on hold)."""
    now = now or utcnow()
    complaint = _lock_complaint(session, complaint_id)
    policy.check_wait(complaint.state, complaint.waiting_since is not None)
    complaint.waiting_since = now
    session.flush()
    audit.record(session, "feedback_complaint", complaint.id, "wait",
                 region_id=complaint.region_id)
    return complaint


def resume(session: Session, complaint_id: int, data: dict[str, Any], actor: User | None,
           now: datetime | None = None) -> Complaint:
    """The customer came back: the clocks run again, their dues later by the wait."""
    now = now or utcnow()
    complaint = _lock_complaint(session, complaint_id)
    policy.check_resume(complaint.waiting_since is not None)
    _restart_clock(session, complaint, now)
    session.flush()
    return complaint


def escalate(session: Session, now: datetime) -> list[Complaint]:
    """The periodic job: mark open complaints whose SLA failed, and escalate each once to its
    department's head. Safe to run again: a complaint is escalated only once."""
    late = list(session.scalars(select(Complaint).where(
        Complaint.state.in_(policy.OPEN), Complaint.waiting_since.is_(None),
        or_(Complaint.resolution_due < now,
            (Complaint.first_response_at.is_(None)) & (Complaint.first_response_due < now)))))
    escalated = []
    for row in late:
        complaint = lock_row(session, Complaint, row.id)
        if complaint is None or complaint.state not in policy.OPEN \
                or complaint.waiting_since is not None:
            continue
        if complaint.first_response_at is None and complaint.first_response_due < now:
            complaint.response_failed = True
        if complaint.resolution_due < now:
            complaint.resolution_failed = True
        if complaint.escalated_at is None:
            complaint.escalated_at = now
            complaint.escalated_to_id = complaint.department.head_id
            escalated.append(complaint)
            audit.record(session, "feedback_complaint", complaint.id, "escalate",
                         after={"to": complaint.escalated_to_id},
                         region_id=complaint.region_id)
            if complaint.escalated_to_id is not None:  # the head hears of it (F-2)
                notify_staff(session, complaint.escalated_to_id,
                             N_("Complaint %(reference)s missed its deadline and is escalated "
                                "to you: %(subject)s"),
                             {"reference": complaint.reference, "subject": complaint.subject},
                             link=f"/feedback/complaints/{complaint.id}", source="feedback")
    session.flush()
    return escalated


def sla_counts(session: Session, now: datetime) -> dict[str, int]:
    """Open complaints by SLA state, for the dashboard widget."""
    counts = {"running": 0, "at_risk": 0, "failed": 0, "paused": 0}
    soon = now + timedelta(hours=4)
    for c in session.scalars(select(Complaint).where(Complaint.state.in_(policy.OPEN))):
        states = sla(c, now)
        if "failed" in states.values():
            counts["failed"] += 1
        elif c.waiting_since is not None:
            counts["paused"] += 1
        elif c.resolution_due < soon or (c.first_response_at is None
                                          and c.first_response_due < soon):
            counts["at_risk"] += 1
        else:
            counts["running"] += 1
    return counts


# --- surveys -----------------------------------------------------------------------------


def _address(case: ServiceCase) -> tuple[str, str]:
    if case.customer is not None and case.customer.email:
        return "email", case.customer.email
    return "sms", case.contact_phone


def send_survey(session: Session, case: ServiceCase, locale: str | None = None,
                now: datetime | None = None) -> tuple[Survey, str] | None:
    """F-1: a survey for a closed case, with a single-use link queued to the customer.
    Returns the survey and its token (kept only hashed), or ``None`` when the case already
    had one or the customer has no address."""
    now = now or utcnow()
    if session.scalars(select(Survey.id).where(Survey.case_id == case.id)).first():
        return None
    channel, recipient = _address(case)
    if not recipient:
        return None
    conf = _settings(session)
    recent = now - timedelta(days=conf.survey_min_interval_days)
    if conf.survey_min_interval_days and session.scalars(select(Survey.id).where(
            Survey.customer_id == case.customer_id, Survey.created_at > recent)).first():
        return None  # asked recently: do not pester the customer
    send_at = now + timedelta(days=conf.survey_delay_days)
    locale = locale or session.info["settings"].default_locale
    token = secrets.token_urlsafe(24)
    version = questionnaires.current_version(session)
    survey = Survey(case_id=case.id, customer_id=case.customer_id, token_hash=hash_token(token),
                    version_id=version.id,
                    locale=locale, service_point_id=case.service_point_id,
                    technician_id=case.technician_id, model_code=case.model_code,
                    coverage_class=case.coverage_class or "", created_at=now,
                    expires_at=send_at + timedelta(days=conf.survey_link_days),
                    region_id=case.region_id)
    session.add(survey)
    session.flush()
    queue_message(session, kind="feedback.survey", channel=channel, recipient=recipient,
                  subject=N_("How was our service? (%(reference)s)"),
                  body=N_("Dear %(name)s, your case %(reference)s is closed. Please tell us "
                          "how we did: %(url)s"),
                  params={"name": case.contact_name, "reference": case.reference,
                          "url": f"{conf.public_base_url.rstrip('/')}/s/{token}"},
                  language=locale, case=case, essential=False, source="feedback",
                  due_at=send_at)
    return survey, token


def campaign(session: Session, data: dict[str, Any]) -> int:
    """F-1: surveys for the closed cases in a period (and of a model), for cases that had
    none; the once-a-month rule per customer still holds. Returns how many were sent."""
    problems = Problems()
    start = problems.day(data, "closed_from", required=True)
    end = problems.day(data, "closed_to", required=True)
    model_code = problems.text(data, "model_code", required=False, max_length=32).upper()
    if start and end and end < start:
        problems.add("closed_to", N_("The range ends before it starts."))
    problems.raise_if_any()
    assert start is not None and end is not None
    tz = _tz(session)
    query = select(ServiceCase).where(
        ServiceCase.state == "closed",
        ServiceCase.closed_at >= datetime.combine(start, datetime.min.time(), tz),
        ServiceCase.closed_at < datetime.combine(end + timedelta(days=1),
                                                 datetime.min.time(), tz))
    if model_code:
        query = query.where(ServiceCase.model_code == model_code)
    sent = 0
    for case in session.scalars(query.order_by(ServiceCase.id)).all():
        if send_survey(session, case) is not None:
            sent += 1
    return sent


def survey_for(session: Session, token: str, now: datetime | None = None) -> Survey:
    """The open survey of this token, or 404 when unknown, answered or expired."""
    survey = session.scalars(select(Survey).where(Survey.token_hash == hash_token(token))
                             ).first()
    if survey is None or survey.answered_at is not None or survey.expires_at < (now or utcnow()):
        raise NotFound(N_("This survey link is not valid any more: it was answered already or "
                          "it expired. Thank you!"))
    return survey


def answer_survey(session: Session, token: str, data: dict[str, Any],
                  now: datetime | None = None) -> Survey:
    """Record the answer once: the survey row is locked and re-read, so of two answers sent
    together exactly one is kept and the other is told the link was used."""
    now = now or utcnow()
    found = survey_for(session, token, now)
    given, problems = questionnaires.read_answers(found.version, data)
    problems.raise_if_any()
    survey = lock_row(session, Survey, found.id)
    if survey is None or survey.answered_at is not None:
        raise NotFound(N_("This survey link is not valid any more: it was answered already or "
                          "it expired. Thank you!"))
    session.add_all(SurveyAnswer(survey_id=survey.id, question_id=g.question.id,
                                 score=g.score, text=g.text) for g in given)
    csat, nps, comment = questionnaires.headline(given)
    survey.csat, survey.nps, survey.comment, survey.answered_at = csat, nps, comment, now
    survey.callback_needed = policy.needs_callback(csat, nps)
    session.flush()
    if survey.callback_needed:
        open_callback(session, survey, now)
    return survey


# --- call backs after a low score (gap 2) ------------------------------------------------

SUPERVISOR_ROLE = "supervisor"


def holidays(session: Session) -> list[date]:
    return list(getattr(_settings(session), "holidays", []) or [])


def callback_owner(session: Session, case: ServiceCase) -> User | None:
    """Who calls the customer back: the supervisor of the case's service point, else the
    case's technician."""
    users = session.scalars(select(User).where(User.service_point_id == case.service_point_id,
                                               User.active.is_(True)).order_by(User.id))
    for user in users:
        if SUPERVISOR_ROLE in user.role_ids:
            return user
    return case.technician


def open_callback(session: Session, survey: Survey, now: datetime | None = None) -> Callback:
    """A low score opens a call back at the service point, due in ``callback_days`` working
    days, and its owner hears of it (a staff notice)."""
    now = now or utcnow()
    found = session.scalars(select(Callback).where(Callback.survey_id == survey.id)).first()
    if found is not None:
        return found
    case = survey.case
    owner = callback_owner(session, case)
    due_on = policy.add_working_days(local_today(session, now),
                                     _settings(session).callback_days, holidays(session))
    row = Callback(survey_id=survey.id, case_id=case.id,
                   service_point_id=survey.service_point_id,
                   owner_id=owner.id if owner else None, state="open", due_on=due_on,
                   created_at=now, region_id=survey.region_id)
    session.add(row)
    session.flush()
    audit.record(session, "feedback_callback", row.id, "open",
                 after={"case": case.reference, "owner": owner.login if owner else None,
                        "csat": survey.csat, "nps": survey.nps}, region_id=row.region_id)
    if owner is not None:
        notify_staff(session, owner,
                     N_("Call back %(name)s about %(reference)s: a low survey score "
                        "(CSAT %(csat)s, NPS %(nps)s), due %(due)s"),
                     {"name": case.contact_name, "reference": case.reference,
                      "csat": survey.csat if survey.csat is not None else "—",
                      "nps": survey.nps if survey.nps is not None else "—",
                      "due": due_on.isoformat()},
                     link=f"/feedback/callbacks#callback-{row.id}", source="feedback")
    return row


def callbacks(session: Session, state: str = "open", owner_id: int | None = None,
              page: int = 1) -> tuple[list[Callback], bool]:
    query = select(Callback).order_by(Callback.due_on, Callback.id)
    if state in policy.CALLBACK_STATES:
        query = query.where(Callback.state == state)
    if owner_id is not None:
        query = query.where(Callback.owner_id == owner_id)
    rows = list(session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def callback_cursor(row: Callback) -> str:
    """The keyset cursor after ``row`` in the (due day, id) order: ``YYYY-MM-DD.id``."""
    return f"{row.due_on.isoformat()}.{row.id}"


def callback_page(session: Session, state: str = "open", owner_id: int | None = None,
                  after: str | None = None) -> tuple[list[Callback], bool]:
    """A page of call backs in (due day, id) order after the ``after`` cursor (keyset: a
    deep page costs what the first does), and whether there is a next one."""
    query = select(Callback).order_by(Callback.due_on, Callback.id)
    if state in policy.CALLBACK_STATES:
        query = query.where(Callback.state == state)
    if owner_id is not None:
        query = query.where(Callback.owner_id == owner_id)
    if after:
        day_text, _dot, id_text = after.partition(".")
        try:
            day, last_id = date.fromisoformat(day_text), int(id_text)
        except ValueError:
            raise DomainError(N_("This page cursor is not valid."), field="after") from None
        query = query.where(or_(Callback.due_on > day,
                                (Callback.due_on == day) & (Callback.id > last_id)))
    rows = list(session.scalars(query.limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def callback_counts(session: Session, today: date) -> dict[str, int]:
    """Open call backs, and how many of them are overdue, for the dashboard."""
    open_ = session.scalar(select(func.count(Callback.id)).where(Callback.state == "open"))
    late = session.scalar(select(func.count(Callback.id)).where(
        Callback.state == "open", Callback.due_on < today))
    return {"open": int(open_ or 0), "overdue": int(late or 0)}


def finish_callback(session: Session, callback_id: int, data: dict[str, Any],
                    actor: User | None, now: datetime | None = None) -> Callback:
    """Done, with a note of what the customer said; once (the row is locked)."""
    row = lock_row(session, Callback, callback_id)
    if row is None:
        raise NotFound(N_("No such call back."))
    if row.state == "done":
        raise Conflict(N_("This call back is already done."), code="invalid_state")
    problems = Problems()
    note = problems.text(data, "note", max_length=4000, label=N_("Note"))
    problems.raise_if_any()
    row.state, row.note, row.done_at = "done", note, now or utcnow()
    row.done_by = actor
    session.flush()
    audit.record(session, "feedback_callback", row.id, "done", after={"note": note[:200]},
                 region_id=row.region_id)
    return row


def _local_midnight(session: Session, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), _tz(session))


def _month_starts(session: Session, first: datetime, last: datetime) -> list[tuple[str, datetime]]:
    """(``YYYY-MM``, local midnight of the 1st) for every month from ``first`` to ``last``."""
    tz = _tz(session)
    day = first.astimezone(tz).date().replace(day=1)
    end = last.astimezone(tz).date()
    months = []
    while day <= end:
        months.append((day.strftime("%Y-%m"), _local_midnight(session, day)))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _scores(row: Any) -> dict[str, Any]:
    """A group's numbers from its SQL sums: answers, mean CSAT, NPS."""
    answers, csat_sum, csat_n, promoters, detractors, nps_n = (int(v or 0) for v in row)
    return {"answers": answers,
            "csat": round(csat_sum / csat_n, 1) if csat_n else None,
            "nps": round(100 * (promoters - detractors) / nps_n) if nps_n else None}


def recent_months(session: Session, months: int = 6, now: datetime | None = None
                  ) -> list[dict[str, Any]]:
    """CSAT and NPS of each of the last ``months`` local calendar months that had answers
    (this month included), oldest first: the dashboard widget's figures, read from those
    months' answers only (issue 11: the widget computed the whole report for them)."""
    first = local_today(session, now).replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return list(survey_report(session, since=first, months_only=True)["by_month"])


def survey_report(session: Session, since: date | None = None, until: date | None = None,
                  *, months_only: bool = False) -> dict[str, Any]:
    """CSAT and NPS overall, per region, service point, technician, model, warranty class and
    month, of the answers given from ``since`` to ``until`` (local days, both included).
    Every number is summed in SQL (a GROUP BY per table); only the groups come back.
    ``months_only``: the totals and ``by_month`` alone (three statements, not ten)."""
    answered = [Survey.answered_at.is_not(None)]
    if since is not None:
        answered.append(Survey.answered_at >= _local_midnight(session, since))
    if until is not None:
        answered.append(Survey.answered_at < _local_midnight(session, until + timedelta(days=1)))
    # each survey's answer to its version's CSAT and to its NPS question (at most one each)
    csat, nps = (select(SurveyAnswer.survey_id, SurveyAnswer.score)
                 .join(Question, Question.id == SurveyAnswer.question_id)
                 .where(Question.kind == kind).subquery(kind) for kind in ("csat", "nps"))
    sums = (func.count(Survey.id), func.sum(csat.c.score), func.count(csat.c.score),
            func.sum(sql_case((nps.c.score >= 9, 1), else_=0)),
            func.sum(sql_case((nps.c.score <= policy.LOW_NPS, 1), else_=0)),
            func.count(nps.c.score))

    def scored(*columns: Any) -> Any:
        return (select(*columns, *sums).select_from(Survey)
                .outerjoin(csat, csat.c.survey_id == Survey.id)
                .outerjoin(nps, nps.c.survey_id == Survey.id).where(*answered))

    def group(key: Any, *joins: tuple[Any, Any], name: Any = None) -> list[dict[str, Any]]:
        columns = [key] + ([name] if name is not None else [])
        query = scored(*columns)
        for target, on in joins:
            query = query.outerjoin(target, on)
        query = query.group_by(*columns)
        found = []
        for row in session.execute(query):
            values = tuple(row)
            label = values[1] if name is not None else None
            found.append({"key": values[0] if values[0] not in (None, "") else "—",
                          "name": label or "", **_scores(values[len(columns):])})
        return sorted(found, key=lambda g: str(g["key"]))

    total = session.execute(scored()).one()
    by_month: list[dict[str, Any]] = []
    bounds = session.execute(select(func.min(Survey.answered_at), func.max(Survey.answered_at))
                             .where(*answered)).one()
    if bounds[0] is not None:
        months = _month_starts(session, bounds[0], bounds[1])
        if len(months) == 1:
            by_month = [{"key": months[0][0], "name": "", **_scores(total)}]
        else:
            # the local month of each answer, as ranges of instants: exact on every database
            month = sql_case(*[(Survey.answered_at < start, label) for (label, _s), (_l, start)
                               in pairwise(months)],
                             else_=months[-1][0])
            by_month = group(month)
    if months_only:
        return {**_scores(total), "answered": int(total[0] or 0), "by_month": by_month}
    sent = session.scalar(select(func.count(Survey.id))) or 0
    callbacks = list(session.scalars(select(Survey).where(
        *answered, Survey.callback_needed.is_(True)).order_by(Survey.answered_at).limit(200)))
    return {
        "sent": sent, **_scores(total), "answered": int(total[0] or 0),
        "since": since, "until": until,
        "by_region": group(Survey.region_id, (Region, Region.id == Survey.region_id),
                           name=Region.name),
        "by_point": group(Survey.service_point_id,
                          (ServicePoint, ServicePoint.id == Survey.service_point_id),
                          name=ServicePoint.name),
        "by_technician": [{**g, "name": g["name"] or "—"} for g in group(
            Survey.technician_id, (User, User.id == Survey.technician_id),
            name=User.display_name)],
        "by_model": group(Survey.model_code),
        "by_month": by_month,
        # the warranty decision: unhappiness with the policy (class C, paid) told apart from
        # unhappiness with the service
        "by_class": group(Survey.coverage_class),
        "callbacks": callbacks,
    }


# --- follow-up visits (T-3) --------------------------------------------------------------


def schedule_followups(session: Session, case: ServiceCase) -> list[FollowUp]:
    """T-3: the visits due ``followup_days`` after the case closed; idempotent (one visit
    per case and number of days)."""
    if case.closed_at is None:
        return []
    closed_on = case.closed_at.astimezone(_tz(session)).date()
    have = set(session.scalars(select(FollowUp.days).where(FollowUp.case_id == case.id)))
    made = []
    for days, due_on in policy.followup_dates(closed_on, _settings(session).followup_days):
        if days in have:
            continue
        visit = FollowUp(case_id=case.id, days=days, due_on=due_on,
                         technician_id=case.technician_id, region_id=case.region_id)
        session.add(visit)
        made.append(visit)
    session.flush()
    return made


def schedule_missing(session: Session, now: datetime) -> int:
    """The job: closed cases of the last year without their visits (closed while the plugin
    was off, or before a day was added to ``followup_days``) get them."""
    since = now - timedelta(days=max(_settings(session).followup_days or [0]) + 1)
    cases = session.scalars(select(ServiceCase).where(
        ServiceCase.state == "closed", ServiceCase.closed_at >= since))
    return sum(len(schedule_followups(session, c)) for c in cases)


def followups(session: Session, due_by: date | None, technician_id: int | None = None,
              state: str = "due", page: int = 1) -> tuple[list[FollowUp], bool]:
    query = select(FollowUp).order_by(FollowUp.due_on, FollowUp.id)
    if state in ("due", "done"):
        query = query.where(FollowUp.state == state)
    if due_by is not None:
        query = query.where(FollowUp.due_on <= due_by)
    if technician_id is not None:
        query = query.where(FollowUp.technician_id == technician_id)
    rows = list(session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def record_visit(session: Session, visit_id: int, data: dict[str, Any], actor: User | None,
                 now: datetime | None = None) -> FollowUp:
    """The outcome of a visit, by phone or on site; once."""
    visit = lock_row(session, FollowUp, visit_id)
    if visit is None:
        raise NotFound(N_("No such follow-up visit."))
    if visit.state == "done":
        raise Conflict(N_("This visit is already recorded."), code="invalid_state")
    problems = Problems()
    method = problems.choice(data, "method", policy.FOLLOWUP_METHODS)
    outcome = problems.choice(data, "outcome", policy.FOLLOWUP_OUTCOMES)
    note = problems.text(data, "note", required=outcome == "problem", max_length=4000,
                         label=N_("Note"))
    problems.raise_if_any()
    visit.method, visit.outcome, visit.note = method, outcome, note
    visit.state, visit.done_at = "done", now or utcnow()
    visit.done_by_id = actor.id if actor else None
    if outcome == "problem":
        visit.new_case_id = _reopen_as_new_case(session, visit, actor).id
    session.flush()
    audit.record(session, "feedback_followup", visit.id, "record",
                 after={"outcome": outcome, "method": method}, region_id=visit.region_id)
    return visit


def _reopen_as_new_case(session: Session, visit: FollowUp, actor: User | None
                        ) -> ServiceCase:
    """T-3: a problem found at a follow-up visit opens a new case for the same unit and
    customer, linked to the old one by an event on each."""
    old = visit.case
    case = open_case(session, session.info["pm"], actor=actor,
                     service_point=old.service_point, today=local_today(session), data={
                         "customer": {"name": old.contact_name, "address": old.address,
                                      "phone": old.contact_phone},
                         "body_code": old.body_code_text or None,
                         "model_code": old.model_code, "own_product": old.own_product,
                         "channel": "on_site" if visit.method == "onsite" else "phone",
                         "fault_description": visit.note})
    # history lines as message ids with parameters: each reader sees them in their language
    record_case_event(session, case.id, actor, "linked",
                      Message(N_("Opened at the %(days)d-day follow-up of %(reference)s"),
                              {"days": visit.days, "reference": old.reference}),
                      {"from_case": old.id, "followup": visit.id})
    record_case_event(session, old.id, actor, "linked",
                      Message(N_("Follow-up found a problem: %(reference)s"),
                              {"reference": case.reference}),
                      {"to_case": case.id, "followup": visit.id})
    return case


# --- consultations (W-5) and bulletins (O-4) ---------------------------------------------


def add_consultation(session: Session, data: dict[str, Any], actor: User | None
                     ) -> Consultation:
    problems = Problems()
    name = problems.text(data, "contact_name", max_length=160, label=N_("Name"))
    phone = problems.text(data, "contact_phone", required=False, max_length=40)
    model_code = problems.text(data, "model_code", required=False, max_length=32).upper()
    body_code = problems.text(data, "body_code", required=False, max_length=64).upper()
    topic = problems.text(data, "topic", max_length=120, label=N_("Topic"))
    question = problems.text(data, "question", max_length=10_000, label=N_("Question"))
    answer = problems.text(data, "answer", max_length=10_000, label=N_("Answer"))
    unit = None
    if body_code:
        unit = session.scalars(select(Unit).where(Unit.body_code == body_code)).first()
        if unit is None:
            problems.add("body_code", N_("No unit with this body code."))
        elif not model_code and unit.model is not None:
            model_code = unit.model.code
    if model_code and session.scalar(select(ProductModel.id)
                                     .where(ProductModel.code == model_code)) is None:
        problems.add("model_code", N_("Unknown model: %(code)s"), code=model_code)
    if actor is None:
        problems.add("contact_name", N_("Sign in to log a consultation."))
    problems.raise_if_any()
    assert actor is not None
    row = Consultation(contact_name=name, contact_phone=phone, model_code=model_code,
                       unit_id=unit.id if unit else None,
                       customer_id=unit.sold_to_id if unit else None,
                       topic=topic, question=question, answer=answer,
                       created_by_id=actor.id, region_id=actor.region_id)
    session.add(row)
    session.flush()
    return row


def consultations(session: Session, q: str = "", page: int = 1
                  ) -> tuple[list[Consultation], bool]:
    query = select(Consultation).order_by(Consultation.id.desc())
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(Consultation.topic.ilike(like),
                                Consultation.model_code.ilike(like),
                                Consultation.question.ilike(like),
                                Consultation.contact_name.ilike(like)))
    rows = list(session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


BULLETIN_KINDS = ("fault", "fix", "precaution")


def add_bulletin(session: Session, data: dict[str, Any], actor: User | None,
                 publish: bool = True) -> Bulletin:
    problems = Problems()
    kind = problems.choice(data, "kind", BULLETIN_KINDS)
    model_code = problems.text(data, "model_code", max_length=32, label=N_("Model")).upper()
    title = problems.text(data, "title", max_length=200, label=N_("Title"))
    title_zh = problems.text(data, "title_zh", required=False, max_length=200)
    body = problems.text(data, "body", max_length=20_000, label=N_("Text"))
    made_from = problems.day(data, "made_from")
    made_to = problems.day(data, "made_to")
    if model_code and session.scalar(select(ProductModel.id)
                                     .where(ProductModel.code == model_code)) is None:
        problems.add("model_code", N_("Unknown model: %(code)s"), code=model_code)
    if made_from and made_to and made_to < made_from:
        problems.add("made_to", N_("The range ends before it starts."))
    problems.raise_if_any()
    row = Bulletin(kind=kind, model_code=model_code, title=title, title_zh=title_zh,
                   body=body, made_from=made_from, made_to=made_to,
                   published_at=utcnow() if publish else None,
                   created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    audit.record(session, "feedback_bulletin", row.id, "publish",
                 after={"model": model_code, "kind": kind})
    return row


def bulletins(session: Session, model_code: str = "", page: int = 1
              ) -> tuple[list[Bulletin], bool]:
    query = select(Bulletin).where(Bulletin.published_at.is_not(None)) \
        .order_by(Bulletin.id.desc())
    if model_code:
        query = query.where(Bulletin.model_code == model_code.upper())
    rows = list(session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def acknowledge(session: Session, bulletin_id: int, actor: User) -> BulletinAck:
    """O-4: the actor's service point confirms it has read the bulletin, once. The bulletin
    row is locked first, so two clicks at once record one acknowledgement."""
    bulletin = lock_row(session, Bulletin, bulletin_id)
    if bulletin is None or bulletin.published_at is None:
        raise NotFound(N_("No such bulletin."))
    found = session.scalars(select(BulletinAck).where(
        BulletinAck.bulletin_id == bulletin.id,
        BulletinAck.service_point_id == actor.service_point_id)).first()
    if found is not None:
        raise Conflict(N_("Your service point has already acknowledged this bulletin."),
                       code="already_acknowledged")
    ack = BulletinAck(bulletin_id=bulletin.id, service_point_id=actor.service_point_id,
                      user_id=actor.id, region_id=actor.region_id)
    session.add(ack)
    session.flush()
    return ack


def bulletin_facts(session: Session, rows: list[Bulletin], actor: User | None
                   ) -> dict[int, dict[str, Any]]:
    """Per bulletin: whether the actor's service point acknowledged it, how many service
    points (in scope) did, and how many registered units in the field it touches."""
    ids = [b.id for b in rows]
    acks = list(session.scalars(select(BulletinAck).where(BulletinAck.bulletin_id.in_(ids)))) \
        if ids else []
    facts: dict[int, dict[str, Any]] = {}
    for b in rows:
        mine = [a for a in acks if a.bulletin_id == b.id]
        units = select(func.count(Unit.id)).join(ProductModel, Unit.model_id == ProductModel.id) \
            .where(ProductModel.code == b.model_code)
        if b.made_from is not None:
            units = units.where(Unit.factory_date >= b.made_from)
        if b.made_to is not None:
            units = units.where(Unit.factory_date <= b.made_to)
        facts[b.id] = {
            "acked": any(a.service_point_id == getattr(actor, "service_point_id", None)
                         for a in mine),
            "acks": len(mine), "units": session.scalar(units) or 0}
    return facts


def bulletins_for(session: Session, model_code: str, made_on: date | None) -> list[Bulletin]:
    """O-4: the published bulletins that touch a unit of this model made on this day."""
    if not model_code:
        return []
    rows = session.scalars(select(Bulletin).where(Bulletin.model_code == model_code,
                                                  Bulletin.published_at.is_not(None))
                           .order_by(Bulletin.id.desc()))
    return [b for b in rows if b.covers(model_code, made_on)]


def case_feedback(session: Session, case_id: int) -> dict[str, Any]:
    """What the feedback plugin knows about a case, for its panel."""
    case = get_case(session, case_id)
    made_on = case.unit.factory_date if case.unit is not None else None
    return {
        "case": case,
        "bulletins": bulletins_for(session, case.model_code, made_on),
        "complaints": list(session.scalars(select(Complaint).where(Complaint.case_id == case.id)
                                           .order_by(Complaint.id))),
        "survey": session.scalars(select(Survey).where(Survey.case_id == case.id)).first(),
        "visits": list(session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)
                                       .order_by(FollowUp.days))),
        "callback": session.scalars(select(Callback).where(Callback.case_id == case.id)
                                    .order_by(Callback.id.desc())).first(),
    }


# --- public pages: a fixed window per client address (gap 9, issue 16 item 3) ------------


def _window_start(now: datetime, minutes: int) -> datetime:
    """The start of the fixed window ``now`` falls in: windows of ``minutes`` counted from
    the Unix epoch, the same for every worker and database."""
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(seconds - seconds % (minutes * 60), UTC)


def take_public_slot(session: Session, address: str, now: datetime | None = None) -> bool:
    """Count one message from ``address`` through a public page if it is still below
    ``public_max_posts`` in the current window; ``False`` when the limit is reached.

    One statement decides: ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 WHERE
    count < limit RETURNING count`` returns no row at the limit. On PostgreSQL the upsert
    takes the row's lock, so parallel requests from one address queue on it and each sees
    the count the one before it committed (a count-then-insert let a parallel flood through);
    on SQLite writers are serialised anyway. The count is in the request's transaction: a
    message refused later (a form error, a used link) rolls its count back with it."""
    conf = _settings(session)
    table = PublicWindow.__table__
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values(
        address=address[:64], window_start=_window_start(now or utcnow(),
                                                         conf.public_window_minutes),
        count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.address, table.c.window_start],
        set_={"count": table.c.count + 1},
        where=table.c.count < conf.public_max_posts,
    ).returning(table.c.count)
    return session.execute(statement).first() is not None


def forget_public_windows(session: Session, now: datetime) -> int:
    """The job: delete the windows that ended before the current one began (a request only
    ever touches the current window, so this never waits for one)."""
    minutes = _settings(session).public_window_minutes
    before = _window_start(now, minutes) - timedelta(minutes=minutes)
    result = session.execute(delete(PublicWindow).where(PublicWindow.window_start < before))
    return int(getattr(result, "rowcount", 0) or 0)
