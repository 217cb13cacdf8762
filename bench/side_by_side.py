"""``make bench``: the project and a bare Starlette app side by side in one run (issue 11).

For each backend (SQLite, and PostgreSQL when it answers) it

1. generates the data -- migrations, the demo organisation, 20 models, N units and N/5
   cases by bulk ``executemany`` (``core.demo_desk.seed_scale``) -- and reports the time;
2. serves the project (``aftersales serve``, one worker, all plugins) and the bare app
   (``uvicorn bench.bare_app:app``, same database, same token check) each in its own
   process, and loads them from a separate client process (``bench.load``, keep-alive) at
   concurrency 1, 8 and 32 for each path, interleaved (project, bare, project, bare ...) and
   repeated; req/s and p50/p95/p99 are the median of the repetitions;
3. counts SQL statements per request of both apps in a measuring run (in-process);
4. imports N units through the project's import (``core.services.bulk_import``) and with
   raw ``csv.reader`` + ``executemany`` (SQLite) / ``COPY`` (PostgreSQL) into the same table
   with the same unique index, interleaved;
5. measures start-up until ``/healthz`` answers and RSS after a warm-up, with all plugins,
   with ``warranty, loaner`` and for the bare app; and ``aftersales --help``.

It writes ``report.md`` with the ratios against the issue's aims, SVG charts and
``results.json`` to ``--out`` (default ``bench/results``) and prints a short table.

Environment (what ``make bench`` passes on): ``SCALE=100k|1m|<n>``, ``QUICK=1`` (5,000
units, short runs), ``BACKENDS=sqlite,postgres``, ``BENCH_PG_URL`` (server URL; the run
creates and drops its own database ``aftersales_bench`` there).
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "aftersales_bench"
LOGIN = "hq-manager"
ENDPOINTS = {  # name: (what, kind)
    "lookup": ("GET /api/v1/units/{body_code} (a different unit each request)", "api"),
    "case_api": ("GET /api/v1/cases/{id}", "api"),
    "case_page": ("GET /desk/cases/{id} (page)", "page"),
    "list_first": ("GET /desk/cases, first page", "page"),
    "list_deep": ("GET /desk/cases?after=..., a deep keyset page", "page"),
    "dashboard": ("GET / (the dashboard page)", "page"),
    "healthz": ("GET /healthz (no token)", "health"),
}
APPS = ("project", "bare")


@dataclass
class Config:
    units: int
    seconds: float
    warmup: float
    reps: int
    concurrency: list[int]
    backends: list[str]
    endpoints: list[str]
    depth: int
    import_rows: int
    extras: bool
    out: Path
    label: str
    pg_url: str = PG_SERVER


@dataclass
class BackendResult:
    backend: str
    datagen_seconds: float = 0.0
    runs: dict[str, dict[str, dict[int, list[dict[str, Any]]]]] = field(default_factory=dict)
    statements: dict[str, dict[str, int]] = field(default_factory=dict)
    imports: dict[str, list[float]] = field(default_factory=dict)
    servers: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    #: the project's lookup with ``aftersales serve --workers 2`` (PostgreSQL only)
    workers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: every dashboard widget of the project at one client (no bare twin): path -> run
    widgets: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the turnaround medians computed afresh (no cache), in-process, milliseconds each time
    turnaround_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- data


def project_settings(url: str, var_dir: Path, plugins: list[str] | None = None) -> Any:
    from core.settings import BUILTIN_PLUGINS, Settings

    return Settings.model_validate({
        "database_url": url, "var_dir": var_dir,
        "plugins": list(BUILTIN_PLUGINS) if plugins is None else plugins,
        "source": "bench settings"})


def create_pg_database(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"postgresql+psycopg://{server.split('://', 1)[1]}/{PG_DATABASE}"


def drop_pg_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def pg_reachable(server: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def generate(url: str, var_dir: Path, units: int) -> tuple[str, float, dict[str, list[str]]]:
    """Schema and bulk data; returns a fresh API token, the seconds it took and samples."""
    from sqlalchemy import func, select, text

    from core import migrate
    from core.app import create_app
    from core.demo import seed_core
    from core.demo_desk import BULK_CODE_PATTERN, seed_catalogue, seed_scale
    from core.entities import ServiceCase, Unit
    from core.security.roles import sync_roles
    from core.services.users import create_token

    start = time.perf_counter()
    app = create_app(project_settings(url, var_dir))
    state = app.state
    migrate.upgrade(state.engine, state.enabled)
    with state.sessionmaker.begin() as session:
        sync_roles(session, state.registry)
        seed_core(session, state.settings)
        models = seed_catalogue(session)
        seed_scale(session, models, units)
    if state.engine.dialect.name == "postgresql":
        with state.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    elapsed = time.perf_counter() - start
    rng = random.Random(11)
    with state.sessionmaker.begin() as session:
        token, _row = create_token(session, LOGIN, "bench")
        last_unit = session.scalar(select(func.max(Unit.id))) or 0
        last_case = session.scalar(select(func.max(ServiceCase.id))) or 0
        codes = list(session.scalars(select(Unit.body_code).where(
            Unit.id.in_(rng.sample(range(1, last_unit + 1), min(last_unit, 2000))),
            Unit.body_code.like(BULK_CODE_PATTERN))))
        ids = list(session.scalars(select(ServiceCase.id).where(
            ServiceCase.id.in_(rng.sample(range(1, last_case + 1), min(last_case, 400))))))
    state.engine.dispose()
    rng.shuffle(codes)
    rng.shuffle(ids)
    samples = {"codes": codes, "case_ids": [str(i) for i in ids]}
    return token, elapsed, samples


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The servers' environment: none of the caller's settings, and bytecode caching as a
    deployment has it (``PYTHONDONTWRITEBYTECODE``, set on some build machines, would make
    every start compile the project's ~200 modules and alembic's scripts anew)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AFTERSALES_", "BENCH_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def aftersales_command() -> list[str]:
    script = Path(sys.executable).parent / "aftersales"
    return [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]


class Server:
    """One server process: the project (``aftersales serve``) or the bare app (uvicorn)."""

    def __init__(self, kind: str, url: str, var_dir: Path, plugins: list[str] | None = None,
                 workers: int = 1):
        self.kind, self.port = kind, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        if kind == "project":
            from core.settings import BUILTIN_PLUGINS

            command = [*aftersales_command(), "serve", "--port", str(self.port)]
            if workers > 1:
                command += ["--workers", str(workers)]
            env = _clean_env({"AFTERSALES_DATABASE_URL": url,
                              "AFTERSALES_VAR_DIR": str(var_dir),
                              "AFTERSALES_PLUGINS": ",".join(
                                  BUILTIN_PLUGINS if plugins is None else plugins)})
        else:
            command = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host",
                       "127.0.0.1", "--port", str(self.port)]
            env = _clean_env({"BENCH_DATABASE_URL": url})
        self.log_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=var_dir, env=env, stdout=self.log_file,
                                        stderr=subprocess.STDOUT)
        self.startup = self._wait(started)

    def _wait(self, started: float) -> float:
        deadline = started + 120
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                self.log_file.seek(0)
                raise RuntimeError(f"{self.kind} server ended: "
                                   f"{self.log_file.read().decode(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.kind} server did not answer /healthz within 120 s")

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status")
        for line in status.read_text().splitlines() if status.exists() else []:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def get(self, path: str, token: str | None) -> str:
        request = urllib.request.Request(self.base + path, headers={
            "Authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode()

    def errors(self, limit: int = 3) -> list[str]:
        """The distinct error lines the server logged (what a 500 in the report was)."""
        self.log_file.seek(0)
        found: list[str] = []
        for raw in self.log_file.read().decode(errors="replace").splitlines():
            line = raw.strip()
            if (line.startswith(("sqlalchemy.", "psycopg.", "sqlite3.", "RuntimeError",
                                 "OSError", "TimeoutError")) or "Error:" in line) \
                    and line[:120] not in [f[:120] for f in found]:
                found.append(line[:300])
                if len(found) >= limit:
                    break
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def deep_cursor(url: str, pages: int) -> str:
    """The ``after`` cursor of the case list's page ``pages + 1`` (newest first), computed
    in SQL rather than by following 1,000 "next" links. Both apps take this format: the
    project's own (base64 of JSON ``[opened_at ISO with zone, id]``)."""
    from sqlalchemy import create_engine, select

    from core.db import normalise_url
    from core.entities import ServiceCase

    engine = create_engine(normalise_url(url))
    with engine.connect() as connection:
        row = connection.execute(
            select(ServiceCase.opened_at, ServiceCase.id)
            .order_by(ServiceCase.opened_at.desc(), ServiceCase.id.desc())
            .offset(max(pages * 50 - 1, 0)).limit(1)).first()
    engine.dispose()
    if row is None:
        return ""
    raw = json.dumps([row[0].isoformat(), row[1]])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def load(server: Server, paths_file: Path, concurrency: int, seconds: float, warmup: float,
         token: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.load", server.base, str(paths_file),
               "--concurrency", str(concurrency), "--seconds", str(seconds),
               "--warmup", str(warmup)]
    if token:
        command += ["--token", token]
    done = subprocess.run(command, cwd=ROOT, env=_clean_env({}), capture_output=True,
                          text=True, timeout=seconds + warmup + 120, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- statements


def _gist(statement: str) -> str:
    """A statement in a line: what it selects from and its conditions, not its columns."""
    import re

    flat = " ".join(statement.split())
    found = re.search(r"\bFROM\b(.*)", flat)
    head = flat.split(" ", 1)[0]
    text = f"{head} ... FROM{found.group(1)}" if found and head == "SELECT" else flat
    return text[:160] + ("..." if len(text) > 160 else "")


def count_statements(url: str, var_dir: Path, token: str, paths: dict[str, str]
                     ) -> dict[str, dict[str, int]]:
    """Statements one request runs (after one warm-up request), in-process for both apps."""
    from sqlalchemy import event
    from starlette.testclient import TestClient

    from bench import bare_app
    from core.app import create_app

    counts: dict[str, dict[str, Any]] = {"project": {}, "bare": {}, "project_request_ms": {},
                                         "project_sql_ms": {}, "project_slowest": {}}
    app = create_app(project_settings(url, var_dir))
    seen: list[tuple[str, float]] = []
    began: list[float] = [0.0]

    def before(_c: Any, _k: Any, statement: str, *_a: Any) -> None:
        began[0] = time.perf_counter()

    def after(_c: Any, _k: Any, statement: str, *_a: Any) -> None:
        seen.append((statement, (time.perf_counter() - began[0]) * 1000))

    event.listen(app.state.engine, "before_cursor_execute", before)
    event.listen(app.state.engine, "after_cursor_execute", after)
    with TestClient(app) as client:
        for name, path in paths.items():
            headers = {} if name == "healthz" else {"Authorization": f"Bearer {token}"}
            client.get(path, headers=headers)
            seen.clear()
            start = time.perf_counter()
            client.get(path, headers=headers)
            counts["project_request_ms"][name] = (time.perf_counter() - start) * 1000
            counts["project"][name] = len(seen)
            counts["project_sql_ms"][name] = sum(ms for _s, ms in seen)
            if seen:
                statement, ms = max(seen, key=lambda item: item[1])
                counts["project_slowest"][name] = f"{ms:.1f} ms: {_gist(statement)}"
    app.state.engine.dispose()
    bare_app.DB = bare_app.Database(url)
    with TestClient(bare_app.create_app()) as client:
        for name, path in paths.items():
            headers = {} if name == "healthz" else {"Authorization": f"Bearer {token}"}
            client.get(path, headers=headers)
            before = bare_app.DB.statements
            client.get(path, headers=headers)
            counts["bare"][name] = bare_app.DB.statements - before
    return counts


# ---------------------------------------------------------------- import


def write_csv(path: Path, rows: int, models: list[str], digit: str) -> None:
    rng = random.Random(int(digit))
    today = date.today()
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("body_code,model_code,own_product,oem,customer_phone,sold_on\n")
        for i in range(rows):
            model = models[i % len(models)]
            made = today - timedelta(days=rng.randint(30, 1500))
            sold = made + timedelta(days=rng.randint(1, 25))
            out.write(f"{model}-{made:%y%m%d}-{digit}{i:07d},{model},1,0,,{sold.isoformat()}\n")


def import_project(url: str, var_dir: Path, path: Path, rows: int) -> float:
    from core.app import create_app
    from core.services.bulk_import import import_units

    app = create_app(project_settings(url, var_dir))
    state = app.state
    with state.sessionmaker() as session, path.open("rb") as stream:
        start = time.perf_counter()
        result = import_units(session, state.pm, stream, commit=True, name="bench.csv")
        session.commit()
        elapsed = time.perf_counter() - start
    state.engine.dispose()
    if result.inserted != rows or result.errors:
        raise RuntimeError(f"import: {result.inserted} inserted, {result.errors[:3]}")
    return elapsed


def _factory_date(code: str) -> date:
    stamp = code.rsplit("-", 2)[1]
    return date(2000 + int(stamp[:2]), int(stamp[2:4]), int(stamp[4:6]))


def import_raw(url: str, path: Path, rows: int) -> float:
    """``csv.reader`` and one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) into ``unit``:
    model codes resolved once, the factory date read from the body code, no other checks."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        models = dict(connection.execute("SELECT code, id FROM product_model").fetchall())
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        with path.open(encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            next(reader)
            connection.executemany(
                "INSERT INTO unit (body_code, model_id, model_text, factory_date, own_product,"
                " oem, sold_on, created_at) VALUES (?, ?, '', ?, ?, ?, ?, ?)",
                ((code, models[model], _factory_date(code).isoformat(), own == "1", oem == "1",
                  sold or None, stamp) for code, model, own, oem, _phone, sold in reader))
        connection.commit()
        connection.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            models = dict(conn.execute("SELECT code, id FROM product_model").fetchall())
            with path.open(encoding="utf-8", newline="") as stream, conn.cursor() as cursor:
                reader = csv.reader(stream)
                next(reader)
                with cursor.copy("COPY unit (body_code, model_id, model_text, factory_date, "
                                 "own_product, oem, sold_on, created_at) FROM STDIN") as copy:
                    for code, model, own, oem, _phone, sold in reader:
                        copy.write_row((code, models[model], "", _factory_date(code),
                                        own == "1", oem == "1", sold or None, now))
    elapsed = time.perf_counter() - start
    return elapsed


def model_codes(url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    from core.db import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.connect() as connection:
        codes = list(connection.execute(text("SELECT code FROM product_model ORDER BY code"))
                     .scalars())
    engine.dispose()
    return codes


# ---------------------------------------------------------------- one backend


def run_backend(backend: str, config: Config, folder: Path) -> BackendResult:
    result = BackendResult(backend)
    var_dir = folder / backend
    var_dir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        url = f"sqlite:///{var_dir / 'bench.db'}"
    else:
        url = create_pg_database(config.pg_url)
    try:
        log(f"[{backend}] generating {config.units:,} units and {config.units // 5:,} cases")
        token, result.datagen_seconds, samples = generate(url, var_dir, config.units)
        log(f"[{backend}] data generated in {result.datagen_seconds:.1f} s")
        _serve_and_load(result, config, url, var_dir, token, samples)
        if config.extras and backend == "postgres" and "lookup" in config.endpoints:
            _workers(result, config, url, var_dir, token)
        if config.extras:
            _imports(result, config, url, var_dir)
            _servers(result, config, url, var_dir, token, samples)
    finally:
        if backend == "postgres":
            drop_pg_database(config.pg_url)
    return result


def _paths(name: str, samples: dict[str, list[str]], deep: str) -> list[str]:
    if name == "lookup":
        return [f"/api/v1/units/{c}" for c in samples["codes"]]
    if name == "case_api":
        return [f"/api/v1/cases/{i}" for i in samples["case_ids"]]
    if name == "case_page":
        return [f"/desk/cases/{i}" for i in samples["case_ids"]]
    return {"list_first": ["/desk/cases"], "list_deep": [deep], "dashboard": ["/"],
            "healthz": ["/healthz"]}[name]


def _serve_and_load(result: BackendResult, config: Config, url: str, var_dir: Path,
                    token: str, samples: dict[str, list[str]]) -> None:
    servers = {"project": Server("project", url, var_dir), "bare": Server("bare", url, var_dir)}
    try:
        cursor = deep_cursor(url, config.depth)
        deep = {app: f"/desk/cases?after={cursor}" if cursor else "/desk/cases" for app in APPS}
        result.notes.append(f"deep page: {config.depth:,} pages of 50 deep "
                            f"({config.depth * 50:,} cases newer than its first)")
        files: dict[tuple[str, str], Path] = {}
        for name in config.endpoints:
            for app in APPS:
                files[name, app] = var_dir / f"paths-{name}-{app}.txt"
                files[name, app].write_text("\n".join(_paths(name, samples, deep[app])) + "\n")
        for name in config.endpoints:
            result.runs[name] = {app: {c: [] for c in config.concurrency} for app in APPS}
            for concurrency in config.concurrency:
                for _rep in range(config.reps):
                    for app in APPS:
                        measured = load(servers[app], files[name, app], concurrency,
                                        config.seconds, config.warmup,
                                        None if name == "healthz" else token)
                        result.runs[name][app][concurrency].append(measured)
                pair = [_median(result.runs[name][app][concurrency]) for app in APPS]
                log(f"[{result.backend}] {name:<11} c={concurrency:<3} "
                    f"project {pair[0]['rps']:8.1f} req/s p99 {pair[0]['p99']:7.1f} ms | "
                    f"bare {pair[1]['rps']:8.1f} req/s p99 {pair[1]['p99']:7.1f} ms"
                    + (f"  errors {pair[0]['errors'] or ''} {pair[1]['errors'] or ''}"
                       if pair[0]["errors"] or pair[1]["errors"] else ""))
        if config.extras:
            _widgets(result, config, servers["project"], url, var_dir, token)
    finally:
        for app, server in servers.items():
            result.notes += [f"{app} server logged: `{line}`" for line in server.errors()]
            server.stop()
    stmt_paths = {name: _paths(name, samples, deep["project"])[0] for name in config.endpoints}
    counts = count_statements(url, var_dir, token, stmt_paths)
    result.statements = counts
    if config.extras:
        result.turnaround_ms = turnaround_recomputed(url, var_dir, times=config.reps + 1)
        log(f"[{result.backend}] turnaround medians recomputed: "
            + ", ".join(f"{ms:.0f}" for ms in result.turnaround_ms) + " ms")


#: The dashboard's widgets as the page loads them (htmx, one request each).
WIDGETS = ("/desk/widgets/open-by-state", "/desk/widgets/open-by-age", "/desk/widgets/waiting",
           "/desk/widgets/arrivals", "/desk/widgets/on-hold", "/desk/widgets/turnaround",
           "/feedback/widgets/callbacks", "/feedback/widgets/sla", "/feedback/widgets/nps",
           "/feedback/widgets/visits", "/loaner/widgets/overdue", "/parts/widgets/late",
           "/training/widgets/expiring")


def _widgets(result: BackendResult, config: Config, server: Server, url: str, var_dir: Path,
             token: str) -> None:
    """Each widget at one client for half a run (the aim "every page and widget p95 <
    200 ms"). The turnaround widget answers from its per-process cache after its first
    load (``[dashboard] turnaround_cache_seconds``); its fresh computation is measured
    apart (:func:`turnaround_recomputed`). The ``core.turnaround`` job runs once first, as the
    worker that runs beside every server does (the bench starts no worker), so the widget
    reads stored medians as it does in service."""
    run_turnaround_job(url, var_dir)
    file = var_dir / "paths-widget.txt"
    for path in WIDGETS:
        file.write_text(path + "\n")
        result.widgets[path] = load(server, file, 1, max(0.5, config.seconds / 2),
                                    min(config.warmup, 0.2), token)
    slowest = max(result.widgets.items(), key=lambda item: item[1]["p95"])
    log(f"[{result.backend}] widgets at one client: slowest p95 {slowest[1]['p95']:.1f} ms "
        f"({slowest[0]})")


def run_turnaround_job(url: str, var_dir: Path) -> None:
    """The worker's ``core.turnaround`` job, once, in-process."""
    from core.app import create_app
    from core.db import utcnow
    from core.services import turnaround_snapshots

    app = create_app(project_settings(url, var_dir))
    try:
        job = app.state.registry.jobs[turnaround_snapshots.JOB_ID]
        with app.state.sessionmaker() as session:
            job.run(session, app.state.settings, utcnow())
    finally:
        app.state.engine.dispose()


def turnaround_recomputed(url: str, var_dir: Path, times: int) -> list[float]:
    """Milliseconds of ``reports.turnarounds`` (every window, every service point, HQ's
    view), computed afresh ``times`` times in-process: what a load costs when the widget's
    cache has expired."""
    from core.app import create_app
    from core.db import utcnow
    from core.services import reports

    app = create_app(project_settings(url, var_dir))
    seconds = []
    try:
        for _ in range(times):
            with app.state.read_sessionmaker() as session:
                start = time.perf_counter()
                reports.turnarounds(session, utcnow())
                seconds.append((time.perf_counter() - start) * 1000)
    finally:
        app.state.engine.dispose()
    return seconds


def _workers(result: BackendResult, config: Config, url: str, var_dir: Path,
             token: str) -> None:
    """The issue's aim "throughput rising with concurrency on PostgreSQL with --workers":
    the lookup against ``aftersales serve --workers 2``."""
    server = Server("project", url, var_dir, workers=2)
    try:
        paths = var_dir / "paths-lookup-project.txt"
        load(server, paths, 8, 1.0, 0.2, token)  # both workers past their first requests
        for concurrency in config.concurrency:
            result.workers[concurrency] = [
                load(server, paths, concurrency, config.seconds, config.warmup, token)
                for _rep in range(config.reps)]
            log(f"[{result.backend}] lookup, --workers 2, c={concurrency}: "
                f"{_median(result.workers[concurrency])['rps']:.1f} req/s")
    finally:
        server.stop()


def _imports(result: BackendResult, config: Config, url: str, var_dir: Path) -> None:
    codes = model_codes(url)
    result.imports = {"project": [], "raw": []}
    for rep in range(config.reps):
        for kind, digit in (("raw", str(8 - 2 * rep)), ("project", str(7 - 2 * rep))):
            path = var_dir / f"import-{kind}-{rep}.csv"
            write_csv(path, config.import_rows, codes, digit)
            seconds = import_project(url, var_dir, path, config.import_rows) \
                if kind == "project" else import_raw(url, path, config.import_rows)
            result.imports[kind].append(seconds)
            log(f"[{result.backend}] import {config.import_rows:,} units, {kind}: "
                f"{seconds:.2f} s")
            path.unlink()


def _servers(result: BackendResult, config: Config, url: str, var_dir: Path, token: str,
             samples: dict[str, list[str]]) -> None:
    """Start-up until /healthz answers, and RSS after a warm-up over every path."""
    mix = var_dir / "paths-mix.txt"
    mix_paths = [p for name in ("lookup", "case_api", "case_page", "list_first", "dashboard")
                 for p in _paths(name, samples, "")[:50]]
    random.Random(3).shuffle(mix_paths)
    mix.write_text("\n".join(mix_paths) + "\n")
    variants = {"project (all plugins)": ("project", None),
                "project (warranty, loaner)": ("project", ["warranty", "loaner"]),
                "bare": ("bare", None)}
    result.servers = {name: {"startup": [], "rss": []} for name in variants}
    for _rep in range(config.reps):
        for name, (kind, plugins) in variants.items():
            server = Server(kind, url, var_dir, plugins)
            try:
                load(server, mix, 4, max(1.0, config.seconds), 0.2, token)
                result.servers[name]["startup"].append(server.startup)
                result.servers[name]["rss"].append(server.rss_mib())
            finally:
                server.stop()
    for name, values in result.servers.items():
        log(f"[{result.backend}] {name}: start-up {statistics.median(values['startup']):.2f} s,"
            f" RSS {statistics.median(values['rss']):.0f} MiB")


def help_seconds(times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run([*aftersales_command(), "--help"], env=_clean_env({}), cwd=ROOT,
                       capture_output=True, check=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    if not runs:
        return {"rps": float("nan"), "p50": float("nan"), "p95": float("nan"),
                "p99": float("nan"), "errors": {}, "requests": 0}
    errors: dict[str, int] = {}
    for run in runs:
        for key, n in run["errors"].items():
            errors[key] = errors.get(key, 0) + n
    return {key: statistics.median(run[key] for run in runs)
            for key in ("rps", "p50", "p95", "p99")} | {
        "errors": errors, "requests": sum(run["requests"] for run in runs)}


# ---------------------------------------------------------------- main


def parse(argv: list[str] | None) -> Config:
    env = os.environ
    quick = env.get("QUICK", "") not in ("", "0")
    scale = env.get("SCALE", "").lower()
    default_units = 5_000 if quick else 100_000
    if scale:
        default_units = int(float(scale.replace("k", "e3").replace("m", "e6")))
    parser = argparse.ArgumentParser(prog="python -m bench.side_by_side", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=default_units)
    parser.add_argument("--seconds", type=float, default=1.0 if quick else 2.0,
                        help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=0.3 if quick else 0.5)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--backends", default=env.get("BACKENDS") or "sqlite,postgres")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--depth", type=int, default=0,
                        help="pages deep for the deep page (default: a quarter of the cases, "
                        "about 30 of the 120 days the cases span)")
    parser.add_argument("--import-rows", type=int, default=0,
                        help="units to import (default: the scale, at most 100,000)")
    parser.add_argument("--no-extras", action="store_true",
                        help="skip import, start-up/RSS and --help")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--pg-url", default=env.get("BENCH_PG_URL") or PG_SERVER)
    args = parser.parse_args(argv)
    label = "quick" if quick and not scale else (
        f"{args.units // 1_000_000}m" if args.units >= 1_000_000 and args.units % 1_000_000 == 0
        else f"{args.units // 1000}k" if args.units % 1000 == 0 else str(args.units))
    out = args.out or (DEFAULT_OUT if label == "100k" else DEFAULT_OUT / label)
    return Config(units=args.units, seconds=args.seconds, warmup=args.warmup, reps=args.reps,
                  concurrency=[int(c) for c in args.concurrency.split(",")],
                  backends=[b.strip() for b in args.backends.split(",") if b.strip()],
                  endpoints=[e.strip() for e in args.endpoints.split(",") if e.strip()],
                  depth=args.depth or max(1, args.units // 5 // 4 // 50),
                  import_rows=args.import_rows or min(args.units, 100_000),
                  extras=not args.no_extras, out=out, label=label, pg_url=args.pg_url)


def main(argv: list[str] | None = None) -> int:
    from bench import report

    config = parse(argv)
    started = time.perf_counter()
    commit, load_before = _commit(), " ".join(f"{x:.1f}" for x in os.getloadavg())
    folder = Path(tempfile.mkdtemp(prefix="aftersales-bench-"))
    results: list[BackendResult] = []
    skipped: list[str] = []
    try:
        for backend in config.backends:
            if backend == "postgres" and not pg_reachable(config.pg_url):
                skipped.append(f"postgres: no server at {config.pg_url}")
                log(f"skipping PostgreSQL: no server at {config.pg_url}")
                continue
            results.append(run_backend(backend, config, folder))
        helps = help_seconds(5) if config.extras else []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
                   f"{platform.release()}",
        "load": f"{load_before} at the start, "
                + " ".join(f"{x:.1f}" for x in os.getloadavg()) + " at the end",
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "commit": commit, "total_seconds": time.perf_counter() - started,
        "skipped": skipped, "help_seconds": helps,
    }
    config.out.mkdir(parents=True, exist_ok=True)
    data = report.to_json(config, results, meta)
    (config.out / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    text, table = report.write(config.out, data)
    print()
    print(table)
    print(f"\nreport: {config.out / 'report.md'} (whole run {meta['total_seconds']:.0f} s)")
    return 0 if text else 1


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
