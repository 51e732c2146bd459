"""What other features add to a customer's page (orders adds the customer's orders): each
registers a section here, so the customers package imports none of them."""

from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import MultiDict

from backoffice.customers.models import Customer

# A section: the customer and the request's query string -> template variables.
Section = Callable[[Customer, MultiDict], dict[str, Any]]
CUSTOMER_PAGE_SECTIONS: list[Section] = []


def customer_page_section(section: Section) -> Section:
    """Register ``section``: its variables join those of every customer page."""
    CUSTOMER_PAGE_SECTIONS.append(section)
    return section


def section_variables(customer: Customer, args: MultiDict) -> dict[str, Any]:
    """Every registered section's variables for ``customer``'s page."""
    variables: dict[str, Any] = {}
    for section in CUSTOMER_PAGE_SECTIONS:
        variables |= section(customer, args)
    return variables
