"""durable job queue; customers' message language and opt-out; attachments (issue 13)

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
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_kind', sa.String(length=60), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('has_thumbnail', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attachment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_attachment_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('token', name=op.f('uq_attachment_token'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_owner', ['owner_kind', 'owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_region_id'), ['region_id'], unique=False)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('messages_opt_out', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('messages_opt_out')
        batch_op.drop_column('language')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_region_id'))
        batch_op.drop_index('ix_attachment_owner')
    op.drop_table('attachment')
    with op.batch_alter_table('queued_job', schema=None) as batch_op:
        batch_op.drop_index('ix_queued_job_state_due')
    op.drop_table('queued_job')
