"""Every module of core and the built-in plugins imports: a merge that leaves a stale
``from x import y`` fails here at once, not in whichever page test happens to load it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import core
import plugins

MODULES = sorted(
    info.name
    for package, prefix in ((core, "core."), (plugins, "plugins."))
    for info in pkgutil.walk_packages(package.__path__, prefix)
    if ".migrations" not in info.name  # alembic's env.py runs only under alembic
)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name: str) -> None:
    importlib.import_module(name)
