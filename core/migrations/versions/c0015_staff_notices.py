"""notices to staff: an in-app inbox per user

Revision ID: c0015_staff_notices
Revises: c0014_import_runs
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0015_staff_notices'
down_revision: str | Sequence[str] | None = 'c0014_import_runs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_staff_notice_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notice'))
    )
    op.create_index('ix_staff_notice_user_id_read_at_id', 'staff_notice',
                    ['user_id', 'read_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_staff_notice_user_id_read_at_id', table_name='staff_notice')
    op.drop_table('staff_notice')
