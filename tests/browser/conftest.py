"""Browser tests: the app served by uvicorn on a free local port, driven by Debian's chromium
through Playwright (no ``playwright install``: the system browser is launched by path).

- ``live_app`` (from ``tests/conftest.py``) serves an app on a free port; see ``tests/live.py``.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import PASSWORD, unavailable

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-gpu"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, marked or not."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


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
