"""loaner: the day the reminder before the due date went out (sent once); history notes
as message ids with their parameters

Revision ID: l0002
Revises: l0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'l0002'
down_revision: str | Sequence[str] | None = 'l0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('loaner_loan') as batch:
        batch.add_column(sa.Column('due_reminder_on', sa.Date(), nullable=True))
    with op.batch_alter_table('loaner_event') as batch:
        batch.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('loaner_event') as batch:
        batch.drop_column('params')
    with op.batch_alter_table('loaner_loan') as batch:
        batch.drop_column('due_reminder_on')
