"""Bulk import of units and customers (issue 5): the service, the command line and the upload
page with its progress and error report."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from core.cli import cli
from core.db import utcnow
from core.entities import (
    AuditEvent,
    Customer,
    ImportRun,
    QueuedJob,
    Region,
    ServiceCase,
    ServicePoint,
    Unit,
    User,
)
from core.security.scope import set_scope
from core.services.bulk_import import ImportResult, import_customers, import_units
from core.services.catalogue import register_unit
from core.services.queue import run_due
from core.services.users import create_user
from core.web.views import imports
from tests.support import PASSWORD, Harness

UNIT_HEADER = "body_code,model_code,own_product,oem,customer_phone,sold_on\n"
CUSTOMER_HEADER = "name,company,address,phone,email,region_code\n"


def units(h: Harness, text: str, **options: object) -> ImportResult:
    with h.session() as session:
        result = import_units(session, h.app.state.pm, io.BytesIO(text.encode()),
                              today=date(2026, 11, 25), **options)  # type: ignore[arg-type]
        session.commit()
    return result


def problems(result: ImportResult) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for error in result.errors:
        found.setdefault(error.line, {})[error.column] = error.reason
    return found


def unit_codes(h: Harness) -> set[str]:
    with h.session() as session:
        return set(session.scalars(select(Unit.body_code)))


def region_id(h: Harness, code: str) -> int:
    with h.session() as session:
        return int(session.scalars(select(Region.id).where(Region.code == code)).one())


def test_valid_rows_kept_invalid_rows_listed(make_app: Callable[..., Harness],
                                            backend: str) -> None:
    h = make_app()
    hq = region_id(h, "HQ")
    with h.session() as session:
        register_unit(session, h.app.state.pm, body_code="PA2400-240101-00001",
                      model_code="PA2400")
        session.add(Customer(region_id=hq, name="Grand Theatre",
                             address="Tianhe", phone="020-1"))
        session.commit()
    text = UNIT_HEADER + "".join([
        "PA2400-240315-00042,PA2400,1,0,,2024-04-01\n",      # 2 valid
        "pa1200-240316-00007,,yes,,020-1,\n",                 # 3 valid, lower case, owner
        "PA2400-24031-00001,PA2400,1,0,,\n",                  # 4 malformed code
        "ZZ9999-240315-00001,,1,0,,\n",                       # 5 unknown model
        "PA2400-240230-00001,,1,0,,\n",                       # 6 date that does not exist
        "PA2400-240315-00043,MX12,1,0,,\n",                   # 7 model disagrees
        "PA2400-240315-00044,,maybe,0,,2024-13-01\n",         # 8 two problems
        "PA2400-240315-00045,,1,0,,2024-01-01\n",             # 9 sold before made
        "PA2400-240315-00042,,1,0,,\n",                       # 10 duplicate in the file
        "PA2400-240101-00001,,1,0,,\n",                       # 11 already in the database
        "PA2400-240315-00046,,1,0,555-none,\n",               # 12 no such customer
        "\n",                                                 # blank: not a row
        "OLD-AMP-7,Yamaha P7000,0,0,,2020-05-01\n",           # 14 not ours: kept as text
        "PA2400-240315-00047,,1\n",                           # 15 wrong number of fields
        "PA2400-240315-00048,,1,0,,2099-01-01\n",             # 16 sold in the future
    ])
    result = units(h, text)
    assert result.rows == 14
    assert result.inserted == 3
    assert result.duplicates == 2
    found = problems(result)
    assert set(found) == {4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16}
    assert "MODEL-YYMMDD-SEQ" in found[4]["body_code"]
    assert "PA2400-24031-00001" in found[4]["body_code"]
    assert "Unknown model 'ZZ9999'" in found[5]["model_code"]
    assert "does not exist" in found[6]["body_code"]
    assert "PA2400" in found[7]["model_code"]
    assert set(found[8]) == {"own_product", "sold_on"}
    assert "before it was made" in found[9]["sold_on"]
    assert "line 2" in found[10]["body_code"]
    assert "already exists" in found[11]["body_code"]
    assert "555-none" in found[12]["customer_phone"]
    assert "fields" in found[15][""]
    assert "future" in found[16]["sold_on"]
    # never a half row: a row with any problem left nothing behind
    assert unit_codes(h) == {"PA2400-240101-00001", "PA2400-240315-00042",
                             "PA1200-240316-00007", "OLD-AMP-7"}
    with h.session() as session:
        by_code = {u.body_code: u for u in session.scalars(select(Unit))}
    sold = by_code["PA1200-240316-00007"]
    assert sold.model.code == "PA1200" and sold.factory_date == date(2024, 3, 16)
    assert sold.sold_to is not None and sold.sold_to.name == "Grand Theatre"
    assert by_code["PA2400-240315-00042"].sold_on == date(2024, 4, 1)
    foreign = by_code["OLD-AMP-7"]
    assert foreign.model is None and foreign.model_text == "Yamaha P7000"
    assert foreign.factory_date is None and not foreign.own_product


def test_batches_check_the_database_and_report_progress(make_app: Callable[..., Harness],
                                                      backend: str) -> None:
    h = make_app()
    rows = [f"MC58-250101-{n:05d},,,,,\n" for n in range(1, 8)]
    rows.insert(5, "MC58-250101-00002,,,,,\n")  # repeats line 3, two batches later
    calls: list[tuple[int, int, int | None]] = []
    text = UNIT_HEADER + "".join(rows)
    result = units(h, text, batch_size=2, progress=lambda *a: calls.append(a))
    assert result.inserted == 7 and result.duplicates == 1
    assert [(e.line, e.column) for e in result.errors] == [(7, "body_code")]
    assert len(calls) == 5  # once per batch (4 full, 1 last)
    assert [c[0] for c in calls] == [2, 4, 6, 8, 8]
    assert calls[-1][1] == calls[-1][2] == len(text.encode())
    again = units(h, text, batch_size=3)
    assert again.inserted == 0 and again.duplicates == 8
    assert all("already" in e.reason for e in again.errors)


def test_header_problems_import_nothing(make_app: Callable[..., Harness]) -> None:
    h = make_app()
    result = units(h, "body_code,modle_code\nPA2400-240315-00042,PA2400\n")
    assert result.inserted == 0
    assert [(e.line, e.column) for e in result.errors] == [(1, "modle_code")]
    assert "Unknown column" in result.errors[0].reason
    missing = units(h, "model_code\nPA2400\n")
    assert [(e.line, e.column) for e in missing.errors] == [(1, "body_code")]
    empty = units(h, "")
    assert empty.errors and empty.errors[0].line == 1
    # a line that is not UTF-8 is reported, the rest imported
    with h.session() as session:
        bad_bytes = import_units(session, h.app.state.pm, io.BytesIO(
            UNIT_HEADER.encode() + b"MC58-250101-00001,\xb9\xe3,,,,\n"
            + b"MC58-250101-00002,,,,,\n"))
        session.commit()
    assert bad_bytes.inserted == 1
    assert [(e.line, "UTF-8" in e.reason) for e in bad_bytes.errors] == [(2, True)]
    assert "MC58-250101-00002" in unit_codes(h)


def test_customers_and_region_scope(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    east, hq = region_id(h, "EAST"), region_id(h, "HQ")
    text = CUSTOMER_HEADER + "".join([
        "Jazz Bar,,1 Road,021-1,bar@example.com,\n",      # 2 own region
        "Hall,Hall Co.,2 Road,021-2,,east\n",               # 3 own region by code
        "Theatre,,3 Road,020-3,,HQ\n",                      # 4 another region
        "Club,,4 Road,021-4,,NOWHERE\n",                    # 5 unknown region
        ",,5 Road,,not-an-email,\n",                        # 6 several problems
        "Jazz Bar,,1 Road,021-1,,EAST\n",                   # 7 duplicate in the file
    ])
    with h.session() as session:
        set_scope(session, east)
        result = import_customers(session, io.BytesIO(text.encode()))
        session.commit()
    found = problems(result)
    assert result.inserted == 2 and result.duplicates == 1
    assert set(found) == {4, 5, 6, 7}
    assert "own region" in found[4]["region_code"]
    assert "NOWHERE" in found[5]["region_code"]
    assert set(found[6]) == {"name", "phone", "email"}
    assert "line 2" in found[7]["name"]
    with h.session() as session:
        rows = {c.name: c.region_id for c in session.scalars(select(Customer))}
    assert rows == {"Jazz Bar": east, "Hall": east}
    # an HQ importer (no scope) may name any region; empty means the default region
    with h.session() as session:
        again = import_customers(session, io.BytesIO(text.encode()), default_region_id=hq)
        session.commit()
    assert again.inserted == 2  # Theatre (HQ) and Jazz Bar in HQ; Hall is a duplicate
    assert problems(again)[3]["name"].endswith("already a customer of this region.")
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 4


# --- command line -----------------------------------------------------------------------


@pytest.fixture
def env(harness: Harness, tmp_path: Path) -> dict[str, str]:
    return {"AFTERSALES_DATABASE_URL": harness.url, "AFTERSALES_VAR_DIR": str(tmp_path),
            "AFTERSALES_PLUGINS": ",".join(harness.settings.plugins),
            "AFTERSALES_SECURITY__ARGON2_TIME_COST": "1",
            "AFTERSALES_SECURITY__ARGON2_MEMORY_COST_KIB": "8",
            "AFTERSALES_SECURITY__ARGON2_PARALLELISM": "1"}


def test_cli_exit_codes_and_error_file(harness: Harness, env: dict[str, str],
                                       tmp_path: Path) -> None:
    runner = CliRunner()
    good = tmp_path / "good.csv"
    good.write_text(UNIT_HEADER + "DM32-230101-00001,,1,0,,\nDM32-230101-00002,,1,0,,\n")
    ok = runner.invoke(cli, ["import", "units", str(good)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "2 units imported" in ok.output
    assert not (tmp_path / "good.errors.csv").exists()

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(UNIT_HEADER + "DM32-230101-00001,,1,0,,\nDM32-230101-00003,,1,0,,\n"
                     "DM32-2301-1,,1,0,,\n")
    partly = runner.invoke(cli, ["import", "units", str(mixed)], env=env)
    assert partly.exit_code == 1, partly.output
    assert "1 units imported" in partly.output and "Traceback" not in partly.output
    with (tmp_path / "mixed.errors.csv").open(newline="") as handle:
        report = list(csv.reader(handle))
    assert report[0] == ["line", "column", "reason"]
    assert [row[:2] for row in report[1:]] == [["2", "body_code"], ["4", "body_code"]]
    assert "MODEL-YYMMDD-SEQ" in report[2][2]
    with harness.session() as session:
        assert "DM32-230101-00003" in set(session.scalars(select(Unit.body_code)))

    elsewhere = tmp_path / "out" / "report.csv"
    elsewhere.parent.mkdir()
    named = runner.invoke(cli, ["import", "units", str(mixed), "--errors", str(elsewhere)],
                          env=env)
    assert named.exit_code == 1 and elsewhere.exists()

    missing = runner.invoke(cli, ["import", "units", str(tmp_path / "nope.csv")], env=env)
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines() == [f"Error: {tmp_path / 'nope.csv'}: no such file"]

    people = tmp_path / "people.csv"
    people.write_text(CUSTOMER_HEADER + "Church,,1 Gulou,025-1,,\nBar,,2 Jinjiang,028-1,,\n")
    no_region = runner.invoke(cli, ["import", "customers", str(people)], env=env)
    assert no_region.exit_code == 1 and "region_code is required" in no_region.output
    with_region = runner.invoke(cli, ["import", "customers", str(people), "--region", "east"],
                                env=env)
    assert with_region.exit_code == 0, with_region.output
    assert "2 customers imported" in with_region.output
    unknown = runner.invoke(cli, ["import", "customers", str(people), "--region", "MARS"],
                            env=env)
    assert unknown.exit_code == 1 and "unknown region 'MARS'" in unknown.output


# --- upload page ------------------------------------------------------------------------


def _upload(client: object, kind: str, name: str, text: str) -> str:
    response = client.form("/desk/import", {"kind": kind},  # type: ignore[attr-defined]
                           files={"file": (name, text.encode(), "text/csv")},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/desk/import/[0-9a-f]{32}", location)
    return str(location)


def _wait(h: Harness, client: object, url: str) -> str:
    """The page polls while the import waits for the worker; the worker (run here, as
    ``aftersales worker`` would) imports it; then the page says how it ended."""
    waiting = client.get(f"{url}/progress", headers={"HX-Request": "true"}).text  # type: ignore[attr-defined]
    assert 'data-state="queued"' in waiting and 'hx-trigger="every 500ms"' in waiting
    outcomes = run_due(h.app)
    assert [o.kind for o in outcomes] == ["core.import"], outcomes
    fragment = client.get(f"{url}/progress", headers={"HX-Request": "true"}).text  # type: ignore[attr-defined]
    state = re.search(r'data-state="(\w+)"', fragment)
    assert state and state.group(1) in ("done", "failed"), fragment
    return str(fragment)


def test_upload_page_end_to_end(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    client = h.client("hq-manager")
    page = client.get("/desk/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'data-menu="core.import"' in page.text
    text = UNIT_HEADER + "".join(f"WM100-240601-{n:05d},,1,0,,\n" for n in range(1, 1201))
    text += "WM100-240601-00001,,1,0,,\nWM100-xx,,1,0,,\n"
    url = _upload(client, "units", "wireless.csv", text)
    status = client.get(url)
    assert status.status_code == 200 and "wireless.csv" in status.text
    assert "<progress" in status.text
    fragment = _wait(h, client, url)
    assert 'hx-trigger' not in fragment  # polling stops when done
    assert 'data-count="inserted">1200<' in fragment
    assert 'data-count="failed">2<' in fragment and 'data-count="duplicates">1<' in fragment
    assert f"{url}/errors.csv" in fragment
    # issue 18: the errors are on the page too, not only in the download
    assert 'class="import-errors"' in fragment
    assert "<td>1202</td><td>body_code</td>" in fragment and "<td>1203</td>" in fragment
    done_page = client.get(url).text
    assert " UTC" not in done_page.split("started", 1)[1][:60]  # the instance's zone
    assert 'http-equiv="refresh"' not in done_page and 'data-count="inserted">1200<' in done_page
    report = client.get(f"{url}/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert 'filename="wireless-errors.csv"' in report.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(report.text)))
    assert rows[0] == ["line", "column", "reason"]
    assert [r[:2] for r in rows[1:]] == [["1202", "body_code"], ["1203", "body_code"]]
    assert "MODEL-YYMMDD-SEQ" in rows[2][2]
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(Unit).where(
            Unit.body_code.like("WM100-240601-%"))) == 1200
    assert "wireless.csv" in client.get("/desk/import").text  # listed as a recent import
    # only the uploader sees it (an admin has the permission too)
    admin = h.client("hq-admin")
    assert admin.get(url).status_code == 404
    assert admin.get(f"{url}/errors.csv").status_code == 404
    assert admin.get(f"{url}/progress").status_code == 404
    assert client.get("/desk/import/not-an-id").status_code == 404
    assert client.get("/desk/import/" + "0" * 32).status_code == 404


def test_upload_form_errors(make_app: Callable[..., Harness]) -> None:
    client = make_app().client("hq-manager")
    response = client.form("/desk/import", {"kind": "parts"})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.text and "Choose what the file holds" in response.text


def test_import_needs_the_permission(make_app: Callable[..., Harness]) -> None:
    h = make_app()
    tech = h.client("east-tech")
    assert tech.get("/desk/import").status_code == 403
    response = tech.form("/desk/import", {"kind": "units"},
                         files={"file": ("u.csv", UNIT_HEADER.encode(), "text/csv")})
    assert response.status_code == 403
    assert 'data-menu="core.import"' not in tech.get("/").text


def test_regional_importer_cannot_import_into_another_region(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    with h.session() as session:
        create_user(session, h.app.state.passwords, login="east-importer",
                    display_name="Ma Jun", service_point_code="EAST-SH",
                    role_ids=["hq_manager"], password=PASSWORD)
        session.commit()
    client = h.client("east-importer")
    text = CUSTOMER_HEADER + ("Shanghai Hall,,1 Huangpu,021-9,,\n"
                              "Guangzhou Hall,,1 Tianhe,020-9,,HQ\n"
                              "Chengdu Bar,,1 Jinjiang,028-9,,SOUTHWEST\n")
    url = _upload(client, "customers", "people.csv", text)
    fragment = _wait(h, client, url)
    assert 'data-count="inserted">1<' in fragment and 'data-count="failed">2<' in fragment
    rows = list(csv.reader(io.StringIO(client.get(f"{url}/errors.csv").text)))
    assert [r[:2] for r in rows[1:]] == [["3", "region_code"], ["4", "region_code"]]
    assert all("own region" in r[2] for r in rows[1:])
    with h.session() as session:
        found = {c.name: c.region_id for c in session.scalars(select(Customer))}
    assert found == {"Shanghai Hall": region_id(h, "EAST")}


def _manager_id(h: Harness) -> int:
    with h.session() as session:
        return int(session.scalars(select(User.id).where(User.login == "hq-manager")).one())


def test_running_import_polls_and_reloads_without_javascript(
        make_app: Callable[..., Harness]) -> None:
    """A run whose worker is alive polls; the moment its worker process is gone (killed, or
    the machine restarted) the same page says *interrupted*, with no timeout to wait for."""
    h = make_app()
    client = h.client("hq-manager")
    url = _upload(client, "units", "big.csv", UNIT_HEADER + "WM100-240601-00001,,1,0,,\n")
    with h.session() as session:
        run = session.get(ImportRun, url.rsplit("/", 1)[1])
        assert run is not None and run.state == "queued"
        run.state, run.rows, run.bytes_read, run.size = "running", 5000, 40, 100
        job = session.get(QueuedJob, run.job_id)
        assert job is not None
        job.state, job.lease_until = "running", utcnow() + timedelta(minutes=10)
        job.locked_by = f"{socket.gethostname()}:{os.getpid()}:1:1"  # this live process
        session.commit()
    page = client.get(url).text
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert f'hx-get="{url}/progress" hx-trigger="every 500ms"' in page
    assert '<progress max="100" value="40"' in page and "5000 rows read so far." in page
    assert f'href="{url}">Refresh</a>' in page
    with h.session() as session:
        job = session.get(QueuedJob, job.id)
        assert job is not None
        job.locked_by = f"{socket.gethostname()}:{_dead_pid()}:1:1"
        session.commit()
    page = client.get(url).text
    assert 'data-state="interrupted"' in page and f'hx-get="{url}/progress"' not in page
    assert 'action="' + url + '/resume"' in page


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_page_shows_the_first_50_errors_in_file_order(make_app: Callable[..., Harness]
                                                           ) -> None:
    """issue 18: the page lists at most 50 errors; the download has every one."""
    h = make_app()
    client = h.client("hq-manager")
    text = UNIT_HEADER + "".join(f"WM100-xx-{n},,1,0,,\n" for n in range(80))
    url = _upload(client, "units", "bad.csv", text)
    fragment = _wait(h, client, url)
    assert imports.SHOWN_ERRORS == 50
    assert fragment.count("<tr><td>") == 50 and "<td>2</td>" in fragment
    assert "<td>52</td>" not in fragment and 'data-count="failed">80<' in fragment
    report = list(csv.reader(io.StringIO(client.get(f"{url}/errors.csv").text)))
    assert [int(r[0]) for r in report[1:]] == list(range(2, 82))


KILLED_IMPORT = """
import sys, time
from core.app import create_app
from core.settings import load_settings
from core.services import bulk_import
from core.services.queue import claim, run_claimed, worker_name
app = create_app(load_settings())
report = bulk_import._Reader.report
calls = []
def slow(self):
    report(self)
    calls.append(1)
    if len(calls) == 3:  # three batches are committed: say so, then wait to be killed
        print("batches", flush=True)
        time.sleep(60)
bulk_import._Reader.report = slow
worker = worker_name()
run_claimed(app, claim(app, worker), worker)
"""


def _killed_import(h: Harness, rows: int, batch_size: int) -> tuple[str, Any]:
    """An import started by a real worker process, killed after its third batch."""
    import signal
    import subprocess
    import sys

    from core.services import import_runs
    from tests.core.test_backup import env_for

    text = UNIT_HEADER + "".join(f"WM100-240601-{n:05d},,1,0,,\n" for n in range(1, rows + 1))
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-manager")).one()
        run = import_runs.start(session, h.settings.var_dir, user, kind="units",
                                filename="big.csv", stream=io.BytesIO(text.encode()),
                                batch_size=batch_size)
        session.commit()
        run_id = run.id
    worker = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, **env_for(h)})
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "batches"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    return run_id, h.client("hq-manager")


def _audited_batches(h: Harness, run_id: str) -> list[dict[str, Any]]:
    with h.session() as session:
        return [e.after or {} for e in session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "unit_import",
                                     AuditEvent.entity_id == run_id,
                                     AuditEvent.action == "import_batch")
            .order_by(AuditEvent.id))]


def test_a_killed_import_is_interrupted_and_resumes_to_the_exact_count(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    run_id, client = _killed_import(h, rows=1000, batch_size=100)
    url = f"/desk/import/{run_id}"
    page = client.get(url).text  # no worker restarted, no timeout: the owner is gone
    assert 'data-state="interrupted"' in page
    assert 'data-count="inserted">300<' in page and "after line 301" in page
    assert len(unit_codes(h)) == 300
    batches = _audited_batches(h, run_id)
    assert [b["inserted"] for b in batches] == [100, 100, 100]
    assert [b["through_line"] for b in batches] == [101, 201, 301]
    resumed = client.form(f"{url}/resume", follow_redirects=False)
    assert resumed.status_code == 303
    assert "from line 302" in client.get(url).text
    assert [o.state for o in run_due(h.app)] == ["done"]
    fragment = client.get(f"{url}/progress").text
    assert 'data-count="rows">1000<' in fragment and 'data-count="inserted">1000<' in fragment
    assert 'data-count="failed">0<' in fragment and 'data-count="duplicates">0<' in fragment
    assert len(unit_codes(h)) == 1000
    assert sum(b["inserted"] for b in _audited_batches(h, run_id)) == 1000
    # a finished import is neither resumed nor rolled back
    assert client.form(f"{url}/resume").status_code == 409
    assert client.form(f"{url}/roll-back").status_code == 409


def test_a_killed_import_can_be_rolled_back_unless_its_rows_are_used(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    before = unit_codes(h)
    run_id, client = _killed_import(h, rows=600, batch_size=100)
    url = f"/desk/import/{run_id}"
    assert len(unit_codes(h) - before) == 300
    hq, point, customer = region_id(h, "HQ"), _point_id(h), _any_customer(h)
    with h.session() as session:  # a case now uses one imported unit
        unit = session.scalars(select(Unit).where(Unit.body_code == "WM100-240601-00007")).one()
        session.add(ServiceCase(
            region_id=hq, service_point_id=point, unit_id=unit.id,
            customer_id=customer, state="registered", channel="walk_in",
            body_code_text=unit.body_code, model_code="WM100", own_product=True,
            contact_name="x", contact_phone="1", address="x", fault_description="x",
            intake_on=date(2026, 11, 25)))
        session.commit()
    used = client.form(f"{url}/roll-back")
    assert used.status_code == 409 and "cannot be rolled back" in used.text
    assert len(unit_codes(h) - before) == 300  # nothing went
    with h.session() as session:
        session.execute(delete(ServiceCase))
        session.commit()
    page = client.get(url).text
    assert 'data-action="roll-back"' in page and "Delete 300 imported rows" in page
    rolled = client.form(f"{url}/roll-back", follow_redirects=True)
    assert rolled.status_code == 200 and "300 imported rows were removed." in rolled.text
    assert unit_codes(h) == before
    assert 'data-state="rolled_back"' in client.get(f"{url}/progress").text
    with h.session() as session:
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_id == run_id).order_by(AuditEvent.id)).all()[-1] == \
            "import_roll_back"


def _point_id(h: Harness) -> int:
    with h.session() as session:
        return int(session.scalars(select(ServicePoint.id)
                                   .where(ServicePoint.code == "HQ-SC")).one())


def _any_customer(h: Harness) -> int:
    hq = region_id(h, "HQ")
    with h.session() as session:
        found = session.scalars(select(Customer.id).limit(1)).first()
        if found is None:
            customer = Customer(region_id=hq, name="x", address="x", phone="1")
            session.add(customer)
            session.commit()
            found = customer.id
        return int(found)


def test_the_import_page_reads_a_fixed_number_of_statements(
        make_app: Callable[..., Harness]) -> None:
    """Recent imports waiting for the worker: their queue rows come in one statement."""
    from tests.support import QueryCounter

    h = make_app()
    client = h.client("hq-manager")

    def count() -> int:
        client.get("/desk/import")
        with QueryCounter(h.app.state.engine) as counter:
            assert client.get("/desk/import").status_code == 200
        return counter.count

    _upload(client, "units", "a.csv", UNIT_HEADER)
    one = count()
    for name in ("b.csv", "c.csv", "d.csv"):
        _upload(client, "units", name, UNIT_HEADER)
    assert count() == one
