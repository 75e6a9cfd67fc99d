"""Live shows: scheduling, the live/ended state machine, stream keys, moderators and pins."""
