"""Signed HTTPS callbacks to shops and agencies when their shows, orders and openings change."""
