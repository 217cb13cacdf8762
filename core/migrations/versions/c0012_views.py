"""the customer's status link (issue 18, views people expect)

Revision ID: c0012_views
Revises: c0010_money
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0012_views'
down_revision: str | Sequence[str] | None = 'c0010_money'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'case_status_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['service_case.id'],
                                name=op.f('fk_case_status_link_case_id_service_case')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_case_status_link_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'],
                                name=op.f('fk_case_status_link_region_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_status_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_case_status_link_token_hash')),
    )
    with op.batch_alter_table('case_status_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_status_link_case_id'), ['case_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_case_status_link_region_id'), ['region_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_status_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_status_link_region_id'))
        batch_op.drop_index(batch_op.f('ix_case_status_link_case_id'))
    op.drop_table('case_status_link')
