"""turnaround medians shared between processes, kept fresh by a job (issue 11)

One row per region scope ("all" or "region:<id>") with the medians of every window as JSON
and when they were computed. The dashboard reads it instead of computing medians over the
90-day window on a load.

Revision ID: c0018_turnaround_snapshot
Revises: c0017_money_text
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0018_turnaround_snapshot'
down_revision: str | Sequence[str] | None = 'c0017_money_text'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "turnaround_snapshot",
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_turnaround_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("turnaround_snapshot")
