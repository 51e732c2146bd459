"""Staff users, their roles, sign-in and API tokens."""
