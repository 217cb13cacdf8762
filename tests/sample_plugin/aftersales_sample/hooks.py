"""The sample plugin's hook implementations."""

from __future__ import annotations

import re
from datetime import date

from aftersales_sample import views
from core.plugin_api import BodyCode, DomainError, MenuItem, Permission, RouteSpec, hookimpl

VIEW = "sample.view"
FORMAT = "SMP.YYYYMMDD.N"
MODEL_CODE = "SMP1"
_CODE = re.compile(r"^SMP\.(?P<date>\d{8})\.(?P<seq>\d{1,8})$")


@hookimpl
def register_permissions() -> list[Permission]:
    # default_roles: granted to these built-in roles when the permission first appears
    # (the administrator role gets every new permission anyway)
    return [Permission(VIEW, "See sample notes", default_roles=("admin",))]


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [RouteSpec("sample.notes", "/sample/notes", views.notes, VIEW)]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("sample.notes", "Sample notes", "/sample/notes", VIEW, order=900)]


@hookimpl
def decode_body_code(code: str) -> BodyCode | None:
    """W-1 for the sample line: ``SMP.20240301.7`` is unit 7 made on 2024-03-01."""
    match = _CODE.match(code.strip().upper())
    if match is None:
        return None  # not ours: the next plugin (finally core) is asked
    digits = match["date"]
    try:
        made = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise DomainError(f"The body code {code!r} carries the date {digits}, which does "
                          f"not exist (format {FORMAT}).", field="body_code") from None
    return BodyCode(code=code.strip().upper(), model_code=MODEL_CODE, factory_date=made,
                    sequence=match["seq"], format=FORMAT)
