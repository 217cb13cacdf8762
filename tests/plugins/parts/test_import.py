"""The parts catalogue CSV through core's import page and durable job (issue 15 item 1,
``register_import_kinds``): progress, row errors on the page, resume and roll-back, the API
queueing the same job, and the command line; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.cli import cli
from core.entities import AuditEvent, User
from core.services import import_runs
from core.services.queue import run_due
from plugins.parts.models import Part
from tests.core.test_backup import env_for
from tests.core.test_import import KILLED_IMPORT
from tests.plugins.parts.helpers import bearer, setup_parts
from tests.support import Harness

API = "/api/v1/parts"
HEADER = "number,name,name_zh,category,model_codes,cost,price,refurbishable,superseded_by\n"
BODY = (HEADER
        + "PSU-9,Power board,电源板,power,PA2400,120.00,260.50,yes,\n"
        + "PSU-8,Old power board,,power,PA2400,100,200,no,PSU-9\n"
        + ",No number,,,,1,2,no,\n"
        + "BAD-1,Bad price,,,,1,12.345,no,\n"
        + "P-FAN,Fan (new name),风扇,cooling,,5,16,no,\n")


@pytest.fixture
def parts(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["warranty", "parts"])
    setup_parts(h, hq_qty=2)
    return h


def catalogue(h: Harness) -> dict[str, Part]:
    with h.session() as session:
        found = {p.number: p for p in session.scalars(select(Part))}
        session.expunge_all()
        return found


def test_the_import_page_offers_the_catalogue_and_shows_row_errors(parts: Harness) -> None:
    manager = parts.client("hq-manager")
    catalogue_page = manager.get("/parts/catalogue").text
    assert "/desk/import?kind=parts_catalogue" in catalogue_page
    form = manager.get("/desk/import?kind=parts_catalogue").text
    assert 'value="parts_catalogue" checked' in form and "Parts catalogue" in form
    assert "number,name,name_zh,category" in form
    sent = manager.form("/desk/import", {"kind": "parts_catalogue"},
                        files={"file": ("parts.csv", BODY.encode(), "text/csv")},
                        follow_redirects=False)
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    waiting = manager.get(f"{url}/progress").text
    assert 'data-state="queued"' in waiting and "hx-trigger" in waiting
    assert [o.state for o in run_due(parts.app)] == ["done"]
    done = manager.get(url).text
    assert 'data-state="done"' in done and "Parts catalogue" in done
    assert 'data-count="inserted">3<' in done and 'data-count="failed">2<' in done
    assert "<td>4</td><td>number</td>" in done and "<td>5</td><td>price</td>" in done
    report = manager.get(f"{url}/errors.csv").text.splitlines()
    assert [r.split(",")[:2] for r in report[1:]] == [["4", "number"], ["5", "price"]]
    found = catalogue(parts)
    assert found["PSU-9"].price_cents == 26050 and found["PSU-9"].refurbishable
    assert found["PSU-8"].superseded_by_id == found["PSU-9"].id
    assert found["P-FAN"].price_cents == 1600 and "BAD-1" not in found
    with parts.session() as session:
        audited = session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity == "parts_catalogue_import")).all()
        assert "import_batch" in audited and "import" in audited
    # the kind needs the catalogue permission: a warehouse keeper has neither it nor
    # unit.import, so the page is closed to them
    assert parts.client("hq-warehouse").get("/desk/import").status_code == 403
    refused = manager.form("/desk/import", {"kind": "nothing"},
                           files={"file": ("x.csv", b"a\n", "text/csv")})
    assert refused.status_code == 400 and "Choose what the file holds." in refused.text


def test_the_api_queues_the_same_job_and_reports_progress(parts: Harness) -> None:
    manager = bearer(parts, "hq-manager")
    client = parts.client()
    answer = client.post(f"{API}/parts/import?filename=cat.csv", content=BODY.encode(),
                         headers={**manager, "Content-Type": "text/csv"})
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["state"] == "queued" and queued["file"] == "cat.csv"
    assert queued["page"] == f"/desk/import/{queued['id']}"
    run_due(parts.app)
    status = client.get(f"{API}/parts/import/{queued['id']}", headers=manager).json()
    assert (status["state"], status["inserted"], status["failed_rows"]) == ("done", 3, 2)
    assert [(e["line"], e["column"]) for e in status["first_errors"]] == [(4, "number"),
                                                                          (5, "price")]
    other = client.get(f"{API}/parts/import/{queued['id']}",
                       headers=bearer(parts, "hq-admin"))
    assert other.status_code == 404  # only the uploader sees an import
    missing = client.post(f"{API}/parts/import", content=b"number,name\nX,Y\n",
                          headers=manager)
    assert missing.status_code == 422 and "price" in missing.json()["error"]["message"]
    bad = client.post(f"{API}/parts/import", content=b"\xff\xfe\x00", headers=manager)
    assert bad.status_code == 400


def test_the_command_line_uses_the_same_rows(parts: Harness, tmp_path: Path) -> None:
    path = tmp_path / "parts.csv"
    path.write_text("number,name,price\nCLI-1,From the command line,9.90\n,x,1\n",
                    encoding="utf-8")
    env = {"AFTERSALES_DATABASE_URL": parts.url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": "warranty,parts"}
    ran = CliRunner().invoke(cli, ["parts", "import-catalogue", str(path)], env=env)
    assert ran.exit_code == 1 and "1 parts saved, 1 problems." in ran.output
    assert catalogue(parts)["CLI-1"].price_cents == 990


def _killed(h: Harness, rows: int, batch_size: int) -> str:
    """A catalogue import run by a real worker process, killed after its third batch."""
    text = "number,name,price\n" + "".join(f"K-{n:04d},Part {n},{n}.00\n"
                                          for n in range(1, rows + 1))
    with h.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-manager")).one()
        run = import_runs.start(session, h.settings.var_dir, user, kind="parts_catalogue",
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
    return run_id


def _imported(h: Harness) -> int:
    return sum(1 for number in catalogue(h) if number.startswith("K-"))


def test_a_killed_catalogue_import_resumes_to_the_exact_count(parts: Harness) -> None:
    run_id = _killed(parts, rows=50, batch_size=10)
    manager = parts.client("hq-manager")
    url = f"/desk/import/{run_id}"
    page = manager.get(url).text
    assert 'data-state="interrupted"' in page and 'data-count="inserted">30<' in page
    assert _imported(parts) == 30
    assert manager.form(f"{url}/resume", follow_redirects=False).status_code == 303
    assert "from line 32" in manager.get(url).text
    assert [o.state for o in run_due(parts.app)] == ["done"]
    fragment = manager.get(f"{url}/progress").text
    assert 'data-count="rows">50<' in fragment and 'data-count="inserted">50<' in fragment
    assert _imported(parts) == 50


def test_a_killed_catalogue_import_rolls_back_unless_a_part_is_stocked(
        parts: Harness) -> None:
    run_id = _killed(parts, rows=50, batch_size=10)
    manager = parts.client("hq-manager")
    url = f"/desk/import/{run_id}"
    keeper = bearer(parts, "hq-warehouse")
    got = parts.client().post(f"{API}/receipts", headers=keeper, json={
        "part": "K-0005", "warehouse": "WH-HQ", "quantity": 1})
    assert got.status_code == 201, got.text
    refused = manager.form(f"{url}/roll-back")
    assert refused.status_code == 409 and _imported(parts) == 30
    with parts.session() as session:  # once nothing refers to the part, it goes
        from plugins.parts.models import Move, Stock

        session.query(Move).delete()
        session.query(Stock).delete()
        session.commit()
    rolled = manager.form(f"{url}/roll-back", follow_redirects=False)
    assert rolled.status_code == 303
    assert re.search(r'data-state="rolled_back"', manager.get(url).text)
    assert _imported(parts) == 0 and "P-OUT" in catalogue(parts)
