"""The JSON API under /api/v1: a replica of Omnitron's customer API."""
