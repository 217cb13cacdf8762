"""durable job queue; customers' message language and opt-out (issue 13)

Revision ID: c0006_services
Revises: c0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0006_services'
down_revision: str | Sequence[str] | None = 'c0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('queued_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=500), nullable=False),
    sa.Column('unique_key', sa.String(length=160), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=120), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queued_job')),
    sa.UniqueConstraint('unique_key', name=op.f('uq_queued_job_unique_key'))
    )
    with op.batch_alter_table('queued_job', schema=None) as batch_op:
        batch_op.create_index('ix_queued_job_state_due', ['state', 'due_at'], unique=False)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('messages_opt_out', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('messages_opt_out')
        batch_op.drop_column('language')
    with op.batch_alter_table('queued_job', schema=None) as batch_op:
        batch_op.drop_index('ix_queued_job_state_due')
    op.drop_table('queued_job')
