"""customers as records (merge, anonymisation) and Chinese names of models and service points

Revision ID: c0008_desk
Revises: c0007_security
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0008_desk'
down_revision: str | Sequence[str] | None = 'c0007_security'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customer_merged_into_id_customer'),
                                    'customer', ['merged_into_id'], ['id'])
    with op.batch_alter_table('product_model', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_zh', sa.String(length=160), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_zh', sa.String(length=160), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.drop_column('name_zh')
    with op.batch_alter_table('product_model', schema=None) as batch_op:
        batch_op.drop_column('name_zh')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customer_merged_into_id_customer'),
                                 type_='foreignkey')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('merged_into_id')
