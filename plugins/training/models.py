"""Training records (P-1, O-3): courses, sessions, participants with their exam results, and
the certifications a pass issues.

Region scope: courses and sessions are HQ's published training calendar (O-3, O-4) and carry
no personal data, so every region sees them. Who takes part, their results and their
certifications are the technician's region's records (``RegionScoped``): a regional user never
sees another region's technicians, not even in the participant list of a shared session.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.plugin_api import Base, Region, RegionScoped, User, UTCDateTime, utcnow
from plugins.training import policy

SESSION_KINDS = ("scheduled", "ad_hoc")
CERT_STATUSES = ("valid", "expired", "revoked")


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(sorted({c.strip().upper() for c in text.split(",") if c.strip()}))


class Course(Base):
    """A course for a product line or a set of models, with a pass mark and a validity
    period (months; ``None`` means the instance setting ``certification_validity_months``)."""

    __tablename__ = "training_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    title_zh: Mapped[str] = mapped_column(String(160), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: The product line covered ("amplifier"...), or "" when the course names its models.
    product_line: Mapped[str] = mapped_column(String(32), default="")
    #: Comma-separated model codes covered in addition to (or instead of) the line.
    model_codes: Mapped[str] = mapped_column(String(1000), default="")
    pass_mark: Mapped[int] = mapped_column(default=60)
    validity_months: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def models(self) -> tuple[str, ...]:
        return split_codes(self.model_codes)

    def months(self, default: int) -> int:
        return self.validity_months or default


class TrainingSession(Base):
    """One sitting of a course: scheduled or ad hoc, with a trainer, a place (or online),
    dates and a capacity. ``for_region_id`` limits enrolment to one region's technicians;
    ``None`` is open to every region (HQ's own sessions)."""

    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_starts_on", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="scheduled")
    trainer: Mapped[str] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(default=False)
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    capacity: Mapped[int] = mapped_column(default=12)
    for_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    for_region: Mapped[Region | None] = relationship(lazy="joined")


class Participant(RegionScoped, Base):
    """A technician enrolled in a session: attendance and the exam result (score, pass or
    fail). ``region_id`` is the technician's region."""

    __tablename__ = "training_participant"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: None until attendance is taken.
    attended: Mapped[bool | None] = mapped_column()
    score: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    session: Mapped[TrainingSession] = relationship(lazy="joined")


class Certification(RegionScoped, Base):
    """What a pass issues (P-1): a unique certificate number, the models covered and the
    expiry. Revocation keeps the row with its reason (T-2). ``region_id`` is the technician's.

    ``status`` is what ``aftersales tick`` last marked; whether a certificate is valid on a
    day is always decided from the dates and the revocation (``policy.valid_on``)."""

    __tablename__ = "training_certification"
    __table_args__ = (
        Index("ix_training_certification_user_expires", "user_id", "expires_on"),
        Index("ix_training_certification_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("training_participant.id"))
    product_line: Mapped[str] = mapped_column(String(32), default="")
    model_codes: Mapped[str] = mapped_column(String(1000), default="")
    score: Mapped[int | None] = mapped_column()
    issued_on: Mapped[date] = mapped_column()
    expires_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="valid")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str] = mapped_column(String(400), default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The instance that issued it (its region code) and whether it came by import.
    issuer: Mapped[str] = mapped_column(String(16), default="")
    imported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    course: Mapped[Course] = relationship(lazy="joined")

    @property
    def models(self) -> tuple[str, ...]:
        return split_codes(self.model_codes)

    def facts(self) -> policy.Cert:
        return policy.Cert(
            number=self.number, course_code=self.course.code if self.course else "",
            product_line=self.product_line, model_codes=frozenset(self.models),
            issued_on=self.issued_on, expires_on=self.expires_on,
            revoked=self.revoked_at is not None, revoked_reason=self.revoked_reason)


class TrustedKey(Base):
    """A public key whose signed certification exports this instance accepts (HQ's key on a
    regional instance). Added by hand after checking its fingerprint with HQ."""

    __tablename__ = "training_trusted_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
