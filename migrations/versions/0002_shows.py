"""shows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('scheduled_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cover_path', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('stream_state', sa.String(length=12), nullable=False),
    sa.Column('started_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stream_offline_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('slow_mode_seconds', sa.Integer(), nullable=False),
    sa.Column('followers_only', sa.Boolean(), nullable=False),
    sa.Column('peak_viewers', sa.Integer(), nullable=False),
    sa.Column('unique_viewers', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_shows_created_by_id_users')),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_shows_host_id_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shows_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shows'))
    )
    with op.batch_alter_table('shows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shows_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_shows_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shows_language'), ['language'], unique=False)
        batch_op.create_index(batch_op.f('ix_shows_market'), ['market'], unique=False)
        batch_op.create_index(batch_op.f('ix_shows_scheduled_at'), ['scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shows_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shows_status'), ['status'], unique=False)

    op.create_table('stream_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stream_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stream_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_stream_keys_key_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_stream_keys_user_id'))
    )
    op.create_table('show_moderators',
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_show_moderators_show_id_shows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_show_moderators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('show_id', 'user_id', name=op.f('pk_show_moderators'))
    )
    op.create_table('show_pins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('pinned_by_id', sa.Integer(), nullable=False),
    sa.Column('pinned_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('unpinned_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pinned_by_id'], ['users.id'], name=op.f('fk_show_pins_pinned_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_show_pins_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_show_pins_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_show_pins')),
    sa.UniqueConstraint('show_id', 'product_id', 'pinned_at', name='uq_show_pins_moment')
    )
    with op.batch_alter_table('show_pins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_show_pins_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_show_pins_show_id'), ['show_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('show_pins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_show_pins_show_id'))
        batch_op.drop_index(batch_op.f('ix_show_pins_product_id'))

    op.drop_table('show_pins')
    op.drop_table('show_moderators')
    op.drop_table('stream_keys')
    with op.batch_alter_table('shows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shows_status'))
        batch_op.drop_index(batch_op.f('ix_shows_shop_id'))
        batch_op.drop_index(batch_op.f('ix_shows_scheduled_at'))
        batch_op.drop_index(batch_op.f('ix_shows_market'))
        batch_op.drop_index(batch_op.f('ix_shows_language'))
        batch_op.drop_index(batch_op.f('ix_shows_host_id'))
        batch_op.drop_index(batch_op.f('ix_shows_category'))

    op.drop_table('shows')
