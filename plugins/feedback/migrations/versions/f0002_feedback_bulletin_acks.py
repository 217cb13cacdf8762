"""feedback bulletin acks

Revision ID: f0002
Revises: f0001
Create Date: 2026-12-01 19:26:53.785798
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0002'
down_revision: str | Sequence[str] | None = 'f0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_bulletin_ack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['feedback_bulletin.id'], name=op.f('fk_feedback_bulletin_ack_bulletin_id_feedback_bulletin')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_bulletin_ack_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_feedback_bulletin_ack_service_point_id_service_point')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_feedback_bulletin_ack_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_bulletin_ack')),
    sa.UniqueConstraint('bulletin_id', 'service_point_id', name=op.f('uq_feedback_bulletin_ack_bulletin_id_service_point_id'))
    )
    with op.batch_alter_table('feedback_bulletin_ack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_bulletin_ack_region_id'), ['region_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_bulletin_ack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_bulletin_ack_region_id'))

    op.drop_table('feedback_bulletin_ack')
