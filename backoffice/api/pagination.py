"""DRF-style page-number pagination: ``page`` and ``limit``, absolute next/previous links."""

from typing import Any
from urllib.parse import urlencode

from flask import current_app, jsonify, request

from backoffice.api.responses import APIError
from backoffice.querying import InvalidPage, parse_limit, parse_page_number


def page_params() -> tuple[int, int]:
    """(page number, limit) from the query string; 404 "Invalid page." for a bad page."""
    config = current_app.config
    limit = parse_limit(
        request.args.get("limit"), config["API_PAGE_SIZE"], config["API_MAX_PAGE_SIZE"]
    )
    try:
        return parse_page_number(request.args.get("page")), limit
    except InvalidPage as exc:
        raise invalid_page() from exc


def invalid_page() -> APIError:
    return APIError(404, "Invalid page.")


def page_url(number: int | None) -> str | None:
    """This URL for another page, every other parameter kept; page 1 drops ``page``."""
    if number is None:
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    if number > 1:
        args = _with_page(request.args, number)
    query = urlencode(args)
    return request.base_url + (f"?{query}" if query else "")


def _with_page(args, number: int) -> list[tuple[str, str]]:
    items = list(args.items(multi=True))
    if "page" not in args:
        return [*items, ("page", str(number))]
    out, placed = [], False
    for key, value in items:
        if key == "page":
            if not placed:
                out.append(("page", str(number)))
                placed = True
            continue
        out.append((key, value))
    return out


def page_response(page: Any, results: list[dict[str, Any]]):
    return jsonify(
        {
            "count": page.count,
            "next": page_url(page.number + 1) if page.has_next else None,
            "previous": page_url(page.number - 1) if page.has_previous else None,
            "results": results,
        }
    )
