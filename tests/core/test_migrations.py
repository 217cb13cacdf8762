"""Alembic: one branch per plugin, upgrade from empty, models agree with migrations,
and the server refuses to start while migrations are pending."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from core import migrate
from core.app import PendingMigrations
from core.cli import cli
from core.db import make_engine
from core.settings import BUILTIN_PLUGINS
from tests.support import Databases, Harness


def _plugin_modules(h: Harness) -> list[tuple[str, str]]:
    return [(p.name, p.module.__name__) for p in h.app.state.plugins]


def test_upgrade_from_empty_then_models_agree(make_app: Callable[..., Harness],
                                              databases: Databases, backend: str) -> None:
    url = databases.empty(backend)
    h = make_app(url=url)
    engine = h.app.state.engine
    assert migrate.pending(engine, h.app.state.enabled)[0] == "core"
    moved = migrate.upgrade(engine, h.app.state.enabled)
    assert moved == migrate.branches_for(h.app.state.enabled)
    assert migrate.pending(engine, h.app.state.enabled) == []
    tables = set(inspect(engine).get_table_names())
    assert {"region", "service_point", "user_account", "audit_event", "alembic_version"} <= tables
    assert migrate.model_differences(engine, _plugin_modules(h)) == []


def test_upgrade_twice_changes_nothing(make_app: Callable[..., Harness]) -> None:
    h = make_app()
    assert migrate.upgrade(h.app.state.engine, h.app.state.enabled) == []


def test_each_branch_is_its_own_alembic_branch() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    core_head = script.get_revision("core@head")
    assert core_head is not None
    roots = [rev for rev in script.walk_revisions() if rev.down_revision is None]
    for root in roots:
        assert root.branch_labels, f"revision {root.revision} starts a branch without a label"
        if "core" not in root.branch_labels:
            assert root.dependencies, f"plugin branch {root.branch_labels} must depend on core"


def test_lifespan_refuses_to_start_with_pending_migrations(
    make_app: Callable[..., Harness], databases: Databases
) -> None:
    h = make_app(url=databases.empty("sqlite"))
    from starlette.testclient import TestClient

    with pytest.raises(PendingMigrations, match="aftersales db upgrade"), TestClient(h.app):
        pass


def test_serve_refuses_and_names_the_command(databases: Databases, tmp_path) -> None:
    url = databases.empty("sqlite")
    env = {"AFTERSALES_DATABASE_URL": url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": "warranty"}
    result = CliRunner().invoke(cli, ["serve", "--port", "1"], env=env)
    assert result.exit_code != 0
    assert "Run `aftersales db upgrade` first" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_and_current_through_cli(databases: Databases, tmp_path,
                                            backend: str) -> None:
    url = databases.empty(backend)
    env = {"AFTERSALES_DATABASE_URL": url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": ",".join(BUILTIN_PLUGINS),
           "AFTERSALES_SECURITY__ARGON2_MEMORY_COST_KIB": "8",
           "AFTERSALES_SECURITY__ARGON2_TIME_COST": "1",
           "AFTERSALES_SECURITY__ARGON2_PARALLELISM": "1"}
    runner = CliRunner()
    before = runner.invoke(cli, ["db", "current"], env=env)
    assert before.exit_code == 0 and "pending" in before.output
    check = runner.invoke(cli, ["check"], env=env)
    assert check.exit_code != 0 and "pending" in check.output
    upgraded = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    after = runner.invoke(cli, ["db", "current"], env=env)
    assert "pending" not in after.output and "current" in after.output
    assert runner.invoke(cli, ["check"], env=env).exit_code == 0
    engine = make_engine(url)
    with engine.connect() as connection:
        roles = connection.execute(text("SELECT count(*) FROM role")).scalar()
    engine.dispose()
    assert roles and roles >= 7
    databases.drop(url)


def test_enabling_a_plugin_later_adds_only_its_tables(make_app: Callable[..., Harness],
                                                      databases: Databases,
                                                      backend: str) -> None:
    url = databases.empty(backend)
    bare = make_app(plugins=[], url=url)
    engine = bare.app.state.engine
    assert migrate.upgrade(engine, []) == ["core"]
    before = set(inspect(engine).get_table_names())
    assert "warranty_request" not in before
    with_warranty = make_app(plugins=["warranty"], url=url)
    assert migrate.pending(with_warranty.app.state.engine, ["warranty"]) == ["warranty"]
    assert migrate.upgrade(with_warranty.app.state.engine, ["warranty"]) == ["warranty"]
    after = set(inspect(with_warranty.app.state.engine).get_table_names())
    assert after - before == {"warranty_request"}
    # core stays current although alembic keeps only the plugin's head row
    assert migrate.pending(with_warranty.app.state.engine, ["warranty"]) == []
    assert migrate.pending(engine, []) == []
    # disabling it again: upgrading the trimmed set touches nothing, its table stays
    assert migrate.upgrade(engine, []) == []
    assert "warranty_request" in set(inspect(engine).get_table_names())


def test_a_revision_no_installed_plugin_provides_is_named(make_app: Callable[..., Harness],
                                                          tmp_path) -> None:
    from core.plugins import PluginError

    h = make_app()
    with h.app.state.engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('gone01')"))
    with pytest.raises(PluginError, match="gone01"):
        migrate.pending(h.app.state.engine, h.app.state.enabled)
    health = h.client().get("/healthz")
    assert health.status_code == 503 and "gone01" in health.json()["migrations"]
    env = {"AFTERSALES_DATABASE_URL": h.url, "AFTERSALES_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, ["check"], env=env)
    assert result.exit_code == 1 and "gone01" in result.output
    assert "Traceback" not in result.output
