"""The plugin API: the one module a plugin imports from core.

Everything here is the stable surface for plugin authors (docs/plugins.md, "The plugin API").
Names are added in minor versions; a name is removed or changes meaning only in a major
version of aftersales, announced in docs/plugins.md a minor version ahead. Anything not
exported here is core's internals and may change without notice; the import-contract test
(tests/core/test_import_contract.py) fails when a plugin reaches past this module.

Why one module: a plugin written against it keeps working when core reorganises itself, and a
reader sees at a glance what a plugin may rely on.
"""

from __future__ import annotations

from core import audit
from core.api.jsonio import ApiResponse, json_body
from core.db import Base, UTCDateTime, utcnow
from core.entities import (
    CaseEvent,
    CaseHold,
    Charge,
    Customer,
    OutboxMessage,
    ProductModel,
    Region,
    ServiceCase,
    ServicePoint,
    Unit,
    User,
)
from core.entities.cases import OPEN_STATES, STATES
from core.entities.org import RegionScoped
from core.errors import Conflict, DomainError, NotFound, Term
from core.errors import render as render_message
from core.hooktypes import (
    AUTHENTICATED,
    PUBLIC,
    BodyCode,
    ChargeDraft,
    Coverage,
    HoldKind,
    Job,
    MenuItem,
    Panel,
    Permission,
    Pricing,
    RoleSpec,
    RouteSpec,
    TimelineEntry,
    Veto,
    Widget,
)
from core.i18n import format_day, format_money, format_timestamp
from core.manifest import Manifest, hookimpl
from core.services.cases import get_case, local_today
from core.services.catalogue import model_by_code, unit_by_code
from core.services.holds import active_holds, place_hold, release_hold
from core.services.locking import lock_case, lock_row
from core.services.messages import queue_message, render_in
from core.services.validation import Problems
from core.settings import Settings
from core.web.routing import form_data
from core.web.templating import flash, gettext_for, render
from core.web.views.desk.common import error_context, form_status, has, require, see_other

#: The plugin API's own version: minor bumps add names, major bumps may remove them.
API_VERSION = (1, 0)

__all__ = [
    "API_VERSION",
    "AUTHENTICATED",
    "OPEN_STATES",
    "PUBLIC",
    "STATES",
    "ApiResponse",
    "Base",
    "BodyCode",
    "CaseEvent",
    "CaseHold",
    "Charge",
    "ChargeDraft",
    "Conflict",
    "Coverage",
    "Customer",
    "DomainError",
    "HoldKind",
    "Job",
    "Manifest",
    "MenuItem",
    "NotFound",
    "OutboxMessage",
    "Panel",
    "Permission",
    "Pricing",
    "Problems",
    "ProductModel",
    "Region",
    "RegionScoped",
    "RoleSpec",
    "RouteSpec",
    "ServiceCase",
    "ServicePoint",
    "Settings",
    "Term",
    "TimelineEntry",
    "UTCDateTime",
    "Unit",
    "User",
    "Veto",
    "Widget",
    "active_holds",
    "audit",
    "error_context",
    "flash",
    "form_data",
    "form_status",
    "format_day",
    "format_money",
    "format_timestamp",
    "get_case",
    "gettext_for",
    "has",
    "hookimpl",
    "json_body",
    "local_today",
    "lock_case",
    "lock_row",
    "model_by_code",
    "place_hold",
    "queue_message",
    "release_hold",
    "render",
    "render_in",
    "render_message",
    "require",
    "see_other",
    "unit_by_code",
    "utcnow",
]
