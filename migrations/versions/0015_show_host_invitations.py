"""shows: invitations to host a show, answered by the invited user

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('show_host_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('stand_in_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_show_host_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_show_host_invitations_show_id_shows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stand_in_id'], ['users.id'], name=op.f('fk_show_host_invitations_stand_in_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_show_host_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_show_host_invitations'))
    )
    with op.batch_alter_table('show_host_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_show_host_invitations_show_id'), ['show_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_show_host_invitations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_show_host_invitations_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('show_host_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_show_host_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_show_host_invitations_status'))
        batch_op.drop_index(batch_op.f('ix_show_host_invitations_show_id'))

    op.drop_table('show_host_invitations')
