"""openings: outcome photos, fulfilment orders with a jewellery add-on, tickets carried to a follow-up show

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opening_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_opening_photos_created_by_id_users')),
    sa.ForeignKeyConstraint(['lot_id'], ['opening_lots.id'], name=op.f('fk_opening_photos_lot_id_opening_lots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_photos'))
    )
    with op.batch_alter_table('opening_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_photos_lot_id'), ['lot_id'], unique=False)

    with op.batch_alter_table('opening_lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('addon_product_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contents_product_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('carried_from_lot_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_opening_lots_contents_product_id_products'), 'products', ['contents_product_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_opening_lots_carried_from_lot_id_opening_lots'), 'opening_lots', ['carried_from_lot_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_opening_lots_addon_product_id_products'), 'products', ['addon_product_id'], ['id'])

    with op.batch_alter_table('opening_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('carried_from_ticket_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_opening_tickets_carried_from_ticket_id_opening_tickets'), 'opening_tickets', ['carried_from_ticket_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_opening_tickets_order_id_orders'), 'orders', ['order_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('opening_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_opening_tickets_order_id_orders'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_opening_tickets_carried_from_ticket_id_opening_tickets'), type_='foreignkey')
        batch_op.drop_column('carried_from_ticket_id')
        batch_op.drop_column('order_id')

    with op.batch_alter_table('opening_lots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_opening_lots_addon_product_id_products'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_opening_lots_carried_from_lot_id_opening_lots'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_opening_lots_contents_product_id_products'), type_='foreignkey')
        batch_op.drop_column('carried_from_lot_id')
        batch_op.drop_column('contents_product_id')
        batch_op.drop_column('addon_product_id')

    with op.batch_alter_table('opening_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_photos_lot_id'))

    op.drop_table('opening_photos')
