"""Reproduction of issue 11's crash: several threads serving ``/desk/cases`` at once on SQLite.

``python -m bench.crash_repro [--units 100000] [--threads 4] [--seconds 60] [--db PATH]``
builds (or reuses, with ``--db``) a database of demo data, then runs ``--threads`` Starlette
``TestClient`` s, each signed in, requesting the case list (first page and filtered pages)
for ``--seconds``. The process ends with SIGSEGV on the code before the fix of issue 11;
after it, it prints the number of requests served and exits 0.

It also reports how many ``sqlite3.Cursor`` objects were left to the cyclic garbage
collector, which is the cause (see docs/decisions.md, issue 11).
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import re
import sqlite3
import sys
import threading
import time
from pathlib import Path

from starlette.testclient import TestClient

from core import migrate
from core.app import create_app
from core.demo import DEMO_PASSWORD, seed_core
from core.demo_desk import seed_catalogue, seed_scale
from core.security.roles import sync_roles
from core.settings import BUILTIN_PLUGINS, Settings

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
URLS = ("/desk/cases", "/desk/cases?state=open", "/desk/cases?sort=oldest",
        "/desk/cases?sort=updated")


def settings_for(db: Path) -> Settings:
    return Settings.model_validate({
        "database_url": f"sqlite:///{db}",
        "var_dir": db.parent / "var",
        "plugins": list(BUILTIN_PLUGINS),
        "security": {"argon2_time_cost": 1, "argon2_memory_cost_kib": 8,
                     "argon2_parallelism": 1},
        "source": "crash_repro settings",
    })


def build(db: Path, units: int) -> None:
    """Migrate and seed ``db`` unless it already holds data."""
    if db.exists():
        return
    settings = settings_for(db)
    app = create_app(settings)
    state = app.state
    migrate.upgrade(state.engine, state.enabled)
    start = time.perf_counter()
    with state.sessionmaker.begin() as session:
        sync_roles(session, state.registry)
        seed_core(session, settings)
        models = seed_catalogue(session)
        seed_scale(session, models, units)
    print(f"seeded {units:,} units in {time.perf_counter() - start:.1f} s", flush=True)
    state.engine.dispose()


def sign_in(client: TestClient, login: str = "hq-manager") -> None:
    match = CSRF_RE.search(client.get("/login").text)
    assert match, "no CSRF token on the sign-in page"
    response = client.post("/login", data={"login": login, "password": DEMO_PASSWORD,
                                           "csrf_token": match.group(1)},
                           follow_redirects=False)
    assert response.status_code == 303, response.status_code


def run_live(db: Path, threads: int, seconds: float) -> int:
    """The same load against a real uvicorn server in this process (as ``aftersales
    serve`` runs it), with one HTTP connection per client thread."""
    import socket

    import httpx2 as httpx
    import uvicorn

    app = create_app(settings_for(db))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    served = [0] * threads
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            match = CSRF_RE.search(client.get("/login").text)
            assert match, "no CSRF token on the sign-in page"
            client.post("/login", data={"login": "hq-manager", "password": DEMO_PASSWORD,
                                        "csrf_token": match.group(1)})
            n = 0
            while time.monotonic() < stop:
                response = client.get(URLS[n % len(URLS)])
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {URLS[n % len(URLS)]}")
                n += 1
                served[index] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    server.should_exit = True
    print(f"live: served {sum(served):,} requests in {seconds:.0f} s with {threads} clients "
          f"({sum(served) / seconds:.1f} req/s); {len(errors)} errors", flush=True)
    return 1 if errors else 0


def run(db: Path, threads: int, seconds: float) -> int:
    app = create_app(settings_for(db))
    served = [0] * threads
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            sign_in(client)
            n = 0
            while time.monotonic() < stop:
                response = client.get(URLS[n % len(URLS)])
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {URLS[n % len(URLS)]}")
                n += 1
                served[index] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    with TestClient(app) as client:
        sign_in(client)
        for url in URLS:
            client.get(url)
    gc.collect()
    left = sum(isinstance(o, sqlite3.Cursor) for o in gc.garbage)
    gc.set_debug(0)
    gc.garbage.clear()
    print(f"served {sum(served):,} requests in {seconds:.0f} s with {threads} threads "
          f"({sum(served) / seconds:.1f} req/s); {len(errors)} errors; "
          f"sqlite3 cursors left to the cyclic GC by one pass over the list: {left}",
          flush=True)
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash_repro", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--db", type=Path, default=Path("/tmp/aftersales-crash/bench.db"))
    parser.add_argument("--live", action="store_true",
                        help="serve with uvicorn and send real HTTP requests")
    args = parser.parse_args(argv)
    faulthandler.enable()
    build(args.db, args.units)
    if args.live:
        return run_live(args.db, args.threads, args.seconds)
    return run(args.db, args.threads, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
