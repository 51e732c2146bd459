"""Consent operations at scale: bulk changes from the customer list, opt-out lists."""
