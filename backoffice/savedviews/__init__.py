"""Saved views: named customer-list URLs (filters, search, ordering, page size)."""
