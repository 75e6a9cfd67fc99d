"""Users, roles, login sessions and profiles."""
