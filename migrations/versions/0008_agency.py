"""agency: agencies, host profiles, training, host requests and bookings

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies'))
    )
    op.create_table('agency_admins',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_admins_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agency_admins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'user_id', name=op.f('pk_agency_admins'))
    )
    with op.batch_alter_table('agency_admins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_admins_user_id'), ['user_id'], unique=False)

    op.create_table('host_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('markets', sa.JSON(), nullable=False),
    sa.Column('socials', sa.JSON(), nullable=False),
    sa.Column('fee_minor', sa.Integer(), nullable=False),
    sa.Column('fee_currency', sa.String(length=3), nullable=False),
    sa.Column('commission_bp', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('availability', sa.JSON(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=False),
    sa.Column('certified_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_host_profiles_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_host_profiles_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_host_profiles')),
    sa.UniqueConstraint('agency_id', 'email', name='uq_host_profiles_agency_email')
    )
    with op.batch_alter_table('host_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_host_profiles_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_host_profiles_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_host_profiles_user_id'), ['user_id'], unique=False)

    op.create_table('training_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_training_courses_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses'))
    )
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_courses_agency_id'), ['agency_id'], unique=False)

    op.create_table('booking_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_booking_requests_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_booking_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_booking_requests_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_booking_requests_show_id_shows'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_requests'))
    )
    with op.batch_alter_table('booking_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_requests_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_requests_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_requests_status'), ['status'], unique=False)

    op.create_table('training_modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_modules_course_id_training_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_modules'))
    )
    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_modules_course_id'), ['course_id'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fee_minor', sa.Integer(), nullable=False),
    sa.Column('fee_currency', sa.String(length=3), nullable=False),
    sa.Column('commission_bp', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', livestall.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_bookings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_bookings_booked_by_id_users')),
    sa.ForeignKeyConstraint(['host_id'], ['host_profiles.id'], name=op.f('fk_bookings_host_id_host_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['booking_requests.id'], name=op.f('fk_bookings_request_id_booking_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_bookings_show_id_shows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_show_id'), ['show_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_status'), ['status'], unique=False)

    op.create_table('module_completions',
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['host_id'], ['host_profiles.id'], name=op.f('fk_module_completions_host_id_host_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['training_modules.id'], name=op.f('fk_module_completions_module_id_training_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_module_completions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('host_id', 'module_id', name=op.f('pk_module_completions'))
    )


def downgrade() -> None:
    op.drop_table('module_completions')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_status'))
        batch_op.drop_index(batch_op.f('ix_bookings_starts_at'))
        batch_op.drop_index(batch_op.f('ix_bookings_show_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_host_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_agency_id'))

    op.drop_table('bookings')
    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_modules_course_id'))

    op.drop_table('training_modules')
    with op.batch_alter_table('booking_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_requests_status'))
        batch_op.drop_index(batch_op.f('ix_booking_requests_shop_id'))
        batch_op.drop_index(batch_op.f('ix_booking_requests_agency_id'))

    op.drop_table('booking_requests')
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_courses_agency_id'))

    op.drop_table('training_courses')
    with op.batch_alter_table('host_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_host_profiles_user_id'))
        batch_op.drop_index(batch_op.f('ix_host_profiles_stage'))
        batch_op.drop_index(batch_op.f('ix_host_profiles_agency_id'))

    op.drop_table('host_profiles')
    with op.batch_alter_table('agency_admins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_admins_user_id'))

    op.drop_table('agency_admins')
    op.drop_table('agencies')
