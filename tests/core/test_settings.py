"""Settings: aftersales.toml + AFTERSALES_* environment, typed, strict, secret kept in var/."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from core.settings import BUILTIN_PLUGINS, SettingsError, load_settings, session_secret


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aftersales.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.source == "defaults"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.default_locale == "en"
    assert settings.plugins == BUILTIN_PLUGINS
    assert settings.policy.inspection_fee_cents == 0
    assert settings.dashboard.turnaround_cache_seconds == 300  # issue 11
    assert settings.plugin == {}  # plugins' own tables, validated by each plugin
    assert settings.database_url.startswith("sqlite:///")


def test_file_values_are_typed(tmp_path: Path) -> None:
    path = write(tmp_path, """
instance_name = "Jietai East"
region_code = "EAST"
plugins = ["warranty", "loaner"]
default_locale = "zh_CN"
timezone = "Asia/Urumqi"
[policy]
inspection_fee_cents = 5000
[plugin.training]
certification_validity_months = 12
""")
    settings = load_settings(path, environ={})
    assert settings.instance_name == "Jietai East"
    assert settings.plugins == ["warranty", "loaner"]
    assert settings.policy.inspection_fee_cents == 5000
    assert settings.plugin == {"training": {"certification_validity_months": 12}}
    assert settings.tz.key == "Asia/Urumqi"
    assert settings.source == str(path)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'plugins = ["warranty"]\n[policy]\ninspection_fee_cents = 36\n')
    settings = load_settings(path, environ={
        "AFTERSALES_PLUGINS": "warranty, loaner",
        "AFTERSALES_POLICY__INSPECTION_FEE_CENTS": "12",
        "AFTERSALES_DATABASE_URL": "postgresql://x@y/z",
        "AFTERSALES_DASHBOARD__TURNAROUND_CACHE_SECONDS": "0",
        "AFTERSALES_TEST_REQUIRE": "postgres",  # reserved for the test-suite, not a setting
    })
    assert settings.plugins == ["warranty", "loaner"]
    assert settings.policy.inspection_fee_cents == 12
    assert settings.database_url == "postgresql://x@y/z"
    assert settings.dashboard.turnaround_cache_seconds == 0  # the cache off


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("instance_nme = 'typo'\n", "unknown key 'instance_nme'"),
        ("[policy]\ninspection_fee = 24\n", "unknown key 'policy.inspection_fee'"),
        ("[policy]\ninspection_fee_cents = 'a lot'\n", "policy.inspection_fee_cents"),
        # issue 12: the warranty's parameters are the plugin's now; the old place says so
        ("[policy]\nwarranty_months = 36\n",
         "[policy] warranty_months is now the warranty plugin's setting: write it as "
         "[plugin.warranty] warranty_months"),
        ("[policy]\nreturn_depreciation_percent = 5\n",
         "[plugin.warranty] return_depreciation_percent"),
        ("plugins = 'warranty'\n", "plugins"),
        ("timezone = 'Mars/Olympus'\n", "unknown time zone"),
        ("default_locale = 'fr'\n", "default_locale"),
        ("plugins = ['warranty', 'warranty']\n", "listed twice"),
        ("this is not toml", "not valid TOML"),
        # issue 11: seconds, 0 (off) to an hour; not a switch, not a fraction
        ("[dashboard]\nturnaround_cache_seconds = -1\n",
         "dashboard.turnaround_cache_seconds: Input should be greater than or equal to 0"),
        ("[dashboard]\nturnaround_cache_seconds = 3601\n", "dashboard.turnaround_cache_seconds"),
        ("[dashboard]\nturnaround_cache_seconds = 1.5\n", "dashboard.turnaround_cache_seconds"),
        ("[dashboard]\nturnaround_cache_seconds = true\n", "not true/false"),
        ("[dashboard]\nturnaround_cache_seconds = 'soon'\n",
         "dashboard.turnaround_cache_seconds"),
        ("[dashboard]\nturnaround_cache = 60\n", "unknown key 'dashboard.turnaround_cache'"),
    ],
)
def test_bad_file_names_the_key_and_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert expected in message
    assert str(path) in message


def test_unknown_environment_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AFTERSALES_WARANTY_MONTHS"):
        load_settings(write(tmp_path, ""), environ={"AFTERSALES_WARANTY_MONTHS": "3"})


def test_wrong_type_in_environment(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"policy\.inspection_fee_cents"):
        load_settings(write(tmp_path, ""),
                      environ={"AFTERSALES_POLICY__INSPECTION_FEE_CENTS": "many"})


def test_a_moved_policy_variable_names_its_new_place(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AFTERSALES_PLUGIN__WARRANTY__RETURN_WINDOW_MONTHS"):
        load_settings(write(tmp_path, ""),
                      environ={"AFTERSALES_POLICY__RETURN_WINDOW_MONTHS": "2"})


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_session_secret_made_once_with_mode_0600(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, f'var_dir = "{tmp_path / "var"}"\n'), environ={})
    first = session_secret(settings)
    second = session_secret(settings)
    assert first == second and len(first) >= 40
    secret_file = tmp_path / "var" / "session-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_secret_is_not_in_the_repository() -> None:
    root = Path(__file__).parents[2]
    ignored = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "var/" in ignored


def test_plugin_settings_are_the_plugins_own_and_strict(tmp_path: Path,
                                                        make_app: Any) -> None:
    """[plugin.<name>] is validated by the plugin's model: defaults, types, unknown keys,
    a plugin that is not installed, and the environment."""
    from core.plugin_api import plugin_settings

    h = make_app(plugins=["training"])
    assert plugin_settings(h.app, "training").certification_validity_months == 24  # P-1
    h = make_app(plugins=["training"], plugin={"training": {"certification_validity_months": 6}})
    with h.session() as session:
        assert plugin_settings(session, "training").certification_validity_months == 6
    with pytest.raises(SettingsError, match=r"\[plugin.training\] certification_validity_"
                                            r"months: Input should be a valid integer"):
        make_app(plugins=["training"], plugin={"training": {"certification_validity_months":
                                                            "two years"}})
    with pytest.raises(SettingsError, match=r"\[plugin.training\] unknown key 'validity'"):
        make_app(plugins=["training"], plugin={"training": {"validity": 6}})
    with pytest.raises(SettingsError, match=r"\[plugin.trainnig\]: no plugin 'trainnig' is "
                                            "installed"):
        make_app(plugins=["training"], plugin={"trainnig": {"validity": 6}})
    # a table for an installed plugin that is not enabled is kept and ignored
    h = make_app(plugins=["warranty"], plugin={"training": {"certification_validity_months": 6}})
    with pytest.raises(KeyError):
        plugin_settings(h.app, "training")
    env = load_settings(environ={"AFTERSALES_PLUGIN__TRAINING__CERTIFICATION_VALIDITY_MONTHS":
                                 "18"})
    assert env.plugin == {"training": {"certification_validity_months": "18"}}
    with pytest.raises(SettingsError, match="AFTERSALES_PLUGIN__<PLUGIN>__<KEY>"):
        load_settings(environ={"AFTERSALES_PLUGIN__TRAINING": "18"})
