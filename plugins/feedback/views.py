"""Feedback pages: complaints (list with search and paging, intake, detail with assign, reply
and close), departments and routing, the survey report, follow-up visits, consultations,
service bulletins, the case panel, dashboard widgets, and the customer's public survey page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import (
    N_,
    PRODUCT_LINES,
    DomainError,
    NotFound,
    Region,
    Unit,
    client_address,
    error_context,
    flash,
    form_data,
    form_status,
    format_day,
    format_timestamp,
    gettext_for,
    render,
    see_other,
    translations,
    utcnow,
)
from plugins.feedback import policy, questionnaires, services

HANDLE = "feedback.handle"
MANAGE = "feedback.manage"
#: Product lines as people read them: core's words (its catalogue translates them), not the
#: stored keys (issue 18).
LINES = {"amplifier": N_("Amplifiers"), "mixer": N_("Mixers"),
         "microphone": N_("Microphones"), "other": N_("Other products")}
#: Words core's pages look up in the catalogues (issue 18): the case history's "What" column
#: (``event:<kind>``), the audit page's record types, actions and fields (``audit:<key>``).
CORE_LABELS = (
    N_("event:linked"),
    N_("audit:feedback_complaint"), N_("audit:feedback_department"),
    N_("audit:feedback_callback"), N_("audit:feedback_followup"),
    N_("audit:feedback_bulletin"), N_("audit:feedback_questionnaire_version"),
    N_("audit:save"), N_("audit:assign"), N_("audit:reply"), N_("audit:close"),
    N_("audit:wait"), N_("audit:escalate"), N_("audit:open"), N_("audit:done"),
    N_("audit:record"), N_("audit:publish"), N_("audit:draft"), N_("audit:discard"),
    N_("audit:channel"), N_("audit:department"), N_("audit:topic"), N_("audit:csat"),
    N_("audit:nps"), N_("audit:from"), N_("audit:to"), N_("audit:head"), N_("audit:message"),
    N_("audit:outcome"), N_("audit:owner"), N_("audit:paused_minutes"), N_("audit:questions"),
    N_("plugin:feedback"),
)
LABELS: dict[str, dict[str, str]] = {
    "state": {"new": N_("new"), "assigned": N_("assigned"), "replied": N_("replied"),
              "closed": N_("closed")},
    "kind": {"complaint": N_("Complaint"), "suggestion": N_("Suggestion")},
    "channel": {"desk": N_("At the desk"), "phone": N_("By phone"), "email": N_("E-mail"),
                "web": N_("Web form")},
    "topic": {"product_quality": N_("Product quality"), "repair_quality": N_("Repair quality"),
              "turnaround": N_("Turnaround time"), "staff": N_("Staff attitude"),
              "charges": N_("Charges"), "logistics": N_("Shipping and logistics"),
              "other": N_("Other")},
    "sla": {"met": N_("met"), "failed": N_("failed"), "running": N_("running"),
            "paused": N_("paused")},
    "method": {"phone": N_("by phone"), "onsite": N_("on site")},
    "outcome": {"satisfied": N_("satisfied, no problem"), "problem": N_("problem found"),
                "unreachable": N_("could not reach the customer")},
    "bulletin": {"fault": N_("Known fault"), "fix": N_("Fix"),
                 "precaution": N_("Precaution / usage note")},
}


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _page_url(request: Request, page: int) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    params["page"] = str(page)
    return f"{request.url.path}?{urlencode(params)}"


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _page(request: Request, template: str, context: dict[str, Any],
          status_code: int = 200) -> Response:
    base = {"labels": LABELS, "errors": {}, "values": {}, "form_error": "",
            "can_handle": HANDLE in request.state.permissions,
            "can_manage": MANAGE in request.state.permissions,
            "now": utcnow(), "policy": policy}
    return render(request, template, {**base, **context}, status_code=status_code)


def _pager(request: Request, page: int, more: bool) -> dict[str, Any]:
    return {"page_no": page, "next_url": _page_url(request, page + 1) if more else "",
            "prev_url": _page_url(request, page - 1) if page > 1 else ""}


def _said(request: Request, message: str, **params: Any) -> None:
    flash(request, gettext_for(request).gettext(message) % params)


def home(request: Request) -> Response:
    return see_other("/feedback/complaints")


# --- complaints --------------------------------------------------------------------------


def complaints(request: Request) -> Response:
    q = request.query_params.get("q", "")
    state = request.query_params.get("state", "open")
    page = _page_number(request)
    rows, more = services.search_complaints(request.state.db, q, state, page)
    context = {"rows": rows, "q": q, "state": state, **_pager(request, page, more),
               "sla": {c.id: services.sla(c, utcnow()) for c in rows}}
    return _page(request, "feedback/complaints.html", context)


def complaint_new(request: Request, errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, form_error: str = "",
                  status_code: int = 200) -> Response:
    values = values or {k: v for k, v in request.query_params.items()}
    return _page(request, "feedback/complaint_new.html",
                 {"errors": errors or {}, "values": values, "form_error": form_error},
                 status_code)


def complaint_create(request: Request) -> Response:
    data = form_data(request)
    try:
        row = services.create_complaint(request.state.db, data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return complaint_new(request, values=_values(data), status_code=form_status(error),
                             **error_context(request, error))
    _said(request, N_("%(reference)s recorded and routed to %(department)s."),
          reference=row.reference, department=row.department.name)
    return see_other(f"/feedback/complaints/{row.id}")


def complaint(request: Request, errors: dict[str, str] | None = None, form_error: str = "",
              values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    session = request.state.db
    row = services.get_complaint(session, request.path_params["complaint_id"])
    return _page(request, "feedback/complaint.html", {
        "c": row, "sla": services.sla(row, utcnow()),
        "departments": services.departments(session, active_only=True),
        "errors": errors or {}, "form_error": form_error, "values": values or {}},
        status_code)


def _complaint_action(request: Request, action: Any, done: str) -> Response:
    data = form_data(request)
    complaint_id = request.path_params["complaint_id"]
    try:
        row = action(request.state.db, complaint_id, data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return complaint(request, values=_values(data), status_code=form_status(error),
                         **error_context(request, error))
    _said(request, done, reference=row.reference)
    return see_other(f"/feedback/complaints/{row.id}")


def complaint_assign(request: Request) -> Response:
    return _complaint_action(request, services.assign, N_("%(reference)s assigned."))


def complaint_reply(request: Request) -> Response:
    return _complaint_action(request, services.reply,
                             N_("Reply to %(reference)s recorded and queued to the customer."))


def complaint_wait(request: Request) -> Response:
    return _complaint_action(request, services.wait_for_customer,
                             N_("%(reference)s waits for the customer: its SLA clock is "
                                "paused."))


def complaint_resume(request: Request) -> Response:
    return _complaint_action(request, services.resume,
                             N_("%(reference)s resumed: its SLA clock runs again."))


def complaint_close(request: Request) -> Response:
    return _complaint_action(request, services.close, N_("%(reference)s closed."))


# --- departments -------------------------------------------------------------------------


def departments(request: Request, errors: dict[str, str] | None = None,
                form_error: str = "", values: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    session = request.state.db
    from plugins.feedback.models import RoutingRule

    return _page(request, "feedback/departments.html", {
        "departments": services.departments(session),
        "rules": list(session.scalars(select(RoutingRule).order_by(RoutingRule.position))),
        "regions": {r.id: r for r in session.scalars(select(Region))},
        "product_lines": PRODUCT_LINES, "lines": LINES, "errors": errors or {},
        "form_error": form_error,
        "values": values or {"first_response_hours": "8", "resolution_hours": "40"}},
        status_code)


def department_save(request: Request) -> Response:
    data = form_data(request)
    try:
        services.save_department(request.state.db, data)
    except DomainError as error:
        request.state.db.rollback()
        return departments(request, values=_values(data), status_code=form_status(error),
                           **error_context(request, error))
    return see_other("/feedback/departments")


def rule_add(request: Request) -> Response:
    data = form_data(request)
    try:
        services.add_rule(request.state.db, data)
    except DomainError as error:
        request.state.db.rollback()
        return departments(request, status_code=form_status(error),
                           **error_context(request, error))
    return see_other("/feedback/departments")


# --- surveys -----------------------------------------------------------------------------


def period(request: Request) -> tuple[date | None, date | None]:
    """The report's period from ``?from=YYYY-MM-DD&to=YYYY-MM-DD``; a bad day is ignored."""
    found: list[date | None] = []
    for name in ("from", "to"):
        try:
            found.append(date.fromisoformat(request.query_params.get(name, "").strip()))
        except ValueError:
            found.append(None)
    return found[0], found[1]


def surveys(request: Request, errors: dict[str, str] | None = None, form_error: str = "",
            values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    since, until = period(request)
    return _page(request, "feedback/surveys.html",
                 {"report": services.survey_report(request.state.db, since, until),
                  "errors": errors or {}, "form_error": form_error, "values": values or {}},
                 status_code)


def survey_campaign(request: Request) -> Response:
    data = form_data(request)
    try:
        sent = services.campaign(request.state.db, data)
    except DomainError as error:
        request.state.db.rollback()
        return surveys(request, values=_values(data), status_code=form_status(error),
                       **error_context(request, error))
    _said(request, N_("%(n)d survey(s) sent."), n=sent)
    return see_other("/feedback/surveys")


def _public_context(request: Request, locale: str) -> dict[str, Any]:
    """The customer's page in the link's language, unless this browser chose another."""
    chosen = request.session.get("locale")
    if chosen in ("en", "zh_CN"):
        locale = chosen
    if locale not in ("en", "zh_CN"):
        locale = request.app.state.settings.default_locale
    trans = translations(locale, request.app.state.locale_dirs)
    tz = request.app.state.settings.tz
    return {"locale": locale, "_": trans.gettext, "gettext": trans.gettext,
            "ngettext": trans.ngettext, "fmt_date": lambda d: format_day(d, locale),
            "fmt_time": lambda t: format_timestamp(t, locale, tz)}


def survey_page(request: Request) -> Response:
    """A page load never records anything: mail scanners that follow links do not answer
    (ANCHORS: one-click rating links recorded fake ratings)."""
    survey = services.survey_for(request.state.db, request.path_params["token"])
    return _page(request, "feedback/survey_public.html", {
        "survey": survey, "token": request.path_params["token"],
        **_public_context(request, survey.locale)})


def survey_answer(request: Request) -> Response:
    session = request.state.db
    token = request.path_params["token"]
    data = form_data(request)
    if not services.take_public_slot(session, client_address(request)):
        return _throttled(request)
    survey = services.survey_for(session, token)
    context = _public_context(request, survey.locale)
    try:
        survey = services.answer_survey(session, token, data)
    except DomainError as error:
        if error.status_code != 422:
            raise
        session.rollback()
        _message, fields = error.localized(context["gettext"])
        return _page(request, "feedback/survey_public.html", {
            "survey": services.survey_for(session, token), "token": token,
            "errors": fields, "values": _values(data), **context}, status_code=400)
    return _page(request, "feedback/survey_thanks.html", {"survey": survey, **context})


# --- follow-up visits --------------------------------------------------------------------


def followups(request: Request, errors: dict[str, str] | None = None, form_error: str = "",
              status_code: int = 200) -> Response:
    session = request.state.db
    state = request.query_params.get("state", "due")
    mine = request.query_params.get("mine") == "1"
    today = services.local_today(session)
    page = _page_number(request)
    due_by = today if state == "due" and request.query_params.get("all") != "1" else None
    user = request.state.user
    rows, more = services.followups(session, due_by, user.id if mine else None, state, page)
    return _page(request, "feedback/followups.html", {
        "rows": rows, "state": state, "mine": mine, "today": today,
        "errors": errors or {}, "form_error": form_error, **_pager(request, page, more)},
        status_code)


def followup_record(request: Request) -> Response:
    data = form_data(request)
    try:
        services.record_visit(request.state.db, request.path_params["visit_id"], data,
                              request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return followups(request, status_code=form_status(error),
                         **error_context(request, error))
    _said(request, N_("Visit recorded."))
    return see_other("/feedback/followups")


# --- call backs after a low score (gap 2) ------------------------------------------------


def callbacks(request: Request, errors: dict[str, str] | None = None, form_error: str = "",
              status_code: int = 200) -> Response:
    session = request.state.db
    state = request.query_params.get("state", "open")
    mine = request.query_params.get("mine") == "1"
    page = _page_number(request)
    rows, more = services.callbacks(session, state, request.state.user.id if mine else None,
                                    page)
    return _page(request, "feedback/callbacks.html", {
        "rows": rows, "state": state, "mine": mine, "today": services.local_today(session),
        "errors": errors or {}, "form_error": form_error, **_pager(request, page, more)},
        status_code)


def callback_done(request: Request) -> Response:
    data = form_data(request)
    try:
        row = services.finish_callback(request.state.db, request.path_params["callback_id"],
                                       data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return callbacks(request, status_code=form_status(error),
                         **error_context(request, error))
    _said(request, N_("Call back to %(name)s done."), name=row.case.contact_name)
    return see_other("/feedback/callbacks")


def widget_callbacks(request: Request) -> Response:
    session = request.state.db
    return _page(request, "feedback/widget_callbacks.html",
                 {"counts": services.callback_counts(session, services.local_today(session))})


# --- consultations and bulletins ---------------------------------------------------------


def consultations(request: Request, errors: dict[str, str] | None = None,
                  form_error: str = "", values: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    q = request.query_params.get("q", "")
    page = _page_number(request)
    rows, more = services.consultations(request.state.db, q, page)
    return _page(request, "feedback/consultations.html", {
        "rows": rows, "q": q, "errors": errors or {}, "form_error": form_error,
        "values": values or {}, **_pager(request, page, more)}, status_code)


def consultation_add(request: Request) -> Response:
    data = form_data(request)
    try:
        services.add_consultation(request.state.db, data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return consultations(request, values=_values(data), status_code=form_status(error),
                             **error_context(request, error))
    _said(request, N_("Consultation logged."))
    return see_other("/feedback/consultations")


def bulletins(request: Request, errors: dict[str, str] | None = None, form_error: str = "",
              values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    model = request.query_params.get("model", "")
    page = _page_number(request)
    rows, more = services.bulletins(request.state.db, model, page)
    return _page(request, "feedback/bulletins.html", {
        "rows": rows, "model": model,
        "facts": services.bulletin_facts(request.state.db, rows, request.state.user),
        "kinds": services.BULLETIN_KINDS,
        "errors": errors or {}, "form_error": form_error, "values": values or {},
        **_pager(request, page, more)}, status_code)


def bulletin_add(request: Request) -> Response:
    data = form_data(request)
    try:
        services.add_bulletin(request.state.db, data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return bulletins(request, values=_values(data), status_code=form_status(error),
                         **error_context(request, error))
    _said(request, N_("Bulletin published."))
    return see_other("/feedback/bulletins")


def bulletin_ack(request: Request) -> Response:
    try:
        services.acknowledge(request.state.db, request.path_params["bulletin_id"],
                             request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        if error.status_code == 404:
            raise
        flash(request, error.localized(gettext_for(request).gettext)[0], "error")
        return see_other("/feedback/bulletins")
    _said(request, N_("Bulletin acknowledged for your service point."))
    return see_other("/feedback/bulletins")


# --- panel and widgets -------------------------------------------------------------------


def case_panel(request: Request) -> Response:
    info = services.case_feedback(request.state.db, request.path_params["case_id"])
    return _page(request, "feedback/case_panel.html", info)


def unit_panel(request: Request) -> Response:
    """O-4 and W-5 for one unit: the bulletins that touch it (model and build date) and the
    latest consultations about its model."""
    session = request.state.db
    unit = session.get(Unit, request.path_params["unit_id"])
    if unit is None:
        raise NotFound(N_("No such unit."))
    model = unit.model.code if unit.model is not None else ""
    notes, _more = services.consultations(session, model) if model else ([], False)
    return _page(request, "feedback/unit_panel.html", {
        "unit": unit, "bulletins": services.bulletins_for(session, model, unit.factory_date),
        "notes": [n for n in notes if n.model_code == model][:5]})


def widget_sla(request: Request) -> Response:
    return _page(request, "feedback/widget_sla.html",
                 {"counts": services.sla_counts(request.state.db, utcnow())})


def widget_visits(request: Request) -> Response:
    session = request.state.db
    today = services.local_today(session)
    rows, more = services.followups(session, today, None, "due", 1)
    return _page(request, "feedback/widget_visits.html",
                 {"rows": rows[:10], "more": more or len(rows) > 10, "today": today,
                  "week": today + timedelta(days=7)})


def widget_nps(request: Request) -> Response:
    """The last six months' NPS, oldest first (answers in the user's region scope)."""
    months = services.recent_months(request.state.db, 6)
    return _page(request, "feedback/widget_nps.html", {"months": months})


# --- the public complaint form (channel "web") -------------------------------------------

PUBLIC_FIELDS = ("kind", "topic", "contact_name", "contact_phone", "contact_email",
                 "subject", "body", "language")


def _instance_region(request: Request) -> int:
    """A complaint from the public form belongs to this instance's region (HQ's instance:
    the HQ region)."""
    session = request.state.db
    code = request.app.state.settings.region_code
    region = session.scalars(select(Region).where(Region.code == code)).first() \
        or session.scalars(select(Region).where(Region.is_hq.is_(True))).first()
    if region is None:
        raise NotFound(N_("Not found."))
    return int(region.id)


def public_form(request: Request, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return _page(request, "feedback/public_form.html",
                 {"errors": errors or {}, "values": values or {}}, status_code)


#: The honeypot: a field people never see (hidden by CSS, skipped by the keyboard), which
#: form-filling robots fill in.
HONEYPOT = "website"


def _throttled(request: Request, context: dict[str, Any] | None = None) -> Response:
    """429: too many messages from this address; said plainly, with when to try again."""
    minutes = services._settings(request.state.db).public_window_minutes
    response = _page(request, "feedback/public_throttled.html",
                     {"minutes": minutes, **(context or {})}, status_code=429)
    response.headers["Retry-After"] = str(minutes * 60)
    return response


def public_submit(request: Request) -> Response:
    """Anybody may write to us (O-2, F-3); only the customer's own fields are read, so the
    form cannot link itself to a case or pick a department. An address sends at most
    ``public_max_posts`` messages a window (gap 9); a filled honeypot is thanked and dropped."""
    session = request.state.db
    form = form_data(request)
    if not services.take_public_slot(session, client_address(request)):
        return _throttled(request)  # a honeypot robot counts too: it is a flood
    if str(form.get(HONEYPOT) or "").strip():
        return _page(request, "feedback/public_thanks.html", {"reference": ""})
    data = {k: v for k, v in form.items() if k in PUBLIC_FIELDS}
    data["channel"] = "web"
    try:
        row = services.create_complaint(request.state.db, data, None,
                                        region_id=_instance_region(request))
    except DomainError as error:
        request.state.db.rollback()
        if error.status_code != 422:
            raise
        return public_form(request, errors=error_context(request, error)["errors"],
                           values=_values(data), status_code=400)
    return _page(request, "feedback/public_thanks.html", {"reference": row.reference})


# --- questionnaires with versions (F-1, issue 16 item 1) ----------------------------------


def questionnaire_page(request: Request) -> Response:
    """The questionnaire sent after a case closes: its versions and what the current one
    asks; a manager starts a new version from here."""
    session = request.state.db
    questionnaire = questionnaires.default_questionnaire(session)
    current = questionnaires.current_version(session, questionnaire.id)
    return _page(request, "feedback/questionnaires.html", {
        "questionnaire": questionnaire, "current": current,
        "versions": questionnaires.versions(session, questionnaire.id),
        "kinds": KIND_LABELS})


def version_new(request: Request) -> Response:
    draft = questionnaires.new_draft(request.state.db, request.state.user)
    return see_other(f"/feedback/questionnaires/versions/{draft.id}")


KIND_LABELS = {"csat": N_("Satisfaction 1-5 (CSAT)"), "nps": N_("Recommend 0-10 (NPS)"),
               "choice": N_("Choice of options"), "text": N_("Free text")}


def _rows_from(data: dict[str, Any]) -> list[questionnaires.QuestionForm]:
    """The draft form's rows as sent, blank ones included, to show it again with errors."""
    try:
        count = min(int(str(data.get("count") or "0")), 40)
    except ValueError:
        count = 0
    return [questionnaires.QuestionForm(
        key=str(data.get(f"q-{n}-key") or ""), kind=str(data.get(f"q-{n}-kind") or "text"),
        required=bool(data.get(f"q-{n}-required")),
        text_en=str(data.get(f"q-{n}-text_en") or ""),
        text_zh=str(data.get(f"q-{n}-text_zh") or ""),
        choices_en=str(data.get(f"q-{n}-choices_en") or ""),
        choices_zh=str(data.get(f"q-{n}-choices_zh") or "")) for n in range(count)]


def version_page(request: Request, errors: dict[str, str] | None = None,
                 form_error: str = "", rows: list[Any] | None = None,
                 status_code: int = 200) -> Response:
    """A version: a draft as a form (for a manager), a published one as it was sent."""
    version = questionnaires.get_version(request.state.db, request.path_params["version_id"])
    return _page(request, "feedback/questionnaire_version.html", {
        "version": version, "kinds": KIND_LABELS, "errors": errors or {},
        "form_error": form_error,
        "rows": rows if rows is not None else questionnaires.form_rows(version)}, status_code)


def version_save(request: Request) -> Response:
    data = form_data(request)
    version_id = request.path_params["version_id"]
    try:
        questionnaires.save_draft(request.state.db, version_id, data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return version_page(request, rows=_rows_from(data), status_code=form_status(error),
                            **error_context(request, error))
    _said(request, N_("Draft saved. Publish it when it is ready."))
    return see_other(f"/feedback/questionnaires/versions/{version_id}")


def version_publish(request: Request) -> Response:
    data = form_data(request)
    try:
        version = questionnaires.publish(request.state.db, request.path_params["version_id"],
                                         data, request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return version_page(request, status_code=form_status(error),
                            **error_context(request, error))
    _said(request, N_("Version %(number)s published: surveys are sent with it from now on."),
          number=version.number)
    return see_other("/feedback/questionnaires")


def version_discard(request: Request) -> Response:
    try:
        questionnaires.discard(request.state.db, request.path_params["version_id"],
                               request.state.user)
    except DomainError as error:
        request.state.db.rollback()
        return version_page(request, status_code=form_status(error),
                            **error_context(request, error))
    _said(request, N_("Draft discarded."))
    return see_other("/feedback/questionnaires")
