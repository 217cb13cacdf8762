"""Requests wait for a database connection in the event loop, not in the pool.

Each route runs in a worker thread with its own session (one connection). Starlette's thread
pool has 40 threads, SQLAlchemy's pool 15 connections (5 + 10 overflow): under 32 clients on
PostgreSQL, 25 threads sat in ``QueuePool`` until its 30 s timeout and the requests that lost
answered 500 (``make bench``, issue 11). Here a request takes a slot before it gets a thread,
so at most as many requests run as the pool can serve, and the rest queue, cheaply, in the
event loop. One connection of the pool is left over for the short side transactions a request
may open (an API token's last-used stamp), so those never wait on the requests themselves.
"""

from __future__ import annotations

import functools
import weakref
from asyncio import AbstractEventLoop, get_running_loop
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy import Engine

T = TypeVar("T")
#: Used when the pool does not say its size (a pool without a limit, SQLite's memory pool).
DEFAULT_SLOTS = 14
#: Left over for side transactions (see the module's docstring).
SPARE_CONNECTIONS = 1

_limiters: weakref.WeakKeyDictionary[AbstractEventLoop, dict[int, CapacityLimiter]] = \
    weakref.WeakKeyDictionary()


def slots_for(engine: Engine) -> int:
    """How many requests may hold a connection at once."""
    pool = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", None)
    if not callable(size) or not isinstance(overflow, int) or overflow < 0:
        return DEFAULT_SLOTS
    return max(1, int(size()) + overflow - SPARE_CONNECTIONS)


def _limiter(engine: Engine) -> CapacityLimiter:
    # A limiter belongs to one event loop (the test client starts one per request; uvicorn
    # has one): one per loop and engine, made on first use, without an await in between.
    per_loop = _limiters.setdefault(get_running_loop(), {})
    limiter = per_loop.get(id(engine))
    if limiter is None:
        limiter = per_loop[id(engine)] = CapacityLimiter(slots_for(engine))
    return limiter


async def run_with_connection(engine: Engine, func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a worker thread once a database slot is free."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args),
                                          limiter=_limiter(engine))
