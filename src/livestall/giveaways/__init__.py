"""Giveaways (lucky bags drawn in the open) and live-only coupons."""
