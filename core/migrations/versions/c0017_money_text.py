"""money lines in the reader's language: message parameters beside the words (issue 18)

A charge's or credit's description, a credit note's reason and a case's coverage reason
written by the system are a message id; these JSON columns hold its parameters (NULL: a
person's words, shown as typed). Touches only c0010's and c0003's tables, so it does not
depend on c0016.

Revision ID: c0017_money_text
Revises: c0016_speed
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0017_money_text'
down_revision: str | Sequence[str] | None = 'c0016_speed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("charge", "description_params"), ("case_credit", "description_params"),
           ("credit_note", "note_params"), ("service_case", "coverage_reason_params"))


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
