"""Questionnaires with versions (F-1, issue 16 item 1).

A questionnaire's questions live in versions. A new version starts as a copy of the current
one (a draft), is edited, and is published with a confirmation; a published version never
changes again, so a survey keeps the version it was sent with and its answers stay answers
to those questions. The latest published version of ``default`` is the one sent.

The report's CSAT and NPS come from the questions of kind ``csat`` and ``nps``; a version has
at most one of each so that a survey has one CSAT and one NPS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.plugin_api import (
    N_,
    Conflict,
    NotFound,
    Problems,
    User,
    audit,
    lock_row,
    utcnow,
)
from plugins.feedback.models import Question, Questionnaire, QuestionnaireVersion, Survey

DEFAULT = "default"
KINDS = ("csat", "nps", "choice", "text")
#: the score range of each scored kind (both ends included)
RANGES = {"csat": (1, 5), "nps": (0, 10)}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_QUESTIONS = 20
#: blank rows offered under a draft's questions, to add questions
BLANK_ROWS = 2


def default_questionnaire(session: Session) -> Questionnaire:
    found = session.scalars(select(Questionnaire).where(Questionnaire.code == DEFAULT)).first()
    if found is None:  # migration f0008 makes it; a missing one is a broken install
        raise NotFound(N_("No questionnaire is set up."))
    return found


def current_version(session: Session, questionnaire_id: int | None = None
                    ) -> QuestionnaireVersion:
    """The latest published version: the one a survey is sent with."""
    qid = questionnaire_id or default_questionnaire(session).id
    found = session.scalars(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == qid,
        QuestionnaireVersion.state == "published")
        .order_by(QuestionnaireVersion.number.desc())).first()
    if found is None:
        raise NotFound(N_("No questionnaire is set up."))
    return found


def get_version(session: Session, version_id: int) -> QuestionnaireVersion:
    found = session.get(QuestionnaireVersion, version_id)
    if found is None:
        raise NotFound(N_("No such questionnaire version."))
    return found


def versions(session: Session, questionnaire_id: int) -> list[dict[str, Any]]:
    """Each version, newest first, with how many surveys were sent with it (one query)."""
    sent = dict(session.execute(
        select(Survey.version_id, func.count(Survey.id)).group_by(Survey.version_id)).all())
    rows = session.scalars(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .options(selectinload(QuestionnaireVersion.questions))
        .order_by(QuestionnaireVersion.number.desc()))
    return [{"version": v, "sent": int(sent.get(v.id, 0))} for v in rows]


def new_draft(session: Session, actor: User | None) -> QuestionnaireVersion:
    """A draft copy of the current version of ``default``, or the draft already open (one
    draft at a time: the questionnaire row is locked, so two clicks make one)."""
    questionnaire = lock_row(session, Questionnaire, default_questionnaire(session).id)
    assert questionnaire is not None
    draft = session.scalars(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id,
        QuestionnaireVersion.state == "draft")).first()
    if draft is not None:
        return draft
    current = current_version(session, questionnaire.id)
    number = (session.scalar(select(func.max(QuestionnaireVersion.number)).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id)) or 0) + 1
    draft = QuestionnaireVersion(questionnaire_id=questionnaire.id, number=number,
                                 state="draft", created_by_id=actor.id if actor else None)
    draft.questions = [Question(position=q.position, key=q.key, kind=q.kind,
                                required=q.required, text_en=q.text_en, text_zh=q.text_zh,
                                choices=list(q.choices or []) or None)
                       for q in current.questions]
    session.add(draft)
    session.flush()
    audit.record(session, "feedback_questionnaire_version", draft.id, "draft",
                 after={"number": number, "from": current.number})
    return draft


@dataclass
class QuestionForm:
    """One question as the draft form gives it (also the form's values when it comes back
    with errors)."""

    key: str = ""
    kind: str = "text"
    required: bool = False
    text_en: str = ""
    text_zh: str = ""
    choices_en: str = ""
    choices_zh: str = ""


def form_rows(version: QuestionnaireVersion) -> list[QuestionForm]:
    rows = [QuestionForm(q.key, q.kind, q.required, q.text_en, q.text_zh,
                         "\n".join(c.get("en", "") for c in q.choices or []),
                         "\n".join(c.get("zh", "") for c in q.choices or []))
            for q in version.questions]
    return rows + [QuestionForm() for _ in range(BLANK_ROWS)]


def read_form(data: dict[str, Any]) -> tuple[list[QuestionForm], Problems]:
    """The draft form's rows (``q-<n>-<field>``, ``count`` rows), blank and removed rows
    left out, each checked; problems are named by their row's fields."""
    problems = Problems()
    try:
        count = min(int(str(data.get("count") or "0")), MAX_QUESTIONS + BLANK_ROWS)
    except ValueError:
        count = 0
    rows: list[QuestionForm] = []
    seen: dict[str, int] = {}
    scored: dict[str, int] = {}
    for n in range(count):
        p = f"q-{n}-"
        if str(data.get(p + "remove") or "") in ("on", "1", "yes"):
            continue
        texts = [str(data.get(p + f) or "").strip() for f in ("key", "text_en", "text_zh")]
        if not any(texts):
            continue  # a blank row
        row = QuestionForm(
            key=problems.text(data, p + "key", max_length=32, label=N_("Key")).lower(),
            kind=problems.choice(data, p + "kind", KINDS),
            required=problems.boolean(data, p + "required", False),
            text_en=problems.text(data, p + "text_en", max_length=300,
                                  label=N_("Question in English")),
            text_zh=problems.text(data, p + "text_zh", max_length=300,
                                  label=N_("Question in Chinese")),
            choices_en=problems.text(data, p + "choices_en", required=False, max_length=2000),
            choices_zh=problems.text(data, p + "choices_zh", required=False, max_length=2000))
        if row.key and not KEY_RE.match(row.key):
            problems.add(p + "key", N_("A key is a lower-case word: letters, digits and _."))
        elif row.key in seen:
            problems.add(p + "key", N_("Two questions cannot have the same key."))
        seen.setdefault(row.key, n)
        if row.kind in RANGES:
            if row.kind in scored:
                problems.add(p + "kind", N_("A questionnaire has at most one %(kind)s "
                                            "question: the report's score."),
                             kind=row.kind.upper())
            scored[row.kind] = n
        if row.kind == "choice":
            en, zh = _lines(row.choices_en), _lines(row.choices_zh)
            if len(en) < 2:
                problems.add(p + "choices_en", N_("A choice needs at least two options, "
                                                  "one a line."))
            elif len(en) != len(zh):
                problems.add(p + "choices_zh", N_("Give each option in Chinese too, in the "
                                                  "same order."))
        rows.append(row)
    if not rows:
        problems.add("count", N_("A questionnaire needs at least one question."))
    elif len(rows) > MAX_QUESTIONS:
        problems.add("count", N_("At most %(n)s questions."), n=MAX_QUESTIONS)
    return rows, problems


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _lock_draft(session: Session, version_id: int) -> QuestionnaireVersion:
    version = lock_row(session, QuestionnaireVersion, version_id)
    if version is None:
        raise NotFound(N_("No such questionnaire version."))
    if version.state != "draft":
        raise Conflict(N_("Version %(number)s is published: it cannot change. Start a new "
                          "version instead."), params={"number": version.number},
                       code="published")
    return version


def save_draft(session: Session, version_id: int, data: dict[str, Any],
               actor: User | None) -> QuestionnaireVersion:
    """Replace the draft's questions with the form's (all checked first: nothing is saved
    when one is wrong)."""
    version = _lock_draft(session, version_id)
    rows, problems = read_form(data)
    problems.raise_if_any()
    version.questions.clear()
    session.flush()  # the old rows go before the new take their keys
    version.questions.extend(
        Question(position=n, key=r.key, kind=r.kind, required=r.required,
                 text_en=r.text_en, text_zh=r.text_zh,
                 choices=[{"en": e, "zh": z} for e, z in zip(
                     _lines(r.choices_en), _lines(r.choices_zh), strict=True)]
                 if r.kind == "choice" else None)
        for n, r in enumerate(rows, 1))
    session.flush()
    audit.record(session, "feedback_questionnaire_version", version.id, "save",
                 after={"questions": [r.key for r in rows]})
    return version


def publish(session: Session, version_id: int, data: dict[str, Any], actor: User | None
            ) -> QuestionnaireVersion:
    """Publish the draft as saved (after a confirmation): from now on surveys are sent
    with it, and it never changes again."""
    version = _lock_draft(session, version_id)
    problems = Problems()
    if str(data.get("confirm") or "") not in ("on", "yes", "1"):
        problems.add("confirm", N_("Tick the box to confirm: a published version cannot be "
                                   "changed."))
    if not version.questions:
        problems.add("count", N_("A questionnaire needs at least one question."))
    problems.raise_if_any()
    version.state, version.published_at = "published", utcnow()
    session.flush()
    audit.record(session, "feedback_questionnaire_version", version.id, "publish",
                 after={"number": version.number})
    return version


def discard(session: Session, version_id: int, actor: User | None) -> None:
    """Throw a draft away (a published version stays forever)."""
    version = _lock_draft(session, version_id)
    audit.record(session, "feedback_questionnaire_version", version.id, "discard",
                 before={"number": version.number})
    session.delete(version)
    session.flush()


# --- answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """One question's answer as the customer gave it: a score (or a choice's index) or text."""

    question: Question
    score: int | None
    text: str


def read_answers(version: QuestionnaireVersion, data: dict[str, Any]
                 ) -> tuple[list[Given], Problems]:
    """The answers to the version's questions from the form (field = the question's key),
    checked: scores in their range, a choice one of its options, required ones given."""
    problems = Problems()
    given: list[Given] = []
    for q in version.questions:
        raw = data.get(q.key)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            if q.required:
                problems.add(q.key, N_("Please answer this question."))
            continue
        if q.kind == "text":
            text = problems.text(data, q.key, required=False, max_length=4000)
            if text:
                given.append(Given(q, None, text))
            continue
        number = problems.integer(data, q.key, required=q.required)
        if number is None:
            continue
        low, high = RANGES.get(q.kind, (0, len(q.choices or []) - 1))
        if not low <= number <= high:
            if q.kind == "csat":
                problems.add(q.key, N_("Choose 1 to 5."))
            elif q.kind == "nps":
                problems.add(q.key, N_("Choose 0 to 10."))
            else:
                problems.add(q.key, N_("Choose one of the options."))
            continue
        given.append(Given(q, number, ""))
    return given, problems


def headline(given: list[Given]) -> tuple[int | None, int | None, str]:
    """(CSAT, NPS, comment) of an answer: its CSAT and NPS questions' scores and its first
    text answer, copied onto the survey for lists, call backs and the timeline."""
    csat = next((g.score for g in given if g.question.kind == "csat"), None)
    nps = next((g.score for g in given if g.question.kind == "nps"), None)
    comment = next((g.text for g in given if g.question.kind == "text"), "")
    return csat, nps, comment
