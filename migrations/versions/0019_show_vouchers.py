"""festivals: the voucher a host pins in a live show

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('show_vouchers',
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('pinned_by_id', sa.Integer(), nullable=False),
    sa.Column('pinned_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pinned_by_id'], ['users.id'], name=op.f('fk_show_vouchers_pinned_by_id_users')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_show_vouchers_show_id_shows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_show_vouchers_voucher_id_vouchers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('show_id', name=op.f('pk_show_vouchers'))
    )
    with op.batch_alter_table('show_vouchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_show_vouchers_voucher_id'), ['voucher_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('show_vouchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_show_vouchers_voucher_id'))

    op.drop_table('show_vouchers')
