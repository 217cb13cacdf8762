"""The warranty's parameters are the plugin's (issue 12 item 3): ``[plugin.warranty]`` with
POLICY.md's defaults, validated strictly at start-up, used by every decision; core's
``[policy]`` no longer has them and a file that still sets them is told where they went."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.app import create_app
from core.settings import PolicySettings, SettingsError, load_settings
from plugins.warranty.settings import WarrantySettings
from tests.core.desk_helpers import bearer
from tests.support import Harness, settings_for


def test_defaults_are_policy_md_and_core_keeps_none_of_them() -> None:
    assert WarrantySettings().model_dump() == {
        "warranty_months": 24, "return_window_months": 1, "return_depreciation_percent": 10}
    assert not set(WarrantySettings.model_fields) & set(PolicySettings.model_fields)


def test_the_instance_settings_decide(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["warranty"], plugin={"warranty": {
        "warranty_months": 12, "return_window_months": 2, "return_depreciation_percent": 20}})
    body = {"body_code": "PA2400-240315-00042", "request": "repair", "on": "2025-06-01"}
    answer = h.client().post("/api/v1/warranty/assess", json=body,
                             headers=bearer(h, "hq-clerk")).json()
    assert (answer["coverage_class"], answer["warranty_end"]) == ("B", "2025-03-15")
    r8 = h.client().post("/api/v1/warranty/assess", headers=bearer(h, "hq-clerk"), json={
        "body_code": "PA2400-240315-00042", "request": "return", "on": "2024-05-10",
        "used": False, "well_kept": True}).json()  # within two months, not one
    assert r8["outcome"] == "exchange_or_depreciated_return"
    assert "20% depreciation" in r8["reason"] and "2 months" in r8["reason"]


@pytest.mark.parametrize(("values", "expected"), [
    ({"warranty_months": 0}, "[plugin.warranty] warranty_months"),
    ({"return_depreciation_percent": 101}, "[plugin.warranty] return_depreciation_percent"),
    ({"warranty_month": 24}, "[plugin.warranty] unknown key 'warranty_month'"),
    ({"return_window_months": "one"}, "[plugin.warranty] return_window_months"),
])
def test_a_bad_value_stops_start_up_naming_the_key(tmp_path: Path, values: dict,
                                                   expected: str) -> None:
    settings = settings_for(tmp_path / "var", f"sqlite:///{tmp_path / 'x.db'}", ["warranty"],
                            plugin={"warranty": values})
    with pytest.raises(SettingsError) as caught:
        create_app(settings)
    assert expected in str(caught.value)


def test_the_old_policy_keys_name_their_new_place(tmp_path: Path) -> None:
    path = tmp_path / "aftersales.toml"
    path.write_text("[policy]\nwarranty_months = 36\nreturn_window_months = 2\n",
                    encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert str(path) in message
    assert "write it as [plugin.warranty] warranty_months" in message
    assert "write it as [plugin.warranty] return_window_months" in message
    path.write_text("[plugin.warranty]\nwarranty_months = 36\n", encoding="utf-8")
    assert load_settings(path, environ={}).plugin == {"warranty": {"warranty_months": 36}}
