"""bulk imports as jobs: the run, its checkpoint and its row errors in the database

Revision ID: c0014_import_runs
Revises: c0013_idempotency
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0014_import_runs'
down_revision: str | Sequence[str] | None = 'c0013_idempotency'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_run',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_login', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('scope_region_id', sa.Integer(), nullable=True),
    sa.Column('default_region_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('checkpoint_line', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('bytes_read', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('failed_rows', sa.Integer(), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['default_region_id'], ['region.id'],
                            name=op.f('fk_import_run_default_region_id_region')),
    sa.ForeignKeyConstraint(['scope_region_id'], ['region.id'],
                            name=op.f('fk_import_run_scope_region_id_region')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_import_run_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    op.create_index('ix_import_run_user_id_started_at', 'import_run',
                    ['user_id', 'started_at'], unique=False)
    op.create_table('import_row_error',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.String(length=32), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_run.id'],
                            name=op.f('fk_import_row_error_import_id_import_run'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_row_error'))
    )
    op.create_index('ix_import_row_error_import_id_line', 'import_row_error',
                    ['import_id', 'line'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_import_row_error_import_id_line', table_name='import_row_error')
    op.drop_table('import_row_error')
    op.drop_index('ix_import_run_user_id_started_at', table_name='import_run')
    op.drop_table('import_run')
