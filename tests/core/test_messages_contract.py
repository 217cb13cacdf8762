"""Messages people read are message ids with parameters (issue 12 item 4, issue 18 item 1).

An error, a refusal or a veto written as an f-string (or ``%`` / ``.format`` done in place) is
English forever: the catalogue cannot hold it and a Chinese reader sees English. This test
reads every module of core and the plugins and fails on such a message, naming where it is.
Write ``DomainError(N_("%(name)s is already enrolled."), params={"name": ...})`` instead
(``problems.add(field, N_(...), name=...)``; ``Veto(clause, N_(...), params=...)``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAISERS = frozenset({"DomainError", "Conflict", "NotFound", "Forbidden"})
#: Modules still to convert, each with why it is not done yet. Remove a line when its module
#: is converted; adding one needs a reason as good as these.
NOT_YET: dict[str, str] = {}


def _formatted(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")


def _message_argument(call: ast.Call) -> ast.expr | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else ""
    if name in RAISERS:
        return call.args[0] if call.args else None
    if name == "Veto":
        return call.args[1] if len(call.args) > 1 else None
    if name == "add" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "problems":
        return call.args[1] if len(call.args) > 1 else None
    return None


def _offences() -> list[str]:
    found = []
    for folder in ("core", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in NOT_YET:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    message = _message_argument(node)
                    if message is not None and _formatted(message):
                        found.append(f"{relative}:{node.lineno}: {ast.unparse(message)[:70]}")
    return found


def test_no_message_is_formatted_in_place() -> None:
    assert _offences() == []


def test_the_not_yet_list_only_names_modules_that_still_need_it() -> None:
    for relative in NOT_YET:
        assert (ROOT / relative).is_file(), relative
