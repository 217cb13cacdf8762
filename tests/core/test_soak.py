"""Issue 11: a bounded soak on a real uvicorn server, SQLite and PostgreSQL.

Four clients at once for ``AFTERSALES_SOAK_SECONDS`` (default 15) on the case list (first
and later pages), a case's page, the body-code lookup, the dashboard and a write (intake of
a new case). Before issue 11 the SQLite server died with SIGSEGV under this load (at scale:
``bench/crash_repro.py``); a crash here ends the whole test run, which is the failure. Every
answer must be a success, and the server must still answer afterwards.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx2 as httpx

from tests.core.desk_helpers import bearer
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness

SECONDS = float(os.environ.get("AFTERSALES_SOAK_SECONDS", "15"))
CLIENTS = 4


def test_four_clients_for_a_while(live_app: Callable[..., tuple[Harness, str]],
                                  backend: str) -> None:
    h, base_url = live_app(plugins=["warranty"])
    ids = open_cases(h, 60)
    headers = bearer(h, "hq-supervisor")
    writer = bearer(h, "hq-clerk")
    first = httpx.get(f"{base_url}/api/v1/cases", headers=headers).json()
    later = f"/desk/cases?after={first['next']}"
    reads = ["/desk/cases", later, "/desk/cases?state=open&sort=oldest",
             f"/desk/cases/{ids[0]}", "/api/v1/units/MC58-250101-00007", "/"]
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            n = 0
            while time.monotonic() < stop:
                if index == 0 and n % 5 == 4:  # one writer among the readers
                    response = http.post("/api/v1/cases", headers=writer, json={
                        "body_code": f"MC58-250101-9{n:04d}", "model_code": "",
                        "customer": {"name": f"Soak {n}", "address": "1 Road",
                                     "phone": f"138{n:08d}"},
                        "fault_description": "Hum", "channel": "walk_in"})
                    key = f"POST {response.status_code}"
                else:
                    url = reads[(n + index) % len(reads)]
                    key = f"GET {http.get(url, headers=headers).status_code}"
                with lock:
                    statuses[key] += 1
                n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {"GET 200", "POST 201"}, statuses
    assert statuses["GET 200"] > CLIENTS and statuses["POST 201"] > 0, statuses
    assert httpx.get(f"{base_url}/healthz").status_code == 200
