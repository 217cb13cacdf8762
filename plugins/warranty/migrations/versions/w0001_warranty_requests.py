"""warranty requests

Revision ID: w0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'w0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('warranty',)
depends_on: str | Sequence[str] | None = 'c0003'


def upgrade() -> None:
    op.create_table('warranty_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('defects', sa.String(length=64), nullable=False),
    sa.Column('performance_mismatch', sa.Boolean(), nullable=False),
    sa.Column('human_factor', sa.Boolean(), nullable=False),
    sa.Column('quality_problem', sa.Boolean(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.Column('well_kept', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('coverage_class', sa.String(length=1), nullable=True),
    sa.Column('charged', sa.Boolean(), nullable=False),
    sa.Column('customer_pays_shipping', sa.Boolean(), nullable=False),
    sa.Column('clauses', sa.String(length=120), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('refund_cents', sa.Integer(), nullable=True),
    sa.Column('price_difference_cents', sa.Integer(), nullable=True),
    sa.Column('exchange_model_code', sa.String(length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_warranty_request_case_id_service_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_warranty_request_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warranty_request'))
    )
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warranty_request_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warranty_request_case_id'))

    op.drop_table('warranty_request')
