"""feedback public post throttle

Revision ID: f0003
Revises: f0002
Create Date: 2026-12-01 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0003'
down_revision: str | Sequence[str] | None = 'f0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_public_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_public_post'))
    )
    with op.batch_alter_table('feedback_public_post', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_public_post_address_at', ['address', 'at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_public_post_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_public_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_public_post_at'))
        batch_op.drop_index('ix_feedback_public_post_address_at')

    op.drop_table('feedback_public_post')
