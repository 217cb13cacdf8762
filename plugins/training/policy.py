"""Pure rules of P-1: when a certification is valid, what it covers, who may be dispatched,
and what a technician should renew. No database, no clock: callers pass the day.

A certificate is valid from its issue date through its expiry date (the last day counts, as
for the warranty, W-2); expiry is the issue date plus the validity months, clamped to the end
of a shorter month (2024-02-29 + 24 months = 2026-02-28). A revoked certificate is never
valid. A certificate covers a model when it names the model or the model's product line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.plugin_api import add_months

CLAUSE = "P-1"
#: A certificate expiring within this many days is listed as "to renew".
RENEW_WINDOW_DAYS = 60
#: The dashboard lists certificates expiring within this many days.
EXPIRING_DAYS = 30


def expiry_date(issued_on: date, months: int) -> date:
    """The last day a certificate issued on ``issued_on`` is valid."""
    if months < 1:
        raise ValueError("a certification is valid for at least one month")
    return add_months(issued_on, months)


def passed(score: int, pass_mark: int) -> bool:
    return score >= pass_mark


@dataclass(frozen=True)
class Cert:
    """What the rules need to know about one certification."""

    number: str
    course_code: str
    product_line: str
    model_codes: frozenset[str]
    issued_on: date
    expires_on: date
    revoked: bool = False
    revoked_reason: str = ""


def valid_on(cert: Cert, day: date) -> bool:
    return not cert.revoked and cert.issued_on <= day <= cert.expires_on


def status(cert: Cert, day: date) -> str:
    """What to show: "revoked", "valid" on ``day``, "expired" after the last day, or
    "pending" before the issue date."""
    if cert.revoked:
        return "revoked"
    if valid_on(cert, day):
        return "valid"
    return "expired" if cert.expires_on < day else "pending"


def covers(cert: Cert, model_code: str, product_line: str | None) -> bool:
    """The certificate names the model, or its product line is the model's line."""
    if model_code and model_code.upper() in cert.model_codes:
        return True
    return bool(cert.product_line and product_line and cert.product_line == product_line)


@dataclass(frozen=True)
class Eligibility:
    """Whether a technician may be dispatched for a model on some days, and why (P-1).

    ``code`` names the reason for templates (translated there); ``params`` fills it in;
    ``message`` is the same in English, for vetoes and the API.
    """

    eligible: bool
    code: str
    params: dict[str, str] = field(default_factory=dict)
    certificate: Cert | None = None
    clauses: tuple[str, ...] = (CLAUSE,)

    @property
    def message(self) -> str:
        return MESSAGES[self.code] % self.params


#: English messages by reason code; templates translate the same strings.
MESSAGES = {
    "certified": "certified by %(number)s until %(expires)s",
    "none": "no certification at all: not trained and passed yet",
    "revoked": "certificate %(number)s was revoked (%(reason)s)",
    "expired": "certificate %(number)s expired on %(expires)s",
    "expires_before": "certificate %(number)s expires on %(expires)s, before %(day)s",
    "not_yet": "certificate %(number)s is valid only from %(issued)s",
    "not_covered": "no certificate covers model %(model)s (certified for: %(covered)s)",
}


def _describe_coverage(certs: Iterable[Cert]) -> str:
    parts: list[str] = []
    for cert in certs:
        for item in ([cert.product_line] if cert.product_line else []) + sorted(cert.model_codes):
            if item not in parts:
                parts.append(item)
    return ", ".join(parts) or "-"


def eligibility(certs: Iterable[Cert], model_code: str, product_line: str | None,
                days: Iterable[date]) -> Eligibility:
    """May a technician holding ``certs`` work on ``model_code`` on every one of ``days``?

    ``product_line`` is ``None`` for a model outside our catalogue (a product not ours, W-C):
    then any valid certification puts the technician on post. ``days`` is today and, for an
    on-site visit (P-7), the visit's dates: the certificate must hold on each.
    The reason given names what is missing, most specific first.
    """
    certs = list(certs)
    days = sorted(set(days))
    first, last = days[0], days[-1]
    if not certs:
        return Eligibility(False, "none")
    known_model = product_line is not None and bool(model_code)
    relevant = [c for c in certs if covers(c, model_code, product_line)] if known_model \
        else certs
    good = [c for c in relevant if all(valid_on(c, d) for d in days)]
    if good:
        best = max(good, key=lambda c: (c.expires_on, c.number))
        return Eligibility(True, "certified", {"number": best.number,
                                               "expires": best.expires_on.isoformat()},
                           certificate=best)
    if not relevant:
        return Eligibility(False, "not_covered", {
            "model": model_code, "covered": _describe_coverage(
                c for c in certs if not c.revoked and c.expires_on >= first)})
    # Why the covering certificates fail: the newest explains best.
    newest = max(relevant, key=lambda c: (c.expires_on, c.number))
    number = newest.number
    if newest.revoked:
        live = [c for c in relevant if not c.revoked]
        if not live:
            return Eligibility(False, "revoked", {"number": number,
                                                  "reason": newest.revoked_reason or "-"})
        newest = max(live, key=lambda c: (c.expires_on, c.number))
        number = newest.number
    if newest.expires_on < first:
        return Eligibility(False, "expired", {"number": number,
                                              "expires": newest.expires_on.isoformat()})
    if newest.issued_on > first:
        return Eligibility(False, "not_yet", {"number": number,
                                              "issued": newest.issued_on.isoformat()})
    return Eligibility(False, "expires_before", {"number": number,
                                                 "expires": newest.expires_on.isoformat(),
                                                 "day": last.isoformat()})


def on_post(certs: Iterable[Cert], day: date) -> bool:
    """A technician with at least one valid certification is on post (P-1)."""
    return any(valid_on(c, day) for c in certs)


@dataclass(frozen=True)
class Renewal:
    """A course whose latest certificate has expired or expires soon."""

    course_code: str
    number: str
    expires_on: date
    expired: bool
    days_left: int


def renewals(certs: Iterable[Cert], today: date,
             window_days: int = RENEW_WINDOW_DAYS) -> list[Renewal]:
    """Per course, the latest unrevoked certificate; listed when it expired or expires within
    ``window_days``. Renewal is passing the course again (a new certificate)."""
    latest: dict[str, Cert] = {}
    for cert in certs:
        if cert.revoked:
            continue
        held = latest.get(cert.course_code)
        if held is None or (cert.expires_on, cert.number) > (held.expires_on, held.number):
            latest[cert.course_code] = cert
    horizon = today + timedelta(days=window_days)
    found = [Renewal(code, c.number, c.expires_on, c.expires_on < today,
                     (c.expires_on - today).days)
             for code, c in latest.items() if c.expires_on <= horizon]
    return sorted(found, key=lambda r: (r.expires_on, r.course_code))


def expiring(cert: Cert, today: date, days: int = EXPIRING_DAYS) -> bool:
    """Valid today and expiring within ``days`` days."""
    return valid_on(cert, today) and cert.expires_on <= today + timedelta(days=days)
