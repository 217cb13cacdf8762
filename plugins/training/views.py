"""Training pages: courses, the sessions calendar, a session with enrolment, attendance and
results, printable certificates (English and Chinese), technicians and what they must renew,
revocation, panels on the case and user pages, the dashboard widget, and the signed
export/import of certifications."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from core.plugin_api import (
    N_,
    PRODUCT_LINES,
    DomainError,
    Message,
    Region,
    Term,
    add_months,
    flash,
    form_data,
    format_day,
    get_case,
    gettext_for,
    plugin_settings,
    render,
    translations,
)
from plugins.training import exchange, policy, services
from plugins.training.models import Certification, Participant, TrainingSession, TrustedKey

MANAGE = "training.manage"
#: Reason codes of ``policy.Eligibility`` as translatable strings (same text as policy).
REASONS = {
    "certified": N_("certified by %(number)s until %(expires)s"),
    "none": N_("no certification at all: not trained and passed yet"),
    "revoked": N_("certificate %(number)s was revoked (%(reason)s)"),
    "expired": N_("certificate %(number)s expired on %(expires)s"),
    "expires_before": N_("certificate %(number)s expires on %(expires)s, before %(day)s"),
    "not_yet": N_("certificate %(number)s is valid only from %(issued)s"),
    "not_covered": N_("no certificate covers model %(model)s (certified for: "
                           "%(covered)s)"),
}
LINES = {"amplifier": N_("Amplifiers"), "mixer": N_("Mixers"),
         "microphone": N_("Microphones"), "other": N_("Other products")}
#: The audit log's words for training's records, actions and fields (core's audit page looks
#: ``audit:<key>`` up in the catalogues; issue 18).
AUDIT_LABELS = (
    N_("audit:training_course"), N_("audit:training_session"),
    N_("audit:training_participant"), N_("audit:training_certification"),
    N_("audit:enrol"), N_("audit:result"), N_("audit:save"), N_("audit:capacity"),
    N_("audit:course"), N_("audit:course_id"), N_("audit:starts_on"), N_("audit:ends_on"),
    N_("audit:expires_on"), N_("audit:for_region_id"), N_("audit:model_codes"),
    N_("audit:online"), N_("audit:pass_mark"), N_("audit:passed"), N_("audit:place"),
    N_("audit:product_line"), N_("audit:score"), N_("audit:session_id"), N_("audit:title"),
    N_("audit:title_zh"), N_("audit:trainer"), N_("audit:validity_months"),
    N_("audit:user_id"), N_("audit:revoke"), N_("audit:issued_on"),
    N_("audit:training_trusted_key"), N_("audit:issue"), N_("audit:attendance"),
    N_("audit:result_corrected"), N_("audit:score_corrected"), N_("audit:expire"),
    N_("audit:trust"), N_("audit:import"), N_("audit:models"), N_("audit:cancelled"),
    N_("audit:attended"), N_("audit:fingerprint"), N_("audit:issuer"), N_("audit:key"),
    N_("audit:status"),
    N_("plugin:training"),  # the plugin's name on the unit's timeline
)


def coverage_param(covered: str) -> Any:
    """What a technician is certified for ("amplifier, MC58"), as a parameter that reads in
    the reader's language: product lines by their labels, model codes as they are (issue 18:
    not "已认证: amplifier"). A chain of ``"%(first)s, %(rest)s"`` messages, so each line is
    a term of its own."""
    items = [item for item in covered.split(", ") if item and item != "-"]
    if not items:
        return "-"
    words: list[Any] = [Term(LINES[item]) if item in LINES else item for item in items]
    chained: Any = words[-1]
    for word in reversed(words[:-1]):
        chained = Message(N_("%(first)s, %(rest)s"), {"first": word, "rest": chained})
    return chained


def reason_message(result: policy.Eligibility) -> Message:
    """An eligibility's reason as a message in the reader's language (P-1)."""
    params: dict[str, Any] = dict(result.params)
    if "covered" in params:
        params["covered"] = coverage_param(str(params["covered"]))
    return Message(REASONS[result.code], params)


#: The certificate's texts, printed in English and Chinese whatever the reader's language.
CERT_TEXT = {
    "title": N_("Certificate of after-sales training"),
    "certifies": N_("This certifies that"),
    "passed": N_("has been trained and passed the examination of the course"),
    "number": N_("Certificate number"),
    "models": N_("Models covered"),
    "score": N_("Score"),
    "issued": N_("Issued on"),
    "until": N_("Valid until"),
    "revoked": N_("Revoked"),
    "stamp_revoked": N_("REVOKED"),
    "stamp_expired": N_("EXPIRED"),
    "trainer": N_("Trainer"),
    "seal": N_("Seal of the issuing office"),
    "clause": N_("Issued under clause P-1 of the after-sales policy: technicians are "
                      "trained and pass before they take up their posts."),
}
STATUSES = {"valid": N_("valid"), "expired": N_("expired"),
            "revoked": N_("revoked"), "pending": N_("not valid yet")}


def _today(request: Request) -> date:
    return services.local_today(request.state.db)


def _can_manage(request: Request) -> bool:
    return MANAGE in request.state.permissions


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _page(request: Request, template: str, context: dict[str, Any],
          status_code: int = 200) -> Response:
    base = {"reasons": REASONS, "reason_message": reason_message, "lines": LINES,
            "statuses": STATUSES,
            "product_lines": PRODUCT_LINES, "can_manage": _can_manage(request),
            "today": _today(request), "errors": {}, "values": {}, "form": "",
            "form_error": ""}
    return render(request, template, {**base, **context}, status_code=status_code)


def _status_code(error: DomainError) -> int:
    return 400 if error.status_code == 422 else error.status_code


def cert_status(cert: Certification, today: date) -> str:
    return policy.status(cert.facts(), today)


def home(request: Request) -> Response:
    return _see_other("/training/sessions")


# --- courses ------------------------------------------------------------------------------


def _default_months(request: Request) -> int:
    """P-1: the instance's certification validity, from ``[plugin.training]``."""
    return int(plugin_settings(request.app, "training").certification_validity_months)


def courses(request: Request, errors: dict[str, str] | None = None,
            values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return _page(request, "training/courses.html", {
        "courses": services.courses(request.state.db),
        "default_months": _default_months(request),
        "errors": errors or {}, "values": values or {"pass_mark": "60"}},
        status_code=status_code)


def course_create(request: Request) -> Response:
    data = form_data(request)
    try:
        course = services.create_course(request.state.db, data)
    except DomainError as error:
        request.state.db.rollback()
        return courses(request, error.fields, _values(data), _status_code(error))
    flash(request, gettext_for(request).gettext("Course %(code)s created.")
          % {"code": course.code})
    return _see_other(f"/training/courses/{course.id}")


def course(request: Request, errors: dict[str, str] | None = None,
           values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    session = request.state.db
    row = services.get_course(session, request.path_params["course_id"])
    held = list(session.scalars(select(TrainingSession)
                                .where(TrainingSession.course_id == row.id)
                                .order_by(TrainingSession.starts_on.desc())))
    current = {"code": row.code, "title": row.title, "title_zh": row.title_zh,
               "product_line": row.product_line, "model_codes": ", ".join(row.models),
               "pass_mark": str(row.pass_mark),
               "validity_months": str(row.validity_months or ""),
               "active": "on" if row.active else ""}
    return _page(request, "training/course.html", {
        "course": row, "sessions": held,
        "default_months": _default_months(request),
        "errors": errors or {}, "values": values or current}, status_code=status_code)


def course_update(request: Request) -> Response:
    session = request.state.db
    row = services.get_course(session, request.path_params["course_id"])
    data = {"active": "off", **form_data(request)}
    try:
        services.update_course(session, row, data)
    except DomainError as error:
        session.rollback()
        return course(request, error.fields, _values(data), _status_code(error))
    flash(request, gettext_for(request).gettext("Course %(code)s saved.") % {"code": row.code})
    return _see_other(f"/training/courses/{row.id}")


# --- sessions -----------------------------------------------------------------------------


def _month(request: Request) -> date:
    raw = request.query_params.get("month", "")
    if raw:
        try:
            year, month = (int(p) for p in raw.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise DomainError("Give the month as YYYY-MM.", field="month",
                              status_code=400) from None
    return _today(request).replace(day=1)


def sessions(request: Request, errors: dict[str, str] | None = None,
             values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    session = request.state.db
    first = _month(request)
    rows = services.sessions_in_month(session, first)
    days: list[tuple[date, list[Any]]] = []
    for row in rows:
        day = max(row.starts_on, first)
        if days and days[-1][0] == day:
            days[-1][1].append(row)
        else:
            days.append((day, [row]))
    return _page(request, "training/sessions.html", {
        "month": first, "days": days, "count": len(rows),
        "previous": add_months(first, -1).strftime("%Y-%m"),
        "next": add_months(first, 1).strftime("%Y-%m"),
        "courses": services.courses(session, active_only=True),
        "regions": list(session.scalars(select(Region).order_by(Region.code))),
        "errors": errors or {}, "values": values or {}}, status_code=status_code)


def session_create(request: Request) -> Response:
    data = form_data(request)
    try:
        row = services.create_session(request.state.db, request.state.user, data,
                                      _today(request))
    except DomainError as error:
        request.state.db.rollback()
        return sessions(request, error.fields, _values(data), _status_code(error))
    flash(request, gettext_for(request).gettext("Session scheduled."))
    return _see_other(f"/training/sessions/{row.id}")


def session_detail(request: Request, *, form: str = "", errors: dict[str, str] | None = None,
                   values: dict[str, str] | None = None, form_error: str = "",
                   status_code: int = 200) -> Response:
    session = request.state.db
    ts = services.get_session(session, request.path_params["session_id"])
    rows = services.participants(session, ts)
    enrolled = {p.user_id for p in rows}
    candidates = [t for t in services.technicians(session) if t.id not in enrolled
                  and (ts.for_region_id is None or t.region_id == ts.for_region_id)] \
        if _can_manage(request) else []
    certs = {c.participant_id: c for c in session.scalars(select(Certification).where(
        Certification.participant_id.in_([p.id for p in rows])))} if rows else {}
    return _page(request, "training/session.html", {
        "ts": ts, "participants": rows, "candidates": candidates, "certs": certs,
        "taken": services.enrolled_count(session, ts), "started": ts.starts_on <= _today(request),
        "form": form, "errors": errors or {}, "values": values or {},
        "form_error": form_error}, status_code=status_code)


def _session_action(request: Request, form: str, action: Any) -> Response:
    session = request.state.db
    ts = services.get_session(session, request.path_params["session_id"])
    data = form_data(request)
    try:
        message = action(ts, data)
    except DomainError as error:
        session.rollback()
        message, fields = error.localized(gettext_for(request).gettext)
        return session_detail(request, form=form, errors=fields, values=_values(data),
                              form_error=message, status_code=_status_code(error))
    flash(request, message)
    return _see_other(f"/training/sessions/{ts.id}")


def enrol(request: Request) -> Response:
    _ = gettext_for(request).gettext

    def act(ts: Any, data: dict[str, Any]) -> str:
        user_id = data.get("user_id")
        if not user_id:
            raise DomainError("Choose a technician.", field="user_id")
        tech = services.get_technician(request.state.db, user_id)
        services.enrol(request.state.db, ts, tech, request.state.user)
        return _("%(name)s enrolled.") % {"name": tech.display_name}

    return _session_action(request, "enrol", act)


def attendance(request: Request) -> Response:
    _ = gettext_for(request).gettext

    def act(ts: Any, data: dict[str, Any]) -> str:
        present = {int(k.split("_", 1)[1]) for k, v in data.items()
                   if k.startswith("attended_") and k.split("_", 1)[1].isdigit() and v}
        services.set_attendance(request.state.db, ts, present, _today(request))
        return _("Attendance saved.")

    return _session_action(request, "attendance", act)


def results(request: Request) -> Response:
    _ = gettext_for(request).gettext
    session = request.state.db

    def act(ts: Any, data: dict[str, Any]) -> str:
        rows = {p.id: p for p in services.participants(session, ts)}
        errors: dict[str, str] = {}
        scores: list[tuple[Participant, int]] = []
        for key, raw in data.items():
            if not key.startswith("score_") or not isinstance(raw, str) or not raw.strip():
                continue
            pid = key.split("_", 1)[1]
            row = rows.get(int(pid)) if pid.isdigit() else None
            if row is None or row.passed is not None:
                continue
            try:
                score = int(raw.strip())
            except ValueError:
                errors[key] = "A score is a whole number from 0 to 100."
                continue
            if not 0 <= score <= 100:
                errors[key] = "A score is a whole number from 0 to 100."
                continue
            scores.append((row, score))
        if errors:
            raise DomainError(next(iter(errors.values())), fields=errors)
        if not scores:
            raise DomainError("Enter at least one score.", field="results")
        issued = []
        for row, score in scores:
            result = services.record_result(session, ts, row.user, score,
                                            request.state.user, _today(request))
            if result.certification is not None:
                issued.append(result.certification.number)
        message = _("%(n)d result(s) recorded.") % {"n": len(scores)}
        if issued:
            message += " " + _("Certificates issued: %(numbers)s.") % {
                "numbers": ", ".join(issued)}
        return message

    return _session_action(request, "results", act)


def correct_result(request: Request) -> Response:
    """Correct one recorded result with a reason (issue 18); audited, the certificate
    follows (``services.correct_result``)."""
    _ = gettext_for(request).gettext
    session = request.state.db

    def act(ts: Any, data: dict[str, Any]) -> str:
        result = services.correct_result(
            session, ts, data.get("participant_id"), data.get("score"),
            str(data.get("reason", "")), request.state.user, _today(request))
        row = result.participant
        message = _("Result of %(name)s corrected to %(score)d.") % {
            "name": row.user.display_name, "score": row.score}
        if result.certification is not None and result.certification.revoked_at is None:
            message += " " + _("Certificate: %(number)s.") % {
                "number": result.certification.number}
        elif not row.passed:
            message += " " + _("No valid certificate from this session.")
        return message

    return _session_action(request, "correct", act)


# --- certificates ---------------------------------------------------------------------------


def certificate(request: Request) -> Response:
    session = request.state.db
    cert = services.get_certification(session, request.path_params["certification_id"])
    lang = request.query_params.get("lang", "both")
    if lang not in ("en", "zh_CN", "both"):
        lang = "both"
    dirs = request.app.state.locale_dirs
    return _page(request, "training/certificate.html", {
        "cert": cert, "status": cert_status(cert, _today(request)), "lang": lang,
        "text": CERT_TEXT,
        "en": translations("en", dirs).gettext,
        "zh": translations("zh_CN", dirs).gettext,
        "date_en": lambda d: format_day(d, "en"),
        "date_zh": lambda d: f"{d.year}年{d.month}月{d.day}日",
        "issuer": request.app.state.settings.instance_name})


def revoke(request: Request) -> Response:
    session = request.state.db
    cert = services.get_certification(session, request.path_params["certification_id"])
    data = form_data(request)
    try:
        services.revoke(session, cert, request.state.user, str(data.get("reason", "")))
    except DomainError as error:
        session.rollback()
        return _technician_page(request, cert.user_id, form=f"revoke:{cert.id}",
                                errors=error.fields, values=_values(data),
                                status_code=_status_code(error))
    flash(request, gettext_for(request).gettext("Certificate %(number)s revoked.")
          % {"number": cert.number})
    return _see_other(f"/training/technicians/{cert.user_id}")


# --- technicians ----------------------------------------------------------------------------


def technicians(request: Request) -> Response:
    session = request.state.db
    today = _today(request)
    techs = services.technicians(session)
    held = services.certifications_of(session, [t.id for t in techs])
    rows = []
    for tech in techs:
        facts = [c.facts() for c in held[tech.id]]
        valid = [c for c in held[tech.id] if policy.valid_on(c.facts(), today)]
        rows.append({"tech": tech, "on_post": policy.on_post(facts, today), "valid": valid,
                     "renew": policy.renewals(facts, today)})
    rows.sort(key=lambda r: (r["on_post"], r["tech"].display_name))
    return _page(request, "training/technicians.html", {"rows": rows})


def _technician_context(request: Request, user_id: object) -> dict[str, Any]:
    session = request.state.db
    tech = services.get_technician(session, user_id)
    today = _today(request)
    certs = services.certifications_of(session, [tech.id])[tech.id]
    facts = [c.facts() for c in certs]
    taken = list(session.scalars(select(Participant).where(Participant.user_id == tech.id)
                                 .order_by(Participant.id.desc())))
    status = {c.id: cert_status(c, today) for c in certs}
    return {"tech": tech, "certs": certs, "status": status,
            "valid": [c for c in certs if status[c.id] == "valid"],
            "on_post": policy.on_post(facts, today), "renew": policy.renewals(facts, today),
            "participations": taken, "is_technician": services.is_technician(tech)}


def _technician_page(request: Request, user_id: object, *, form: str = "",
                     errors: dict[str, str] | None = None,
                     values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    context = _technician_context(request, user_id)
    return _page(request, "training/technician.html", {
        **context, "form": form, "errors": errors or {}, "values": values or {}},
        status_code=status_code)


def technician(request: Request) -> Response:
    return _technician_page(request, request.path_params["user_id"])


def me(request: Request) -> Response:
    return _see_other(f"/training/technicians/{request.state.user.id}")


# --- panels and widget ----------------------------------------------------------------------


def case_panel(request: Request) -> Response:
    """The dispatch helper on the case page: eligible technicians first with their
    certificate's expiry, the others with the reason they cannot be chosen (P-1)."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    found = services.candidates(session, case, _today(request))
    return _page(request, "training/case_panel.html", {
        "case": case, "eligible": [c for c in found if c.eligibility.eligible],
        "others": [c for c in found if not c.eligibility.eligible],
        "line": services.model_line(session, case)})


def user_panel(request: Request) -> Response:
    """On the user admin page: "not on post" for a technician without a valid certificate."""
    context = _technician_context(request, request.path_params["user_id"])
    return _page(request, "training/user_panel.html", context)


def widget_expiring(request: Request) -> Response:
    today = _today(request)
    rows = services.expiring_soon(request.state.db, today)
    return _page(request, "training/widget_expiring.html", {
        "rows": [(c, (c.expires_on - today).days) for c in rows]})


# --- export and import ------------------------------------------------------------------------


def exchange_page(request: Request, *, result: exchange.ImportResult | None = None,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  form: str = "", status_code: int = 200) -> Response:
    settings = request.app.state.settings
    session = request.state.db
    return _page(request, "training/exchange.html", {
        "public_key": exchange.public_key_text(settings),
        "fingerprint": exchange.pretty(exchange.own_fingerprint(settings)),
        "trusted": list(session.scalars(select(TrustedKey).order_by(TrustedKey.id))),
        "regions": list(session.scalars(select(Region).order_by(Region.code))),
        "pretty": exchange.pretty, "result": result, "form": form,
        "errors": errors or {}, "values": values or {}}, status_code=status_code)


def exchange_view(request: Request) -> Response:
    return exchange_page(request)


def export(request: Request) -> Response:
    settings = request.app.state.settings
    session = request.state.db
    code = request.query_params.get("region", "").upper()
    region = session.scalars(select(Region).where(Region.code == code)).first() \
        if code else None
    if code and region is None:
        raise DomainError(N_("No region with code %(code)s."), params={"code": code},
                          field="region", status_code=400)
    body = exchange.export_csv(session, settings, region)
    name = f"certifications-{settings.region_code}-{(region.code + '-') if region else ''}" \
        f"{_today(request):%Y%m%d}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def public_key(request: Request) -> Response:
    settings = request.app.state.settings
    text = (f"{exchange.public_key_text(settings)}\n"
            f"# instance: {settings.instance_name} ({settings.region_code})\n"
            f"# fingerprint: {exchange.pretty(exchange.own_fingerprint(settings))}\n")
    return PlainTextResponse(text)


def import_file(request: Request) -> Response:
    upload = (request.state.form or {}).get("file")
    if not isinstance(upload, UploadFile):
        return exchange_page(request, form="import", errors={"file": "Choose the CSV file."},
                             status_code=400)
    data = upload.file.read()
    session = request.state.db
    try:
        result = exchange.import_csv(session, data, request.state.user)
    except DomainError as error:
        session.rollback()
        return exchange_page(request, form="import", errors=error.fields or
                             {"file": error.message}, status_code=_status_code(error))
    return exchange_page(request, result=result)


def trust_key(request: Request) -> Response:
    data = form_data(request)
    session = request.state.db
    try:
        exchange.trust_key(session, str(data.get("name", "")), str(data.get("public_key", "")),
                           request.state.user)
    except DomainError as error:
        session.rollback()
        return exchange_page(request, form="trust", errors=error.fields,
                             values=_values(data), status_code=_status_code(error))
    flash(request, gettext_for(request).gettext("Key trusted."))
    return _see_other("/training/exchange")

