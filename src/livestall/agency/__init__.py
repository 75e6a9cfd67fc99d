"""Agencies and their hosts: recruitment, training, certification and bookings onto shows."""
