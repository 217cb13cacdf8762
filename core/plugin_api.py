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

from sqlalchemy.orm import Session

from core import audit
from core.api.jsonio import ApiResponse, json_body
from core.bodycode import decode as decode_body_code
from core.dates import add_months, local_date
from core.db import Base, UTCDateTime, utcnow
from core.entities import (
    CaseEvent,
    CaseHold,
    Charge,
    Customer,
    FaultLine,
    OutboxMessage,
    ProductModel,
    Region,
    ServiceCase,
    ServicePoint,
    Unit,
    User,
)
from core.entities.cases import FAULT_CAUSES, OPEN_STATES, STATES
from core.entities.catalogue import PRODUCT_LINES
from core.entities.org import RegionScoped
from core.errors import Conflict, DomainError, Forbidden, NotFound, Term
from core.errors import render as render_message
from core.hooktypes import (
    AUTHENTICATED,
    PUBLIC,
    BodyCode,
    CalendarEntry,
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
    WorkflowMove,
)
from core.i18n import N_, format_day, format_money, format_timestamp, translations
from core.manifest import Manifest, hookimpl
from core.plugin_settings import PluginSettings, plugin_settings
from core.security.scope import across_regions, region_of_reader
from core.services.case_events import record_case_event
from core.services.cases import get_case, local_today
from core.services.catalogue import model_by_code, unit_by_code
from core.services.holds import active_holds, place_hold, release_hold
from core.services.locking import lock_case, lock_row
from core.services.messages import queue_message, render_in
from core.services.quotes import QUOTABLE_STATES, add_charge, reprice
from core.services.validation import Problems
from core.services.workflow import TECHNICIAN_ROLE, technicians_for
from core.settings import PolicySettings, Settings
from core.web.forms import form_status, has, require, see_other, undo
from core.web.routing import client_address, form_data
from core.web.templating import flash, gettext_for, render, request_locale  # issue 18
from core.web.views.desk.common import error_context

# isort: split
# issue 13: the durable job queue
from core.entities import QueuedJob
from core.hooktypes import JobKind
from core.services.attachments import attach, attachments_of
from core.services.queue import enqueue

# isort: split
# issue 14: the loaner plugin pays a missing accessory's charge from the deposit it holds.
from core.services.payments import record_payment

# isort: split
# issue 16: a plugin opens a case (a follow-up visit that found a problem)
from core.services.intake import intake as open_case

# isort: split
# a message as a parameter of another: a veto's reason in the reader's language (API 1.1)
from core.errors import Message

# isort: split
# withdraw a quote line a plugin made (a part that goes back to stock), audited (API 1.1)
from core.services.quotes import void_charge

# isort: split
# staff notices: tell a colleague in-app (a late requisition, an escalated complaint)
from core.services.staff_notices import notify as notify_staff

# isort: split
# issue 10: money both ways (credits owed, credit notes, the unit swap of an exchange)
from core.entities import CaseCredit, CreditNote, UnitSwap
from core.services.refunds import (
    credits_of,
    grant_credit,
    record_refund,
    refundable,
    swap_of,
    swap_unit,
)

# isort: split
# a message kept in a plugin's table with its parameters (warranty's reasons; API 1.2)
from core.errors import message_from_json, message_to_json

#: The plugin API's own version: minor bumps add names, major bumps may remove them.
API_VERSION = (1, 3)

__all__ = [
    "API_VERSION",
    "AUTHENTICATED",
    "FAULT_CAUSES",
    "N_",
    "OPEN_STATES",
    "PRODUCT_LINES",
    "PUBLIC",
    "QUOTABLE_STATES",
    "STATES",
    "TECHNICIAN_ROLE",
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
    "FaultLine",
    "Forbidden",
    "HoldKind",
    "Job",
    "Manifest",
    "MenuItem",
    "NotFound",
    "OutboxMessage",
    "Panel",
    "Permission",
    "PluginSettings",
    "PolicySettings",
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
    "WorkflowMove",
    "active_holds",
    "add_charge",
    "add_months",
    "audit",
    "decode_body_code",
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
    "local_date",
    "local_today",
    "lock_case",
    "lock_row",
    "model_by_code",
    "place_hold",
    "plugin_settings",
    "queue_message",
    "release_hold",
    "render",
    "render_in",
    "render_message",
    "reprice",
    "request_locale",  # issue 18
    "require",
    "see_other",
    "seed_core_demo",
    "technicians_for",
    "translations",
    "undo",
    "unit_by_code",
    "utcnow",
]
__all__ += ["JobKind", "QueuedJob", "attach", "attachments_of", "enqueue"]  # issue 13
__all__ += ["record_payment"]  # issue 14
__all__ += ["open_case"]  # issue 16
__all__ += ["notify_staff"]  # staff notices (API 1.1)
__all__ += ["void_charge"]  # withdraw a quote line (API 1.1)
__all__ += ["Message"]  # a message as a parameter of another (API 1.1)
__all__ += ["CalendarEntry"]  # issue 18
__all__ += ["CaseCredit", "CreditNote", "UnitSwap", "credits_of", "grant_credit",  # issue 10
            "record_refund", "refundable", "swap_of", "swap_unit"]
__all__ += ["record_case_event"]  # a case history line as a message id (API 1.2, issue 18)
__all__ += ["message_from_json", "message_to_json"]  # a stored message (API 1.2)
__all__ += ["across_regions", "region_of_reader"]  # E-2 shares HQ's pool (API 1.3)
__all__ += ["client_address"]  # the client's address behind trusted proxies (issue 16)


def seed_core_demo(session: Session, settings: Settings) -> None:
    """Make sure core's demo organisation and catalogue exist (both idempotent), for a
    plugin's ``seed_demo`` that runs first (``tryfirst``) and needs them."""
    from core.demo import seed_core
    from core.demo_desk import seed_catalogue

    seed_core(session, settings)
    seed_catalogue(session)

# plugin import kinds through core's import page and job (API 1.3, issue 15)
from core.hooktypes import ImportBatch, ImportContext, ImportKind, ImportRow  # noqa: E402
from core.services.plugin_imports import import_status, start_import  # noqa: E402

__all__ += ["ImportBatch", "ImportContext", "ImportKind", "ImportRow", "import_status",
            "start_import"]
