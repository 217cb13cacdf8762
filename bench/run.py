"""The benchmark of issue 5: ``make bench`` (``python -m bench.run``).

On a fresh SQLite database in a temporary folder it loads the organisation, 20 models,
100,000 units and 20,000 cases, then times through the ASGI app (Starlette's TestClient,
signed in as ``hq-manager``):

- body-code lookup ``GET /api/v1/units/{body_code}`` (a different unit each request),
- the case list's first page ``GET /api/v1/cases`` and a page 50 pages deep (keyset cursor),
- the dashboard ``GET /`` and every dashboard widget fragment the user may see,
- the CSV import of 100,000 new units through ``core.services.bulk_import``.

It prints p50/p95 for each and writes ``bench/report.md`` (git-ignored) with the aims:
lookup and list p95 < 50 ms, dashboard < 200 ms, import < 10 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from core import migrate
from core.app import create_app
from core.demo import DEMO_PASSWORD, seed_core
from core.demo_desk import seed_catalogue, seed_scale
from core.entities import ProductModel, Unit
from core.security.roles import sync_roles
from core.services.bulk_import import import_units
from core.services.users import create_token
from core.settings import BUILTIN_PLUGINS, Settings

REPORT = Path(__file__).parent / "report.md"
LOGIN = "hq-manager"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class Measurement:
    name: str
    what: str
    seconds: list[float]
    aim_ms: float | None  # the p95 must be under this
    note: str = ""
    error: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000 if self.seconds else float("nan")

    @property
    def p95(self) -> float:
        if len(self.seconds) <= 1:
            return self.seconds[0] * 1000 if self.seconds else float("nan")
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[94] * 1000

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.aim_ms is None:
            return "-"
        return "ok" if self.p95 < self.aim_ms else "MISSED"


class RequestFailed(Exception):
    pass


def _settings(folder: Path) -> Settings:
    return Settings.model_validate({
        "database_url": f"sqlite:///{folder / 'bench.db'}",
        "var_dir": folder / "var",
        "plugins": list(BUILTIN_PLUGINS),
        # cheap hashing: the bench measures pages, not sign-in
        "security": {"argon2_time_cost": 1, "argon2_memory_cost_kib": 8,
                     "argon2_parallelism": 1},
        "source": "bench settings",
    })


def _timed(client: TestClient, urls: list[str], headers: dict[str, str] | None = None
           ) -> list[float]:
    client.get(urls[0], headers=headers)  # warm caches (templates, statements)
    seconds = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        seconds.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RequestFailed(f"GET {url}: HTTP {response.status_code}")
    return seconds


def _measure(name: str, what: str, aim_ms: float | None, action: Callable[[], list[float]]
             ) -> Measurement:
    """Time ``action``; a failing request is reported, not a crash of the whole bench."""
    try:
        return Measurement(name, what, _step(name, action), aim_ms)
    except RequestFailed as exc:
        print(f"failed: {exc}")
        return Measurement(name, what, [], aim_ms, error=str(exc))


def _sign_in(client: TestClient) -> None:
    match = CSRF_RE.search(client.get("/login").text)
    assert match, "no CSRF token on the sign-in page"
    response = client.post("/login", data={"login": LOGIN, "password": DEMO_PASSWORD,
                                           "csrf_token": match.group(1)},
                           follow_redirects=False)
    if response.status_code != 303:
        raise SystemExit(f"could not sign in as {LOGIN}: {response.status_code}")


def _write_units_csv(path: Path, count: int, models: list[str]) -> None:
    rng = random.Random(5)
    today = date.today()
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("body_code,model_code,own_product,oem,customer_phone,sold_on\n")
        for i in range(count):
            model = models[i % len(models)]
            made = today - timedelta(days=rng.randint(30, 1500))
            sold = made + timedelta(days=rng.randint(1, 25))
            out.write(f"{model}-{made:%y%m%d}-7{i:07d},{model},1,0,,{sold.isoformat()}\n")


def _step(label: str, action: Callable[[], Any]) -> Any:
    print(f"{label} ...", end=" ", flush=True)
    start = time.perf_counter()
    value = action()
    print(f"{time.perf_counter() - start:.1f} s", flush=True)
    return value


def run(units: int, requests: int, depth: int, keep: bool) -> list[Measurement]:
    folder = Path(tempfile.mkdtemp(prefix="aftersales-bench-"))
    print(f"database: {folder / 'bench.db'}")
    try:
        return _run(folder, units, requests, depth)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, units: int, requests: int, depth: int) -> list[Measurement]:
    settings = _settings(folder)
    app = create_app(settings)
    state = app.state
    _step("migrate", lambda: migrate.upgrade(state.engine, state.enabled))

    def seed() -> None:
        with state.sessionmaker.begin() as session:
            sync_roles(session, state.registry)
            seed_core(session, settings)
            models = seed_catalogue(session)
            seed_scale(session, models, units)

    _step(f"seed {units:,} units and {units // 5:,} cases", seed)
    with state.sessionmaker.begin() as session:
        token, _row = create_token(session, LOGIN, "bench")
        codes = list(session.scalars(select(Unit.body_code).order_by(Unit.id)))
        model_codes = list(session.scalars(select(ProductModel.code)))
    rng = random.Random(7)
    api = {"Authorization": f"Bearer {token}"}
    results: list[Measurement] = []
    with TestClient(app, base_url="http://testserver",
                    raise_server_exceptions=False) as client:
        _sign_in(client)
        lookups = [f"/api/v1/units/{code}" for code in rng.sample(codes, requests)]
        results.append(_measure("lookup", "GET /api/v1/units/{body_code}", 50,
                                lambda: _timed(client, lookups, api)))
        first = "/api/v1/cases"
        results.append(_measure("cases", "GET /api/v1/cases (first page)", 50,
                                lambda: _timed(client, [first] * requests, api)))
        url = first
        for _ in range(depth):
            cursor = client.get(url, headers=api).json()["next"]
            if not cursor:
                break
            url = f"{first}?after={cursor}"
        results.append(_measure("cases_deep", f"GET /api/v1/cases, {depth} pages deep", 50,
                                lambda: _timed(client, [url] * requests, api)))
        results.append(_measure("dashboard", "GET / (the page; widgets load after it)", 200,
                                lambda: _timed(client, ["/"] * requests)))
        results.append(_measure("board", "GET /desk/board (open cases by state, issue 18)",
                                200, lambda: _timed(client, ["/desk/board"] * requests)))
        allowed = set(client.get("/api/v1/me", headers=api).json()["permissions"])
        good = []
        for widget in state.registry.widgets:
            if widget.permission not in allowed and widget.permission != "authenticated":
                continue  # not on this user's dashboard
            measured = _measure(f"widget:{widget.id}", f"GET {widget.url}", 200,
                                lambda w=widget: _timed(client, [w.url] * requests))
            results.append(measured)
            if not measured.error:
                good.append(widget.url)

        def whole() -> list[float]:
            seconds = []
            for _ in range(requests):
                start = time.perf_counter()
                for page in ["/", *good]:
                    client.get(page)
                seconds.append(time.perf_counter() - start)
            return seconds

        results.append(_measure("dashboard_all", f"GET / and its {len(good)} widgets one "
                                "after another (a browser loads them in parallel)", 200,
                                whole))
    csv_path = folder / "units.csv"
    _step(f"write {units:,} unit rows to CSV",
          lambda: _write_units_csv(csv_path, units, model_codes))

    def do_import() -> float:
        with state.sessionmaker() as session, csv_path.open("rb") as stream:
            start = time.perf_counter()
            result = import_units(session, state.pm, stream, commit=True, name="bench.csv")
            session.commit()
            elapsed = time.perf_counter() - start
        if result.inserted != units or result.errors:
            raise SystemExit(f"import: {result.inserted} inserted, {result.errors[:3]}")
        return elapsed

    elapsed = _step("import", do_import)
    size = csv_path.stat().st_size
    results.append(Measurement("import", f"CSV import of {units:,} units ({size / 1e6:.1f} MB)",
                               [elapsed], 10_000, note="one run"))
    state.engine.dispose()
    return results


def report(results: list[Measurement], requests: int, units: int, total: float) -> str:
    lines = [
        "# Benchmark report",
        "",
        f"- when: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"- data: {units:,} units, {units // 5:,} cases; {requests} timed requests per "
        "measurement after one warm-up, through the ASGI app (TestClient) as hq-manager",
        f"- whole run: {total:.0f} s",
        "",
        "| measurement | what | p50 ms | p95 ms | aim (p95) | verdict |",
        "|---|---|---:|---:|---|---|",
    ]
    for m in results:
        aim = f"< {m.aim_ms / 1000:.0f} s" if m.aim_ms and m.aim_ms >= 1000 else \
            f"< {m.aim_ms:.0f} ms" if m.aim_ms else "-"
        what = m.what + (f" ({m.note})" if m.note else "")
        if m.error:
            what += f": {m.error}"
        lines.append(f"| {m.name} | {what} | {m.p50:.1f} | {m.p95:.1f} | {aim} | "
                     f"{m.verdict} |")
    lines += ["", "Aims (issue 5): body-code lookup and case list p95 < 50 ms, dashboard "
              "< 200 ms, import of 100,000 units < 10 s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--depth", type=int, default=50, help="pages deep for the deep page")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--strict", action="store_true",
                        help="exit with 1 when an aim is missed or a request fails")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run(args.units, args.requests, args.depth, args.keep)
    total = time.perf_counter() - start
    text = report(results, args.requests, args.units, total)
    args.report.write_text(text, encoding="utf-8")
    print()
    print(f"{'measurement':<36} {'p50 ms':>9} {'p95 ms':>9}  verdict")
    for m in results:
        print(f"{m.name:<36} {m.p50:>9.1f} {m.p95:>9.1f}  {m.verdict}")
    print(f"\nreport written to {args.report} (whole run {total:.0f} s)")
    failed = [m.name for m in results if m.verdict in ("MISSED", "ERROR")]
    if failed:
        print("missed or failed: " + ", ".join(failed))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
