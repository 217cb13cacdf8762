"""holds on cases and the outbox of customer messages

Revision ID: c0004
Revises: c0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0004'
down_revision: str | Sequence[str] | None = 'c0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('release_note', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_case_hold_case_id_service_case')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user_account.id'], name=op.f('fk_case_hold_placed_by_id_user_account')),
    sa.ForeignKeyConstraint(['released_by_id'], ['user_account.id'], name=op.f('fk_case_hold_released_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_hold'))
    )
    with op.batch_alter_table('case_hold', schema=None) as batch_op:
        batch_op.create_index('ix_case_hold_case_released', ['case_id', 'released_at'], unique=False)
        batch_op.create_index('ix_case_hold_kind_released', ['kind', 'released_at'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient', sa.String(length=160), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('essential', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_outbox_message_case_id_service_case')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_outbox_message_customer_id_customer')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_outbox_message_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_message_customer_id', ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_outbox_message_state_due', ['state', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_state_due')
        batch_op.drop_index(batch_op.f('ix_outbox_message_region_id'))
        batch_op.drop_index('ix_outbox_message_customer_id')
        batch_op.drop_index('ix_outbox_message_case_id')

    op.drop_table('outbox_message')
    with op.batch_alter_table('case_hold', schema=None) as batch_op:
        batch_op.drop_index('ix_case_hold_kind_released')
        batch_op.drop_index('ix_case_hold_case_released')

    op.drop_table('case_hold')
