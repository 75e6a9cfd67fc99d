"""giveaways: lucky bags with verifiable draws; live-only coupons

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import livestall.db  # noqa: F401

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# SQLite alters `vouchers` by copying and dropping it; the drop would cascade to these, so they are kept aside.
REFERRING = ('show_vouchers', 'voucher_redemptions')


def _altering_vouchers(change) -> None:
    """Run `change` on the vouchers table, keeping the rows that refer to it on SQLite."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table in REFERRING:
            op.execute(f"CREATE TEMP TABLE {table}_kept AS SELECT * FROM {table}")
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        for table in REFERRING:
            op.execute(f"INSERT INTO {table} SELECT * FROM {table}_kept WHERE voucher_id IN (SELECT id FROM vouchers)")
            op.execute(f"DROP TABLE {table}_kept")


def _personal_vouchers(batch_op) -> None:
    batch_op.add_column(sa.Column('holder_id', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('expires_at', livestall.db.UTCDateTime(timezone=True), nullable=True))
    batch_op.alter_column('festival_id', existing_type=sa.Integer(), nullable=True)
    batch_op.create_index(batch_op.f('ix_vouchers_holder_id'), ['holder_id'], unique=False)
    batch_op.create_foreign_key(batch_op.f('fk_vouchers_holder_id_users'), 'users', ['holder_id'], ['id'],
                                ondelete='CASCADE')


def _festival_vouchers_only(batch_op) -> None:
    batch_op.drop_constraint(batch_op.f('fk_vouchers_holder_id_users'), type_='foreignkey')
    batch_op.drop_index(batch_op.f('ix_vouchers_holder_id'))
    batch_op.alter_column('festival_id', existing_type=sa.Integer(), nullable=False)
    batch_op.drop_column('expires_at')
    batch_op.drop_column('holder_id')


def upgrade() -> None:
    _altering_vouchers(_personal_vouchers)
    op.create_table('giveaways',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('prize', sa.String(length=8), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('voucher_hours', sa.Integer(), nullable=True),
    sa.Column('winners', sa.Integer(), nullable=False),
    sa.Column('eligibility', sa.String(length=10), nullable=False),
    sa.Column('keyword', sa.String(length=40), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('starts_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('drawn_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_giveaways_window_order')),
    sa.CheckConstraint('winners >= 1', name=op.f('ck_giveaways_winners_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_giveaways_created_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_giveaways_product_id_products')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_giveaways_shop_id_shops')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_giveaways_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_giveaways'))
    )
    op.create_index(op.f('ix_giveaways_show_id'), 'giveaways', ['show_id'], unique=False)
    op.create_index('ix_giveaways_status_ends_at', 'giveaways', ['status', 'ends_at'], unique=False)
    op.create_table('giveaway_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giveaway_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('won_place', sa.Integer(), nullable=True),
    sa.Column('prize_ref', sa.String(length=64), nullable=True),
    sa.Column('prize_status', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['giveaway_id'], ['giveaways.id'], name=op.f('fk_giveaway_entries_giveaway_id_giveaways'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_giveaway_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_giveaway_entries')),
    sa.UniqueConstraint('giveaway_id', 'user_id', name='uq_giveaway_entries_giveaway_user')
    )
    op.create_index(op.f('ix_giveaway_entries_user_id'), 'giveaway_entries', ['user_id'], unique=False)
    op.create_table('live_coupons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('amount_off_minor', sa.BigInteger(), nullable=True),
    sa.Column('percent_off', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('min_spend_minor', sa.BigInteger(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.Column('valid_hours', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('pinned_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('unpinned_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(amount_off_minor IS NULL) <> (percent_off IS NULL)', name=op.f('ck_live_coupons_amount_or_percent')),
    sa.CheckConstraint('claimed >= 0 AND claimed <= quota', name=op.f('ck_live_coupons_claimed_within_quota')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_coupons_created_by_id_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_live_coupons_shop_id_shops')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_live_coupons_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_coupons'))
    )
    op.create_index(op.f('ix_live_coupons_show_id'), 'live_coupons', ['show_id'], unique=False)
    op.create_table('coupon_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coupon_id'], ['live_coupons.id'], name=op.f('fk_coupon_claims_coupon_id_live_coupons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coupon_claims_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_coupon_claims_voucher_id_vouchers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_claims')),
    sa.UniqueConstraint('coupon_id', 'user_id', name='uq_coupon_claims_coupon_user')
    )
    op.create_index(op.f('ix_coupon_claims_user_id'), 'coupon_claims', ['user_id'], unique=False)
    op.create_index(op.f('ix_coupon_claims_voucher_id'), 'coupon_claims', ['voucher_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_coupon_claims_voucher_id'), table_name='coupon_claims')
    op.drop_index(op.f('ix_coupon_claims_user_id'), table_name='coupon_claims')
    op.drop_table('coupon_claims')
    op.drop_index(op.f('ix_live_coupons_show_id'), table_name='live_coupons')
    op.drop_table('live_coupons')
    op.drop_index(op.f('ix_giveaway_entries_user_id'), table_name='giveaway_entries')
    op.drop_table('giveaway_entries')
    op.drop_index('ix_giveaways_status_ends_at', table_name='giveaways')
    op.drop_index(op.f('ix_giveaways_show_id'), table_name='giveaways')
    op.drop_table('giveaways')
    # Personal vouchers have no festival: they cannot outlive the column that allows it.
    op.execute("DELETE FROM voucher_redemptions WHERE voucher_id IN (SELECT id FROM vouchers WHERE festival_id IS NULL)")
    op.execute("DELETE FROM vouchers WHERE festival_id IS NULL")
    _altering_vouchers(_festival_vouchers_only)
