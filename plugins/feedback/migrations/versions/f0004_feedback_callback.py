"""feedback callback tasks

Revision ID: f0004
Revises: f0003
Create Date: 2026-12-01 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0004'
down_revision: str | Sequence[str] | None = 'f0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_feedback_callback_case_id_service_case')),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_feedback_callback_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_feedback_callback_owner_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_callback_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_feedback_callback_service_point_id_service_point')),
    sa.ForeignKeyConstraint(['survey_id'], ['feedback_survey.id'], name=op.f('fk_feedback_callback_survey_id_feedback_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_callback')),
    sa.UniqueConstraint('survey_id', name=op.f('uq_feedback_callback_survey_id'))
    )
    with op.batch_alter_table('feedback_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_callback_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_callback_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_callback_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_feedback_callback_state_due', ['state', 'due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_callback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_callback_state_due')
        batch_op.drop_index(batch_op.f('ix_feedback_callback_region_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_callback_owner_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_callback_case_id'))

    op.drop_table('feedback_callback')
