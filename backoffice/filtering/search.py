"""DRF's SearchFilter for a filter set: ``?search=<term>`` matched by the set's own rule and,
without an ``ordering``, ordered by how well each row matches."""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from backoffice.apitext import N_, Text
from backoffice.filtering.kinds import Built
from backoffice.filtering.values import FilterValueError

MAX_TERM = 200  # characters: a name, an email or a phone number is far shorter


class SearchFilter:
    """``parse`` reads a term (None: nothing to search), ``match`` gives the clause of the
    rows it finds on a dialect, ``order`` the ORDER BY that ranks them."""

    param = "search"  # DRF's SEARCH_PARAM
    title = "Search"
    description = "A search term."

    def __init__(
        self,
        parse: Callable[[str], Any],
        match: Callable[[Any, str], ColumnElement],
        order: Callable[[Any], Sequence[ColumnElement]],
    ):
        self.parse = parse
        self.match = match
        self.order = order

    def build(self, raw: str, dialect: str) -> Built | None:
        """The term's clause; a blank term searches nothing (DRF's SearchFilter alike)."""
        if len(raw) > MAX_TERM:
            raise FilterValueError(
                Text(N_("Ensure this value has at most %(max)d characters."), max=MAX_TERM)
            )
        term = self.parse(raw.replace("\x00", ""))
        return None if term is None else Built(term, self.match(term, dialect))

    def metadata(self) -> dict[str, str]:
        return {"param": self.param, "title": self.title, "description": self.description}
