"""money both ways (issue 10, item 5): credits owed on a case, credit notes with gapless
numbers per service point, cash paid out in a handover, unit swaps of an exchange

Revision ID: c0010_money
Revises: c0009_case_paths
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0010_money'
down_revision: str | Sequence[str] | None = 'c0009_case_paths'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=400), nullable=False),
    sa.Column('clause', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_case_credit_case_id_service_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_credit_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_credit'))
    )
    with op.batch_alter_table('case_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_credit_case_id'), ['case_id'], unique=False)

    op.create_table('credit_note_counter',
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_credit_note_counter_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('service_point_id', name=op.f('pk_credit_note_counter'))
    )

    op.create_table('credit_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('clause', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('paid_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_credit_note_case_id_service_case')),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], name=op.f('fk_credit_note_handover_id_handover')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['user_account.id'], name=op.f('fk_credit_note_paid_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_credit_note_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_credit_note_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note')),
    sa.UniqueConstraint('service_point_id', 'number', name=op.f('uq_credit_note_service_point_id_number'))
    )
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_note_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_credit_note_payer_handover', ['paid_by_id', 'handover_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_note_handover_id'), ['handover_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_note_region_id'), ['region_id'], unique=False)

    op.create_table('unit_swap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('returned_unit_id', sa.Integer(), nullable=False),
    sa.Column('replacement_unit_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('clause', sa.String(length=32), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_unit_swap_by_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_unit_swap_case_id_service_case')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_unit_swap_customer_id_customer')),
    sa.ForeignKeyConstraint(['replacement_unit_id'], ['unit.id'], name=op.f('fk_unit_swap_replacement_unit_id_unit')),
    sa.ForeignKeyConstraint(['returned_unit_id'], ['unit.id'], name=op.f('fk_unit_swap_returned_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_swap')),
    sa.UniqueConstraint('case_id', name=op.f('uq_unit_swap_case_id'))
    )
    with op.batch_alter_table('unit_swap', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_swap_replacement_unit_id'), ['replacement_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_swap_returned_unit_id'), ['returned_unit_id'], unique=False)

    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_out_cents', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_to_company_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('returned_to_company_at')
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_column('paid_out_cents')
    with op.batch_alter_table('unit_swap', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_swap_returned_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_swap_replacement_unit_id'))
    op.drop_table('unit_swap')
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_note_region_id'))
        batch_op.drop_index(batch_op.f('ix_credit_note_handover_id'))
        batch_op.drop_index('ix_credit_note_payer_handover')
        batch_op.drop_index(batch_op.f('ix_credit_note_case_id'))
    op.drop_table('credit_note')
    op.drop_table('credit_note_counter')
    with op.batch_alter_table('case_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_credit_case_id'))
    op.drop_table('case_credit')
