"""Festivals: a time window, participating shops, festival prices, vouchers and a live leaderboard."""
