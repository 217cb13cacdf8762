"""The import contract (issue 12, DESIGN.md "Plugins"), checked on the source with ``ast``.

- Core never imports a plugin: core must run with any plugin set, including none.
- A plugin imports from core only ``core.plugin_api`` (the stable surface), and other plugins
  only along its ``depends``; otherwise plugins talk through hooks.
- Core's services never import the web or API layers: they take a session and return values,
  so the worker, the CLI and tests use them without a request.
- Pure policy modules (``policy.py``) import no database or web library, and from the plugin
  API only value types and errors, so their rules can be tested without an app.

A violation names the file, the line and the rule, so the fix is obvious.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import plugin_api

ROOT = Path(__file__).resolve().parent.parent.parent
PLUGIN_PACKAGES = {
    "plugins.warranty": ROOT / "plugins" / "warranty",
    "plugins.loaner": ROOT / "plugins" / "loaner",
    "plugins.training": ROOT / "plugins" / "training",
    "plugins.parts": ROOT / "plugins" / "parts",
    "plugins.feedback": ROOT / "plugins" / "feedback",
    "aftersales_sample": ROOT / "tests" / "sample_plugin" / "aftersales_sample",
}
WEB_OR_DB_LIBRARIES = ("sqlalchemy", "starlette", "jinja2", "alembic", "psycopg", "uvicorn")
#: What a pure policy module may take from the plugin API: values, errors, markers, date math.
POLICY_NAMES = {
    "BodyCode", "ChargeDraft", "Conflict", "Coverage", "DomainError", "HoldKind", "N_",
    "NotFound", "PolicySettings", "Pricing", "Term", "TimelineEntry", "Veto",
    "Message",  # a reason as a message id with parameters (warranty's policy, issue 12)
    # pure values and date arithmetic: no database, no clock, no web
    "FAULT_CAUSES", "add_months", "local_date",
}


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in ``path``, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    inside = path.is_relative_to(ROOT)
    package = ".".join(path.relative_to(ROOT).parts[:-1]) if inside else path.parent.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            yield node.lineno, module, [a.name for a in node.names]


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def declared_depends(folder: Path) -> tuple[str, ...]:
    """``MANIFEST = Manifest(..., depends=(...))`` read from the source, without importing
    the plugin (the sample plugin is installed only by its own test)."""
    tree = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Manifest":
            for keyword in node.keywords:
                if keyword.arg == "depends":
                    return tuple(ast.literal_eval(keyword.value))
    return ()


def under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_core_never_imports_a_plugin() -> None:
    problems = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                for path in python_files(ROOT / "core")
                for line, module, _ in imports(path)
                if any(under(module, p) for p in PLUGIN_PACKAGES) or module == "plugins"]
    assert problems == []


@pytest.mark.parametrize("package", sorted(PLUGIN_PACKAGES))
def test_a_plugin_imports_only_the_plugin_api_and_its_dependencies(package: str) -> None:
    assert plugin_problems(package, PLUGIN_PACKAGES[package]) == []


def plugin_problems(package: str, folder: Path) -> list[str]:
    allowed = {package} | {f"plugins.{name}" for name in declared_depends(folder)}
    problems = []
    for path in python_files(folder):
        for line, module, _ in imports(path):
            where = f"{path.name}:{line}"
            if under(module, "core") and module != "core.plugin_api":
                problems.append(f"{where} imports {module}; use core.plugin_api")
            mine = any(under(module, p) for p in allowed)
            other_plugin = (under(module, "plugins") or any(
                under(module, p) for p in PLUGIN_PACKAGES)) and not mine
            if other_plugin:
                problems.append(f"{where} imports {module}, not in MANIFEST.depends")
    return problems


def test_services_never_import_the_web_or_api_layers() -> None:
    problems = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                for path in python_files(ROOT / "core" / "services")
                for line, module, _ in imports(path)
                if under(module, "core.web") or under(module, "core.api")
                or module.split(".")[0] in ("starlette", "jinja2")]
    assert problems == []


def policy_modules() -> list[Path]:
    return sorted(p / "policy.py" for p in PLUGIN_PACKAGES.values() if (p / "policy.py").exists())


@pytest.mark.parametrize("path", policy_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_policy_modules_import_no_database_or_web_code(path: Path) -> None:
    problems = []
    for line, module, names in imports(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        if module.split(".")[0] in WEB_OR_DB_LIBRARIES:
            problems.append(f"{where} imports {module}")
        if module == "core.plugin_api":
            problems.extend(f"{where} takes {name} from the plugin API (values only)"
                            for name in names if name not in POLICY_NAMES)
        elif under(module, "plugins") and not module.endswith(".policy"):
            problems.append(f"{where} imports {module} (only other policy modules)")
    assert problems == []


def test_the_policy_names_are_all_in_the_plugin_api() -> None:
    assert set(plugin_api.__all__) >= POLICY_NAMES


def test_the_contract_catches_violations(tmp_path: Path) -> None:
    """The checker itself can fail: a plugin reaching into core's internals or into a plugin
    it does not depend on."""
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "__init__.py").write_text(
        "from core.plugin_api import Manifest\nMANIFEST = Manifest('probe', '1', "
        "depends=('warranty',))\n", encoding="utf-8")
    (folder / "views.py").write_text(
        "from core.services.cases import get_case\nfrom plugins.warranty import policy\n"
        "from plugins.training import services\n", encoding="utf-8")
    assert plugin_problems("probe", folder) == [
        "views.py:1 imports core.services.cases; use core.plugin_api",
        "views.py:3 imports plugins.training, not in MANIFEST.depends",
    ]
