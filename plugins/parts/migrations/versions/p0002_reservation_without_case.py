"""reserve stock without a case: purpose, person, expiry

Revision ID: p0002
Revises: p0001
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'p0002'
down_revision: str | Sequence[str] | None = 'p0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('purpose', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('held_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_parts_reservation_held_for_id_user_account'),
                                    'user_account', ['held_for_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_parts_reservation_case_or_expiry'),
            'case_id IS NOT NULL OR expires_at IS NOT NULL')
        batch_op.create_index('ix_parts_reservation_state_expires_at',
                              ['state', 'expires_at'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM parts_reservation WHERE case_id IS NULL AND state = 'reserved'")
    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.drop_index('ix_parts_reservation_state_expires_at')
        batch_op.drop_constraint(op.f('ck_parts_reservation_case_or_expiry'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_parts_reservation_held_for_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('held_for_id')
        batch_op.drop_column('purpose')
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
