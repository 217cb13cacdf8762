"""feedback questionnaires with versions (F-1, issue 16 item 1): the fixed CSAT / NPS /
comment survey becomes version 1 of the ``default`` questionnaire; every survey sent so far
points at it and every answer given so far becomes answer rows to its three questions (the
survey's csat, nps and comment columns stay as they were: nothing is lost either way)

Revision ID: f0008
Revises: f0007
Create Date: 2026-12-02 08:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = 'f0008'
down_revision: str | Sequence[str] | None = 'f0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: version 1: the questions the fixed survey asked, in the words it asked them
QUESTIONS = (
    ('csat', 'csat', True,
     'How satisfied are you with the service? (1 = not at all, 5 = very)',
     '您对本次服务满意吗？（1 = 很不满意，5 = 非常满意）'),
    ('nps', 'nps', True,
     'How likely are you to recommend us to a friend? (0 = not at all, 10 = certainly)',
     '您向朋友推荐我们的可能性有多大？（0 = 完全不会，10 = 一定会）'),
    ('comment', 'text', False, 'Anything you want to tell us?', '还有什么想告诉我们的吗？'),
)


def upgrade() -> None:
    op.create_table('feedback_questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_questionnaire')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_questionnaire_code'))
    )
    op.create_table('feedback_questionnaire_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_feedback_questionnaire_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['feedback_questionnaire.id'], name=op.f('fk_feedback_questionnaire_version_questionnaire_id_feedback_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_questionnaire_version')),
    sa.UniqueConstraint('questionnaire_id', 'number', name=op.f('uq_feedback_questionnaire_version_questionnaire_id_number'))
    )
    op.create_table('feedback_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('text_en', sa.String(length=300), nullable=False),
    sa.Column('text_zh', sa.String(length=300), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['feedback_questionnaire_version.id'], name=op.f('fk_feedback_question_version_id_feedback_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_question')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_feedback_question_version_id_key'))
    )
    with op.batch_alter_table('feedback_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_question_version_id'), ['version_id'], unique=False)
    op.create_table('feedback_survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['feedback_question.id'], name=op.f('fk_feedback_survey_answer_question_id_feedback_question')),
    sa.ForeignKeyConstraint(['survey_id'], ['feedback_survey.id'], name=op.f('fk_feedback_survey_answer_survey_id_feedback_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_survey_answer')),
    sa.UniqueConstraint('survey_id', 'question_id', name=op.f('uq_feedback_survey_answer_survey_id_question_id'))
    )
    with op.batch_alter_table('feedback_survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_survey_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_survey_answer_survey_id'), ['survey_id'], unique=False)

    bind = op.get_bind()
    now = datetime.now(UTC)
    questionnaire = sa.table('feedback_questionnaire', sa.column('id', sa.Integer),
                             sa.column('code', sa.String), sa.column('name', sa.String),
                             sa.column('name_zh', sa.String),
                             sa.column('created_at', sa.DateTime(timezone=True)))
    version = sa.table('feedback_questionnaire_version', sa.column('id', sa.Integer),
                       sa.column('questionnaire_id', sa.Integer), sa.column('number', sa.Integer),
                       sa.column('state', sa.String),
                       sa.column('published_at', sa.DateTime(timezone=True)),
                       sa.column('created_at', sa.DateTime(timezone=True)))
    question = sa.table('feedback_question', sa.column('id', sa.Integer),
                        sa.column('version_id', sa.Integer), sa.column('position', sa.Integer),
                        sa.column('key', sa.String), sa.column('kind', sa.String),
                        sa.column('required', sa.Boolean), sa.column('text_en', sa.String),
                        sa.column('text_zh', sa.String))
    bind.execute(questionnaire.insert().values(code='default', name='Satisfaction survey',
                                               name_zh='满意度问卷', created_at=now))
    qid = bind.execute(sa.select(questionnaire.c.id)
                       .where(questionnaire.c.code == 'default')).scalar_one()
    bind.execute(version.insert().values(questionnaire_id=qid, number=1, state='published',
                                         published_at=now, created_at=now))
    vid = bind.execute(sa.select(version.c.id).where(version.c.questionnaire_id == qid)
                       ).scalar_one()
    for position, (key, kind, required, text_en, text_zh) in enumerate(QUESTIONS, 1):
        bind.execute(question.insert().values(version_id=vid, position=position, key=key,
                                              kind=kind, required=required, text_en=text_en,
                                              text_zh=text_zh))
    ids = dict(bind.execute(sa.select(question.c.key, question.c.id)
                            .where(question.c.version_id == vid)).all())

    # SQLite: added in place with an inline reference; rebuilding the table (batch mode)
    # would drop a table the call backs reference. Nullable in the schema for that reason
    # only: every survey has a version (set just below; the code always sets it).
    if bind.dialect.name == 'sqlite':
        op.execute('ALTER TABLE feedback_survey ADD COLUMN version_id INTEGER '
                   'REFERENCES feedback_questionnaire_version (id)')
    else:
        op.add_column('feedback_survey', sa.Column('version_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_feedback_survey_version_id_feedback_questionnaire_version'),
                              'feedback_survey', 'feedback_questionnaire_version',
                              ['version_id'], ['id'])
    op.create_index(op.f('ix_feedback_survey_version_id'), 'feedback_survey', ['version_id'],
                    unique=False)
    bind.execute(sa.text('UPDATE feedback_survey SET version_id = :v'), {'v': vid})
    # the answers given so far, as answers to version 1's questions
    bind.execute(sa.text(
        'INSERT INTO feedback_survey_answer (survey_id, question_id, score, text) '
        "SELECT id, :q, csat, '' FROM feedback_survey WHERE csat IS NOT NULL"), {'q': ids['csat']})
    bind.execute(sa.text(
        'INSERT INTO feedback_survey_answer (survey_id, question_id, score, text) '
        "SELECT id, :q, nps, '' FROM feedback_survey WHERE nps IS NOT NULL"), {'q': ids['nps']})
    bind.execute(sa.text(
        'INSERT INTO feedback_survey_answer (survey_id, question_id, score, text) '
        "SELECT id, :q, NULL, comment FROM feedback_survey "
        "WHERE answered_at IS NOT NULL AND comment <> ''"), {'q': ids['comment']})


def downgrade() -> None:
    op.drop_index(op.f('ix_feedback_survey_version_id'), table_name='feedback_survey')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE feedback_survey DROP COLUMN version_id')
    else:
        op.drop_constraint(op.f('fk_feedback_survey_version_id_feedback_questionnaire_version'),
                           'feedback_survey', type_='foreignkey')
        op.drop_column('feedback_survey', 'version_id')
    with op.batch_alter_table('feedback_survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_survey_answer_survey_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_survey_answer_question_id'))
    op.drop_table('feedback_survey_answer')
    with op.batch_alter_table('feedback_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_question_version_id'))
    op.drop_table('feedback_question')
    op.drop_table('feedback_questionnaire_version')
    op.drop_table('feedback_questionnaire')
