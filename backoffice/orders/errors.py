"""Domain errors raised by OrderService; each front door translates them."""

from typing import Any


class InvalidOrderPayload(ValueError):
    """The payload is not a valid order; ``errors`` are DRF-style, nested for the customer."""

    def __init__(self, errors: dict[str, Any]):
        self.errors = errors
        super().__init__(errors)
