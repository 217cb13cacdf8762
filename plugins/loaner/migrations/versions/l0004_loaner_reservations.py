"""loaner: reservations of a unit for a period ahead

Revision ID: l0004
Revises: l0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'l0004'
down_revision: str | Sequence[str] | None = 'l0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('loaner_reservation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancel_note', sa.String(length=400), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_loaner_reservation_case_id_service_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_loaner_reservation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_loaner_reservation_region_id_region')),
    sa.ForeignKeyConstraint(['unit_id'], ['loaner_unit.id'], name=op.f('fk_loaner_reservation_unit_id_loaner_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loaner_reservation'))
    )
    with op.batch_alter_table('loaner_reservation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loaner_reservation_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_loaner_reservation_unit_status', ['unit_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_loaner_reservation_region_id'), ['region_id'], unique=False)


def downgrade() -> None:
    op.drop_table('loaner_reservation')
