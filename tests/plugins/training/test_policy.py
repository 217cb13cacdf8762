"""The pure rules of P-1: validity (the last day counts), expiry with clamped months,
coverage by line or model, who may be dispatched and why not, and what to renew."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.training import policy
from plugins.training.policy import Cert

D = date(2026, 3, 10)


def cert(number: str = "TC-HQ-000001", *, line: str = "amplifier", models: str = "",
         issued: date = D, expires: date | None = None, revoked: bool = False,
         course: str = "AMP-101", reason: str = "") -> Cert:
    return Cert(number=number, course_code=course, product_line=line,
                model_codes=frozenset(m for m in models.split(",") if m),
                issued_on=issued, expires_on=expires or policy.expiry_date(issued, 24),
                revoked=revoked, revoked_reason=reason)


@pytest.mark.parametrize(("issued", "months", "expires"), [
    (date(2024, 2, 29), 24, date(2026, 2, 28)),
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 11, 25), 24, date(2028, 11, 25)),
    (date(2026, 12, 15), 13, date(2028, 1, 15)),
])
def test_expiry_adds_months_clamped_to_month_end(issued: date, months: int,
                                                 expires: date) -> None:
    assert policy.expiry_date(issued, months) == expires


def test_expiry_needs_at_least_a_month() -> None:
    with pytest.raises(ValueError):
        policy.expiry_date(D, 0)


def test_valid_from_issue_through_the_last_day() -> None:
    c = cert(expires=date(2026, 6, 30))
    assert not policy.valid_on(c, D - timedelta(days=1))
    assert policy.valid_on(c, D)
    assert policy.valid_on(c, date(2026, 6, 30))
    assert not policy.valid_on(c, date(2026, 7, 1))


def test_revoked_is_never_valid() -> None:
    assert not policy.valid_on(cert(revoked=True), D + timedelta(days=5))


def test_coverage_by_line_or_by_model() -> None:
    line = cert(line="amplifier")
    assert policy.covers(line, "PA2400", "amplifier")
    assert not policy.covers(line, "MX12", "mixer")
    assert not policy.covers(line, "OTHER", None)
    models = cert(line="", models="MX12,MX16")
    assert policy.covers(models, "mx12", "mixer")
    assert not policy.covers(models, "MX24", "mixer")


def test_pass_mark_is_inclusive() -> None:
    assert policy.passed(60, 60) and not policy.passed(59, 60)


def test_eligible_picks_the_latest_covering_certificate() -> None:
    older = cert("TC-HQ-000001", expires=D + timedelta(days=100))
    newer = cert("TC-HQ-000002", issued=D + timedelta(days=1))
    other = cert("TC-HQ-000003", line="mixer", issued=D + timedelta(days=2))
    result = policy.eligibility([older, newer, other], "PA2400", "amplifier",
                                [D + timedelta(days=10)])
    assert result.eligible and result.certificate == newer
    assert result.clauses == ("P-1",)
    assert result.message.startswith("certified by TC-HQ-000002 until ")


@pytest.mark.parametrize(("certs", "days", "code", "text"), [
    ([], [D], "none", "no certification at all"),
    ([cert(line="mixer")], [D], "not_covered",
     "no certificate covers model PA2400 (certified for: mixer)"),
    ([cert(expires=D - timedelta(days=1))], [D], "expired",
     f"expired on {D - timedelta(days=1)}"),
    ([cert(revoked=True, reason="cheated")], [D], "revoked", "was revoked (cheated)"),
    ([cert(issued=D + timedelta(days=3))], [D], "not_yet",
     f"valid only from {D + timedelta(days=3)}"),
    ([cert(expires=D + timedelta(days=2))], [D, D + timedelta(days=5)], "expires_before",
     f"expires on {D + timedelta(days=2)}, before {D + timedelta(days=5)}"),
])
def test_reasons_name_what_is_missing(certs: list[Cert], days: list[date], code: str,
                                      text: str) -> None:
    result = policy.eligibility(certs, "PA2400", "amplifier", days)
    assert not result.eligible
    assert result.code == code
    assert text in result.message


def test_a_revoked_newer_certificate_does_not_hide_a_valid_older_one() -> None:
    good = cert("TC-HQ-000001")
    bad = cert("TC-HQ-000002", issued=D + timedelta(days=1), revoked=True)
    assert policy.eligibility([good, bad], "PA2400", "amplifier", [D + timedelta(days=3)]
                              ).eligible


def test_revoked_newest_explains_with_the_older_expiry() -> None:
    old = cert("TC-HQ-000001", expires=D - timedelta(days=5))
    bad = cert("TC-HQ-000002", issued=D - timedelta(days=3), revoked=True)
    result = policy.eligibility([old, bad], "PA2400", "amplifier", [D])
    assert result.code == "expired" and result.params["number"] == "TC-HQ-000001"


def test_a_model_outside_the_catalogue_needs_any_valid_certificate() -> None:
    assert policy.eligibility([cert(line="mixer")], "OTHER-AMP", None, [D]).eligible
    assert policy.eligibility([], "OTHER-AMP", None, [D]).code == "none"


def test_on_post() -> None:
    assert policy.on_post([cert()], D)
    assert not policy.on_post([cert(revoked=True)], D)
    assert not policy.on_post([], D)


def test_renewals_list_the_latest_per_course_within_the_window() -> None:
    today = date(2026, 11, 25)
    soon = cert("TC-1", issued=date(2024, 12, 1))  # expires 2026-12-01
    renewed_old = cert("TC-2", course="MIX-101", line="mixer", issued=date(2024, 12, 1))
    renewed_new = cert("TC-3", course="MIX-101", line="mixer", issued=date(2026, 11, 1))
    gone = cert("TC-4", course="MIC-101", line="microphone", issued=date(2023, 1, 1))
    far = cert("TC-5", course="DSP-201", issued=date(2026, 1, 1))
    found = policy.renewals([soon, renewed_old, renewed_new, gone, far], today)
    assert [(r.course_code, r.number, r.expired) for r in found] == [
        ("MIC-101", "TC-4", True), ("AMP-101", "TC-1", False)]
    assert found[1].days_left == 6


def test_expiring_within_thirty_days() -> None:
    today = date(2026, 11, 25)
    assert policy.expiring(cert(expires=today + timedelta(days=30), issued=date(2025, 1, 1)),
                           today)
    assert not policy.expiring(cert(expires=today + timedelta(days=31),
                                    issued=date(2025, 1, 1)), today)
    assert not policy.expiring(cert(expires=today - timedelta(days=1),
                                    issued=date(2025, 1, 1)), today)


def test_status_for_display() -> None:
    c = cert(expires=date(2026, 6, 30))
    assert policy.status(c, D - timedelta(days=1)) == "pending"
    assert policy.status(c, D) == "valid"
    assert policy.status(c, date(2026, 7, 1)) == "expired"
    assert policy.status(cert(revoked=True), D) == "revoked"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=1, max_value=240))
def test_a_certificate_holds_from_issue_through_expiry_and_not_a_day_more(
        issued: date, months: int) -> None:
    c = cert(issued=issued, expires=policy.expiry_date(issued, months))
    assert c.expires_on > issued
    assert policy.valid_on(c, issued) and policy.valid_on(c, c.expires_on)
    assert not policy.valid_on(c, c.expires_on + timedelta(days=1))
    assert (c.expires_on.year - issued.year) * 12 + c.expires_on.month - issued.month == months
