"""feedback public window: the per-address throttle as one counter row per fixed window,
taken by an atomic upsert (issue 16 item 3), instead of a row per message counted first

Revision ID: f0007
Revises: f0006
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0007'
down_revision: str | Sequence[str] | None = 'f0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_public_window',
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('address', 'window_start', name=op.f('pk_feedback_public_window'))
    )
    with op.batch_alter_table('feedback_public_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_public_window_window_start'),
                              ['window_start'], unique=False)
    # the old rows only throttled the last hour: nothing to carry over
    with op.batch_alter_table('feedback_public_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_public_post_at'))
        batch_op.drop_index('ix_feedback_public_post_address_at')
    op.drop_table('feedback_public_post')


def downgrade() -> None:
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
    with op.batch_alter_table('feedback_public_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_public_window_window_start'))
    op.drop_table('feedback_public_window')
