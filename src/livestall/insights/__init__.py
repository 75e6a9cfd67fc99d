"""Insights: viewer sessions and samples recorded off the room's hot path, per-show metrics and their rollups."""
