"""Issue 11: serving a page leaves nothing of the request to the cyclic garbage collector.

Four concurrent clients on ``/desk/cases`` crashed the SQLite server with SIGSEGV. The pages'
whole object graph (request, its closed database session, every ORM object shown) was kept
in reference cycles by rendered Jinja contexts and macros, so the cyclic collector freed it
later on whichever thread allocated next, in the middle of another request's fetch; with the
collector off, or with the cycles broken, the crash is gone (``bench/crash_repro.py``,
docs/decisions.md). This test holds the discipline that makes it so: after a page is served,
no ORM instance, database session or request is found only through cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session
from starlette.requests import Request

from core.db import Base
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """``gc.garbage`` with every unreachable object saved instead of freed."""
    gc.collect()
    gc.garbage.clear()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _left_to_gc(garbage: list[object]) -> list[str]:
    return sorted({type(o).__name__ for o in garbage
                   if isinstance(o, (Base, Session, Request))})


@pytest.mark.parametrize("path", ["/desk/cases", "/desk/cases?state=open&sort=oldest",
                                  "/desk/cases/{case}", "/"])
def test_pages_leave_no_request_objects_in_cycles(
        make_app: Callable[..., Harness], backend: str, path: str,
        saved_garbage: list[object]) -> None:
    h = make_app()
    [case_id] = open_cases(h, 1)
    client = h.client("hq-supervisor")
    url = path.format(case=case_id)
    assert client.get(url).status_code == 200  # warm up: caches filled once are not leaks
    gc.collect()
    saved_garbage.clear()
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200
    gc.collect()
    assert _left_to_gc(saved_garbage) == []


def test_release_keeps_modules_jinja_shares_between_renders(
        saved_garbage: list[object]) -> None:
    """An import *without* context is a module Jinja caches and reuses: releasing one render
    must not empty it for the next; an import *with* context is this render's and is freed."""
    from jinja2 import DictLoader, Environment

    from core.web.templating import render_template

    class Shown:
        """Stands for the page's data: must not outlive the render in a cycle."""

    env = Environment(loader=DictLoader({
        "m.html": "{% macro hi(n) %}{{ greet }} {{ n }}{{ bang() }}{% endmacro %}"
                  "{% macro bang() %}!{% endmacro %}",
        "page.html": '{% import "m.html" as shared %}{% import "m.html" as mine with context %}'
                     "{{ shared.hi(1) }}|{{ mine.hi(thing.__class__.__name__) }}",
    }))
    env.globals["greet"] = "hello"
    for _ in range(3):
        assert render_template(env, "page.html", {"thing": Shown()}) \
            == "hello 1!|hello Shown!"
    gc.collect()
    assert not [o for o in saved_garbage if isinstance(o, Shown)]
