"""web: show reminders ("remind me" on an upcoming show)

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('show_reminders',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_show_reminders_show_id_shows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_show_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'show_id', name=op.f('pk_show_reminders'))
    )
    with op.batch_alter_table('show_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_show_reminders_show_id'), ['show_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('show_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_show_reminders_show_id'))

    op.drop_table('show_reminders')
