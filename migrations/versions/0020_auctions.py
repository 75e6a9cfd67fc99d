"""auctions: live auctions, bids, holds

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('starting_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('increments', sa.JSON(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('snipe_s', sa.Integer(), nullable=False),
    sa.Column('sudden_death', sa.Boolean(), nullable=False),
    sa.Column('offer_minutes', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('bids_count', sa.Integer(), nullable=False),
    sa.Column('opened_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('winner_id', sa.Integer(), nullable=True),
    sa.Column('hammer_minor', sa.BigInteger(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('offered_to_id', sa.Integer(), nullable=True),
    sa.Column('offer_minor', sa.BigInteger(), nullable=True),
    sa.Column('offer_expires_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_auctions_created_by_id_users')),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_auctions_leader_id_users')),
    sa.ForeignKeyConstraint(['offered_to_id'], ['users.id'], name=op.f('fk_auctions_offered_to_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_auctions_order_id_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_auctions_product_id_products')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_auctions_shop_id_shops')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_auctions_show_id_shows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['winner_id'], ['users.id'], name=op.f('fk_auctions_winner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auctions'))
    )
    with op.batch_alter_table('auctions', schema=None) as batch_op:
        batch_op.create_index('ix_auctions_status_ends_at', ['status', 'ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auctions_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auctions_show_id'), ['show_id'], unique=False)

    op.create_table('auction_bidders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auction_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('max_minor', sa.BigInteger(), nullable=False),
    sa.Column('last_bid_minor', sa.BigInteger(), nullable=False),
    sa.Column('held_minor', sa.BigInteger(), nullable=False),
    sa.Column('holds', sa.Integer(), nullable=False),
    sa.Column('prebid', sa.Boolean(), nullable=False),
    sa.Column('updated_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['auction_id'], ['auctions.id'], name=op.f('fk_auction_bidders_auction_id_auctions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auction_bidders_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_bidders')),
    sa.UniqueConstraint('auction_id', 'user_id', name='uq_auction_bidders_user')
    )
    with op.batch_alter_table('auction_bidders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_bidders_user_id'), ['user_id'], unique=False)

    op.create_table('auction_bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auction_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('max_minor', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('price_after_minor', sa.BigInteger(), nullable=False),
    sa.Column('received_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['auction_id'], ['auctions.id'], name=op.f('fk_auction_bids_auction_id_auctions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auction_bids_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_bids'))
    )
    with op.batch_alter_table('auction_bids', schema=None) as batch_op:
        batch_op.create_index('ix_auction_bids_auction_id', ['auction_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_bids_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('auction_bids')
    op.drop_table('auction_bidders')
    op.drop_table('auctions')
