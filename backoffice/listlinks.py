"""A list page's links: this URL with some parameters changed, and a sortable column's link;
and the templates' ``url_for``."""

from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import Flask, has_request_context, request, url_for
from werkzeug.datastructures import MultiDict


def query_url(path: str, args: MultiDict) -> str:
    pairs = list(args.items(multi=True))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def with_changes(args: MultiDict, **changes: str | int | None) -> MultiDict:
    """A copy of ``args`` with each named parameter set to one value, or removed by None."""
    changed = MultiDict(args)
    for key, value in changes.items():
        changed.pop(key, None)
        if value is not None:
            changed[key] = str(value)
    return changed


def url_with(**changes: str | int | None) -> str:
    """This page's URL with some query parameters changed (None removes one): the pairs
    ``query_url(request.path, with_changes(request.args, **changes))`` would write, without
    copying the query into a new MultiDict (ten links a list page: pages, sort headers)."""
    pairs = [(key, value) for key, value in request.args.items(multi=True) if key not in changes]
    pairs += [(key, str(value)) for key, value in changes.items() if value is not None]
    return f"{request.path}?{urlencode(pairs)}" if pairs else request.path


class Sorting(NamedTuple):
    url: str
    state: str | None  # "ascending", "descending" or None (not sorted by this column)


def sorting(key: str, default: str | None = None) -> Sorting:
    """The link and state of a sortable column whose ordering is ``key`` (e.g. ``email``), on a
    list sorted by ``default`` when the query names no ordering. (A named tuple: the template
    reads its attributes, which a dict would answer only after an AttributeError each.)"""
    descending = ",".join(f"-{part}" for part in key.split(","))
    current = request.args.get("ordering") or default
    state = {key: "ascending", descending: "descending"}.get(current)
    target = descending if state == "ascending" else key
    return Sorting(url_with(ordering=target, page=None), state)


# An id no row has: where it lands in a built URL is where each row's id goes.
_MARK = 987654321987654321


def row_urls(endpoint: str, key: str = "pk") -> Callable[[int], str]:
    """The URL of ``endpoint`` for each row's integer ``key``, built once for a whole table:
    ``url_for`` costs ~12 µs, 25 times a list page."""
    prefix, suffix = url_for(endpoint, **{key: _MARK}).split(str(_MARK))
    return lambda pk: f"{prefix}{int(pk)}{suffix}"


def template_url_for() -> Callable[..., str]:
    """An app's ``url_for`` for its templates: a URL whose values are all text (the header's
    ten links, the stylesheet and script: ~3.5 µs each, on every page) is built once per
    request root, host, server and scheme (what Werkzeug builds it from), as an app's routes
    do not change while it runs; any other as Flask builds it. Not for an app with
    ``url_defaults`` callbacks (``register`` checks)."""
    built: dict[tuple, str] = {}

    def url_for_template(endpoint: str, **values: Any) -> str:
        if (
            endpoint[:1] == "."
            or (values and any(type(v) is not str for v in values.values()))
            or not has_request_context()
        ):
            return url_for(endpoint, **values)
        env = request.environ
        where = (env.get("SCRIPT_NAME"), env.get("HTTP_HOST"), env.get("SERVER_NAME"),
                 env.get("SERVER_PORT"), env.get("wsgi.url_scheme"))  # fmt: skip
        key = (endpoint, where, *values.items())
        try:
            return built[key]
        except KeyError:
            found = url_for(endpoint, **values)
            if len(built) < URLS_KEPT:
                built[key] = found
            return found

    return url_for_template


# How many URLs an app's template_url_for keeps (its templates build a few dozen).
URLS_KEPT = 1024


def register(app: Flask) -> None:
    app.jinja_env.globals.update(url_with=url_with, sorting=sorting, row_urls=row_urls)
    if not any(app.url_default_functions.values()):
        app.jinja_env.globals["url_for"] = template_url_for()
