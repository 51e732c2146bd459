"""DRF's PageNumberPagination with ``page`` and ``limit``: how it reads them and links pages."""

from typing import Any
from urllib.parse import parse_qs, urlencode

from flask import current_app, jsonify, request

from backoffice.api.responses import APIError
from backoffice.pagination import InvalidPage, parse_page_number


def page_params() -> tuple[int, int]:
    """(page number, limit) from the query string; 404 "Invalid page." for a bad page."""
    config = current_app.config
    limit = _limit(request.args.getlist("limit"), config["API_PAGE_SIZE"])
    limit = min(limit, config["API_MAX_PAGE_SIZE"])
    pages = request.args.getlist("page")
    raw = pages[-1] if pages else None
    if raw not in (None, "last"):
        try:
            raw = str(int(raw))  # " 2", "+2", "٢" are page 2 to Django's Paginator
        except ValueError as exc:
            raise invalid_page() from exc
    try:
        return parse_page_number(raw), limit
    except InvalidPage as exc:
        raise invalid_page() from exc


def _limit(values: list[str], default: int) -> int:
    """DRF's _positive_int(strict=True): the last value, read by int(); else the default."""
    try:
        limit = int(values[-1])
    except (IndexError, ValueError):
        return default
    return limit if limit > 0 else default


def invalid_page() -> APIError:
    return APIError(404, "Invalid page.")


def page_url(number: int | None) -> str | None:
    """This URL for another page: DRF's replace_query_param, or remove_query_param for 1."""
    if number is None:
        return None
    query = parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True)
    query.pop("page", None)
    if number > 1:
        query["page"] = [str(number)]
    encoded = urlencode(sorted(query.items()), doseq=True)
    return request.base_url + (f"?{encoded}" if encoded else "")


def page_response(page: Any, results: list[dict[str, Any]]):
    return jsonify(
        {
            "count": page.count,
            "next": page_url(page.number + 1) if page.has_next else None,
            "previous": page_url(page.number - 1) if page.has_previous else None,
            "results": results,
        }
    )
