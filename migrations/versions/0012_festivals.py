"""festivals: festivals, participating shops, festival prices, vouchers and their redemptions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('festivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_festivals_window_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_festivals_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_festivals'))
    )
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_festivals_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_festivals_starts_at'), ['starts_at'], unique=False)

    op.create_table('festival_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=True),
    sa.Column('discount_pct', sa.Integer(), nullable=True),
    sa.Column('starts_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(price_minor IS NULL) <> (discount_pct IS NULL)', name=op.f('ck_festival_prices_price_or_discount')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_festival_prices_window_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_festival_prices_created_by_id_users')),
    sa.ForeignKeyConstraint(['festival_id'], ['festivals.id'], name=op.f('fk_festival_prices_festival_id_festivals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_festival_prices_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_festival_prices_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_festival_prices'))
    )
    with op.batch_alter_table('festival_prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_festival_prices_festival_id'), ['festival_id'], unique=False)
        batch_op.create_index('ix_festival_prices_product_ends', ['product_id', 'ends_at'], unique=False)

    op.create_table('festival_shops',
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festivals.id'], name=op.f('fk_festival_shops_festival_id_festivals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_festival_shops_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('festival_id', 'shop_id', name=op.f('pk_festival_shops'))
    )
    with op.batch_alter_table('festival_shops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_festival_shops_shop_id'), ['shop_id'], unique=False)

    op.create_table('vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('amount_off_minor', sa.BigInteger(), nullable=True),
    sa.Column('percent_off', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('min_spend_minor', sa.BigInteger(), nullable=False),
    sa.Column('per_user_limit', sa.Integer(), nullable=False),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(amount_off_minor IS NULL) <> (percent_off IS NULL)', name=op.f('ck_vouchers_amount_or_percent')),
    sa.CheckConstraint('uses >= 0', name=op.f('ck_vouchers_uses_non_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_vouchers_created_by_id_users')),
    sa.ForeignKeyConstraint(['festival_id'], ['festivals.id'], name=op.f('fk_vouchers_festival_id_festivals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_vouchers_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('code', name=op.f('uq_vouchers_code'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vouchers_festival_id'), ['festival_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vouchers_shop_id'), ['shop_id'], unique=False)

    op.create_table('voucher_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reversed_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_voucher_redemptions_order_id_orders')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_voucher_redemptions_user_id_users')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_voucher_redemptions_voucher_id_vouchers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_redemptions')),
    sa.UniqueConstraint('order_id', name=op.f('uq_voucher_redemptions_order_id'))
    )
    with op.batch_alter_table('voucher_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_redemptions_reversed_at'), ['reversed_at'], unique=False)
        batch_op.create_index('ix_voucher_redemptions_voucher_user', ['voucher_id', 'user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('voucher_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_redemptions_voucher_user')
        batch_op.drop_index(batch_op.f('ix_voucher_redemptions_reversed_at'))

    op.drop_table('voucher_redemptions')
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vouchers_shop_id'))
        batch_op.drop_index(batch_op.f('ix_vouchers_festival_id'))

    op.drop_table('vouchers')
    with op.batch_alter_table('festival_shops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_festival_shops_shop_id'))

    op.drop_table('festival_shops')
    with op.batch_alter_table('festival_prices', schema=None) as batch_op:
        batch_op.drop_index('ix_festival_prices_product_ends')
        batch_op.drop_index(batch_op.f('ix_festival_prices_festival_id'))

    op.drop_table('festival_prices')
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_festivals_starts_at'))
        batch_op.drop_index(batch_op.f('ix_festivals_ends_at'))

    op.drop_table('festivals')
