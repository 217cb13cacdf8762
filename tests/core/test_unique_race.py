"""Two admins adding the same model code at once: one is added, the other told so (409),
never a 500 (a unique key taken between the check and the write; core/web/routing.py)."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
from sqlalchemy import func, select

from core.entities import ProductModel
from tests.core.test_one_writer import _signed_in
from tests.live import fire
from tests.support import Harness


def test_the_same_new_model_sent_three_times_at_once_is_added_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    h, base_url = live_app(plugins=[])
    cookies, csrf = _signed_in(base_url, "hq-admin")
    form = {"code": "RACE1", "name": "Race amplifier", "name_zh": "竞速功放",
            "product_line": "amplifier", "list_price": "100", "csrf_token": csrf}

    def add(client: httpx.Client, _index: int) -> httpx.Response:
        client.cookies = cookies
        return client.post("/admin/models", data=form)

    answers = fire(3, add, base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 303 and all(s in (400, 409) for s in statuses[1:]), statuses
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(ProductModel)
                              .where(ProductModel.code == "RACE1")) == 1
