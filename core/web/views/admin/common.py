"""What the administration pages share: keyset pages, form values, permission checks, and
the region an admin may act in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select
from starlette.requests import Request

#: Rows per page of every admin list (tests make it small).
PAGE_SIZE = 50


@dataclass
class Page:
    """One keyset page of a list: its rows and the links to the first and the next page."""

    rows: list[Any]
    filters: dict[str, str]
    next_url: str | None = None
    first_url: str = ""
    is_later: bool = False


def cursor(request: Request, name: str = "after", *, numeric: bool = True) -> Any:
    raw = request.query_params.get(name, "")
    if numeric:
        return int(raw) if raw.isdigit() and len(raw) < 19 else None
    return raw or None


def keyset_page(request: Request, statement: Select[Any], id_column: Any, base_url: str,
                filters: dict[str, str], *, descending: bool = False,
                numeric: bool = True) -> Page:
    """Rows after the cursor (``?after=<id>``), ``PAGE_SIZE`` at a time, ordered by id. The
    next page starts after the last id shown, so rows added meanwhile never shift a page."""
    after = cursor(request, numeric=numeric)
    if after is not None:
        statement = statement.where(id_column < after if descending else id_column > after)
    statement = statement.order_by(None).order_by(
        id_column.desc() if descending else id_column)
    rows = list(request.state.db.scalars(statement.limit(PAGE_SIZE + 1)).unique())
    kept = {k: v for k, v in filters.items() if v}
    query = urlencode(kept)
    page = Page(rows=rows[:PAGE_SIZE], filters=kept,
                first_url=base_url + (f"?{query}" if query else ""),
                is_later=after is not None)
    if len(rows) > PAGE_SIZE:
        page.next_url = f"{base_url}?" + urlencode({**kept, "after": rows[PAGE_SIZE - 1].id})
    return page


def params(request: Request, *names: str) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in names}


def text_values(request: Request, *checkboxes: str) -> dict[str, Any]:
    """What was typed into a form, to show it again: each field's (last) text; the named
    checkboxes as "on" or "" (an unticked box is not sent at all)."""
    form = request.state.form
    values: dict[str, Any] = {}
    if form is not None:
        for key in form:
            items = [v for v in form.getlist(key) if isinstance(v, str)]
            if key != "csrf_token" and items:
                values[key] = items[-1]
    for name in checkboxes:
        values[name] = "on" if checked(values, name) else ""
    return values


def chosen(request: Request, name: str) -> list[str]:
    form = request.state.form
    return [v for v in form.getlist(name) if isinstance(v, str)] if form is not None else []


def checked(data: dict[str, Any], name: str) -> bool:
    return data.get(name) in ("on", "1", "true", "yes")


def is_hq(request: Request) -> bool:
    user = request.state.user
    return bool(user is not None and user.service_point.region.is_hq)


