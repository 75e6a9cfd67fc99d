"""Follows turned into news: in-app notifications, Web Push and email, and their fan-out."""
