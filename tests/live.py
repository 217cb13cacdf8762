"""A live server and parallel requests: how tests prove "exactly one succeeds".

SQLite serialises writers, and the ASGI test client runs one request at a time, so a race
only shows against a real server with real connections. ``LiveServer`` runs uvicorn on a
socket bound to a free loopback port in a daemon thread (its own event loop, its own
connection pool); ``fire`` sends N requests released together by a barrier, each from its
own thread and HTTP connection, and returns the answers in a stable order.

Used by the browser tests and by every concurrency test (the ``live_app`` fixture in
``tests/conftest.py``).
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx

START_TIMEOUT = 15.0


class LiveServer:
    """uvicorn serving one app in a daemon thread, on a socket bound before it starts."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.socket]},
                                       name=f"uvicorn-{self.port}", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        problem = "did not answer"
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError(f"the test server on {self.base_url} stopped while "
                                   "starting (see the log above: lifespan or port)")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
                    problem = f"answered {answer.status}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"/healthz on {self.base_url} {problem} within {START_TIMEOUT}s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


def fire(count: int, send: Callable[[httpx.Client, int], httpx.Response],
         base_url: str, timeout: float = 30.0) -> list[httpx.Response]:
    """Send ``count`` requests at the same moment: ``send(client, index)`` runs in its own
    thread with its own connection, all released together by a barrier.

    Answers come back in index order. Typical use: ``statuses = sorted(r.status_code for r
    in fire(5, lambda c, i: c.post(url, json=body, headers=auth), base))`` and then
    ``assert statuses == [201, 409, 409, 409, 409]``.
    """
    barrier = threading.Barrier(count)

    def one(index: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            client.get("/healthz")  # open the connection before the barrier
            barrier.wait()
            return send(client, index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))
