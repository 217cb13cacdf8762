"""The desk pages with plugins: panels from ``detail_panels`` load by htmx in their order and
only for users allowed to see them; every page still works with all built-in plugins on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.hooktypes import Panel
from core.manifest import hookimpl
from tests.support import Harness

INTAKE = {
    "body_code": "PA2400-240315-00042", "model_code": "", "own_product": "on",
    "customer.name": "Pearl River Live House", "customer.address": "1 Haizhu Road",
    "customer.phone": "020-8422-5566", "fault_description": "No sound on channel B",
    "channel": "walk_in",
}


class Panels:
    @hookimpl
    def detail_panels(self, entity: str, obj: Any, request: Any) -> list[Panel]:
        key = f"{entity}-{getattr(obj, 'id', '')}"
        return [
            Panel("standin.late", "Late panel", f"/standin/{key}/late", "case.view", order=50),
            Panel("standin.money", "Money panel", f"/standin/{key}/money",
                  "finance.handover", order=1),
            Panel("standin.early", "Early panel", f"/standin/{key}/early", "case.view",
                  order=5),
        ]


def test_panels_are_sorted_and_filtered_by_permission(make_app: Callable[..., Harness]
                                                      ) -> None:
    h = make_app(plugins=[])
    h.app.state.pm.register(Panels(), name="standin")
    clerk = h.client("hq-clerk")
    url = clerk.form("/desk/intake", INTAKE, follow_redirects=False).headers["location"]
    cid = url.rsplit("/", 1)[1]
    page = clerk.get(url).text
    loads = re.findall(r'hx-get="(/standin/[^"]+)" hx-trigger="load"', page)
    assert loads == [f"/standin/case-{cid}/early", f"/standin/case-{cid}/late"]
    assert f'<a href="/standin/case-{cid}/early">' in page  # the link without JavaScript
    finance = h.client("hq-finance").get(url).text
    assert re.findall(r'hx-get="/standin/case-\d+/(\w+)"', finance) == ["money", "early",
                                                                          "late"]
    unit = clerk.get("/desk/units/PA2400-240315-00042").text
    assert re.findall(r'hx-get="/standin/unit-\d+/(\w+)"', unit) == ["early", "late"]


def test_pages_work_with_every_builtin_plugin(harness: Harness) -> None:
    clerk = harness.client("hq-clerk")
    created = clerk.form("/desk/intake", INTAKE, follow_redirects=False)
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    for page in (url, f"{url}/sheet", "/desk/cases", "/desk/units/PA2400-240315-00042",
                 "/desk/intake", "/", "/desk/my-cash"):
        response = clerk.get(page)
        assert response.status_code == 200, (page, response.text[:500])
    tech = harness.client("hq-tech")
    inspected = tech.form(f"{url}/transition", {"to": "inspected", "fault_found": "Dead",
                                                "fault_description_0": "Output stage",
                                                "fault_cause_0": "normal",
                                                "coverage_class": "B"},
                          follow_redirects=False)
    assert inspected.status_code == 303, inspected.text
    page = clerk.get(url)
    assert page.status_code == 200 and "Inspected" in page.text
