"""service desk

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0003'
down_revision: str | Sequence[str] | None = 'c0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('product_line', sa.String(length=32), nullable=False),
    sa.Column('list_price_cents', sa.Integer(), nullable=False),
    sa.Column('warranty_months', sa.Integer(), nullable=True),
    sa.Column('oem', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_model')),
    sa.UniqueConstraint('code', name=op.f('uq_product_model_code'))
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('company', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_customer_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_name', ['name'], unique=False)
        batch_op.create_index('ix_customer_phone', ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_region_id'), ['region_id'], unique=False)

    op.create_table('receipt_counter',
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_receipt_counter_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('service_point_id', name=op.f('pk_receipt_counter'))
    )
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_code', sa.String(length=64), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('model_text', sa.String(length=120), nullable=False),
    sa.Column('factory_date', sa.Date(), nullable=True),
    sa.Column('own_product', sa.Boolean(), nullable=False),
    sa.Column('oem', sa.Boolean(), nullable=False),
    sa.Column('sold_to_id', sa.Integer(), nullable=True),
    sa.Column('sold_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['product_model.id'], name=op.f('fk_unit_model_id_product_model')),
    sa.ForeignKeyConstraint(['sold_to_id'], ['customer.id'], name=op.f('fk_unit_sold_to_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('body_code', name=op.f('uq_unit_body_code'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index('ix_unit_model_id', ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_sold_to_id'), ['sold_to_id'], unique=False)

    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collector_id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('declared_cents', sa.Integer(), nullable=False),
    sa.Column('received_cents', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collector_id'], ['user_account.id'], name=op.f('fk_handover_collector_id_user_account')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_handover_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_handover_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_handover_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover'))
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_collector_id'), ['collector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_region_id'), ['region_id'], unique=False)

    op.create_table('service_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('body_code_text', sa.String(length=64), nullable=False),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('own_product', sa.Boolean(), nullable=False),
    sa.Column('contact_name', sa.String(length=160), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('fault_description', sa.Text(), nullable=False),
    sa.Column('intake_on', sa.Date(), nullable=False),
    sa.Column('coverage_class', sa.String(length=1), nullable=True),
    sa.Column('coverage_source', sa.String(length=16), nullable=False),
    sa.Column('coverage_reason', sa.String(length=400), nullable=False),
    sa.Column('fault_found', sa.Text(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('onsite_address', sa.String(length=400), nullable=False),
    sa.Column('onsite_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('onsite_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('quote_version', sa.Integer(), nullable=False),
    sa.Column('refusal_clauses', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repaired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_service_case_customer_id_customer')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_service_case_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_service_case_service_point_id_service_point')),
    sa.ForeignKeyConstraint(['technician_id'], ['user_account.id'], name=op.f('fk_service_case_technician_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_service_case_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_case'))
    )
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.create_index('ix_service_case_contact_phone', ['contact_phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_service_case_opened_at', ['opened_at'], unique=False)
        batch_op.create_index('ix_service_case_point_state', ['service_point_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_service_case_region_state_id', ['region_id', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_technician_id'), ['technician_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_unit_id'), ['unit_id'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_case_event_case_id_service_case')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_case_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event'))
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('charge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=400), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('waived', sa.Boolean(), nullable=False),
    sa.Column('waive_reason', sa.String(length=400), nullable=False),
    sa.Column('clause', sa.String(length=32), nullable=False),
    sa.Column('refurbished', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_charge_case_id_service_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge'))
    )
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_case_id'), ['case_id'], unique=False)

    op.create_table('confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('quote_version', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('customer_name', sa.String(length=160), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_confirmation_case_id_service_case')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_confirmation_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmation'))
    )
    with op.batch_alter_table('confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirmation_case_id'), ['case_id'], unique=False)

    op.create_table('confirmation_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('quote_version', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_confirmation_link_case_id_service_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmation_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_confirmation_link_token_hash'))
    )
    with op.batch_alter_table('confirmation_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirmation_link_case_id'), ['case_id'], unique=False)

    op.create_table('fault_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=400), nullable=False),
    sa.Column('cause', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_fault_line_case_id_service_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fault_line'))
    )
    with op.batch_alter_table('fault_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fault_line_case_id'), ['case_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('receipt_number', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('collected_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_payment_case_id_service_case')),
    sa.ForeignKeyConstraint(['collected_by_id'], ['user_account.id'], name=op.f('fk_payment_collected_by_id_user_account')),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], name=op.f('fk_payment_handover_id_handover')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_payment_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_payment_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('service_point_id', 'receipt_number', name=op.f('uq_payment_service_point_id_receipt_number'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_payment_collector_handover', ['collected_by_id', 'handover_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_handover_id'), ['handover_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_region_id'), ['region_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_region_id'))
        batch_op.drop_index(batch_op.f('ix_payment_handover_id'))
        batch_op.drop_index('ix_payment_collector_handover')
        batch_op.drop_index(batch_op.f('ix_payment_case_id'))

    op.drop_table('payment')
    with op.batch_alter_table('fault_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fault_line_case_id'))

    op.drop_table('fault_line')
    with op.batch_alter_table('confirmation_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirmation_link_case_id'))

    op.drop_table('confirmation_link')
    with op.batch_alter_table('confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirmation_case_id'))

    op.drop_table('confirmation')
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_case_id'))

    op.drop_table('charge')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_case_unit_id'))
        batch_op.drop_index(batch_op.f('ix_service_case_technician_id'))
        batch_op.drop_index('ix_service_case_region_state_id')
        batch_op.drop_index(batch_op.f('ix_service_case_region_id'))
        batch_op.drop_index('ix_service_case_point_state')
        batch_op.drop_index('ix_service_case_opened_at')
        batch_op.drop_index(batch_op.f('ix_service_case_customer_id'))
        batch_op.drop_index('ix_service_case_contact_phone')

    op.drop_table('service_case')
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_region_id'))
        batch_op.drop_index(batch_op.f('ix_handover_collector_id'))

    op.drop_table('handover')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_sold_to_id'))
        batch_op.drop_index('ix_unit_model_id')

    op.drop_table('unit')
    op.drop_table('receipt_counter')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_region_id'))
        batch_op.drop_index('ix_customer_phone')
        batch_op.drop_index('ix_customer_name')

    op.drop_table('customer')
    op.drop_table('product_model')
