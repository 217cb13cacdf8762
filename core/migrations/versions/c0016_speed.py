"""issue 11: permissions version (cached permissions per process), dashboard indexes

Revision ID: c0016_speed
Revises: c0015_staff_notices
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0016_speed'
down_revision: str | Sequence[str] | None = 'c0015_staff_notices'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_service_case_state_opened_at', ['state', 'opened_at']),
    ('ix_service_case_dispatched_at', ['dispatched_at']),
    ('ix_service_case_repaired_at', ['repaired_at']),
    ('ix_service_case_returned_at', ['returned_at']),
)


def upgrade() -> None:
    table = op.create_table('permissions_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permissions_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])
    for name, columns in INDEXES:
        op.create_index(name, 'service_case', columns, unique=False)


def downgrade() -> None:
    for name, _columns in INDEXES:
        op.drop_index(name, table_name='service_case')
    op.drop_table('permissions_version')
