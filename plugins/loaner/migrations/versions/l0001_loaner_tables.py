"""loaner tables

Revision ID: l0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'l0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('loaner',)
depends_on: str | Sequence[str] | None = 'c0004'


def upgrade() -> None:
    op.create_table('loaner_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_code', sa.String(length=64), nullable=False),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=16), nullable=False),
    sa.Column('accessories', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('retired_reason', sa.String(length=400), nullable=False),
    sa.Column('notes', sa.String(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_loaner_unit_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_loaner_unit_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loaner_unit')),
    sa.UniqueConstraint('body_code', name=op.f('uq_loaner_unit_body_code'))
    )
    with op.batch_alter_table('loaner_unit', schema=None) as batch_op:
        batch_op.create_index('ix_loaner_unit_point_model_status', ['service_point_id', 'model_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_unit_region_id'), ['region_id'], unique=False)

    op.create_table('loaner_loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('open_unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=True),
    sa.Column('other_model_reason', sa.String(length=400), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approval_point_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=400), nullable=False),
    sa.Column('lent_by_id', sa.Integer(), nullable=True),
    sa.Column('lent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accessories_out', sa.JSON(), nullable=True),
    sa.Column('condition_out', sa.String(length=16), nullable=False),
    sa.Column('deposit_cents', sa.Integer(), nullable=False),
    sa.Column('deposit_method', sa.String(length=16), nullable=False),
    sa.Column('agreement_text', sa.Text(), nullable=False),
    sa.Column('agreement_language', sa.String(length=8), nullable=False),
    sa.Column('signed_by', sa.String(length=160), nullable=False),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expected_return', sa.Date(), nullable=True),
    sa.Column('overdue_since', sa.Date(), nullable=True),
    sa.Column('last_reminder_on', sa.Date(), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accessories_back', sa.JSON(), nullable=True),
    sa.Column('condition_back', sa.String(length=16), nullable=False),
    sa.Column('charges_cents', sa.Integer(), nullable=False),
    sa.Column('refund_cents', sa.Integer(), nullable=False),
    sa.Column('exception_reason', sa.String(length=400), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approval_point_id'], ['service_point.id'], name=op.f('fk_loaner_loan_approval_point_id_service_point')),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_loaner_loan_case_id_service_case')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_loaner_loan_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['lent_by_id'], ['user_account.id'], name=op.f('fk_loaner_loan_lent_by_id_user_account')),
    sa.ForeignKeyConstraint(['open_unit_id'], ['loaner_unit.id'], name=op.f('fk_loaner_loan_open_unit_id_loaner_unit')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_loaner_loan_region_id_region')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_loaner_loan_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['returned_by_id'], ['user_account.id'], name=op.f('fk_loaner_loan_returned_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['loaner_unit.id'], name=op.f('fk_loaner_loan_unit_id_loaner_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loaner_loan')),
    sa.UniqueConstraint('open_unit_id', name=op.f('uq_loaner_loan_open_unit_id'))
    )
    with op.batch_alter_table('loaner_loan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loaner_loan_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_loan_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_loaner_loan_status_expected', ['status', 'expected_return'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_loan_unit_id'), ['unit_id'], unique=False)

    op.create_table('loaner_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_loaner_event_case_id_service_case')),
    sa.ForeignKeyConstraint(['loan_id'], ['loaner_loan.id'], name=op.f('fk_loaner_event_loan_id_loaner_loan')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_loaner_event_region_id_region')),
    sa.ForeignKeyConstraint(['unit_id'], ['loaner_unit.id'], name=op.f('fk_loaner_event_unit_id_loaner_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_loaner_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loaner_event'))
    )
    with op.batch_alter_table('loaner_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loaner_event_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_event_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_event_unit_id'), ['unit_id'], unique=False)

    op.create_table('loaner_money',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('core_ref', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_loaner_money_case_id_service_case')),
    sa.ForeignKeyConstraint(['loan_id'], ['loaner_loan.id'], name=op.f('fk_loaner_money_loan_id_loaner_loan')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_loaner_money_region_id_region')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_loaner_money_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loaner_money'))
    )
    with op.batch_alter_table('loaner_money', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loaner_money_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_money_region_id'), ['region_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('loaner_money', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loaner_money_region_id'))
        batch_op.drop_index(batch_op.f('ix_loaner_money_loan_id'))

    op.drop_table('loaner_money')
    with op.batch_alter_table('loaner_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loaner_event_unit_id'))
        batch_op.drop_index(batch_op.f('ix_loaner_event_region_id'))
        batch_op.drop_index(batch_op.f('ix_loaner_event_loan_id'))

    op.drop_table('loaner_event')
    with op.batch_alter_table('loaner_loan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loaner_loan_unit_id'))
        batch_op.drop_index('ix_loaner_loan_status_expected')
        batch_op.drop_index(batch_op.f('ix_loaner_loan_region_id'))
        batch_op.drop_index(batch_op.f('ix_loaner_loan_case_id'))

    op.drop_table('loaner_loan')
    with op.batch_alter_table('loaner_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loaner_unit_region_id'))
        batch_op.drop_index('ix_loaner_unit_point_model_status')

    op.drop_table('loaner_unit')
