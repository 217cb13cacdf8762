"""Migrations: one alembic branch per plugin, core's branch first.

Every installed plugin's ``migrations/versions`` folder is on the version path (found without
importing the plugin), so the revision map is complete even for a plugin that was enabled once
and is disabled now; but ``upgrade`` only moves core and the *enabled* branches, so a disabled
plugin's tables are left as they are. Each plugin's first revision has ``depends_on`` core's
revision that created what it references.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from core.plugins import PluginError, available_plugins

CORE_BRANCH = "core"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class BranchState:
    branch: str
    current: str | None
    head: str

    @property
    def pending(self) -> bool:
        return self.current != self.head


def plugin_migration_dirs() -> dict[str, Path]:
    """Installed plugins' version folders by plugin name, located without importing them."""
    found: dict[str, Path] = {}
    for name, ep in available_plugins().items():
        spec = importlib.util.find_spec(ep.value.split(":")[0])
        if spec is None or not spec.submodule_search_locations:
            continue
        versions = Path(next(iter(spec.submodule_search_locations))) / "migrations" / "versions"
        if versions.is_dir():
            found[name] = versions
    return found


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions"), *map(str, plugin_migration_dirs().values())]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = connection
    return cfg


def branches_for(enabled: list[str]) -> list[str]:
    """Core first, then the enabled plugins (already in load order) that have migrations."""
    dirs = plugin_migration_dirs()
    return [CORE_BRANCH, *[name for name in enabled if name in dirs]]


@contextmanager
def _connect(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


@dataclass(frozen=True)
class Revisions:
    """What the installed migration scripts say, read once: every known revision, each
    revision's ancestors, and each enabled branch's head and own lineage.

    Reading alembic's script folders parses every revision file; doing that for each
    ``/healthz`` call made the health check cost milliseconds of file I/O (issue 11). The
    scripts do not change while a process runs, so an app keeps one of these for its life
    and each check only reads ``alembic_version``.
    """

    known: frozenset[str]
    ancestors: dict[str, frozenset[str]]
    branches: tuple[tuple[str, str, tuple[str, ...]], ...]  # (branch, head, own lineage)

    @classmethod
    def load(cls, enabled: list[str]) -> Revisions:
        script = ScriptDirectory.from_config(alembic_config())
        known = frozenset(rev.revision for rev in script.walk_revisions())
        ancestors = {rev: frozenset(r.revision for r in script.iterate_revisions(rev, "base"))
                     for rev in known}
        branches = []
        for branch in branches_for(enabled):
            head = script.get_revision(f"{branch}@head")
            assert head is not None
            branches.append((branch, head.revision,
                             tuple(_own_lineage(script, head.revision))))
        return cls(known, ancestors, tuple(branches))


def states(engine: Engine | Connection, enabled: list[str], revisions: Revisions | None = None
           ) -> list[BranchState]:
    """Where each branch is and where its head is (``revisions``: the scripts as read once
    by the caller; read now when not given). ``engine`` may be a connection the caller
    holds (``/healthz`` reads on the connection it just checked, issue 11)."""
    if revisions is None:
        revisions = Revisions.load(enabled)
    if isinstance(engine, Connection):
        current = current_heads(engine)
    else:
        with engine.connect() as connection:
            current = current_heads(connection)
    missing = sorted(current - revisions.known)
    if missing:
        raise PluginError(
            f"the database has migration revisions {', '.join(missing)} that no installed "
            "plugin provides: reinstall the plugin that made them (to stop using a plugin, "
            "remove it from the settings' plugins instead of uninstalling it)")
    # alembic keeps only the heads in alembic_version: when a plugin's revision depends on
    # core's, core's row goes. So a branch's position is the newest of its own revisions
    # reached by any recorded head, dependencies included.
    reached: set[str] = set()
    for rev in current:
        reached.update(revisions.ancestors[rev])
    result = []
    for branch, head, lineage in revisions.branches:
        at = next((rev for rev in lineage if rev in reached), None)
        result.append(BranchState(branch, at, head))
    return result


def current_heads(connection: Connection) -> set[str]:
    """The revisions recorded in ``alembic_version`` (none before the first upgrade).

    A plain SELECT: configuring alembic's ``MigrationContext`` to ask it cost about a
    millisecond of Python per ``/healthz`` call, more than the rest of the check (issue 11).
    The table and column names are alembic's defaults, which this project does not change.
    """
    try:
        return {row[0] for row in connection.execute(text(
            "SELECT version_num FROM alembic_version"))}
    except DBAPIError:
        connection.rollback()  # PostgreSQL: the failed statement aborted the transaction
        if inspect(connection).has_table("alembic_version"):
            raise
        return set()


def _own_lineage(script: ScriptDirectory, head: str) -> list[str]:
    """A branch's own revisions, newest first, following ``down_revision`` only (not
    ``depends_on``, which points into another branch)."""
    lineage: list[str] = []
    todo = [head]
    while todo:
        rev = script.get_revision(todo.pop())
        if rev is None or rev.revision in lineage:
            continue
        lineage.append(rev.revision)
        down = rev.down_revision
        todo.extend([down] if isinstance(down, str) else list(down or ()))
    return lineage


def pending(engine: Engine | Connection, enabled: list[str],
            revisions: Revisions | None = None) -> list[str]:
    return [state.branch for state in states(engine, enabled, revisions) if state.pending]


def upgrade(engine: Engine, enabled: list[str]) -> list[str]:
    """Upgrade core and each enabled plugin to its head; returns the branches that moved."""
    moved = pending(engine, enabled)
    for branch in branches_for(enabled):
        with _connect(engine) as connection:
            command.upgrade(alembic_config(connection), f"{branch}@head")
    return moved


def table_owners(plugins: list[tuple[str, str]]) -> dict[str, str]:
    """Which branch owns each mapped table: ``core`` or a plugin name.

    ``plugins`` pairs plugin names with their package module names; a table belongs to the
    plugin whose package defines its model (or to ``table.info["owner"]`` for plain tables).
    """
    from core.db import Base

    owners: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        owner = "core" if module.split(".")[0] == "core" else None
        for name, package in plugins:
            if module == package or module.startswith(package + "."):
                owner = name
        for table in mapper.tables:
            owners[table.name] = owner or "unknown"
    for table in Base.metadata.tables.values():
        owners.setdefault(table.name, str(table.info.get("owner", "unknown")))
    return owners


def model_differences(engine: Engine, plugins: list[tuple[str, str]]) -> list[object]:
    """What autogenerate would change for core and the given plugins (empty when in sync)."""
    from alembic.autogenerate import compare_metadata

    from core.db import Base

    owners = table_owners(plugins)
    wanted = {"core", *(name for name, _ in plugins)}

    def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                       compare_to: object) -> bool:
        if type_ == "table":
            return owners.get(str(name)) in wanted
        table = getattr(obj, "table", None)
        if table is not None:
            return owners.get(table.name) in wanted
        return True

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))
