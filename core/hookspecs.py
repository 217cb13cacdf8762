"""Every hook of aftersales, typed and documented (pytest's hookspec style).

Families (DESIGN.md): *register* hooks run once at startup and their ids must be unique;
*page* hooks compose the web shell; *domain* hooks take part in the service case's life;
*answers* hooks are ``firstresult`` (``None`` means
"not mine"); *lifecycle* hooks run at startup and when demo data is loaded.

Each hook has a section in ``docs/hooks.md`` and a test named ``test_hook_<name>``;
``tests/core/test_hook_docs.py`` fails when either is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.manifest import hookspec

if TYPE_CHECKING:
    from datetime import date

    import click
    from sqlalchemy.orm import Session
    from starlette.applications import Starlette
    from starlette.requests import Request

    from core.entities import OutboxMessage, ServiceCase, Unit, User
    from core.hooktypes import (
        BodyCode,
        CalendarEntry,
        ChargeDraft,
        Coverage,
        HoldKind,
        ImportKind,
        Job,
        JobKind,
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
    from core.settings import Settings


# --- register (startup) -----------------------------------------------------------------


@hookspec
def register_permissions() -> list[Permission]:
    """Return the permissions this plugin defines.

    Ids are dotted (``warranty.override_class``) and unique across core and all plugins; a
    duplicate stops startup. ``Permission.default_roles`` grants it to built-in roles.
    """


@hookspec
def register_roles() -> list[RoleSpec]:
    """Return built-in roles this plugin adds. Role ids are unique across all plugins."""


@hookspec
def register_routes() -> list[RouteSpec]:
    """Return the HTTP routes of this plugin.

    Each route declares the permission it needs; a route id or (path, method) pair used
    twice stops startup.
    """


@hookspec
def register_jobs() -> list[Job]:
    """Return periodic jobs that ``aftersales tick`` runs (expiry, reminders, overdue)."""


@hookspec
def register_job_kinds() -> list[JobKind]:
    """Return the kinds of queued work this plugin enqueues (issue 13): each
    ``enqueue(session, kind, payload)`` runs the kind's ``run`` once, in ``aftersales worker``
    or ``aftersales tick``, retried with backoff on an error. Ids are unique."""


@hookspec
def register_hold_kinds() -> list[HoldKind]:
    """Return the kinds of hold this plugin puts cases on (waiting for a loaner, for parts).

    Ids are unique across core and all plugins; a duplicate stops startup. Only a declared
    kind can be placed (``core.services.holds.place_hold``).
    """


@hookspec
def register_import_kinds() -> list[ImportKind]:
    """Return the kinds of CSV this plugin imports through core's import page and its durable
    ``core.import`` job (progress, checkpoints, resume, row errors, roll-back).

    Names are unique across core (``units``, ``customers``) and all plugins, at most 16
    characters; a duplicate stops startup.
    """


@hookspec
def register_moves() -> list[WorkflowMove]:
    """Return guarded moves this plugin adds to the case workflow (between core's states).

    Core declares its own moves the same way (``core.services.workflow.WORKFLOW``). A move
    ``(source, target)`` declared twice, a state core does not know, or a permission nobody
    registered stops startup. Every move still goes through ``transition()`` and its vetoes.
    """


@hookspec
def register_cli(cli: click.Group) -> None:
    """Add sub-commands to the ``aftersales`` command line."""


# --- page -------------------------------------------------------------------------------


@hookspec
def menu_items() -> list[MenuItem]:
    """Return main-menu entries; the shell keeps those the user has permission for and
    sorts them by ``order``. Ids are unique (checked at startup)."""


@hookspec
def dashboard_widgets() -> list[Widget]:
    """Return dashboard widgets; each is an HTML fragment URL loaded by htmx, sorted by
    ``order``. Ids are unique (checked at startup)."""


@hookspec
def detail_panels(entity: str, obj: Any, request: Request) -> list[Panel]:
    """Return panels for the detail page of ``entity`` (``"unit"``, ``"case"``, ``"user"``...)
    showing ``obj``. Panels load by htmx and are sorted by ``order``."""


@hookspec
def extra_template_vars(request: Request | None, template_name: str) -> dict[str, Any]:
    """Return extra variables for rendering ``template_name`` (Datasette's hook)."""


# --- domain ---------------------------------------------------------------------------


@hookspec
def validate_transition(
    session: Session, case: ServiceCase, to: str, actor: User | None, payload: dict[str, Any]
) -> list[Veto]:
    """Return reasons ``case`` may not move to state ``to`` (empty list: no objection).

    All plugins are asked and every veto is shown together; any veto aborts the transition
    (Datasette's "any False wins"). Each veto names its clause (``P-1``, ``W-4``...).
    """


@hookspec
def after_transition(
    session: Session, case: ServiceCase, from_state: str, actor: User | None,
    payload: dict[str, Any],
) -> None:
    """Called after ``case`` moved from ``from_state`` to ``case.state``, in the same
    transaction: raising aborts the whole transition."""


@hookspec
def charge_lines(session: Session, case: ServiceCase) -> list[ChargeDraft]:
    """Propose quote lines for ``case`` (a parts plugin adds the parts it issued)."""


@hookspec(firstresult=True)
def price_charge(session: Session, case: ServiceCase, line: ChargeDraft) -> Pricing | None:
    """Decide whether ``line`` is waived (free under warranty) and by which clause.

    ``None`` means "no opinion"; without any answer a line is payable.
    """


@hookspec
def calendar_entries(session: Session, start: date, end: date) -> list[CalendarEntry]:
    """Return what happens between the calendar days ``start`` and ``end`` (inclusive, the
    instance's time zone) for the calendar page (issue 18): training sessions, visits...
    Query through ``session`` so the region scope applies."""


@hookspec
def unit_timeline(session: Session, unit: Unit) -> list[TimelineEntry]:
    """Return moments of ``unit``'s life (T-1); the unit page merges all in time order."""


# --- answers (firstresult) --------------------------------------------------------------


@hookspec(firstresult=True)
def decode_body_code(code: str) -> BodyCode | None:
    """Read a body code (W-1): its model and factory date (W-2).

    Return ``None`` when the code is not in this plugin's format; raise
    ``core.errors.DomainError`` when it is in the format but cannot be valid (a date that
    does not exist). Core's own implementation reads ``MODEL-YYMMDD-SEQ`` and is asked last.
    """


@hookspec(firstresult=True)
def assess_coverage(session: Session, case: ServiceCase) -> Coverage | None:
    """The coverage class of ``case`` at inspection (W-3), or ``None`` if not this plugin's
    concern. Without an answer the inspector picks A/B/C by hand."""


@hookspec(firstresult=True)
def part_price(session: Session, model_code: str, item: str) -> int | None:
    """The price in cents of a part or accessory ``item`` (a part number or its name) for
    ``model_code``, or ``None`` if this plugin does not know it.

    The loaner plugin asks it to charge a missing or damaged accessory (E-2); the parts plugin
    answers from its catalogue, so neither imports the other.
    """


@hookspec(firstresult=True)
def send_message(message: OutboxMessage, settings: Settings) -> bool | None:
    """Deliver one outbox message (issue 13), e.g. an SMS through a region's gateway.

    Return ``True`` when this plugin sent it, ``None`` when the channel or recipient is not
    its concern (core then uses SMTP for e-mail, or its log-file sender); raise to have the
    worker retry it later. Never commit: the worker records the delivery state.
    """


# --- lifecycle --------------------------------------------------------------------------


@hookspec
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    """Add this plugin's demo data. Must be idempotent: called by every ``aftersales demo``."""


@hookspec
def startup(app: Starlette) -> None:
    """Called once when the app is built, after routes are registered."""
