"""shops: origins allowed to embed the shoppable player

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shop_embed_origins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_embed_origins_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_embed_origins')),
    sa.UniqueConstraint('shop_id', 'origin', name='uq_shop_embed_origins_shop_origin')
    )
    with op.batch_alter_table('shop_embed_origins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_embed_origins_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shop_embed_origins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_embed_origins_shop_id'))
    op.drop_table('shop_embed_origins')
