"""API tokens: shown once, stored hashed, revocable, last use recorded; bearer auth gives the
user's permissions and region scope; JSON errors."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import CliRunner
from sqlalchemy import select

from core.cli import cli
from core.entities import ApiToken
from core.security.auth import hash_token
from core.services.users import create_token, revoke_token
from tests.support import Harness


def _token(h: Harness, login: str) -> str:
    with h.session() as session:
        token, _row = create_token(session, login, "test")
        session.commit()
    return token


def test_bearer_token_authenticates_and_records_last_use(make_app: Callable[..., Harness],
                                                        backend: str) -> None:
    h = make_app()
    token = _token(h, "east-clerk")
    with h.session() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_hash == hash_token(token) and token not in (row.token_hash, row.prefix)
        assert row.last_used_at is None
    response = h.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["login"] == "east-clerk" and body["region"] == "EAST"
    with h.session() as session:
        assert session.scalars(select(ApiToken)).one().last_used_at is not None


def test_revoked_or_wrong_token_is_401(harness: Harness) -> None:
    token = _token(harness, "hq-clerk")
    client = harness.client()
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer as_wrong"}).status_code \
        == 401
    with harness.session() as session:
        row = session.scalars(select(ApiToken)).one()
        revoke_token(session, row, row.user)
        session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_bearer_posts_need_no_csrf_token(harness: Harness) -> None:
    token = _token(harness, "hq-clerk")
    response = harness.client().post("/logout", headers={"Authorization": f"Bearer {token}"},
                                     follow_redirects=False)
    assert response.status_code == 303


def test_token_from_the_cli_is_printed_once(harness: Harness, tmp_path) -> None:
    env = {"AFTERSALES_DATABASE_URL": harness.url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": ",".join(harness.settings.plugins)}
    result = CliRunner().invoke(cli, ["user", "token", "hq-supervisor", "--name", "crm"],
                                env=env)
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("as_")
    me = harness.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["login"] == "hq-supervisor"
    unknown = CliRunner().invoke(cli, ["user", "token", "nobody"], env=env)
    assert unknown.exit_code != 0 and "No user with login 'nobody'" in unknown.output


def test_parallel_reads_with_one_token_never_conflict(make_app: Callable[..., Harness],
                                                      backend: str) -> None:
    """An integration calling in parallel: recording the token's use must not turn reads
    into write conflicts (it is written in its own short transaction, once a minute)."""
    import threading

    h = make_app(plugins=[])
    token = _token(h, "hq-clerk")
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def call() -> None:
        client = h.client()
        barrier.wait()
        for _ in range(4):
            statuses.append(client.get("/api/v1/me",
                                       headers={"Authorization": f"Bearer {token}"}
                                       ).status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 24
