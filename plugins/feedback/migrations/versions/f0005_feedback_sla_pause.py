"""feedback complaint SLA pause

Revision ID: f0005
Revises: f0004
Create Date: 2026-12-01 23:59:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0005'
down_revision: str | Sequence[str] | None = 'f0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_minutes', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('feedback_complaint', schema=None) as batch_op:
        batch_op.drop_column('paused_minutes')
        batch_op.drop_column('waiting_since')
