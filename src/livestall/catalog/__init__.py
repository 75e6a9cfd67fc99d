"""Shops, their staff, products, images and stock."""
