"""parts tables

Revision ID: p0001
Revises:
Create Date: 2026-12-01 18:39:31.346204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'p0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('parts',)
depends_on: str | Sequence[str] | None = 'c0004'


def upgrade() -> None:
    op.create_table('parts_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('name_zh', sa.String(length=160), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('model_codes', sa.String(length=1000), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('refurbishable', sa.Boolean(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['parts_part.id'], name=op.f('fk_parts_part_superseded_by_id_parts_part')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_part')),
    sa.UniqueConstraint('number', name=op.f('uq_parts_part_number'))
    )
    op.create_table('parts_warehouse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('name_zh', sa.String(length=160), nullable=False),
    sa.Column('central', sa.Boolean(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_warehouse_region_id_region')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_parts_warehouse_service_point_id_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_warehouse')),
    sa.UniqueConstraint('code', name=op.f('uq_parts_warehouse_code'))
    )
    with op.batch_alter_table('parts_warehouse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_warehouse_region_id'), ['region_id'], unique=False)

    op.create_table('parts_bin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_bin_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_bin')),
    sa.UniqueConstraint('warehouse_id', 'code', name=op.f('uq_parts_bin_warehouse_id_code'))
    )
    with op.batch_alter_table('parts_bin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_bin_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('parts_reorder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts_part.id'], name=op.f('fk_parts_reorder_part_id_parts_part')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_reorder_region_id_region')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_reorder_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_reorder')),
    sa.UniqueConstraint('warehouse_id', 'part_id', name=op.f('uq_parts_reorder_warehouse_id_part_id'))
    )
    with op.batch_alter_table('parts_reorder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_reorder_region_id'), ['region_id'], unique=False)

    op.create_table('parts_tool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('name_zh', sa.String(length=160), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['user_account.id'], name=op.f('fk_parts_tool_holder_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_tool_region_id_region')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_tool_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_tool')),
    sa.UniqueConstraint('code', name=op.f('uq_parts_tool_code'))
    )
    with op.batch_alter_table('parts_tool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_tool_region_id'), ['region_id'], unique=False)

    op.create_table('parts_requisition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=400), nullable=False),
    sa.Column('late_flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_parts_requisition_case_id_service_case')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_parts_requisition_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_requisition_region_id_region')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_parts_requisition_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_requisition_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_requisition')),
    sa.UniqueConstraint('number', name=op.f('uq_parts_requisition_number'))
    )
    with op.batch_alter_table('parts_requisition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_requisition_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_requisition_region_id'), ['region_id'], unique=False)

    op.create_table('parts_stock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('bin_id', sa.Integer(), nullable=True),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_parts_stock_on_hand_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand', name=op.f('ck_parts_stock_reserved_within')),
    sa.ForeignKeyConstraint(['bin_id'], ['parts_bin.id'], name=op.f('fk_parts_stock_bin_id_parts_bin')),
    sa.ForeignKeyConstraint(['part_id'], ['parts_part.id'], name=op.f('fk_parts_stock_part_id_parts_part')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_stock_region_id_region')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_stock_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_stock')),
    sa.UniqueConstraint('part_id', 'warehouse_id', 'condition', name=op.f('uq_parts_stock_part_id_warehouse_id_condition'))
    )
    with op.batch_alter_table('parts_stock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_stock_part_id'), ['part_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_stock_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_stock_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('parts_tool_loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('out_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_tool_loan_region_id_region')),
    sa.ForeignKeyConstraint(['tool_id'], ['parts_tool.id'], name=op.f('fk_parts_tool_loan_tool_id_parts_tool')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_parts_tool_loan_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_tool_loan'))
    )
    with op.batch_alter_table('parts_tool_loan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_tool_loan_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_tool_loan_tool_id'), ['tool_id'], unique=False)

    op.create_table('parts_requisition_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['part_id'], ['parts_part.id'], name=op.f('fk_parts_requisition_line_part_id_parts_part')),
    sa.ForeignKeyConstraint(['requisition_id'], ['parts_requisition.id'], name=op.f('fk_parts_requisition_line_requisition_id_parts_requisition')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_requisition_line'))
    )
    with op.batch_alter_table('parts_requisition_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_requisition_line_requisition_id'), ['requisition_id'], unique=False)

    op.create_table('parts_reservation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stock_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_parts_reservation_case_id_service_case')),
    sa.ForeignKeyConstraint(['charge_id'], ['charge.id'], name=op.f('fk_parts_reservation_charge_id_charge')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_parts_reservation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['part_id'], ['parts_part.id'], name=op.f('fk_parts_reservation_part_id_parts_part')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_reservation_region_id_region')),
    sa.ForeignKeyConstraint(['stock_id'], ['parts_stock.id'], name=op.f('fk_parts_reservation_stock_id_parts_stock')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_reservation'))
    )
    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_reservation_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_reservation_region_id'), ['region_id'], unique=False)

    op.create_table('parts_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('from_warehouse_id', sa.Integer(), nullable=False),
    sa.Column('to_warehouse_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('waybill', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=True),
    sa.Column('shipped_by_id', sa.Integer(), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['from_warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_transfer_from_warehouse_id_parts_warehouse')),
    sa.ForeignKeyConstraint(['received_by_id'], ['user_account.id'], name=op.f('fk_parts_transfer_received_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_transfer_region_id_region')),
    sa.ForeignKeyConstraint(['requisition_id'], ['parts_requisition.id'], name=op.f('fk_parts_transfer_requisition_id_parts_requisition')),
    sa.ForeignKeyConstraint(['shipped_by_id'], ['user_account.id'], name=op.f('fk_parts_transfer_shipped_by_id_user_account')),
    sa.ForeignKeyConstraint(['to_warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_transfer_to_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_transfer')),
    sa.UniqueConstraint('number', name=op.f('uq_parts_transfer_number'))
    )
    with op.batch_alter_table('parts_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_transfer_region_id'), ['region_id'], unique=False)

    op.create_table('parts_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stock_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('on_hand_delta', sa.Integer(), nullable=False),
    sa.Column('reserved_delta', sa.Integer(), nullable=False),
    sa.Column('unit_cost_cents', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_parts_move_case_id_service_case')),
    sa.ForeignKeyConstraint(['part_id'], ['parts_part.id'], name=op.f('fk_parts_move_part_id_parts_part')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_parts_move_region_id_region')),
    sa.ForeignKeyConstraint(['stock_id'], ['parts_stock.id'], name=op.f('fk_parts_move_stock_id_parts_stock')),
    sa.ForeignKeyConstraint(['transfer_id'], ['parts_transfer.id'], name=op.f('fk_parts_move_transfer_id_parts_transfer')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_parts_move_user_id_user_account')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['parts_warehouse.id'], name=op.f('fk_parts_move_warehouse_id_parts_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_move'))
    )
    with op.batch_alter_table('parts_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_move_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_move_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_move_part_id'), ['part_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_move_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_parts_move_stock_id_id', ['stock_id', 'id'], unique=False)

    op.create_table('parts_transfer_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=True),
    sa.Column('difference_note', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts_part.id'], name=op.f('fk_parts_transfer_line_part_id_parts_part')),
    sa.ForeignKeyConstraint(['transfer_id'], ['parts_transfer.id'], name=op.f('fk_parts_transfer_line_transfer_id_parts_transfer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_transfer_line'))
    )
    with op.batch_alter_table('parts_transfer_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_transfer_line_transfer_id'), ['transfer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('parts_transfer_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_transfer_line_transfer_id'))

    op.drop_table('parts_transfer_line')
    with op.batch_alter_table('parts_move', schema=None) as batch_op:
        batch_op.drop_index('ix_parts_move_stock_id_id')
        batch_op.drop_index(batch_op.f('ix_parts_move_region_id'))
        batch_op.drop_index(batch_op.f('ix_parts_move_part_id'))
        batch_op.drop_index(batch_op.f('ix_parts_move_case_id'))
        batch_op.drop_index(batch_op.f('ix_parts_move_at'))

    op.drop_table('parts_move')
    with op.batch_alter_table('parts_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_transfer_region_id'))

    op.drop_table('parts_transfer')
    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_reservation_region_id'))
        batch_op.drop_index(batch_op.f('ix_parts_reservation_case_id'))

    op.drop_table('parts_reservation')
    with op.batch_alter_table('parts_requisition_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_requisition_line_requisition_id'))

    op.drop_table('parts_requisition_line')
    with op.batch_alter_table('parts_tool_loan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_tool_loan_tool_id'))
        batch_op.drop_index(batch_op.f('ix_parts_tool_loan_region_id'))

    op.drop_table('parts_tool_loan')
    with op.batch_alter_table('parts_stock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_stock_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_parts_stock_region_id'))
        batch_op.drop_index(batch_op.f('ix_parts_stock_part_id'))

    op.drop_table('parts_stock')
    with op.batch_alter_table('parts_requisition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_requisition_region_id'))
        batch_op.drop_index(batch_op.f('ix_parts_requisition_case_id'))

    op.drop_table('parts_requisition')
    with op.batch_alter_table('parts_tool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_tool_region_id'))

    op.drop_table('parts_tool')
    with op.batch_alter_table('parts_reorder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_reorder_region_id'))

    op.drop_table('parts_reorder')
    with op.batch_alter_table('parts_bin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_bin_warehouse_id'))

    op.drop_table('parts_bin')
    with op.batch_alter_table('parts_warehouse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_warehouse_region_id'))

    op.drop_table('parts_warehouse')
    op.drop_table('parts_part')
