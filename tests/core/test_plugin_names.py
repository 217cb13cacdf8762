"""``core.plugin_names``: the enabled plugins read the way ``load_settings`` reads them, for
``aftersales --help`` (issue 11), and ``None`` whenever the real settings must speak."""

from __future__ import annotations

from pathlib import Path

from core.plugin_names import BUILTIN_PLUGINS, enabled_plugin_names
from core.settings import load_settings


def _same_as_settings(config: Path | None, environ: dict[str, str]) -> list[str] | None:
    names = enabled_plugin_names(str(config) if config else None, environ)
    assert names == load_settings(config, environ).plugins
    return names


def test_names_come_from_the_environment_then_the_file_then_the_built_ins(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./aftersales.toml
    assert _same_as_settings(None, {}) == BUILTIN_PLUGINS
    config = tmp_path / "office.toml"
    config.write_text('plugins = ["warranty", "loaner"]\n', encoding="utf-8")
    assert _same_as_settings(config, {}) == ["warranty", "loaner"]
    assert _same_as_settings(config, {"AFTERSALES_PLUGINS": " training , parts,"}) == \
        ["training", "parts"]
    assert _same_as_settings(None, {"AFTERSALES_CONFIG": str(config)}) == \
        ["warranty", "loaner"]
    plain = tmp_path / "plain.toml"
    plain.write_text('instance_name = "Chengdu"\n', encoding="utf-8")
    assert _same_as_settings(plain, {}) == BUILTIN_PLUGINS


def test_what_only_the_settings_can_explain_gives_none(tmp_path: Path) -> None:
    assert enabled_plugin_names(str(tmp_path / "missing.toml"), {}) is None
    broken = tmp_path / "broken.toml"
    broken.write_text("plugins = [", encoding="utf-8")
    assert enabled_plugin_names(str(broken), {}) is None
    odd = tmp_path / "odd.toml"
    odd.write_text('plugins = "warranty"\n', encoding="utf-8")
    assert enabled_plugin_names(str(odd), {}) is None
