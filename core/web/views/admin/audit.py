"""The audit log (T-2), read-only: newest first, filtered, with the values before and after.

There is no route that changes or removes an entry, and the database refuses both anyway.
Audit entries are not region-scoped records (an entry may belong to no region), so this page
scopes them itself: a regional viewer sees only entries of their own region; HQ sees all of
them, or one region when HQ narrows every list to it from the top bar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import AuditEvent
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.web.templating import gettext_for, render
from core.web.views.admin import audit_labels as labels
from core.web.views.admin.common import Page, is_hq, keyset_page, params

FILTERS = ("entity", "entity_id", "user", "action", "from", "to")
BAD_DATE = N_("Use a date like 2026-03-15.")
BAD_RANGE = N_("The end date is before the start date.")
#: Where the record an entry is about can be seen, when there is such a page.
RECORD_URLS = {
    "user": "/admin/users/{id}",
    "region": "/admin/regions/{id}",
    "service_point": "/admin/service-points/{id}",
    "role": "/admin/roles/edit?role={id}",
    "service_case": "/desk/cases/{id}",
    "product_model": "/admin/models/{id}",
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    changed: bool


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(event: AuditEvent) -> list[Change]:
    before = event.before or {}
    after = event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(k, _show(before.get(k)), _show(after.get(k)),
                   event.before is not None and event.after is not None
                   and before.get(k) != after.get(k))
            for k in keys]


def record_url(event: AuditEvent) -> str:
    pattern = RECORD_URLS.get(event.entity)
    return pattern.format(id=event.entity_id) if pattern else ""


def viewer_region(request: Request) -> int | None:
    """The region whose entries this viewer may see; None for all (HQ)."""
    if not is_hq(request):
        return int(request.state.user.region_id)
    chosen = request.state.db.info.get(SCOPE_KEY)  # HQ's own filter from the top bar
    return int(chosen) if chosen is not None else None


def _day(value: str, field: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = BAD_DATE
        return None


def audit_log(request: Request) -> Response:
    filters = params(request, *FILTERS)
    errors: dict[str, str] = {}
    statement = select(AuditEvent)
    region = viewer_region(request)
    if region is not None:
        statement = statement.where(AuditEvent.region_id == region)
    for name, column in (("entity", AuditEvent.entity), ("entity_id", AuditEvent.entity_id),
                         ("action", AuditEvent.action)):
        if filters[name]:
            statement = statement.where(column == filters[name])
    if filters["user"]:
        statement = statement.where(AuditEvent.user_login == filters["user"].lower())
    tz = request.app.state.settings.tz
    start = _day(filters["from"], "from", errors)
    end = _day(filters["to"], "to", errors)
    if start and end and end < start:
        errors["to"] = BAD_RANGE
    if start:
        statement = statement.where(
            AuditEvent.at >= datetime.combine(start, time.min, tzinfo=tz))
    if end:
        statement = statement.where(
            AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
    if errors:
        page = Page(rows=[], filters={k: v for k, v in filters.items() if v})
    else:
        page = keyset_page(request, statement, AuditEvent.id, "/admin/audit", filters,
                           descending=True)
    gettext = gettext_for(request).gettext
    return render(request, "admin/audit.html", {
        "page": page, "values": filters, "errors": errors,
        "entries": [(event, changes(event), record_url(event)) for event in page.rows],
        # issue 18: record types, actions, field names (and states) as words, not keys
        "entity_label": lambda key: labels.entity_label(key, gettext),
        "action_label": lambda key: labels.action_label(key, gettext),
        "field_label": lambda key: labels.field_label(key, gettext),
        "value_label": lambda entity, field, value: labels.value_label(entity, field, value,
                                                                       gettext),
    }, status_code=400 if errors else 200)
