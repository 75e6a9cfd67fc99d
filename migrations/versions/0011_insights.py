"""insights: viewer sessions, concurrent-viewer samples and per-show metrics

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('viewer_samples',
    sa.Column('at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('node_id', sa.String(length=40), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('viewers', sa.Integer(), nullable=False),
    sa.Column('rooms', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('at', 'node_id', 'market', 'language', name=op.f('pk_viewer_samples'))
    )
    op.create_table('show_metrics',
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('started_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('peak_viewers', sa.Integer(), nullable=False),
    sa.Column('unique_viewers', sa.Integer(), nullable=False),
    sa.Column('viewers_10min', sa.Integer(), nullable=False),
    sa.Column('watch_seconds', sa.BigInteger(), nullable=False),
    sa.Column('chat_messages', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('buyers', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('gmv_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('gmv_report_minor', sa.BigInteger(), nullable=False),
    sa.Column('report_currency', sa.String(length=3), nullable=False),
    sa.Column('updated_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_show_metrics_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('show_id', name=op.f('pk_show_metrics'))
    )
    with op.batch_alter_table('show_metrics', schema=None) as batch_op:
        batch_op.create_index('ix_show_metrics_day_market_language', ['day', 'market', 'language'], unique=False)
        batch_op.create_index('ix_show_metrics_final', ['final'], unique=False)
        batch_op.create_index('ix_show_metrics_host_started', ['host_id', 'started_at'], unique=False)
        batch_op.create_index('ix_show_metrics_shop_started', ['shop_id', 'started_at'], unique=False)
        batch_op.create_index('ix_show_metrics_started', ['started_at'], unique=False)

    op.create_table('viewer_sessions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('viewer_key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_viewer_sessions_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_viewer_sessions'))
    )
    with op.batch_alter_table('viewer_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_viewer_sessions_show_joined', ['show_id', 'joined_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('viewer_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_viewer_sessions_show_joined')

    op.drop_table('viewer_sessions')
    with op.batch_alter_table('show_metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_show_metrics_started')
        batch_op.drop_index('ix_show_metrics_shop_started')
        batch_op.drop_index('ix_show_metrics_host_started')
        batch_op.drop_index('ix_show_metrics_final')
        batch_op.drop_index('ix_show_metrics_day_market_language')

    op.drop_table('show_metrics')
    op.drop_table('viewer_samples')
