"""A person across channels: the search keys that find and match one (names, email, phone)."""
