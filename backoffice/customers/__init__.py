"""Customers: the buyers of every channel, their consents and their erasure."""
