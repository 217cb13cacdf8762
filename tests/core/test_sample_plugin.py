"""A product line shipped as its own package (``tests/sample_plugin``) works with no change to
core: pip installs it, the entry point makes it known, ``aftersales plugins`` lists it,
``db upgrade`` creates its table and only that, its page, menu entry and static file are
served, and its body-code format is asked before core's. Disabling it leaves its data alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from core import migrate
from core.cli import cli
from core.hooktypes import BodyCode
from core.security.roles import sync_roles
from tests.support import Harness

SOURCE = Path(__file__).parent.parent / "sample_plugin"
CODE = "SMP.20240301.7"
CORE_CODE = "PA2400-240315-00042"


def _setuptools_builds_wheels() -> bool:
    """setuptools builds wheels by itself from 70.1 on; older ones need ``wheel``."""
    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        import setuptools
        from packaging.version import Version
    except ImportError:
        return False
    return Version(setuptools.__version__) >= Version("70.1")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``pip install`` the sample package into a folder of its own and put that folder on
    ``sys.path`` for this module's tests: the venv is not touched."""
    root = tmp_path_factory.mktemp("sample-plugin")
    source = root / "src"  # build from a copy: setuptools writes build/ and egg-info/
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__"))
    target = root / "site"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
               "--disable-pip-version-check", "--target", str(target)]
    if _setuptools_builds_wheels():
        command.append("--no-build-isolation")  # no download: the venv's setuptools builds
    done = subprocess.run([*command, str(source)], capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        pytest.fail(f"pip could not install the sample plugin:\n{done.stdout}\n{done.stderr}")
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        importlib.invalidate_caches()


@pytest.fixture
def sample(installed: Path, make_app: Callable[..., Harness]) -> Harness:
    """warranty and sample enabled on a copy of the template database, sample migrated."""
    h = make_app(plugins=["warranty", "sample"])
    assert migrate.upgrade(h.app.state.engine, h.app.state.enabled) == ["sample"]
    with h.session() as session:
        sync_roles(session, h.app.state.registry)
        session.commit()
    return h


def _tables(h: Harness) -> set[str]:
    return set(inspect(h.app.state.engine).get_table_names())


def test_pip_installed_plugin_is_found_by_its_entry_point(installed: Path) -> None:
    found = {ep.name: ep for ep in entry_points(group="aftersales.plugins")}
    assert found["sample"].value == "aftersales_sample"
    # the package data a plugin needs came along with the code
    package = installed / "aftersales_sample"
    assert (package / "migrations" / "versions" / "s0001_sample_note.py").is_file()
    assert (package / "templates" / "sample" / "notes.html").is_file()
    assert (package / "static" / "sample.css").is_file()


def test_cli_plugins_lists_it(installed: Path, tmp_path: Path) -> None:
    config = tmp_path / "aftersales.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/x.db"\n'
                      f'var_dir = "{tmp_path}"\n'
                      'plugins = ["warranty", "sample"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["plugins"], env={"AFTERSALES_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert rows["sample"][1:4] == ["yes", "1", "0.1.0"]
    assert rows["warranty"][1:4] == ["yes", "2", "0.1.0"]
    assert rows["loaner"][1] == "no"


def test_db_upgrade_adds_only_its_table(installed: Path, make_app: Callable[..., Harness],
                                        tmp_path: Path, backend: str) -> None:
    # The template database has core and every built-in plugin: enabling sample later.
    before_app = make_app()
    before = _tables(before_app)
    assert "sample_note" not in before
    config = tmp_path / "aftersales.toml"
    config.write_text(f'database_url = "{before_app.url}"\nvar_dir = "{tmp_path}"\n'
                      'plugins = ["warranty", "sample"]\n', encoding="utf-8")
    env = {"AFTERSALES_CONFIG": str(config)}
    runner = CliRunner()
    pending = runner.invoke(cli, ["db", "current"], env=env)
    assert pending.exit_code == 0, pending.output
    assert any(line.startswith("sample") and line.endswith("pending")
               for line in pending.output.splitlines())
    upgraded = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output.strip() == "upgraded: sample"
    assert _tables(before_app) - before == {"sample_note"}
    assert runner.invoke(cli, ["check"], env=env).exit_code == 0
    # the migration says what the model says
    h = make_app(plugins=["warranty", "sample"], url=before_app.url)
    modules = [(p.name, p.module.__name__) for p in h.app.state.plugins]
    assert migrate.model_differences(h.app.state.engine, modules) == []


def test_page_menu_and_static_file(sample: Harness) -> None:
    with sample.session() as session:
        session.execute(text("INSERT INTO sample_note (body_code, text) "
                             "VALUES ('SMP.20240301.7', 'Fan rattles at idle')"))
        session.commit()
    client = sample.client("hq-admin")
    page = client.get("/sample/notes")
    assert page.status_code == 200, page.text
    assert "Fan rattles at idle" in page.text and "SMP.20240301.7" in page.text
    assert 'data-menu="sample.notes"' in page.text  # its menu entry, in core's layout
    assert 'data-menu="sample.notes"' in client.get("/").text
    css = client.get("/static/sample/sample.css")
    assert css.status_code == 200 and "sample-notes" in css.text


def test_page_needs_its_permission(sample: Harness) -> None:
    client = sample.client("hq-tech")
    assert client.get("/sample/notes").status_code == 403
    assert 'data-menu="sample.notes"' not in client.get("/").text
    anonymous = sample.client().get("/sample/notes", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


def test_its_body_code_format_is_asked_before_core(sample: Harness) -> None:
    hook = sample.app.state.pm.hook.decode_body_code
    decoded = hook(code=CODE)
    assert isinstance(decoded, BodyCode)
    assert (decoded.model_code, decoded.factory_date.isoformat(), decoded.sequence) == \
        ("SMP1", "2024-03-01", "7")
    assert [impl.plugin_name for impl in hook.get_hookimpls()][-1] == "sample:hooks"
    core_code = hook(code=CORE_CODE)
    assert (core_code.model_code, core_code.factory_date.isoformat()) == \
        ("PA2400", "2024-03-15")
    assert hook(code="nonsense") is None


def test_disabling_it_leaves_its_table_and_data(sample: Harness,
                                                make_app: Callable[..., Harness],
                                                backend: str) -> None:
    with sample.session() as session:
        session.execute(text("INSERT INTO sample_note (body_code, text) "
                             "VALUES ('SMP.20240301.8', 'kept')"))
        session.commit()
    trimmed = make_app(plugins=["warranty"], url=sample.url)
    engine = trimmed.app.state.engine
    assert migrate.upgrade(engine, ["warranty"]) == []
    assert migrate.pending(engine, ["warranty"]) == []
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT body_code, text FROM sample_note")).all()
    assert [tuple(r) for r in rows] == [("SMP.20240301.8", "kept")]
    client = trimmed.client("hq-admin")
    assert client.get("/sample/notes").status_code == 404
    assert 'data-menu="sample.notes"' not in client.get("/").text
    assert trimmed.app.state.pm.hook.decode_body_code(code=CODE) is None
