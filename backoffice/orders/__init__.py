"""Orders: what marketplaces send us, and where customers come from."""
