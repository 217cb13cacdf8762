"""Training API: a technician's certifications, and recording exam results (a pass issues a
certificate). The dispatch veto itself answers through core's case transition API (409, P-1).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import ApiResponse, DomainError, Problems, User, json_body
from plugins.training import policy, services
from plugins.training.models import Certification


def certification_json(cert: Certification, today: Any) -> dict[str, Any]:
    facts = cert.facts()
    return {
        "id": cert.id,
        "number": cert.number,
        "course": {"code": cert.course.code, "title": cert.course.title,
                   "title_zh": cert.course.title_zh},
        "product_line": cert.product_line or None,
        "model_codes": list(cert.models),
        "score": cert.score,
        "issued_on": cert.issued_on,
        "expires_on": cert.expires_on,
        "valid": policy.valid_on(facts, today),
        "status": policy.status(facts, today),
        "revoked_reason": cert.revoked_reason or None,
        "issuer": cert.issuer,
        "imported": cert.imported,
    }


def certifications(request: Request) -> Response:
    """A technician's certifications, newest expiry first, and whether they are on post."""
    session = request.state.db
    tech = services.get_technician(session, request.path_params["user_id"])
    today = services.local_today(session)
    certs = services.certifications_of(session, [tech.id])[tech.id]
    facts = [c.facts() for c in certs]
    return ApiResponse({
        "technician": {"id": tech.id, "login": tech.login, "name": tech.display_name,
                       "service_point": tech.service_point.code},
        "on_post": policy.on_post(facts, today),
        "certifications": [certification_json(c, today) for c in certs],
        "renew": [{"course": r.course_code, "number": r.number, "expires_on": r.expires_on,
                   "expired": r.expired} for r in policy.renewals(facts, today)],
    })


def _technician(session: Any, problems: Problems, item: dict[str, Any], prefix: str
                ) -> User | None:
    if item.get("technician_id") is not None:
        line = Problems()
        tech_id = line.integer(item, "technician_id")
        for field, message in line.fields.items():
            problems.add(f"{prefix}{field}", message)
        user = session.get(User, tech_id) if tech_id is not None else None
    elif isinstance(item.get("login"), str):
        user = session.scalars(select(User).where(User.login == item["login"])).first()
    else:
        problems.add(f"{prefix}technician_id", "Name the technician: technician_id or login.")
        return None
    if user is None and f"{prefix}technician_id" not in problems.fields:
        problems.add(f"{prefix}technician_id", "No such technician.")
    return user


def results(request: Request) -> Response:
    """Record exam results for a session: ``{"session_id", "results": [{"technician_id" or
    "login", "score"}]}`` (or one result at the top level). Technicians not enrolled yet are
    enrolled. All or nothing: any bad line and nothing is recorded."""
    session = request.state.db
    data = json_body(request)
    problems = Problems()
    session_id = problems.integer(data, "session_id")
    items = data.get("results")
    if items is None and ("score" in data):
        items = [{k: data[k] for k in ("technician_id", "login", "score") if k in data}]
    if not isinstance(items, list) or not items:
        problems.add("results", "Give a list of results: [{technician_id, score}].")
        items = []
    parsed: list[tuple[User, int]] = []
    for index, item in enumerate(items):
        prefix = f"results.{index}."
        if not isinstance(item, dict):
            problems.add(f"results.{index}", "Each result is {technician_id, score}.")
            continue
        user = _technician(session, problems, item, prefix)
        line = Problems()
        score = line.integer(item, "score", minimum=0)
        if score is not None and score > 100:
            line.add("score", "A score is between 0 and 100.")
        for field, message in line.fields.items():
            problems.add(f"{prefix}{field}", message)
        if user is not None and score is not None and not line.fields:
            parsed.append((user, score))
    ts = None
    if session_id is not None:
        try:
            ts = services.get_session(session, session_id)
        except DomainError:
            problems.add("session_id", "No such training session.")
    problems.raise_if_any()
    assert ts is not None
    today = services.local_today(session)
    answers = []
    for user, score in parsed:
        result = services.record_result(session, ts, user, score, request.state.user, today,
                                        enrol_if_needed=True)
        cert = result.certification
        answers.append({"technician_id": user.id, "login": user.login, "score": score,
                        "passed": bool(result.participant.passed),
                        "pass_mark": ts.course.pass_mark,
                        "certification": certification_json(cert, today) if cert else None})
    return ApiResponse({"session_id": ts.id, "results": answers}, status_code=201)
