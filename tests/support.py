"""Test helpers shared by every test module: databases copied from a migrated template, apps
for a chosen plugin set, signed-in HTTP clients, and a SQL statement counter.

Migrating takes seconds; copying a migrated database takes milliseconds. So each run migrates
one SQLite file and one PostgreSQL template database (with core's demo organisation and
users), and every test gets its own copy.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core import migrate
from core.app import create_app
from core.db import make_engine
from core.demo import DEMO_PASSWORD
from core.settings import BUILTIN_PLUGINS, Settings

PG_ADMIN_URL = os.environ.get(
    "AFTERSALES_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRED = {
    part.strip()
    for part in os.environ.get("AFTERSALES_TEST_REQUIRE", "").split(",")
    if part.strip()
}
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 8, "argon2_parallelism": 1}
PASSWORD = DEMO_PASSWORD


def unavailable(what: str, reason: str) -> NoReturn:
    """Skip with a reason, or fail when CI said this part is required."""
    if what in REQUIRED:
        pytest.fail(f"{what} is required (AFTERSALES_TEST_REQUIRE) but unavailable: {reason}")
    pytest.skip(f"{what} unavailable: {reason}")


def settings_for(var_dir: Path, database_url: str, plugins: list[str] | None = None,
                  **overrides: Any) -> Settings:
    security = {**CHEAP_ARGON2, **overrides.pop("security", {})}
    data: dict[str, Any] = {
        "database_url": database_url,
        "var_dir": var_dir,
        "plugins": list(BUILTIN_PLUGINS if plugins is None else plugins),
        "security": security,
        **overrides,
    }
    return Settings.model_validate({**data, "source": "test settings"})


def pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def pg_url(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@contextmanager
def pg_admin() -> Iterator[Any]:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def migrate_and_seed(url: str, var_dir: Path) -> None:
    """Bring an empty database to head with every built-in plugin and core's demo org."""
    from core.demo import seed_core
    from core.demo_desk import seed_catalogue
    from core.security.roles import sync_roles

    settings = settings_for(var_dir, url)
    app = create_app(settings)
    engine: Engine = app.state.engine
    migrate.upgrade(engine, app.state.enabled)
    with app.state.sessionmaker.begin() as session:
        sync_roles(session, app.state.registry)
        seed_core(session, settings)
        seed_catalogue(session)
    engine.dispose()


_counter = itertools.count()


@dataclass
class Databases:
    """Hands out fresh copies of the migrated template databases."""

    root: Path
    sqlite_template: Path | None = None
    pg_template: str | None = None
    pg_problem: str | None = None
    created_pg: list[str] = field(default_factory=list)

    def sqlite(self) -> str:
        if self.sqlite_template is None:
            self.sqlite_template = self.root / "template.db"
            migrate_and_seed(f"sqlite:///{self.sqlite_template}", self.root / "var-template")
        copy = self.root / f"test-{next(_counter)}.db"
        shutil.copyfile(self.sqlite_template, copy)
        return f"sqlite:///{copy}"

    def postgres(self) -> str:
        if self.pg_problem is None and self.pg_template is None:
            self.pg_problem = pg_reachable()
            if self.pg_problem is None:
                self.pg_template = f"as_tmpl_{os.getpid()}"
                with pg_admin() as admin:
                    admin.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_template}"'))
                    admin.execute(text(f'CREATE DATABASE "{self.pg_template}"'))
                migrate_and_seed(pg_url(self.pg_template), self.root / "var-template-pg")
        if self.pg_problem is not None:
            unavailable("postgres", self.pg_problem)
        name = f"as_t_{os.getpid()}_{next(_counter)}"
        with pg_admin() as admin:
            admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template}"'))
        self.created_pg.append(name)
        return pg_url(name)

    def empty(self, backend: str) -> str:
        """An empty database (no tables) of the given kind."""
        if backend == "sqlite":
            return f"sqlite:///{self.root / f'empty-{next(_counter)}.db'}"
        problem = pg_reachable()
        if problem:
            unavailable("postgres", problem)
        name = f"as_e_{os.getpid()}_{next(_counter)}"
        with pg_admin() as admin:
            admin.execute(text(f'CREATE DATABASE "{name}"'))
        self.created_pg.append(name)
        return pg_url(name)

    def fresh(self, backend: str) -> str:
        return self.sqlite() if backend == "sqlite" else self.postgres()

    def drop(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql" or parsed.database not in self.created_pg:
            return
        with pg_admin() as admin:
            admin.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        self.created_pg.remove(parsed.database)

    def cleanup(self) -> None:
        for name in list(self.created_pg):
            self.drop(pg_url(name))
        if self.pg_template:
            with pg_admin() as admin:
                admin.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_template}" WITH (FORCE)'))


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class Client(TestClient):
    """A TestClient that knows this app's CSRF token and how to sign in."""

    def csrf(self) -> str:
        page = self.get("/login")  # signed in, this follows the redirect to the dashboard
        match = CSRF_RE.search(page.text)
        assert match, "no CSRF token on the sign-in page"
        return match.group(1)

    def login(self, login: str, password: str = PASSWORD) -> Client:
        response = self.post("/login", data={"login": login, "password": password,
                                             "csrf_token": self.csrf()},
                             follow_redirects=False)
        assert response.status_code == 303, response.text
        return self

    def form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with this session's CSRF token."""
        return self.post(url, data={**(data or {}), "csrf_token": self.csrf()}, **kwargs)


@dataclass
class Harness:
    app: Starlette
    settings: Settings
    url: str

    def client(self, login: str | None = None, **kwargs: Any) -> Client:
        kwargs.setdefault("base_url", "http://testserver")
        client = Client(self.app, **kwargs)
        if login:
            client.login(login)
        return client

    @contextmanager
    def session(self) -> Iterator[Any]:
        with self.app.state.sessionmaker() as session:
            yield session


class QueryCounter:
    """Counts SQL statements an engine executes (for N+1 tests)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _on(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)

    @property
    def count(self) -> int:
        return len(self.statements)


def app_for(settings: Settings) -> Harness:
    app = create_app(settings, engine=make_engine(settings.database_url))
    return Harness(app, settings, settings.database_url)
