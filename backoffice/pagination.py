"""Pages of a statement: the page number and limit read from a query, one count, one page."""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from backoffice.types import MAX_ID


class InvalidPage(Exception):
    """Page 0, past the end, or not a number."""


@dataclass
class Page:
    items: list[Any]
    count: int
    number: int
    limit: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.limit))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def parse_page_number(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if raw == "last":
        return -1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InvalidPage(raw)
    return int(raw)


def page_offset(number: int, limit: int) -> int:
    """The OFFSET of page ``number``. A page starting past any id the tables can hold does
    not exist (its offset would not even fit the databases' integer parameters)."""
    offset = (number - 1) * limit
    if offset > MAX_ID:
        raise InvalidPage(str(number))
    return offset


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """DRF's rule: a limit that is not a positive number falls back to the default."""
    if raw is None or not (raw.isascii() and raw.strip().isdigit()) or int(raw) < 1:
        return default
    return min(int(raw), maximum)


def paginate(
    session: Any,
    statement: Select,
    count_statement: Select,
    number: int,
    limit: int,
    params: dict[str, Any] | None = None,
) -> Page:
    """One count query and one page query (both run with ``params``). ``number`` -1 means the
    last page."""
    count = session.scalar(count_statement, params) or 0
    pages = max(1, math.ceil(count / limit))
    if number == -1:
        number = pages
    if number > pages:
        raise InvalidPage(str(number))
    result = session.execute(statement.limit(limit).offset(page_offset(number, limit)), params)
    items = result.scalars().all() if len(statement.column_descriptions) == 1 else result.all()
    return Page(items=list(items), count=count, number=number, limit=limit)


def filtered_page(session: Any, model: Any, filters: Any, number: int, limit: int) -> Page:
    """One page of ``model``'s rows that ``filters`` (a FilterSet) selects, in its order;
    raises FilterError when a value was bad, and InvalidPage."""
    where = filters.where()
    statement = select(model).where(*where).order_by(*filters.order_by())
    count = select(func.count()).select_from(model).where(*where)
    return paginate(session, statement, count, number, limit)
