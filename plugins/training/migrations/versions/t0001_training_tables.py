"""training tables

Revision ID: t0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 't0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('training',)
depends_on: str | Sequence[str] | None = 'c0003'


def upgrade() -> None:
    op.create_table('training_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('title_zh', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('product_line', sa.String(length=32), nullable=False),
    sa.Column('model_codes', sa.String(length=1000), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_course')),
    sa.UniqueConstraint('code', name=op.f('uq_training_course_code'))
    )
    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('trainer', sa.String(length=120), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('for_region_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_course.id'], name=op.f('fk_training_session_course_id_training_course')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_training_session_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['for_region_id'], ['region.id'], name=op.f('fk_training_session_for_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_training_session_starts_on', ['starts_on'], unique=False)

    op.create_table('training_trusted_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=120), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_training_trusted_key_added_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_trusted_key')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_training_trusted_key_fingerprint'))
    )
    op.create_table('training_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('result_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_by_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['user_account.id'], name=op.f('fk_training_participant_enrolled_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_training_participant_region_id_region')),
    sa.ForeignKeyConstraint(['result_by_id'], ['user_account.id'], name=op.f('fk_training_participant_result_by_id_user_account')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_training_participant_session_id_training_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_training_participant_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_participant')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_training_participant_session_id_user_id'))
    )
    with op.batch_alter_table('training_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_participant_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_participant_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_participant_user_id'), ['user_id'], unique=False)

    op.create_table('training_certification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('product_line', sa.String(length=32), nullable=False),
    sa.Column('model_codes', sa.String(length=1000), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=400), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('issuer', sa.String(length=16), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_course.id'], name=op.f('fk_training_certification_course_id_training_course')),
    sa.ForeignKeyConstraint(['participant_id'], ['training_participant.id'], name=op.f('fk_training_certification_participant_id_training_participant')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_training_certification_region_id_region')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_training_certification_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_training_certification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_certification')),
    sa.UniqueConstraint('number', name=op.f('uq_training_certification_number'))
    )
    with op.batch_alter_table('training_certification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_certification_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_training_certification_expires_on', ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_certification_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_training_certification_user_expires', ['user_id', 'expires_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_certification', schema=None) as batch_op:
        batch_op.drop_index('ix_training_certification_user_expires')
        batch_op.drop_index(batch_op.f('ix_training_certification_region_id'))
        batch_op.drop_index('ix_training_certification_expires_on')
        batch_op.drop_index(batch_op.f('ix_training_certification_course_id'))

    op.drop_table('training_certification')
    with op.batch_alter_table('training_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_participant_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_participant_session_id'))
        batch_op.drop_index(batch_op.f('ix_training_participant_region_id'))

    op.drop_table('training_participant')
    op.drop_table('training_trusted_key')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index('ix_training_session_starts_on')
        batch_op.drop_index(batch_op.f('ix_training_session_course_id'))

    op.drop_table('training_session')
    op.drop_table('training_course')
