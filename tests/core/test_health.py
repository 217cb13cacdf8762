"""GET /healthz: database reachable, migrations current, enabled plugins; 503 when not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, text

from tests.support import Harness


def test_healthz_ok_lists_enabled_plugins(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=["warranty", "loaner"])
    response = h.client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migrations"] == "current"
    assert [p["name"] for p in body["plugins"]] == ["loaner", "warranty"]


def test_healthz_503_when_migrations_pending(make_app: Callable[..., Harness],
                                             backend: str) -> None:
    h = make_app()
    with h.app.state.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    response = h.client().get("/healthz")
    assert response.status_code == 503
    assert "core" in response.json()["migrations"]["pending"]


def test_healthz_503_when_database_unreachable(make_app: Callable[..., Harness],
                                               tmp_path) -> None:
    h = make_app(url=f"sqlite:///{tmp_path}/missing/dir/that/cannot/exist/\0.db")
    response = h.client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("unreachable")


def test_healthz_for_a_signed_in_user(harness: Harness) -> None:
    """The request's own read session must not block the health check's connection."""
    response = harness.client("hq-admin").get("/healthz")
    assert response.status_code == 200
    assert response.json()["migrations"] == "current"


def test_healthz_reads_migration_scripts_once(make_app: Callable[..., Harness],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: the scripts are read once per app, not on every call (it made /healthz
    30x slower than a bare app); each call still reads the database's revision."""
    from alembic.script import ScriptDirectory

    from core import migrate

    h = make_app()
    reads: list[int] = []
    original = ScriptDirectory.from_config.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ScriptDirectory], config: object) -> ScriptDirectory:
        reads.append(1)
        return original(cls, config)  # type: ignore[no-any-return]

    monkeypatch.setattr(migrate.ScriptDirectory, "from_config", classmethod(counting))
    client = h.client()
    for _ in range(3):
        assert client.get("/healthz").json()["migrations"] == "current"
    assert len(reads) <= 1
    with h.app.state.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    assert client.get("/healthz").status_code == 503


def test_healthz_uses_one_connection(make_app: Callable[..., Harness], backend: str) -> None:
    """The database check and the migration heads share one pool checkout (issue 11: two)."""
    h = make_app(plugins=[])
    client = h.client()
    assert client.get("/healthz").status_code == 200
    checkouts: list[object] = []
    listener = lambda *_args: checkouts.append(1)  # noqa: E731
    event.listen(h.app.state.engine, "checkout", listener)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        event.remove(h.app.state.engine, "checkout", listener)
    assert len(checkouts) == 1, checkouts
