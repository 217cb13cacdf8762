"""The live-server harness itself: parallel requests really overlap on a real server."""

from __future__ import annotations

from collections.abc import Callable

from tests.live import fire
from tests.support import Harness


def test_fire_sends_every_request_to_a_live_server(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    _, base_url = live_app(plugins=[])
    answers = fire(4, lambda client, _index: client.get("/healthz"), base_url)
    assert [answer.status_code for answer in answers] == [200] * 4
