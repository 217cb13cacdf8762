"""Issue 10 in a real browser: a form submitted twice before the first answer arrives (a
double click on a slow line) opens one case. aftersales.js gives the form one idempotency
key for both submissions (core/web/idempotency.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.entities import ServiceCase
from tests.support import Harness

pytestmark = pytest.mark.browser


def test_a_double_submitted_intake_opens_one_case(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any]) -> None:
    h, base = live_app(plugins=[])
    clerk = signed_in(base, "hq-clerk")
    clerk.goto(f"{base}/desk/intake")
    clerk.get_by_label("Name").fill("Pearl River Live House")
    clerk.get_by_label("Body code").fill("PA2400-240315-00042")
    clerk.get_by_label("Full address").fill("1 Haizhu Road, Guangzhou")
    clerk.get_by_label("Phone").fill("+86 139-0000 1111")
    clerk.get_by_label("Fault as described by the customer").fill("No sound on channel B")
    form = clerk.locator("form", has=clerk.get_by_role("button", name="Open the case"))
    # What a double click on a slow line sends: the same submission twice, in parallel,
    # each with what aftersales.js put in the form when it was submitted.
    answers = form.evaluate("""async f => {
        f.dispatchEvent(new Event("submit", {bubbles: true, cancelable: true}));
        const send = () => fetch(f.action, {method: "POST", body: new FormData(f)});
        const both = await Promise.all([send(), send()]);
        return {key: new FormData(f).get("idempotency_key"),
                urls: both.map(r => r.url), statuses: both.map(r => r.status)};
    }""")
    assert re.fullmatch(r"[0-9a-f]{32}", answers["key"]), answers
    assert answers["statuses"] == [200, 200], answers
    assert answers["urls"][0] == answers["urls"][1] and "/desk/cases/" in answers["urls"][0]
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(ServiceCase)) == 1
