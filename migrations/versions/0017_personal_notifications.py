"""notifications: what users are told about their orders, bookings and openings

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


UNDISPATCHED = sa.text("dispatched_at IS NULL")


def _keeping_the_outbox(change) -> None:
    """Run `change` on the notifications table; on SQLite, whose batch mode copies and drops the table (the drop
    cascading to the outbox), the queued push and email are kept aside and put back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE notification_outbox_kept AS SELECT * FROM notification_outbox")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.execute("INSERT INTO notification_outbox SELECT * FROM notification_outbox_kept "
                   "WHERE notification_id IN (SELECT id FROM notifications)")
        op.execute("DROP TABLE notification_outbox_kept")


def _add(batch_op) -> None:
    batch_op.alter_column('show_id', existing_type=sa.Integer(), nullable=True)
    batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('dispatched_at', livestall.db.UTCDateTime(timezone=True), nullable=True))
    batch_op.create_foreign_key(batch_op.f('fk_notifications_order_id_orders'), 'orders', ['order_id'], ['id'],
                                ondelete='CASCADE')
    batch_op.create_foreign_key(batch_op.f('fk_notifications_booking_id_bookings'), 'bookings', ['booking_id'],
                                ['id'], ondelete='CASCADE')
    batch_op.create_foreign_key(batch_op.f('fk_notifications_ticket_id_opening_tickets'), 'opening_tickets',
                                ['ticket_id'], ['id'], ondelete='CASCADE')
    batch_op.create_unique_constraint('uq_notifications_order_kind_user', ['order_id', 'kind', 'user_id'])
    batch_op.create_unique_constraint('uq_notifications_booking_kind_user', ['booking_id', 'kind', 'user_id'])
    batch_op.create_unique_constraint('uq_notifications_ticket_kind_user', ['ticket_id', 'kind', 'user_id'])


def _drop(batch_op) -> None:
    batch_op.drop_constraint('uq_notifications_ticket_kind_user', type_='unique')
    batch_op.drop_constraint('uq_notifications_booking_kind_user', type_='unique')
    batch_op.drop_constraint('uq_notifications_order_kind_user', type_='unique')
    batch_op.drop_constraint(batch_op.f('fk_notifications_ticket_id_opening_tickets'), type_='foreignkey')
    batch_op.drop_constraint(batch_op.f('fk_notifications_booking_id_bookings'), type_='foreignkey')
    batch_op.drop_constraint(batch_op.f('fk_notifications_order_id_orders'), type_='foreignkey')
    batch_op.drop_column('dispatched_at')
    batch_op.drop_column('ticket_id')
    batch_op.drop_column('booking_id')
    batch_op.drop_column('order_id')
    batch_op.alter_column('show_id', existing_type=sa.Integer(), nullable=False)


def upgrade() -> None:
    _keeping_the_outbox(_add)
    # What was there before came from the fan-out, which queues its own push and email.
    op.execute("UPDATE notifications SET dispatched_at = created_at")
    op.create_index('ix_notifications_undispatched', 'notifications', ['id'], unique=False,
                    sqlite_where=UNDISPATCHED, postgresql_where=UNDISPATCHED)


def downgrade() -> None:
    op.drop_index('ix_notifications_undispatched', table_name='notifications', sqlite_where=UNDISPATCHED,
                  postgresql_where=UNDISPATCHED)
    # Notifications about an order, a booking or a ticket have no show: the older schema cannot hold them.
    op.execute("DELETE FROM notifications WHERE show_id IS NULL")
    _keeping_the_outbox(_drop)
