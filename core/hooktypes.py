"""The small value types that hooks return.

They are frozen dataclasses so what a plugin hands to core cannot change behind its back,
and so duplicate ids can be detected by comparing plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.errors import Message

#: The permission id for routes that anybody may call (sign-in page, health check).
PUBLIC = "public"
#: The permission id for routes any signed-in user may call (own profile, dashboard).
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Permission:
    """Something a role may allow. ``default_roles`` grants it to built-in roles at setup."""

    id: str
    label: str
    description: str = ""
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleSpec:
    """A built-in role; admins may edit its permissions afterwards."""

    id: str
    label: str
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteSpec:
    """One HTTP route. Every route names the permission it needs (``PUBLIC`` explicitly).

    ``endpoint`` is a plain function ``(request) -> Response`` run in a worker thread with a
    database session at ``request.state.db``. ``csrf=False`` is only for bearer-token API
    routes and single-use public links, which carry their own proof.

    ``request_schema`` / ``response_schema``: optional JSON Schemas of an API route's JSON
    body and of its 200 answer; core's ``/api/v1/openapi.json`` includes them (so clients and
    the API fuzz test know the body). Not compared or hashed: two specs are told apart by id.
    """

    id: str
    path: str
    endpoint: Callable[..., Any]
    permission: str
    methods: tuple[str, ...] = ("GET",)
    csrf: bool = True
    name: str | None = None
    request_schema: Mapping[str, Any] | None = field(default=None, compare=False)
    response_schema: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MenuItem:
    """An entry of the main menu, shown only to users with ``permission``."""

    id: str
    label: str
    url: str
    permission: str
    order: int = 100
    section: str = "main"


@dataclass(frozen=True)
class Widget:
    """A dashboard widget; ``url`` returns an HTML fragment, loaded with htmx."""

    id: str
    title: str
    url: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A panel on a detail page (unit, case, user...); ``url`` returns an HTML fragment."""

    id: str
    title: str
    url: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class Job:
    """A periodic job run by ``aftersales tick``; ``run(session, settings, now)`` returns a
    one-line summary of what it did."""

    id: str
    description: str
    run: Callable[..., str]
    #: issue 13: how often the worker runs it (its ``periodic:<id>`` row reschedules itself).
    every_minutes: int = 60


@dataclass(frozen=True)
class JobKind:
    """Work that runs later, once per ``enqueue(session, kind, payload)`` (issue 13).

    ``run(session, payload, settings) -> str`` does the work in a transaction that also marks
    the job done, so its effects and "done" commit together; raising makes the worker retry
    it later with backoff, up to ``max_attempts``, then it is ``dead``.
    ``on_failure(session, payload, error, dead)``, when given, records the failure on the
    plugin's own rows (in the transaction that records the retry).
    """

    id: str
    description: str
    run: Callable[..., str]
    max_attempts: int = 5
    on_failure: Callable[..., None] | None = None


@dataclass(frozen=True)
class WorkflowMove:
    """One move of the case workflow (``register_moves``): from ``source`` to ``target``,
    allowed to holders of ``permission``, offered only when ``guard(case)`` is true (when
    there is a guard). Policy vetoes (``validate_transition``) still apply on top; ``note``
    names the clause or says why the move exists."""

    source: str
    target: str
    permission: str
    guard: Callable[[Any], bool] | None = None
    note: str = ""


@dataclass(frozen=True)
class HoldKind:
    """A reason a case may pause without leaving its state (``register_hold_kinds``).

    ``label`` is a message id (``N_``) shown translated; ``clause`` names the policy clause
    behind it when there is one (P-5 for parts, E-1 for a loaner).
    """

    id: str
    label: str
    clause: str = ""


@dataclass(frozen=True)
class BodyCode:
    """What a body code says about a unit (W-1, W-2): its model and factory date."""

    code: str
    model_code: str
    factory_date: date
    sequence: str
    format: str = "MODEL-YYMMDD-SEQ"


@dataclass(frozen=True)
class Veto:
    """A reason a transition may not happen, with the policy clause behind it.

    ``message`` is English text or a template marked with ``N_`` whose ``params`` are given
    apart (``Veto("P-3", N_("%(name)s is not a technician."), params={"name": ...})``); pages
    show it translated, the API in English.
    """

    clause: str
    message: str
    plugin: str = "core"
    params: Mapping[str, object] | None = None

    @property
    def text(self) -> str:
        """The message in English, formatted."""
        from core.errors import render

        return render(self.message, self.params)

    def localized(self, gettext: Callable[[str], str]) -> str:
        from core.errors import render

        return render(self.message, self.params, gettext)


@dataclass(frozen=True)
class Coverage:
    """A coverage class (W-3) and why: what ``assess_coverage`` answers."""

    coverage_class: str  # "A", "B" or "C"
    clauses: tuple[str, ...]
    reason: str
    warranty_end: date | None = None
    #: The warranty length used (W-2), when one was; lets callers decide consistently.
    months: int | None = None


@dataclass(frozen=True)
class ChargeDraft:
    """A quote line a plugin proposes for a case (``charge_lines``), e.g. an issued part."""

    kind: str
    #: A :class:`Message` when the system writes it (read in the reader's language).
    description: str | Message
    unit_price_cents: int
    quantity: int = 1
    refurbished: bool = False
    source: str = ""
    #: The cause of the fault this line repairs, when the desk names one (W-A exclusions).
    cause: str = ""


@dataclass(frozen=True)
class Pricing:
    """What ``price_charge`` decides for a line: waived or not, and by which clause."""

    waived: bool
    clause: str
    reason: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One moment in a unit's life (T-1), shown in time order on the unit page."""

    at: datetime
    kind: str
    title: str
    #: Data as it is (a reference, a model), or a :class:`core.errors.Message` formatted in
    #: the reader's language.
    detail: str | Message = ""
    url: str = ""
    source: str = "core"


@dataclass(frozen=True)
class CalendarEntry:
    """Something on the calendar (``calendar_entries``, issue 18): an on-site visit, a
    training session. ``starts``/``ends`` are calendar days in the instance time zone (ends
    inclusive); ``at`` the start time when there is one. ``title`` is shown as given (data),
    ``kind`` is dotted after the plugin (``training.session``) and styles the entry."""

    starts: date
    ends: date
    kind: str
    title: str
    url: str = ""
    detail: str = ""
    at: datetime | None = None
    source: str = "core"
    title_zh: str = ""


@dataclass(frozen=True)
class ImportRow:
    """One data row of an uploaded CSV: its line in the file (the header is line 1) and its
    cells by column name (lower-cased names, stripped of nothing: the kind decides)."""

    line: int
    values: Mapping[str, str]


@dataclass(frozen=True)
class ImportContext:
    """Who imports and how the rows of this import are recognised later.

    ``stamp`` is the ``created_at`` to give every row the import inserts: a roll-back finds
    exactly this import's rows by it. ``region_id`` is the importer's scope (``None``: HQ).
    """

    import_id: str
    user_id: int
    region_id: int | None
    stamp: datetime


@dataclass
class ImportBatch:
    """What one batch did: rows written, rows refused as duplicates, and each problem as
    ``(line, column, reason)`` (``reason`` a message id with parameters or plain text). A row
    with a problem must have written nothing."""

    inserted: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str, str | Message]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportKind:
    """A kind of CSV a plugin imports through core's import page and durable job
    (``register_import_kinds``): progress, checkpoints, resume, row errors, roll-back.

    ``name`` is the kind's id (at most 16 characters, prefixed with the plugin's name);
    ``label`` and ``help`` are message ids (``N_``). ``import_batch(session, rows, context)``
    validates and writes a batch of :class:`ImportRow` and returns an :class:`ImportBatch`;
    core commits the batch with its checkpoint. ``roll_back(session, context, rows)``, when
    given, deletes what this import inserted among ``rows`` (all of the file's rows, in
    chunks) and returns how many rows went; without it an interrupted import can only be
    resumed. ``permission`` is who may upload this kind.
    """

    name: str
    label: str
    columns: tuple[str, ...]
    import_batch: Callable[..., ImportBatch]
    permission: str
    required: tuple[str, ...] = ()
    help: str = ""
    roll_back: Callable[..., int] | None = None

    @property
    def template(self) -> str:
        """The first line of a file of this kind (a template to fill in)."""
        return ",".join(self.columns) + "\n"
