"""openings: opening lots, their tickets and each lot's append-only audit log

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opening_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('sold', sa.Integer(), nullable=False),
    sa.Column('random_pick', sa.Boolean(), nullable=False),
    sa.Column('pick_items', sa.JSON(), nullable=False),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('unopened', sa.String(length=12), nullable=True),
    sa.Column('follow_up_show_id', sa.Integer(), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price_minor > 0', name=op.f('ck_opening_lots_price_positive')),
    sa.CheckConstraint('sold >= 0 AND sold <= quantity', name=op.f('ck_opening_lots_sold_within_quantity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_opening_lots_created_by_id_users')),
    sa.ForeignKeyConstraint(['follow_up_show_id'], ['shows.id'], name=op.f('fk_opening_lots_follow_up_show_id_shows')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_opening_lots_shop_id_shops')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_opening_lots_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_lots'))
    )
    with op.batch_alter_table('opening_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_lots_show_id'), ['show_id'], unique=False)

    op.create_table('opening_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('drawn_index', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('fulfilment', sa.String(length=16), nullable=True),
    sa.Column('shipping', sa.JSON(), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_opening_tickets_buyer_id_users')),
    sa.ForeignKeyConstraint(['lot_id'], ['opening_lots.id'], name=op.f('fk_opening_tickets_lot_id_opening_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_opening_tickets_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_tickets')),
    sa.UniqueConstraint('buyer_id', 'idempotency_key', name='uq_opening_tickets_buyer_key'),
    sa.UniqueConstraint('lot_id', 'position', name='uq_opening_tickets_lot_position')
    )
    with op.batch_alter_table('opening_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_tickets_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index('ix_opening_tickets_lot_status', ['lot_id', 'status'], unique=False)

    op.create_table('opening_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_opening_audit_actor_id_users')),
    sa.ForeignKeyConstraint(['lot_id'], ['opening_lots.id'], name=op.f('fk_opening_audit_lot_id_opening_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['opening_tickets.id'], name=op.f('fk_opening_audit_ticket_id_opening_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_audit'))
    )
    with op.batch_alter_table('opening_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_audit_lot_id'), ['lot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opening_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_audit_lot_id'))
    op.drop_table('opening_audit')
    with op.batch_alter_table('opening_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_opening_tickets_lot_status')
        batch_op.drop_index(batch_op.f('ix_opening_tickets_buyer_id'))
    op.drop_table('opening_tickets')
    with op.batch_alter_table('opening_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_lots_show_id'))
    op.drop_table('opening_lots')
