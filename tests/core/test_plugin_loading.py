"""Plugin discovery and load order: only enabled plugins are imported; a missing dependency,
a cycle or an unknown name stops startup with a message that says what is available."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner

from core import plugins as plugin_host
from core.cli import cli
from core.manifest import Manifest
from core.plugins import PluginError, available_plugins, resolve

FAKES = {
    "base": (),
    "addon": ("base",),
    "extra": ("addon", "base"),
    "needs_ghost": ("ghost",),
    "loop_a": ("loop_b",),
    "loop_b": ("loop_a",),
}


@pytest.fixture
def fake_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, EntryPoint]]:
    """Installs in-memory plugin modules and entry points for them."""
    eps = []
    for name, depends in FAKES.items():
        module = types.ModuleType(f"fakeplug_{name}")
        module.MANIFEST = Manifest(name, "1.0", depends=depends)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        eps.append(EntryPoint(name=name, value=module.__name__, group="aftersales.plugins"))
    monkeypatch.setattr(plugin_host, "entry_points", lambda group: eps)
    yield {ep.name: ep for ep in eps}


def test_builtin_plugins_are_discovered_by_entry_point() -> None:
    assert {"warranty", "loaner", "training", "parts", "feedback"} <= set(available_plugins())


def test_only_enabled_plugins_are_imported() -> None:
    for name in ("plugins.loaner", "plugins.parts"):
        sys.modules.pop(name, None)
    loaded = resolve(["warranty"])
    assert [p.name for p in loaded] == ["warranty"]
    assert "plugins.loaner" not in sys.modules
    assert "plugins.parts" not in sys.modules


def test_load_order_follows_depends(fake_plugins: dict[str, EntryPoint]) -> None:
    assert [p.name for p in resolve(["extra", "addon", "base"])] == ["base", "addon", "extra"]


def test_unknown_plugin_names_what_is_available(fake_plugins: dict[str, EntryPoint]) -> None:
    with pytest.raises(PluginError) as caught:
        resolve(["base", "nonesuch"], source="aftersales.toml")
    message = str(caught.value)
    assert "'nonesuch'" in message and "aftersales.toml" in message
    assert "available: addon, base" in message


def test_missing_dependency_names_plugin_and_need(fake_plugins: dict[str, EntryPoint]) -> None:
    with pytest.raises(PluginError) as caught:
        resolve(["addon"])
    message = str(caught.value)
    assert "'addon' needs 'base'" in message
    assert "installed but not enabled" in message
    assert "available:" in message
    with pytest.raises(PluginError, match="'needs_ghost' needs 'ghost', which is not installed"):
        resolve(["needs_ghost"])


def test_cycle_is_reported(fake_plugins: dict[str, EntryPoint]) -> None:
    with pytest.raises(PluginError, match="cycle: loop_"):
        resolve(["loop_a", "loop_b"])


def test_manifest_name_must_match_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("fakeplug_mismatch")
    module.MANIFEST = Manifest("other", "1.0")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    ep = EntryPoint(name="mismatch", value=module.__name__, group="aftersales.plugins")
    monkeypatch.setattr(plugin_host, "entry_points", lambda group: [ep])
    with pytest.raises(PluginError, match="must agree"):
        resolve(["mismatch"])


def test_cli_reports_plugin_errors_in_one_line(tmp_path) -> None:
    env = {"AFTERSALES_PLUGINS": "warranty,nonesuch",
           "AFTERSALES_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "AFTERSALES_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, ["db", "current"], env=env)
    assert result.exit_code != 0
    assert "unknown plugin 'nonesuch'" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_plugins_lists_available_enabled_versions_order(tmp_path) -> None:
    env = {"AFTERSALES_PLUGINS": "warranty,loaner",
           "AFTERSALES_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "AFTERSALES_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, ["plugins"], env=env)
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert lines["loaner"][1:4] == ["yes", "1", "0.1.0"]
    assert lines["warranty"][1:4] == ["yes", "2", "0.1.0"]
    assert lines["parts"][1] == "no"
    # the depends column holds plugin names (or "-"), the module has its own column
    assert lines["warranty"][4:] == ["-", "plugins.warranty"]
    assert lines["parts"][-2:] == ["-", "plugins.parts"]
