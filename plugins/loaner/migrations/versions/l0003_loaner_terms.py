"""loaner: terms per product model (the deposit and the price list of its accessories)

Revision ID: l0003
Revises: l0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'l0003'
down_revision: str | Sequence[str] | None = 'l0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('loaner_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_code', sa.String(length=32), nullable=False),
    sa.Column('deposit_cents', sa.Integer(), nullable=False),
    sa.Column('prices', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_loaner_terms_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loaner_terms')),
    sa.UniqueConstraint('model_code', name=op.f('uq_loaner_terms_model_code'))
    )


def downgrade() -> None:
    op.drop_table('loaner_terms')
