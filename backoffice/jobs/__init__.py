"""Background jobs: a ``jobs`` table that staff read, run by Huey (embedded or on Redis)."""
