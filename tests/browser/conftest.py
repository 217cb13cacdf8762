"""Browser tests: the app served by uvicorn on a free local port, driven by Debian's chromium
through Playwright (no ``playwright install``: the system browser is launched by path).

- ``live_app(plugins=[...])`` (or ``live_app(harness)``) -> ``(harness, base_url)``: a fresh
  SQLite copy served in a background thread until the test ends.
- ``browser``: one chromium for the whole session; a missing chromium skips, or fails when
  ``AFTERSALES_TEST_REQUIRE`` names ``browser``.
- ``page``: a fresh context (1280x800, en-GB) and page per test; ``new_page`` makes more
  (another user, the customer, a phone); ``sign_in`` signs a page in through the form.
- Screenshots go to ``var/artefacts/`` (git-ignored).

The sync Playwright API cannot run inside an asyncio loop, so the server gets its own thread
and event loop and the test thread stays loop-free.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import PASSWORD, Harness, unavailable

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-gpu"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT = 15.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, marked or not."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


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


@pytest.fixture
def live_app(make_app: Callable[..., Harness]
             ) -> Iterator[Callable[..., tuple[Harness, str]]]:
    """``live_app(plugins=["warranty"])`` or ``live_app(harness)`` -> ``(harness, base_url)``.

    Without arguments: every built-in plugin. Every server started stops after the test.
    """
    servers: list[LiveServer] = []

    def start(harness: Harness | None = None, **make_kwargs: Any) -> tuple[Harness, str]:
        h = harness if harness is not None else make_app(backend="sqlite", **make_kwargs)
        server = LiveServer(h.app)
        servers.append(server)
        server.start()
        return h, server.base_url

    yield start
    for server in servers:
        server.stop()


def chromium_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        unavailable("browser", "Debian chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        unavailable("browser", f"the playwright package is missing ({exc})")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable,
                                                  args=CHROMIUM_ARGS)
        except Error as exc:
            unavailable("browser", f"{executable} did not start: {str(exc).splitlines()[0]}")
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(viewport=PHONE)`` -> a page in a context of its own (own cookies), closed
    after the test."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None, locale: str = "en-GB") -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def sign_in(page: Any, base_url: str, login: str, password: str = PASSWORD) -> Any:
    """Sign in through the form; returns the page (on the dashboard)."""
    page.goto(f"{base_url}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()
    return page


@pytest.fixture
def signed_in(new_page: Callable[..., Any]) -> Callable[..., Any]:
    """``signed_in(base_url, "hq-clerk")`` -> a page of its own, signed in as that user."""

    def make(base_url: str, login: str, **page_kwargs: Any) -> Any:
        return sign_in(new_page(**page_kwargs), base_url, login)

    return make


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
