"""Channels: the marketplaces and web shops orders come from."""
