"""orders: combined shipping parcels, zone fees, card refunds

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shipping_settings',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('rest_of_world_fee_minor', sa.BigInteger(), nullable=True),
    sa.Column('free_over_minor', sa.BigInteger(), nullable=True),
    sa.Column('combine_hours', sa.Integer(), nullable=False),
    sa.Column('updated_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('combine_hours >= 0', name=op.f('ck_shipping_settings_combine_hours_non_negative')),
    sa.CheckConstraint('free_over_minor IS NULL OR free_over_minor > 0', name=op.f('ck_shipping_settings_free_over_positive')),
    sa.CheckConstraint('rest_of_world_fee_minor IS NULL OR rest_of_world_fee_minor >= 0', name=op.f('ck_shipping_settings_rest_of_world_fee_non_negative')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shipping_settings_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_shipping_settings'))
    )
    op.create_table('shipping_zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('fee_minor >= 0', name=op.f('ck_shipping_zones_zone_fee_non_negative')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shipping_zones_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_zones'))
    )
    with op.batch_alter_table('shipping_zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipping_zones_shop_id'), ['shop_id'], unique=False)

    op.create_table('parcels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=True),
    sa.Column('open_key', sa.String(length=160), nullable=True),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('fee_status', sa.String(length=10), nullable=False),
    sa.Column('fee_order_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('tracking_number', sa.String(length=64), nullable=True),
    sa.Column('carrier', sa.String(length=40), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('shipped_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('fee_minor >= 0', name=op.f('ck_parcels_parcel_fee_non_negative')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_parcels_buyer_id_users')),
    sa.ForeignKeyConstraint(['fee_order_id'], ['orders.id'], name=op.f('fk_parcels_fee_order_id_orders')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_parcels_shop_id_shops')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_parcels_show_id_shows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parcels')),
    sa.UniqueConstraint('open_key', name=op.f('uq_parcels_open_key'))
    )
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parcels_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parcels_shop_id'), ['shop_id'], unique=False)

    op.create_table('card_payments',
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('payment_ref', sa.String(length=255), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkout_id'], ['payment_checkouts.id'], name=op.f('fk_card_payments_checkout_id_payment_checkouts')),
    sa.PrimaryKeyConstraint('checkout_id', name=op.f('pk_card_payments'))
    )
    op.create_table('card_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checkout_id'], ['payment_checkouts.id'], name=op.f('fk_card_refunds_checkout_id_payment_checkouts')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_card_refunds_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_refunds')),
    sa.UniqueConstraint('reference', name=op.f('uq_card_refunds_reference'))
    )
    with op.batch_alter_table('card_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_refunds_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_refunds_order_id'), ['order_id'], unique=False)

    op.create_table('parcel_orders',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_parcel_orders_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_parcel_orders_parcel_id_parcels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_parcel_orders'))
    )
    with op.batch_alter_table('parcel_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parcel_orders_parcel_id'), ['parcel_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('parcel_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parcel_orders_parcel_id'))

    op.drop_table('parcel_orders')
    with op.batch_alter_table('card_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_refunds_order_id'))
        batch_op.drop_index(batch_op.f('ix_card_refunds_external_id'))

    op.drop_table('card_refunds')
    op.drop_table('card_payments')
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parcels_shop_id'))
        batch_op.drop_index(batch_op.f('ix_parcels_buyer_id'))

    op.drop_table('parcels')
    with op.batch_alter_table('shipping_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipping_zones_shop_id'))

    op.drop_table('shipping_zones')
    op.drop_table('shipping_settings')
