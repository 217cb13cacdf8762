"""Training operations (P-1, O-3): courses, sessions, enrolment, attendance, results that
issue certifications, revocation, expiry, and who may be dispatched for a case.

Services take a session and never make one; every change is audited (T-2). Rules are in
``policy``; this module applies them to the records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    PRODUCT_LINES,
    TECHNICIAN_ROLE,
    Conflict,
    DomainError,
    NotFound,
    Problems,
    ProductModel,
    Region,
    ServiceCase,
    Settings,
    User,
    add_months,
    audit,
    local_date,
    lock_row,
    plugin_settings,
    technicians_for,
    utcnow,
)
from core.plugin_api import local_today as core_local_today
from plugins.training import policy
from plugins.training.models import (
    SESSION_KINDS,
    Certification,
    Course,
    Participant,
    TrainingSession,
    split_codes,
)

COURSE_FIELDS = ["code", "title", "title_zh", "product_line", "model_codes", "pass_mark",
                 "validity_months", "active"]


def settings_of(session: Session) -> Settings:
    settings = session.info.get("settings")
    return settings if isinstance(settings, Settings) else Settings()


def local_today(session: Session) -> date:
    """Today in the instance's time zone (core's ``local_today`` for a session)."""
    return core_local_today(settings_of(session))


def local_day(session: Session, moment: datetime) -> date:
    return local_date(moment, settings_of(session).tz)


def is_technician(user: User) -> bool:
    return TECHNICIAN_ROLE in user.role_ids


# --- courses ------------------------------------------------------------------------------


def get_course(session: Session, course_id: object) -> Course:
    course = session.get(Course, _int(course_id))
    if course is None:
        raise NotFound("No such course.")
    return course


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def courses(session: Session, *, active_only: bool = False) -> list[Course]:
    query = select(Course).order_by(Course.code)
    if active_only:
        query = query.where(Course.active.is_(True))
    return list(session.scalars(query))


def _course_values(session: Session, data: dict[str, Any], course: Course | None
                   ) -> dict[str, Any]:
    problems = Problems()
    code = problems.text(data, "code", max_length=32, label="Code").upper()
    title = problems.text(data, "title", max_length=160, label="Title")
    title_zh = problems.text(data, "title_zh", required=False, max_length=160)
    line = problems.choice(data, "product_line", PRODUCT_LINES, required=False)
    raw_models = data.get("model_codes", "")
    if isinstance(raw_models, list):
        raw_models = ",".join(str(m) for m in raw_models)
    models = split_codes(str(raw_models or ""))
    if models:
        known = set(session.scalars(select(ProductModel.code)
                                    .where(ProductModel.code.in_(models))))
        unknown = [m for m in models if m not in known]
        if unknown:
            problems.add("model_codes", N_("Unknown model: %(models)s."),
                         models=", ".join(unknown))
    if not line and not models:
        problems.add("product_line", N_("Name a product line or the models the course "
                                        "covers."))
    pass_mark = problems.integer(data, "pass_mark", minimum=0)
    if pass_mark is not None and pass_mark > 100:
        problems.add("pass_mark", "The pass mark is a score out of 100.")
    months = problems.integer(data, "validity_months", required=False, minimum=1)
    if months is not None and months > 240:
        problems.add("validity_months", "At most 240 months.")
    active = problems.boolean(data, "active", True)
    if code and not problems.fields.get("code"):
        clash = session.scalars(select(Course.id).where(Course.code == code)).first()
        if clash is not None and (course is None or clash != course.id):
            problems.add("code", N_("The course code %(code)s is taken."), code=code)
    problems.raise_if_any()
    return {"code": code, "title": title, "title_zh": title_zh, "product_line": line,
            "model_codes": ",".join(models), "pass_mark": pass_mark,
            "validity_months": months, "active": active}


def create_course(session: Session, data: dict[str, Any]) -> Course:
    course = Course(**_course_values(session, data, None))
    session.add(course)
    session.flush()
    audit.record(session, "training_course", course.id, "create",
                 after=audit.changes(course, COURSE_FIELDS))
    return course


def update_course(session: Session, course: Course, data: dict[str, Any]) -> Course:
    values = _course_values(session, data, course)
    before = audit.changes(course, COURSE_FIELDS)
    for key, value in values.items():
        setattr(course, key, value)
    session.flush()
    audit.record(session, "training_course", course.id, "update", before=before,
                 after=audit.changes(course, COURSE_FIELDS))
    return course


# --- sessions -----------------------------------------------------------------------------

SESSION_FIELDS = ["course_id", "kind", "trainer", "place", "online", "starts_on", "ends_on",
                  "capacity", "for_region_id", "cancelled"]


def get_session(session: Session, session_id: object) -> TrainingSession:
    row = session.get(TrainingSession, _int(session_id))
    if row is None:
        raise NotFound("No such training session.")
    return row


def sessions_in_month(session: Session, first: date) -> list[TrainingSession]:
    last = add_months(first, 1)
    return list(session.scalars(
        select(TrainingSession)
        .where(TrainingSession.starts_on < last, TrainingSession.ends_on >= first)
        .order_by(TrainingSession.starts_on, TrainingSession.id)))


def sessions_between(session: Session, start: date, end: date) -> list[TrainingSession]:
    """Sessions not cancelled that overlap the days ``start``..``end``, for the region in
    scope (sessions for every region, and those for this one; all of them for HQ)."""
    query = select(TrainingSession).where(
        TrainingSession.starts_on <= end, TrainingSession.ends_on >= start,
        TrainingSession.cancelled.is_(False))
    region_id = session.info.get("region_id")
    if region_id is not None:
        query = query.where(or_(TrainingSession.for_region_id.is_(None),
                                TrainingSession.for_region_id == region_id))
    return list(session.scalars(query.order_by(TrainingSession.starts_on,
                                               TrainingSession.id)))


def create_session(session: Session, actor: User | None, data: dict[str, Any],
                   today: date) -> TrainingSession:
    """Schedule a session, or record an ad hoc one (O-3: regularly and as needed)."""
    problems = Problems()
    course_id = problems.integer(data, "course_id")
    kind = problems.choice(data, "kind", SESSION_KINDS, required=False) or "scheduled"
    trainer = problems.text(data, "trainer", max_length=120, label="Trainer")
    online = problems.boolean(data, "online", False)
    place = problems.text(data, "place", required=not online, max_length=200,
                          label="Place")
    starts = problems.day(data, "starts_on", required=kind == "scheduled")
    if starts is None and kind == "ad_hoc" and not problems.fields.get("starts_on"):
        starts = today
    ends = problems.day(data, "ends_on") or starts
    if starts and ends and ends < starts:
        problems.add("ends_on", "The session must end on or after its first day.")
    capacity = problems.integer(data, "capacity", required=False, minimum=1)
    region_code = problems.text(data, "for_region", required=False, max_length=16).upper()
    region = None
    if region_code:
        region = session.scalars(select(Region).where(Region.code == region_code)).first()
        if region is None:
            problems.add("for_region", N_("No region with code %(code)s."), code=region_code)
    course = session.get(Course, course_id) if course_id else None
    if course_id and (course is None or not course.active):
        problems.add("course_id", "Choose an active course.")
    notes = problems.text(data, "notes", required=False, max_length=2000)
    problems.raise_if_any()
    assert course is not None and starts is not None and ends is not None
    row = TrainingSession(course_id=course.id, kind=kind, trainer=trainer,
                          place=place or "online", online=online, starts_on=starts,
                          ends_on=ends, capacity=capacity or 12,
                          for_region_id=region.id if region else None, notes=notes,
                          created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    audit.record(session, "training_session", row.id, "create",
                 after=audit.changes(row, SESSION_FIELDS))
    return row


def participants(session: Session, ts: TrainingSession) -> list[Participant]:
    """The participants the caller may see (other regions' are filtered by scope)."""
    rows = session.scalars(select(Participant).where(Participant.session_id == ts.id))
    return sorted(rows, key=lambda p: (p.user.display_name, p.id))


def enrolled_count(session: Session, ts: TrainingSession) -> int:
    """Seats taken across every region: capacity is the room's, not one region's (so the
    count reads the table, outside the ORM's region criteria)."""
    table = Participant.__table__
    return int(session.scalar(
        select(func.count()).select_from(table).where(table.c.session_id == ts.id)) or 0)


def technicians(session: Session) -> list[User]:
    """Active technicians the caller may see, by name."""
    users = session.scalars(select(User).where(User.active.is_(True))
                            .order_by(User.display_name, User.id))
    return [u for u in users if is_technician(u)]


def get_technician(session: Session, user_id: object) -> User:
    user = session.get(User, _int(user_id))
    if user is None:
        raise NotFound("No such technician.")
    return user


def enrol(session: Session, ts: TrainingSession, technician: User, actor: User | None
          ) -> Participant:
    if ts.cancelled:
        raise Conflict("The session is cancelled.")
    if not technician.active or not is_technician(technician):
        raise DomainError(N_("%(name)s is not an active technician."),
                          params={"name": technician.display_name}, field="user_id")
    if ts.for_region_id is not None and technician.region_id != ts.for_region_id:
        region = ts.for_region.code if ts.for_region else "?"
        raise DomainError(N_("This session is for the technicians of %(region)s."),
                          params={"region": region}, field="user_id")
    exists = session.scalars(select(Participant.id).where(
        Participant.session_id == ts.id, Participant.user_id == technician.id)).first()
    if exists is not None:
        raise Conflict(N_("%(name)s is already enrolled."),
                       params={"name": technician.display_name}, field="user_id")
    if enrolled_count(session, ts) >= ts.capacity:
        raise Conflict(N_("The session is full (%(places)d places)."),
                       params={"places": ts.capacity}, field="user_id")
    row = Participant(session_id=ts.id, user_id=technician.id, region_id=technician.region_id,
                      enrolled_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    audit.record(session, "training_participant", row.id, "enrol",
                 after={"session_id": ts.id, "user_id": technician.id},
                 region_id=technician.region_id)
    return row


def set_attendance(session: Session, ts: TrainingSession, present: set[int],
                   today: date) -> int:
    """Mark who attended; the others (visible to the caller) as absent."""
    if ts.starts_on > today:
        raise Conflict("Attendance is taken once the session has started.")
    changed = 0
    for row in participants(session, ts):
        value = row.id in present
        if row.passed is not None and not value:
            raise Conflict(N_("%(name)s has an exam result: they attended."),
                           params={"name": row.user.display_name})
        if row.attended != value:
            audit.record(session, "training_participant", row.id, "attendance",
                         before={"attended": row.attended}, after={"attended": value},
                         region_id=row.region_id)
            row.attended = value
            changed += 1
    session.flush()
    return changed


# --- results and certifications -------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    participant: Participant
    certification: Certification | None


def record_result(session: Session, ts: TrainingSession, technician: User, score: int,
                  actor: User | None, today: date, *, enrol_if_needed: bool = False
                  ) -> Result:
    """Record one exam result; a pass issues a certification. A result is final: a wrong
    one is corrected by revoking the certificate with a reason and examining again."""
    if not 0 <= score <= 100:
        raise DomainError("A score is between 0 and 100.", field="score")
    if ts.starts_on > today:
        raise Conflict("Results are recorded once the session has started.")
    row = session.scalars(select(Participant).where(
        Participant.session_id == ts.id, Participant.user_id == technician.id)).first()
    if row is None:
        if not enrol_if_needed:
            raise DomainError(N_("%(name)s is not enrolled in this session."),
                              params={"name": technician.display_name}, field="user_id")
        row = enrol(session, ts, technician, actor)
    if row.passed is not None:
        raise Conflict(N_("%(name)s already has a result (%(score)s). Correct it with a "
                          "reason, or revoke the certificate."),
                       params={"name": technician.display_name, "score": row.score})
    row.attended = True
    row.score = score
    row.passed = policy.passed(score, ts.course.pass_mark)
    row.result_at = utcnow()
    row.result_by_id = actor.id if actor else None
    session.flush()
    audit.record(session, "training_participant", row.id, "result",
                 after={"score": score, "passed": row.passed,
                        "pass_mark": ts.course.pass_mark}, region_id=row.region_id)
    cert = issue(session, row, today) if row.passed else None
    return Result(row, cert)


def correct_result(session: Session, ts: TrainingSession, participant_id: object,
                   score: object, reason: str, actor: User | None, today: date) -> Result:
    """Correct a recorded exam result with a written reason (issue 18, T-2): the score and
    the pass are replaced, the old and new values and the reason go to the audit log, and the
    certificate follows: a pass that becomes a fail revokes it (with the reason), a fail that
    becomes a pass issues one, a pass that stays a pass keeps its certificate with the new
    score. The participant row is locked, so two corrections sent at once apply in turn."""
    problems = Problems()
    reason = problems.text({"reason": reason}, "reason", max_length=400,
                           label=N_("Reason for the correction"))
    new_score = problems.integer({"score": score}, "score", minimum=0)
    if new_score is not None and new_score > 100:
        problems.add("score", N_("A score is a whole number from 0 to 100."))
    problems.raise_if_any()
    assert new_score is not None
    row = lock_row(session, Participant, _int(participant_id))
    if row is None or row.session_id != ts.id:
        raise NotFound(N_("No such participant in this session."))
    if row.passed is None or row.score is None:
        raise Conflict(N_("%(name)s has no result to correct yet."),
                       params={"name": row.user.display_name}, field="participant_id")
    if row.score == new_score:
        raise DomainError(N_("The score is already %(score)d."), params={"score": new_score},
                          field="score")
    before = {"score": row.score, "passed": row.passed}
    was_passed = row.passed
    row.score = new_score
    row.passed = policy.passed(new_score, ts.course.pass_mark)
    row.result_at = utcnow()
    row.result_by_id = actor.id if actor else None
    session.flush()
    audit.record(session, "training_participant", row.id, "result_corrected",
                 before=before, after={"score": new_score, "passed": row.passed,
                                       "pass_mark": ts.course.pass_mark, "reason": reason},
                 region_id=row.region_id)
    cert = session.scalars(select(Certification).where(
        Certification.participant_id == row.id, Certification.revoked_at.is_(None))
        .order_by(Certification.id.desc())).first()
    if was_passed and not row.passed:
        if cert is not None:
            revoke(session, cert, actor, reason)
        return Result(row, None)
    if row.passed and cert is None:
        return Result(row, issue(session, row, today))
    if cert is not None:
        audit.record(session, "training_certification", cert.id, "score_corrected",
                     before={"score": cert.score}, after={"score": new_score,
                                                          "reason": reason},
                     region_id=cert.region_id)
        cert.score = new_score
        session.flush()
    return Result(row, cert)


def _covered_models(session: Session, course: Course) -> str:
    """The models a certificate names: the course's own, plus its line's current models."""
    codes = set(course.models)
    if course.product_line:
        codes.update(session.scalars(select(ProductModel.code).where(
            ProductModel.product_line == course.product_line)))
    return ",".join(sorted(codes))


def issue(session: Session, participant: Participant, today: date) -> Certification:
    """A pass issues a certificate, valid from the last day of the session (or today, when
    the result comes earlier) for the course's validity months (P-1)."""
    ts = participant.session
    course = ts.course
    settings = settings_of(session)
    issued = min(ts.ends_on, today)
    cert = Certification(
        number=f"pending-{uuid.uuid4().hex}", user_id=participant.user_id,
        course_id=course.id, participant_id=participant.id,
        product_line=course.product_line, model_codes=_covered_models(session, course),
        score=participant.score, issued_on=issued,
        expires_on=policy.expiry_date(
            issued, course.months(
                plugin_settings(session, "training").certification_validity_months)),
        status="valid", issuer=settings.region_code, region_id=participant.region_id)
    session.add(cert)
    session.flush()
    cert.number = f"TC-{settings.region_code}-{cert.id:06d}"
    session.flush()
    audit.record(session, "training_certification", cert.id, "issue",
                 after={"number": cert.number, "user_id": cert.user_id,
                        "course": course.code, "expires_on": cert.expires_on,
                        "models": cert.model_codes}, region_id=cert.region_id)
    return cert


def get_certification(session: Session, cert_id: object) -> Certification:
    cert = session.get(Certification, _int(cert_id))
    if cert is None:
        raise NotFound("No such certificate.")
    return cert


def revoke(session: Session, cert: Certification, actor: User | None, reason: str
           ) -> Certification:
    """Withdraw a certificate with a written reason, kept in the audit log (T-2)."""
    problems = Problems()
    reason = problems.text({"reason": reason}, "reason", max_length=400, label="Reason")
    problems.raise_if_any()
    if cert.revoked_at is not None:
        raise Conflict(N_("Certificate %(number)s is already revoked."),
                       params={"number": cert.number})
    before = {"status": cert.status}
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason
    cert.revoked_by_id = actor.id if actor else None
    cert.status = "revoked"
    session.flush()
    audit.record(session, "training_certification", cert.id, "revoke", before=before,
                 after={"status": "revoked", "reason": reason, "number": cert.number},
                 region_id=cert.region_id)
    return cert


def certifications_of(session: Session, user_ids: Iterable[int]) -> dict[int, list[Certification]]:
    ids = list(set(user_ids))
    found: dict[int, list[Certification]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.scalars(select(Certification).where(Certification.user_id.in_(ids))
                           .order_by(Certification.expires_on.desc(), Certification.id.desc()))
    for cert in rows:
        found[cert.user_id].append(cert)
    return found


def expire_due(session: Session, today: date) -> list[Certification]:
    """Mark every certificate whose last valid day has passed (``aftersales tick``)."""
    due = list(session.scalars(select(Certification).where(
        Certification.status == "valid", Certification.expires_on < today)))
    for cert in due:
        audit.record(session, "training_certification", cert.id, "expire",
                     before={"status": "valid"},
                     after={"status": "expired", "expires_on": cert.expires_on},
                     region_id=cert.region_id)
    if due:
        session.execute(update(Certification)
                        .where(Certification.id.in_([c.id for c in due]))
                        .values(status="expired"), execution_options={"synchronize_session":
                                                                      "fetch"})
    session.flush()
    return due


def expiring_soon(session: Session, today: date, days: int = policy.EXPIRING_DAYS
                  ) -> list[Certification]:
    """Certificates valid today that expire within ``days``, unless renewed already (a
    later certificate of the same course for the same technician)."""
    rows = list(session.scalars(select(Certification).where(
        Certification.revoked_at.is_(None), Certification.issued_on <= today,
        Certification.expires_on >= today,
        Certification.expires_on <= today + timedelta(days=days))
        .order_by(Certification.expires_on, Certification.id)))
    if not rows:
        return []
    renewed = select(Certification.user_id, Certification.course_id).where(
        Certification.revoked_at.is_(None),
        Certification.expires_on > today + timedelta(days=days),
        Certification.user_id.in_({c.user_id for c in rows}))
    later = {(user, course) for user, course in session.execute(renewed)}
    return [c for c in rows if (c.user_id, c.course_id) not in later]


# --- the gate ---------------------------------------------------------------------------------


def model_line(session: Session, case: ServiceCase) -> str | None:
    """The product line of the case's model, or ``None`` for a model not in our catalogue."""
    if case.unit is not None and case.unit.model is not None:
        return case.unit.model.product_line
    if not case.model_code:
        return None
    return session.scalars(select(ProductModel.product_line)
                           .where(ProductModel.code == case.model_code.upper())).first()


def eligibility(session: Session, case: ServiceCase, technician_id: int,
                days: Iterable[date]) -> policy.Eligibility:
    """May this technician be dispatched for ``case`` on every one of ``days`` (P-1)?"""
    certs = certifications_of(session, [technician_id])[technician_id]
    return judge(certs, case, model_line(session, case), days)


def judge(certs: list[Certification], case: ServiceCase, line: str | None,
          days: Iterable[date]) -> policy.Eligibility:
    return policy.eligibility([c.facts() for c in certs], case.model_code, line, days)


@dataclass(frozen=True)
class Candidate:
    technician: User
    eligibility: policy.Eligibility


def candidates(session: Session, case: ServiceCase, today: date) -> list[Candidate]:
    """The service point's technicians for ``case``: eligible first (latest expiry first),
    then the others with the reason they cannot be chosen (P-1)."""

    techs = technicians_for(session, case)
    held = certifications_of(session, [t.id for t in techs])
    line = model_line(session, case)
    found = [Candidate(t, judge(held[t.id], case, line, [today]))
             for t in techs]
    return sorted(found, key=lambda c: (
        not c.eligibility.eligible,
        -(c.eligibility.certificate.expires_on.toordinal()
          if c.eligibility.certificate else 0),
        c.technician.display_name))


def dispatch_days(session: Session, payload: dict[str, Any], today: date) -> list[date]:
    """Today and, for an on-site visit (P-7), each day of its time window."""
    days = [today]
    if payload.get("onsite"):
        for key in ("onsite_from", "onsite_to"):
            moment = payload.get(key)
            if isinstance(moment, datetime):
                days.append(local_day(session, moment))
    return days
