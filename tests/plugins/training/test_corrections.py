"""Issue 18, item 5: a wrong exam score is corrected with a reason, kept in the audit log;
the certificate follows the corrected result (revoked with the reason, issued, or kept with
the new score); the form says what is wrong, in Chinese too; only training.manage may."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import AuditEvent, User
from plugins.training.models import Certification, Participant
from tests.plugins.training.helpers import course, session_of, user_id
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["training"])


def _with_results(h: Harness) -> tuple[int, dict[str, int]]:
    sid = session_of(h, course(h, "AMP-101", pass_mark=70))
    manager = h.client("hq-manager")
    for login in ("hq-tech", "east-tech"):
        manager.form(f"/training/sessions/{sid}/enrol", {"user_id": str(user_id(h, login))})
    with h.session() as session:
        rows = {p.user.login: p.id for p in session.scalars(select(Participant))}
    done = manager.form(f"/training/sessions/{sid}/results", {
        f"score_{rows['hq-tech']}": "88", f"score_{rows['east-tech']}": "65"})
    assert done.status_code == 200, done.text
    return sid, rows


def _correct(h: Harness, sid: int, pid: int, score: str, reason: str,
             login: str = "hq-manager") -> object:
    return h.client(login).form(f"/training/sessions/{sid}/results/correct",
                                {"participant_id": str(pid), "score": score,
                                 "reason": reason}, follow_redirects=False)


def test_corrections_with_a_reason_are_audited_and_the_certificate_follows(h: Harness
                                                                           ) -> None:
    sid, rows = _with_results(h)
    page = h.client("hq-manager").get(f"/training/sessions/{sid}").text
    assert 'id="correct-result"' in page and "Reason for the correction" in page
    # a fail that was a pass by a wrong score: the pass is issued a certificate
    fixed = _correct(h, sid, rows["east-tech"], "75", "Marked page 3 twice")
    assert fixed.status_code == 303, fixed.text
    # a pass that becomes a fail: the certificate is revoked with the reason
    assert _correct(h, sid, rows["hq-tech"], "58", "Wrong sheet scored").status_code == 303
    with h.session() as session:
        by_login = {p.user.login: p for p in session.scalars(select(Participant))}
        assert (by_login["east-tech"].score, by_login["east-tech"].passed) == (75, True)
        assert (by_login["hq-tech"].score, by_login["hq-tech"].passed) == (58, False)
        certs = {c.user.login: c for c in session.scalars(select(Certification))}
        assert certs["east-tech"].revoked_at is None and certs["east-tech"].score == 75
        assert certs["hq-tech"].status == "revoked"
        assert certs["hq-tech"].revoked_reason == "Wrong sheet scored"
        audits = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "result_corrected").order_by(AuditEvent.id)))
        assert [(a.before["score"], a.after["score"], a.after["reason"]) for a in audits] \
            == [(65, 75, "Marked page 3 twice"), (88, 58, "Wrong sheet scored")]
        manager_id = session.scalars(select(User.id).where(User.login == "hq-manager")).one()
        assert all(a.user_id == manager_id for a in audits)
    # a pass that stays a pass keeps its certificate with the new score
    assert _correct(h, sid, rows["east-tech"], "90", "Bonus question").status_code == 303
    with h.session() as session:
        cert = session.scalars(select(Certification).where(
            Certification.participant_id == rows["east-tech"])).one()
        assert cert.score == 90 and cert.revoked_at is None


def test_a_correction_needs_a_reason_a_score_and_a_result(h: Harness) -> None:
    sid, rows = _with_results(h)
    no_reason = _correct(h, sid, rows["hq-tech"], "80", " ")
    assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.text
    bad_score = _correct(h, sid, rows["hq-tech"], "101", "typo")
    assert bad_score.status_code == 400 and "0 to 100" in bad_score.text
    same = _correct(h, sid, rows["hq-tech"], "88", "typo")
    assert same.status_code == 400 and "The score is already 88." in same.text
    other = session_of(h, course(h, "MIX-1", line="mixer"))
    elsewhere = _correct(h, other, rows["hq-tech"], "80", "typo")
    assert elsewhere.status_code == 404
    assert _correct(h, sid, rows["hq-tech"], "80", "typo",
                    login="hq-supervisor").status_code == 403
    with h.session() as session:
        assert session.get(Participant, rows["hq-tech"]).score == 88
    # in Chinese
    manager = h.client("hq-manager")
    manager.form("/language", {"locale": "zh_CN", "next": "/"})
    zh = manager.form(f"/training/sessions/{sid}/results/correct", {
        "participant_id": str(rows["hq-tech"]), "score": "88", "reason": "x"})
    assert zh.status_code == 400 and "分数已经是 88。" in zh.text
    assert "更正成绩" in manager.get(f"/training/sessions/{sid}").text
