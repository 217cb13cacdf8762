"""feedback consultation unit

Revision ID: f0006
Revises: f0005
Create Date: 2026-12-02 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0006'
down_revision: str | Sequence[str] | None = 'f0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feedback_consultation_unit_id'), ['unit_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_feedback_consultation_unit_id_unit'), 'unit',
                                    ['unit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('feedback_consultation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_consultation_unit_id_unit'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feedback_consultation_unit_id'))
        batch_op.drop_column('unit_id')
