"""warranty reasons as message ids with parameters

A request's reason was kept as two sentences (``reason_en``, ``reason_zh``); it is now the
message id and its parameters (``reason_id``, ``reason_params``), shown in the reader's
language (issue 12 item 4, issue 18 item 1).

Existing rows are converted by deciding them again: the request's facts are on the row, the
unit's factory date and OEM flag on the unit, and the parameters used then (warranty months,
return window, depreciation) are read back from the sentence. When the decision's English
reason is exactly the stored one, its id and parameters are kept; otherwise (a unit swapped
since, a reason from an older wording) the English text stays as a plain note, shown as it
is. Downgrading renders each reason in English and Chinese again.

Revision ID: w0002
Revises: w0001
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = 'w0002'
down_revision: str | Sequence[str] | None = 'w0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERCENT = re.compile(r"with (\d+)% depreciation")
_WINDOW = re.compile(r"(?:within|more than) (\d+) months? (?:of|since) leaving")


def _table() -> sa.Table:
    return sa.table(
        'warranty_request', sa.column('id', sa.Integer()), sa.column('case_id', sa.Integer()),
        sa.column('kind', sa.String()), sa.column('decided_on', sa.Date()),
        sa.column('defects', sa.String()), sa.column('performance_mismatch', sa.Boolean()),
        sa.column('human_factor', sa.Boolean()), sa.column('quality_problem', sa.Boolean()),
        sa.column('used', sa.Boolean()), sa.column('well_kept', sa.Boolean()),
        sa.column('reason_en', sa.Text()), sa.column('reason_zh', sa.Text()),
        sa.column('reason_id', sa.Text()), sa.column('reason_params', sa.JSON()))


def _month_gap(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _candidates(text: str, made: date | None, model_months: int | None) -> Iterator[Any]:
    """The parameters the sentence may have been decided with, likeliest first."""
    from plugins.warranty.policy import WarrantyParams

    percent = _PERCENT.search(text)
    window = _WINDOW.search(text)
    months = [model_months or 24, 24]
    if made is not None:
        for found in _ISO.findall(text):
            try:
                gap = _month_gap(made, date.fromisoformat(found))
            except ValueError:
                continue
            months += [gap, gap + 1, gap - 1]
    seen: set[int] = set()
    for count in months:
        if count in seen or not 0 <= count <= 240:
            continue
        seen.add(count)
        yield WarrantyParams(
            warranty_months=count,
            return_window_months=int(window.group(1)) if window else 1,
            return_depreciation_percent=int(percent.group(1)) if percent else 10)


def _converted(row: Any) -> tuple[str, dict[str, Any]] | None:
    """The stored sentence as a message id and parameters, or None when none matches."""
    try:
        from plugins.warranty import policy
        from plugins.warranty.texts import english, stored
    except ImportError:  # the policy moved on: keep every reason as text
        return None
    made = row.factory_date if row.own_product else None
    if row.own_product and row.body_code_text and made is None:
        return None
    for params in _candidates(row.reason_en, made, row.model_months):
        try:
            decision = policy.decide_request(policy.Request(
                request=row.kind, on=row.decided_on, own_product=bool(row.own_product),
                body_code_present=bool(row.body_code_text),
                factory_date=made if row.body_code_text else None, oem=bool(row.oem),
                defects=frozenset(d for d in (row.defects or "").split(",") if d),
                performance_mismatch=bool(row.performance_mismatch),
                human_factor=bool(row.human_factor),
                quality_problem=bool(row.quality_problem), used=bool(row.used),
                well_kept=bool(row.well_kept)), params)
        except Exception:  # a row the policy cannot read: keep its text
            return None
        if english(decision.reason) == row.reason_en:
            return stored(decision.reason)
    return None


def upgrade() -> None:
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_id', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reason_params', sa.JSON(), nullable=True))
    bind = op.get_bind()
    table = _table()
    rows = bind.execute(sa.text(
        "SELECT r.id, r.kind, r.decided_on, r.defects, r.performance_mismatch, "
        "r.human_factor, r.quality_problem, r.used, r.well_kept, r.reason_en, "
        "c.own_product, c.body_code_text, u.factory_date, u.oem, m.warranty_months "
        "AS model_months FROM warranty_request r JOIN service_case c ON c.id = r.case_id "
        "LEFT JOIN unit u ON u.id = c.unit_id LEFT JOIN product_model m ON m.id = u.model_id"
    ).columns(decided_on=sa.Date(), factory_date=sa.Date())).all()
    for row in rows:
        found = _converted(row)
        reason_id, params = found if found else (row.reason_en, None)
        bind.execute(table.update().where(table.c.id == row.id).values(
            reason_id=reason_id, reason_params=params))
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.alter_column('reason_id', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('reason_en')
        batch_op.drop_column('reason_zh')


def downgrade() -> None:
    from plugins.warranty.texts import loaded, text_in

    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_en', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reason_zh', sa.Text(), nullable=True))
    bind = op.get_bind()
    table = _table()
    for row in bind.execute(sa.select(table.c.id, table.c.reason_id, table.c.reason_params)):
        reason = loaded(row.reason_id, row.reason_params)
        bind.execute(table.update().where(table.c.id == row.id).values(
            reason_en=text_in(reason, "en"), reason_zh=text_in(reason, "zh_CN")))
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.alter_column('reason_en', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('reason_zh', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('reason_params')
        batch_op.drop_column('reason_id')
