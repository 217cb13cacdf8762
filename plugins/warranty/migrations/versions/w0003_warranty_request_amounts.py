"""warranty request amounts: the shipping entered and the unit's price, shown with the decision

Revision ID: w0003
Revises: w0002
Create Date: 2026-12-02 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'w0003'
down_revision: str | Sequence[str] | None = 'w0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('price_cents', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('warranty_request', schema=None) as batch_op:
        batch_op.drop_column('price_cents')
        batch_op.drop_column('shipping_cents')
