"""Feedback records (F-1..3, T-3, W-5, O-4).

Region scope: complaints, surveys, follow-up visits and consultations are a region's dealings
with its customers (``RegionScoped``): a regional user never sees another region's. The
departments, the routing rules and the service bulletins are HQ's organisation and published
notices (O-4), the same for every region.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.plugin_api import Base, Customer, RegionScoped, ServiceCase, User, UTCDateTime, utcnow


class Department(Base):
    """Who handles a kind of complaint (F-2), with its head (escalations go to them) and
    its SLA in working hours."""

    __tablename__ = "feedback_department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120), default="")
    head_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    first_response_hours: Mapped[int] = mapped_column(default=8)
    resolution_hours: Mapped[int] = mapped_column(default=40)
    active: Mapped[bool] = mapped_column(default=True)

    head: Mapped[User | None] = relationship(lazy="joined")

    def label(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" and self.name_zh else self.name


class RoutingRule(Base):
    """Topic, product line and region (each optional) → department; see ``policy.route``."""

    __tablename__ = "feedback_routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("feedback_department.id"))
    topic: Mapped[str] = mapped_column(String(32), default="")
    product_line: Mapped[str] = mapped_column(String(32), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    position: Mapped[int] = mapped_column(default=0)


class Complaint(RegionScoped, Base):
    """A complaint or suggestion (F-2, F-3), tracked to a reply and a close."""

    __tablename__ = "feedback_complaint"
    __table_args__ = (
        Index("ix_feedback_complaint_region_state", "region_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="complaint")
    channel: Mapped[str] = mapped_column(String(16), default="desk")
    topic: Mapped[str] = mapped_column(String(32), default="other")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    model_code: Mapped[str] = mapped_column(String(32), default="")
    contact_name: Mapped[str] = mapped_column(String(160))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(160), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    department_id: Mapped[int] = mapped_column(ForeignKey("feedback_department.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16), default="new")
    first_response_due: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A failed SLA stays failed, whatever happens later.
    response_failed: Mapped[bool] = mapped_column(default=False)
    resolution_failed: Mapped[bool] = mapped_column(default=False)
    #: The SLA clock stands still while the complaint waits for the customer (gap 8): since
    #: when, and how many working minutes it stood still in all (the dues moved by as much).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_minutes: Mapped[int] = mapped_column(default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id],
                                                     lazy="joined")
    customer: Mapped[Customer | None] = relationship(lazy="joined")
    case: Mapped[ServiceCase | None] = relationship(lazy="joined")

    @property
    def reference(self) -> str:
        return f"FB-{self.id:06d}"


class Questionnaire(Base):
    """A satisfaction questionnaire (F-1), the same for every region; what it asks lives in
    its versions. ``default`` is the one sent after a case closes and in campaigns."""

    __tablename__ = "feedback_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def label(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" and self.name_zh else self.name


class QuestionnaireVersion(Base):
    """One version of a questionnaire: a draft while it is edited, then published and never
    changed again (a survey keeps the version it was sent with, and its answers point at that
    version's questions). The latest published version is the one sent."""

    __tablename__ = "feedback_questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("feedback_questionnaire.id"))
    number: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(lazy="joined")
    #: loaded when read (a survey joins its version for every list; few need the questions)
    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", lazy="select", cascade="all, delete-orphan")


class Question(Base):
    """A question of a version: a 0-10 score (``nps``: the report's NPS), a 1-5 score
    (``csat``: the report's CSAT), a ``choice`` of options, or free ``text``; in English and
    Chinese. ``key`` names the form field and stays the same from version to version."""

    __tablename__ = "feedback_question"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("feedback_questionnaire_version.id"),
                                            index=True)
    position: Mapped[int] = mapped_column()
    key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    required: Mapped[bool] = mapped_column(default=True)
    text_en: Mapped[str] = mapped_column(String(300))
    text_zh: Mapped[str] = mapped_column(String(300))
    #: a choice question's options: ``[{"en": ..., "zh": ...}, ...]``; the answer is the index
    choices: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)

    def text(self, locale: str) -> str:
        return self.text_zh if locale == "zh_CN" and self.text_zh else self.text_en

    def options(self, locale: str) -> list[str]:
        return [(c.get("zh") if locale == "zh_CN" and c.get("zh") else c.get("en", ""))
                for c in (self.choices or [])]


class SurveyAnswer(Base):
    """The answer to one question of the survey's version: a score (0-10, 1-5, or a choice's
    index) or text. Region scope comes through the survey."""

    __tablename__ = "feedback_survey_answer"
    __table_args__ = (UniqueConstraint("survey_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("feedback_survey.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("feedback_question.id"), index=True)
    score: Mapped[int | None] = mapped_column()
    text: Mapped[str] = mapped_column(Text, default="")


class Survey(RegionScoped, Base):
    """A satisfaction survey sent after a case closed (F-1), answered once through its
    single-use link. The answer is tagged with what it is about (service point, technician,
    model, the warranty class) so the report can tell them apart."""

    __tablename__ = "feedback_survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    model_code: Mapped[str] = mapped_column(String(32), default="")
    coverage_class: Mapped[str] = mapped_column(String(1), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The answer's headline for lists, call backs and the timeline, copied from the answers
    #: to the version's CSAT and NPS questions and its first text question when answered
    #: (the report sums ``SurveyAnswer`` rows by question kind in SQL).
    csat: Mapped[int | None] = mapped_column()
    nps: Mapped[int | None] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    callback_needed: Mapped[bool] = mapped_column(default=False)
    #: The questionnaire version it was sent with (F-1): its questions, whatever came later.
    #: Nullable in the schema only (SQLite adds a referencing column in place that way); the
    #: code always sets it and migration f0008 set it on every survey sent before.
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_questionnaire_version.id"), index=True)

    case: Mapped[ServiceCase] = relationship(lazy="joined")
    version: Mapped[QuestionnaireVersion] = relationship(lazy="joined")


class FollowUp(RegionScoped, Base):
    """A follow-up visit after a case closed (T-3): due on a day, done by phone or on site."""

    __tablename__ = "feedback_followup"
    __table_args__ = (
        UniqueConstraint("case_id", "days"),
        Index("ix_feedback_followup_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"))
    days: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column()
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(8), default="due")
    method: Mapped[str] = mapped_column(String(8), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"))

    case: Mapped[ServiceCase] = relationship(foreign_keys=[case_id], lazy="joined")
    technician: Mapped[User | None] = relationship(foreign_keys=[technician_id],
                                                   lazy="joined")


class Consultation(RegionScoped, Base):
    """Free advice on using a product (W-5): logged by topic and model, never charged."""

    __tablename__ = "feedback_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    contact_name: Mapped[str] = mapped_column(String(160))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    model_code: Mapped[str] = mapped_column(String(32), default="")
    #: The unit asked about, when the customer gave its body code: on its timeline (T-1).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    topic: Mapped[str] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bulletin(Base):
    """A service bulletin HQ publishes to the network (O-4): a known fault, its fix, or a
    precaution (usage note, W-5) for a model, optionally for units made in a date range."""

    __tablename__ = "feedback_bulletin"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="fault")
    model_code: Mapped[str] = mapped_column(String(32), index=True)
    made_from: Mapped[date | None] = mapped_column()
    made_to: Mapped[date | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def covers(self, model_code: str, made_on: date | None) -> bool:
        if self.model_code != model_code:
            return False
        if made_on is None:
            return True
        return ((self.made_from is None or made_on >= self.made_from)
                and (self.made_to is None or made_on <= self.made_to))


class BulletinAck(RegionScoped, Base):
    """A service point's acknowledgement of a bulletin (O-4: HQ knows who has read it)."""

    __tablename__ = "feedback_bulletin_ack"
    __table_args__ = (UniqueConstraint("bulletin_id", "service_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("feedback_bulletin.id"))
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    acked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublicWindow(Base):
    """How many messages one client address sent through the public pages (the complaint
    form, survey answers) in one fixed window of ``public_window_minutes`` (gap 9). The count
    is taken by one atomic upsert that only adds while below the limit, so a parallel flood
    gets exactly the limit through (issue 16 item 3). Finished windows are forgotten by the
    ``feedback.public_windows`` job."""

    __tablename__ = "feedback_public_window"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True, index=True)
    count: Mapped[int] = mapped_column(default=0)


class Callback(RegionScoped, Base):
    """A call back to a customer who gave a low score (F-1, gap 2): opened when the survey is
    answered, owned by the service point's supervisor (else the case's technician), due on a
    working day, done with a note of what was said."""

    __tablename__ = "feedback_callback"
    __table_args__ = (Index("ix_feedback_callback_state_due", "state", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("feedback_survey.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_point.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(8), default="open")
    due_on: Mapped[date] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    survey: Mapped[Survey] = relationship(lazy="joined")
    case: Mapped[ServiceCase] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id], lazy="joined")
