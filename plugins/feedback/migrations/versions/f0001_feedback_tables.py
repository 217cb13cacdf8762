"""feedback tables

Revision ID: f0001
Revises:
Create Date: 2026-12-01 18:37:55.739427
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('feedback',)
depends_on: str | Sequence[str] | None = 'c0004'


def upgrade() -> None:
    op.create_table('feedback_bulletin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('made_from', sa.Date(), nullable=True),
    sa.Column('made_to', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_feedback_bulletin_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_bulletin'))
    )
    with op.batch_alter_table('feedback_bulletin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_bulletin_model_code'), ['model_code'], unique=False)

    op.create_table('feedback_consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=160), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_feedback_consultation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_feedback_consultation_customer_id_customer')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_consultation_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_consultation'))
    )
    with op.batch_alter_table('feedback_consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_consultation_region_id'), ['region_id'], unique=False)

    op.create_table('feedback_department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=True),
    sa.Column('first_response_hours', sa.Integer(), nullable=False),
    sa.Column('resolution_hours', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['head_id'], ['user_account.id'], name=op.f('fk_feedback_department_head_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_department')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_department_code'))
    )
    op.create_table('feedback_followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('new_case_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_feedback_followup_case_id_service_case')),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_feedback_followup_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['new_case_id'], ['service_case.id'], name=op.f('fk_feedback_followup_new_case_id_service_case')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_followup_region_id_region')),
    sa.ForeignKeyConstraint(['technician_id'], ['user_account.id'], name=op.f('fk_feedback_followup_technician_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_followup')),
    sa.UniqueConstraint('case_id', 'days', name=op.f('uq_feedback_followup_case_id_days'))
    )
    with op.batch_alter_table('feedback_followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_followup_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_feedback_followup_state_due', ['state', 'due_on'], unique=False)

    op.create_table('feedback_routing_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('product_line', sa.String(length=32), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['feedback_department.id'], name=op.f('fk_feedback_routing_rule_department_id_feedback_department')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_routing_rule_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_routing_rule'))
    )
    op.create_table('feedback_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('coverage_class', sa.String(length=1), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('csat', sa.Integer(), nullable=True),
    sa.Column('nps', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('callback_needed', sa.Boolean(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_feedback_survey_case_id_service_case')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_feedback_survey_customer_id_customer')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_survey_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_feedback_survey_service_point_id_service_point')),
    sa.ForeignKeyConstraint(['technician_id'], ['user_account.id'], name=op.f('fk_feedback_survey_technician_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_survey')),
    sa.UniqueConstraint('case_id', name=op.f('uq_feedback_survey_case_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feedback_survey_token_hash'))
    )
    with op.batch_alter_table('feedback_survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_survey_region_id'), ['region_id'], unique=False)

    op.create_table('feedback_complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('contact_name', sa.String(length=160), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('contact_email', sa.String(length=160), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('first_response_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_failed', sa.Boolean(), nullable=False),
    sa.Column('resolution_failed', sa.Boolean(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_to_id', sa.Integer(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_message_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_feedback_complaint_case_id_service_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_feedback_complaint_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_feedback_complaint_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['feedback_department.id'], name=op.f('fk_feedback_complaint_department_id_feedback_department')),
    sa.ForeignKeyConstraint(['escalated_to_id'], ['user_account.id'], name=op.f('fk_feedback_complaint_escalated_to_id_user_account')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_feedback_complaint_owner_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_feedback_complaint_region_id_region')),
    sa.ForeignKeyConstraint(['reply_message_id'], ['outbox_message.id'], name=op.f('fk_feedback_complaint_reply_message_id_outbox_message')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_feedback_complaint_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_complaint'))
    )
    with op.batch_alter_table('feedback_complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_complaint_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_complaint_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_complaint_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_feedback_complaint_region_state', ['region_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_complaint_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback_complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_complaint_unit_id'))
        batch_op.drop_index('ix_feedback_complaint_region_state')
        batch_op.drop_index(batch_op.f('ix_feedback_complaint_region_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_complaint_customer_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_complaint_case_id'))

    op.drop_table('feedback_complaint')
    with op.batch_alter_table('feedback_survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_survey_region_id'))

    op.drop_table('feedback_survey')
    op.drop_table('feedback_routing_rule')
    with op.batch_alter_table('feedback_followup', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_followup_state_due')
        batch_op.drop_index(batch_op.f('ix_feedback_followup_region_id'))

    op.drop_table('feedback_followup')
    op.drop_table('feedback_department')
    with op.batch_alter_table('feedback_consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_consultation_region_id'))

    op.drop_table('feedback_consultation')
    with op.batch_alter_table('feedback_bulletin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_bulletin_model_code'))

    op.drop_table('feedback_bulletin')
