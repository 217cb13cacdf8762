"""The ``aftersales`` command line: users, demo data, periodic jobs, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.cli import cli
from core.entities import ServiceCase, Unit, User
from tests.support import Harness


@pytest.fixture
def env(harness: Harness, tmp_path: Path) -> dict[str, str]:
    return {"AFTERSALES_DATABASE_URL": harness.url, "AFTERSALES_VAR_DIR": str(tmp_path),
            "AFTERSALES_PLUGINS": ",".join(harness.settings.plugins),
            "AFTERSALES_SECURITY__ARGON2_TIME_COST": "1",
            "AFTERSALES_SECURITY__ARGON2_MEMORY_COST_KIB": "8",
            "AFTERSALES_SECURITY__ARGON2_PARALLELISM": "1"}


def test_user_add_and_passwd(harness: Harness, env: dict[str, str]) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "East-Tech2", "--name", "Qian Li",
                                "--service-point", "EAST-SH", "--role", "technician",
                                "--password-stdin"], input="long-enough-1\n", env=env)
    assert added.exit_code == 0, added.output
    with harness.session() as session:
        user = session.scalars(select(User).where(User.login == "east-tech2")).one()
        assert user.region_id == user.service_point.region_id
    harness.client().login("east-tech2", "long-enough-1")  # asserts the redirect
    taken = runner.invoke(cli, ["user", "add", "east-tech2", "--name", "x", "--service-point",
                                "EAST-SH", "--role", "technician", "--password-stdin"],
                          input="long-enough-1\n", env=env)
    assert taken.exit_code == 1 and "is taken" in taken.output
    assert "Traceback" not in taken.output
    bad_point = runner.invoke(cli, ["user", "add", "zed", "--name", "Z", "--service-point",
                                    "NOWHERE", "--role", "nonesuch", "--password-stdin"],
                              input="long-enough-1\n", env=env)
    assert bad_point.exit_code == 1 and "NOWHERE" in bad_point.output
    changed = runner.invoke(cli, ["user", "passwd", "east-tech2", "--password-stdin"],
                            input="another-pass-2\n", env=env)
    assert changed.exit_code == 0, changed.output
    short = runner.invoke(cli, ["user", "passwd", "east-tech2", "--password-stdin"],
                          input="short\n", env=env)
    assert short.exit_code == 1 and "at least 8" in short.output


def test_demo_is_idempotent(harness: Harness, env: dict[str, str]) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["demo"], env=env)
    assert first.exit_code == 0, first.output
    assert "hq-admin" in first.output and "east-clerk" in first.output
    with harness.session() as session:
        counts = (session.scalar(select(func.count()).select_from(ServiceCase)),
                  session.scalar(select(func.count()).select_from(Unit)))
        states = set(session.scalars(select(ServiceCase.state)))
    assert counts[0] > 0 and counts[1] >= 300
    assert {"registered", "inspected", "quoted", "confirmed", "dispatched", "in_repair",
            "repaired", "returned", "closed", "cancelled", "refused"} <= states
    again = runner.invoke(cli, ["demo"], env=env)
    assert again.exit_code == 0
    with harness.session() as session:
        assert (session.scalar(select(func.count()).select_from(ServiceCase)),
                session.scalar(select(func.count()).select_from(Unit))) == counts


def test_demo_scale_generates_units_and_cases(harness: Harness, env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["demo", "--scale", "500"], env=env)
    assert result.exit_code == 0, result.output
    with harness.session() as session:
        counts = (session.scalar(select(func.count()).select_from(Unit)),
                  session.scalar(select(func.count()).select_from(ServiceCase)))
    assert counts[0] >= 800 and counts[1] >= 100
    again = CliRunner().invoke(cli, ["demo", "--scale", "500"], env=env)
    assert again.exit_code == 0, again.output
    more = CliRunner().invoke(cli, ["demo", "--scale", "700"], env=env)
    assert more.exit_code == 0, more.output
    with harness.session() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == counts[0] + 200
        assert session.scalar(select(func.count()).select_from(ServiceCase)) == \
            counts[1] + 40


def test_tick_runs_registered_jobs(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["tick"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip()


@pytest.mark.parametrize(("text", "expected"), [
    ("[plugin.warranty]\nwarranty_months = 'lots'\n", "[plugin.warranty] warranty_months"),
    # issue 12: a file still using core's old key is told where the setting lives now
    ("[policy]\nwarranty_months = 36\n", "write it as [plugin.warranty] warranty_months"),
])
def test_bad_settings_file_is_one_line_without_traceback(tmp_path: Path, text: str,
                                                         expected: str) -> None:
    config = tmp_path / "aftersales.toml"
    config.write_text(text, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "core.cli", "--config", str(config),
                                "check"], capture_output=True, text=True, cwd=tmp_path)
    assert completed.returncode == 1
    assert expected in completed.stderr and str(config) in completed.stderr
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_check_shows_each_plugins_own_settings(harness: Harness, env: dict[str, str]) -> None:
    """issue 12 item 3: ``aftersales check`` prints every enabled plugin's settings, with the
    value an environment variable gives it."""
    runner = CliRunner()
    checked = runner.invoke(cli, ["check"], env={
        **env, "AFTERSALES_PLUGIN__TRAINING__CERTIFICATION_VALIDITY_MONTHS": "18",
        "AFTERSALES_PLUGIN__WARRANTY__WARRANTY_MONTHS": "36"})
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    assert any(line.strip().startswith("[plugin.training]") and
               "certification_validity_months" in line and "18" in line for line in lines), \
        checked.output
    assert any(line.strip().startswith("[plugin.warranty]") and "warranty_months" in line and
               "36" in line and "return_depreciation_percent" in line for line in lines), \
        checked.output
    assert "migrations: current" in checked.output


def test_importing_the_cli_loads_no_web_or_database_stack() -> None:
    """Issue 11: ``aftersales --help`` must be quick, so importing the command line must not
    import SQLAlchemy, Starlette, alembic, pydantic or the plugins (they load on first use)."""
    heavy = ("sqlalchemy", "starlette", "alembic", "pydantic", "core.plugins", "core.app")
    code = ("import sys, core.cli; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent.parent)
    assert done.stdout.strip() == "", done.stdout
    shown = subprocess.run([sys.executable, "-m", "core.cli", "--help"], capture_output=True,
                           text=True, check=True, cwd=Path(__file__).parent.parent.parent)
    assert "serve" in shown.stdout and "worker" in shown.stdout


def test_help_lists_plugin_commands_without_the_validated_settings() -> None:
    """``--help`` reads only the plugins' names (``core.plugin_names``): pydantic, the
    settings models, SQLAlchemy and the web stack stay unloaded, and the enabled plugins'
    commands are still listed."""
    heavy = ("sqlalchemy", "starlette", "pydantic", "core.settings", "core.app")
    code = ("import sys\nfrom core.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            f"print('loaded:' + ','.join(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent.parent,
                          env={**os.environ, "AFTERSALES_PLUGINS": "warranty,training"})
    assert done.stdout.strip().endswith("loaded:"), done.stdout
    assert "serve" in done.stdout
