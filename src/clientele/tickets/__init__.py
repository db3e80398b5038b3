"""Service tickets: each references one customer of the master by id, never a copy of it."""
