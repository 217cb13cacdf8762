"""docs/plugins.md walks a product-line plugin from an empty folder to a package, and the
sample plugin under tests/ follows it line by line: every code block of the walkthrough that
names a file of ``aftersales_sample`` (its first line ``# aftersales_sample/<file>``) appears,
line for line and in order, in that file. ``test_sample_plugin.py`` then pip-installs the
sample and proves it works, so the walkthrough is executed, not just read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "plugins.md"
SAMPLE = ROOT / "tests" / "sample_plugin"
BLOCK = re.compile(r"```(?:python|toml|html\+jinja)\n(.*?)```", re.DOTALL)
NAMED = re.compile(r"^(?:#|\{#) (aftersales_sample/\S+)")


def walkthrough_blocks() -> list[tuple[str, list[str]]]:
    blocks = []
    for body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        lines = body.splitlines()
        match = NAMED.match(lines[0]) if lines else None
        if match:
            code = [line.rstrip() for line in lines[1:] if line.strip()]
            blocks.append((match.group(1), code))
    return blocks


def test_the_walkthrough_names_the_sample_files() -> None:
    named = {name for name, _ in walkthrough_blocks()}
    assert {"aftersales_sample/__init__.py", "aftersales_sample/models.py",
            "aftersales_sample/hooks.py", "aftersales_sample/views.py"} <= named


@pytest.mark.parametrize(("name", "code"), walkthrough_blocks(),
                         ids=[name for name, _ in walkthrough_blocks()])
def test_the_sample_follows_the_walkthrough(name: str, code: list[str]) -> None:
    actual = [line.rstrip() for line in (SAMPLE / name).read_text(encoding="utf-8")
              .splitlines()]
    position = 0
    for line in code:
        try:
            position = actual.index(line, position) + 1
        except ValueError:
            pytest.fail(f"docs/plugins.md shows {line!r} for {name}, which the sample does "
                        "not have (in that order)")


def test_the_walkthrough_imports_only_the_plugin_api() -> None:
    for name, code in walkthrough_blocks():
        for line in code:
            if line.startswith(("from core", "import core")):
                assert line.startswith("from core.plugin_api import"), (name, line)
