"""media: restream targets and product clips

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('restream_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=True),
    sa.Column('preset', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('server_url', sa.String(length=500), nullable=False),
    sa.Column('stream_key', sa.String(length=300), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('copied_from_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_restream_targets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_restream_targets_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_restream_targets_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restream_targets'))
    )
    with op.batch_alter_table('restream_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restream_targets_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_restream_targets_show_id'), ['show_id'], unique=False)

    op.create_table('product_clips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pin_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('pin_start_ms', sa.Integer(), nullable=False),
    sa.Column('pin_end_ms', sa.Integer(), nullable=False),
    sa.Column('start_ms', sa.Integer(), nullable=False),
    sa.Column('end_ms', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cut_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pin_id'], ['show_pins.id'], name=op.f('fk_product_clips_pin_id_show_pins'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_clips_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_product_clips_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_product_clips_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_clips')),
    sa.UniqueConstraint('pin_id', name=op.f('uq_product_clips_pin_id'))
    )
    with op.batch_alter_table('product_clips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_clips_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_clips_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_clips_show_id'), ['show_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_clips_status'), ['status'], unique=False)

    op.create_table('clip_orders',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('clip_id', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clip_id'], ['product_clips.id'], name=op.f('fk_clip_orders_clip_id_product_clips'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_clip_orders_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_clip_orders'))
    )
    with op.batch_alter_table('clip_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clip_orders_clip_id'), ['clip_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('clip_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clip_orders_clip_id'))
    op.drop_table('clip_orders')

    with op.batch_alter_table('product_clips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_clips_status'))
        batch_op.drop_index(batch_op.f('ix_product_clips_show_id'))
        batch_op.drop_index(batch_op.f('ix_product_clips_shop_id'))
        batch_op.drop_index(batch_op.f('ix_product_clips_product_id'))
    op.drop_table('product_clips')

    with op.batch_alter_table('restream_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restream_targets_show_id'))
        batch_op.drop_index(batch_op.f('ix_restream_targets_shop_id'))
    op.drop_table('restream_targets')
