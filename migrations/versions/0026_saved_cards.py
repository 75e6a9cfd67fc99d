"""ledger: saved cards and their customers; auctions: authorization holds on bidders' cards

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('card_customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_card_customers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_customers')),
    sa.UniqueConstraint('provider', 'customer_id', name='uq_card_customers_customer'),
    sa.UniqueConstraint('user_id', 'provider', name='uq_card_customers_user')
    )
    op.create_table('saved_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.String(length=255), nullable=False),
    sa.Column('payment_method_id', sa.String(length=255), nullable=False),
    sa.Column('brand', sa.String(length=20), nullable=False),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('exp_month', sa.Integer(), nullable=True),
    sa.Column('exp_year', sa.Integer(), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_cards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_cards')),
    sa.UniqueConstraint('provider', 'payment_method_id', name='uq_saved_cards_payment_method')
    )
    with op.batch_alter_table('saved_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_cards_user_id'), ['user_id'], unique=False)

    op.create_table('auction_card_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auction_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('card_label', sa.String(length=40), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('captured_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['auction_id'], ['auctions.id'], name=op.f('fk_auction_card_holds_auction_id_auctions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auction_card_holds_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_card_holds')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_auction_card_holds_payment_intent_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_auction_card_holds_reference'))
    )
    with op.batch_alter_table('auction_card_holds', schema=None) as batch_op:
        batch_op.create_index('ix_auction_card_holds_bidder', ['auction_id', 'user_id', 'status'], unique=False)
        batch_op.create_index('ix_auction_card_holds_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auction_card_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_auction_card_holds_status')
        batch_op.drop_index('ix_auction_card_holds_bidder')
    op.drop_table('auction_card_holds')
    with op.batch_alter_table('saved_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_cards_user_id'))
    op.drop_table('saved_cards')
    op.drop_table('card_customers')
