"""What core and the enabled plugins register at startup, checked for duplicates.

Each ``register_*`` hook implementation is called on its own so an error can name the plugin
that registered a duplicate id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pluggy

from core.hooktypes import (
    AUTHENTICATED,
    PUBLIC,
    HoldKind,
    ImportKind,
    Job,
    JobKind,
    MenuItem,
    Permission,
    RoleSpec,
    RouteSpec,
    Widget,
    WorkflowMove,
)
from core.plugins import PluginError, call_each, owner_of

T = TypeVar("T")


@dataclass
class Registry:
    permissions: dict[str, Permission] = field(default_factory=dict)
    roles: dict[str, RoleSpec] = field(default_factory=dict)
    routes: list[RouteSpec] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    holds: dict[str, HoldKind] = field(default_factory=dict)
    #: The case workflow's moves by ``(source, target)``: core's and plugins' (issue 10).
    moves: dict[tuple[str, str], WorkflowMove] = field(default_factory=dict)
    job_kinds: dict[str, JobKind] = field(default_factory=dict)  # issue 13
    #: Kinds of CSV plugins import through core's import page (issue 15).
    import_kinds: dict[str, ImportKind] = field(default_factory=dict)
    menu: list[MenuItem] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)
    #: Which plugin ("core" for core) registered each route id.
    route_owner: dict[str, str] = field(default_factory=dict)


def _owner(plugin_name: str) -> str:
    return owner_of(plugin_name)


def _each(pm: pluggy.PluginManager, hook_name: str) -> Iterable[tuple[str, list[Any]]]:
    # Oldest first; registration order is core, then plugins.
    for owner, answers in call_each(pm, hook_name):
        yield owner, [value for answer in answers for value in (answer or [])]


def _unique(
    kind: str, items: Iterable[tuple[str, list[T]]], key: Callable[[T], Any]
) -> tuple[dict[Any, T], dict[Any, str]]:
    found: dict[Any, T] = {}
    owners: dict[Any, str] = {}
    for owner, values in items:
        for value in values:
            k = key(value)
            if k in found:
                raise PluginError(
                    f"duplicate {kind} {k!r}: registered by {owners[k]!r} and by {owner!r}"
                )
            found[k] = value
            owners[k] = owner
    return found, owners


def _no_batch(*_args: Any) -> Any:  # core's kinds, only there to be duplicated
    raise NotImplementedError


def collect(pm: pluggy.PluginManager) -> Registry:
    registry = Registry()
    registry.permissions, _ = _unique(
        "permission id", _each(pm, "register_permissions"), lambda p: p.id
    )
    for reserved in (PUBLIC, AUTHENTICATED):
        if reserved in registry.permissions:
            raise PluginError(f"permission id {reserved!r} is reserved")
    registry.roles, _ = _unique("role id", _each(pm, "register_roles"), lambda r: r.id)
    route_items = list(_each(pm, "register_routes"))
    by_id, registry.route_owner = _unique("route id", route_items, lambda r: r.id)
    _unique(
        "route path",
        [(owner, [(m, r.path) for r in rs for m in r.methods]) for owner, rs in route_items],
        lambda pair: pair,
    )
    registry.routes = list(by_id.values())
    registry.jobs, _ = _unique("job id", _each(pm, "register_jobs"), lambda j: j.id)
    registry.job_kinds, _ = _unique("job kind", _each(pm, "register_job_kinds"),
                                    lambda k: k.id)  # issue 13
    registry.import_kinds, kind_owners = _unique(
        "import kind", [("core", [ImportKind(k, k, (), _no_batch, "unit.import")
                                  for k in ("units", "customers")]),
                        *_each(pm, "register_import_kinds")], lambda k: k.name)
    for name in ("units", "customers"):  # core's own kinds are not run through the hook
        del registry.import_kinds[name]
    for name, kind in registry.import_kinds.items():
        if not name or len(name) > 16:
            raise PluginError(f"import kind {name!r} of {kind_owners[name]!r}: the name is "
                              "1 to 16 characters")
        if kind.permission not in registry.permissions:
            raise PluginError(f"import kind {name!r} of {kind_owners[name]!r} needs the "
                              f"unknown permission {kind.permission!r}")
    registry.holds, _ = _unique("hold kind", _each(pm, "register_hold_kinds"),
                                lambda h: h.id)
    registry.moves, move_owners = _unique("workflow move", _each(pm, "register_moves"),
                                          lambda m: (m.source, m.target))
    from core.entities.cases import STATES

    for (source, target), move in registry.moves.items():
        if source not in STATES or target not in STATES:
            raise PluginError(f"workflow move {source!r} -> {target!r} of "
                              f"{move_owners[(source, target)]!r} names an unknown state")
        if move.permission not in registry.permissions:
            raise PluginError(f"workflow move {source!r} -> {target!r} of "
                              f"{move_owners[(source, target)]!r} needs the unknown "
                              f"permission {move.permission!r}")
    menu, _ = _unique("menu id", _each(pm, "menu_items"), lambda m: m.id)
    registry.menu = sorted(menu.values(), key=lambda m: (m.order, m.id))
    widgets, _ = _unique("dashboard widget id", _each(pm, "dashboard_widgets"), lambda w: w.id)
    registry.widgets = sorted(widgets.values(), key=lambda w: (w.order, w.id))
    for route in registry.routes:
        if route.permission not in (PUBLIC, AUTHENTICATED, *registry.permissions):
            raise PluginError(
                f"route {route.id!r} ({route.path}) needs permission {route.permission!r}, "
                "which no enabled plugin registers"
            )
    for role in registry.roles.values():
        for perm in role.permissions:
            if perm not in registry.permissions:
                raise PluginError(f"role {role.id!r} lists unknown permission {perm!r}")
    return registry
