"""Fixtures: ``make_app`` builds an app for a plugin set on a fresh database copy.

``backend`` runs a test on SQLite and on PostgreSQL. PostgreSQL and browser tests skip with a
reason when the machine lacks them, and fail instead when ``AFTERSALES_TEST_REQUIRE`` names
them (CI sets ``postgres,browser``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))

from tests.live import LiveServer
from tests.support import Databases, Harness, app_for, settings_for

# Tests say "today" with date.today(); the app says it in the instance's zone (Asia/Shanghai
# by default). Between 16:00 and 24:00 UTC the two are different days, so the test process
# runs in the instance's zone. The code under test never reads the machine's zone (it uses
# Settings.tz), so this hides nothing.
os.environ["TZ"] = "Asia/Shanghai"
time.tzset()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.cleanup()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_app(
    databases: Databases, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Harness]]:
    """``make_app(plugins=["warranty"], backend="postgres", **settings)`` -> Harness.

    Without ``backend`` it uses the test's ``backend`` parameter if it has one, else SQLite.
    """
    made: list[Harness] = []

    def factory(plugins: list[str] | None = None, backend: str | None = None,
                url: str | None = None, **overrides: Any) -> Harness:
        if backend is None:
            backend = request.getfixturevalue("backend") if "backend" in request.fixturenames \
                else "sqlite"
        url = url or databases.fresh(backend)
        settings = settings_for(tmp_path / f"var{len(made)}", url, plugins, **overrides)
        harness = app_for(settings)
        made.append(harness)
        return harness

    yield factory
    for harness in made:
        harness.app.state.engine.dispose()
        databases.drop(harness.url)


@pytest.fixture
def harness(make_app: Callable[..., Harness]) -> Harness:
    """An app with every built-in plugin on the test's backend (SQLite by default)."""
    return make_app()


@pytest.fixture
def live_app(make_app: Callable[..., Harness]
             ) -> Iterator[Callable[..., tuple[Harness, str]]]:
    """``live_app(plugins=["warranty"])`` or ``live_app(harness)`` -> ``(harness, base_url)``.

    Without a harness it makes one with ``make_app`` (the test's ``backend`` if it has one,
    else SQLite). Every server started stops after the test. Pair it with
    ``tests.live.fire`` to send parallel requests.
    """
    servers: list[LiveServer] = []

    def start(harness: Harness | None = None, **make_kwargs: Any) -> tuple[Harness, str]:
        h = harness if harness is not None else make_app(**make_kwargs)
        server = LiveServer(h.app)
        servers.append(server)
        server.start()
        return h, server.base_url

    yield start
    for server in servers:
        server.stop()
