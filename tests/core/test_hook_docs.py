"""Every hook is documented and tested (Datasette's meta-test): for each hookspec in
``core/hookspecs.py``, ``docs/hooks.md`` has a ``### <name>`` section with a Python example,
and a test function ``test_hook_<name>`` exists somewhere under ``tests/``. And the reverse: the
documentation has no section for a hook that does not exist.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from core import hookspecs
from core.manifest import PROJECT_NAME

ROOT = Path(__file__).resolve().parent.parent.parent
HOOKS_MD = ROOT / "docs" / "hooks.md"
TESTS = ROOT / "tests"
SPEC_MARKER = f"{PROJECT_NAME}_spec"  # the attribute pluggy's HookspecMarker sets
SECTION = re.compile(r"^### (\w+)[ \t]*$", re.MULTILINE)


def hook_names() -> list[str]:
    return sorted(name for name, value in vars(hookspecs).items()
                  if callable(value) and hasattr(value, SPEC_MARKER))


@cache
def sections() -> dict[str, str]:
    """``### name`` sections of docs/hooks.md, each up to the next heading of any level."""
    text = HOOKS_MD.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in SECTION.finditer(text):
        rest = text[match.end():]
        following = re.search(r"^#{1,3} ", rest, re.MULTILINE)
        found[match.group(1)] = rest[:following.start()] if following else rest
    return found


@cache
def hook_test_names() -> frozenset[str]:
    names = set()
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names.update(node.name for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                     and node.name.startswith("test_hook_"))
    return frozenset(names)


def test_hookspecs_are_found() -> None:
    # guards the two tests below against finding nothing (and so passing vacuously)
    assert {"register_permissions", "decode_body_code", "startup"} <= set(hook_names())
    assert len(hook_names()) >= 18


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_documented_with_an_example(name: str) -> None:
    assert name in sections(), f"docs/hooks.md has no '### {name}' section"
    assert "```python" in sections()[name], (
        f"the '### {name}' section of docs/hooks.md has no ```python example")
    assert "@hookimpl" in sections()[name], (
        f"the example of '### {name}' in docs/hooks.md does not implement the hook")


def test_every_example_is_python() -> None:
    text = HOOKS_MD.read_text(encoding="utf-8")
    for number, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.DOTALL), 1):
        try:
            ast.parse(block)
        except SyntaxError as exc:
            pytest.fail(f"python example {number} of docs/hooks.md does not parse: {exc}")


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_test(name: str) -> None:
    assert f"test_hook_{name}" in hook_test_names(), (
        f"no test function named test_hook_{name} under tests/")


def test_no_section_for_a_hook_that_does_not_exist() -> None:
    unknown = sorted(set(sections()) - set(hook_names()))
    assert unknown == [], f"docs/hooks.md documents hooks that do not exist: {unknown}"

