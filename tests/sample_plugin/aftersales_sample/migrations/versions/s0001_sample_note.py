"""sample note

Revision ID: s0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('sample',)
depends_on: str | Sequence[str] | None = 'c0003'


def upgrade() -> None:
    op.create_table('sample_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_code', sa.String(length=64), nullable=False),
    sa.Column('text', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_note'))
    )


def downgrade() -> None:
    op.drop_table('sample_note')
