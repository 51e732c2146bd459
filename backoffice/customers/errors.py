"""Domain errors raised by CustomerService; each front door translates them."""


class CustomerError(Exception):
    """Base of every rule a customer write can break."""

    error_code = "customer_100_0"


class CustomerDuplicatedFieldException(CustomerError):
    error_code = "customer_100_1"

    def __init__(self, fields: tuple[str, ...] = ("channel", "channel_code")):
        self.fields = fields
        super().__init__(f"The fields {', '.join(fields)} must make a unique set.")


class UnknownChannelError(CustomerError):
    error_code = "customer_100_2"

    def __init__(self, channel_id: object):
        self.channel_id = channel_id
        super().__init__(f'Invalid pk "{channel_id}" - object does not exist.')


class ChannelNotUpdatableError(CustomerError):
    error_code = "customer_100_3"

    def __init__(self):
        super().__init__("channel:channel_name These field cannot be updated")


class ChannelCodeLockedError(CustomerError):
    """The caller may not change the channel code (the key the order import matches on)."""

    def __init__(self):
        super().__init__("Only a supervisor can change the channel code.")


class CustomerAnonymizedError(CustomerError):
    error_code = "customer_100_4"

    def __init__(self, fields: list[str]):
        self.fields = fields
        super().__init__(
            "This customer has been anonymized; their personal data cannot be written "
            f"({', '.join(fields)})."
        )


class CustomerVersionConflict(CustomerError):
    """The customer changed since the caller read it (optimistic locking)."""

    error_code = "customer_100_5"

    def __init__(self, customer, expected_version: int | None):
        self.customer = customer
        self.expected_version = expected_version
        super().__init__("This customer was changed by someone else since you opened it.")
