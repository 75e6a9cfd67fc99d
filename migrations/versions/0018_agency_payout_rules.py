"""agency: attendance rules for payouts and fees a brand owes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_show_rule', sa.String(length=10), server_default='hold', nullable=False))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_state', sa.String(length=10), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('payout_rule', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('payout_fee_minor', sa.Integer(), nullable=True))
    with op.batch_alter_table('booking_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_booking_requests_host_id_host_profiles'), 'host_profiles',
                                    ['host_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('booking_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_requests_host_id_host_profiles'), type_='foreignkey')
        batch_op.drop_column('host_id')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('payout_fee_minor')
        batch_op.drop_column('payout_rule')
        batch_op.drop_column('payout_state')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('short_show_rule')
