"""The pages of a plain read-only resource — a filtered, sorted, paged list and a detail —
drawn by templates/resources/ from its labels, so it needs no templates of its own."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import render_template

from backoffice.filtering import FilterSet
from backoffice.pagination import Page


@dataclass(frozen=True)
class ResourcePages:
    title: str  # the list's heading, e.g. "Returns"
    noun: str  # what the list counts, e.g. "returns"
    labels: Mapping[str, str]  # attribute -> label: the detail's rows, in order
    columns: tuple[str, ...]  # the list's columns; sortable where the filter set orders by them
    blueprint: str  # whose ``list`` and ``detail`` (by ``pk``) endpoints these are

    def list_page(self, filters: FilterSet, page: Page | None) -> tuple[str, int]:
        """The list; with the filter set's errors instead (and 400) when a value was bad."""
        body = render_template("resources/list.html", pages=self, filters=filters, page=page)
        return body, 200 if filters.is_valid else 400

    def detail_page(self, item: Any, heading: str) -> str:
        return render_template("resources/detail.html", pages=self, item=item, heading=heading)
