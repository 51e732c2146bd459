"""The OpenAPI paths, read off the Flask URL map so that no API route goes undocumented."""

import re
from typing import Any

from flask import Flask
from werkzeug.routing import Map

# Routes that serve the document itself, not the API it describes.
SELF_DESCRIBING = {"api.schema", "api.docs"}
METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_CONVERTED = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")
# Path arguments by converter: ids (``int``, DRF's ``lookup``) or any segment.
_ID = {"type": "integer", "minimum": 0}


class UndocumentedRoute(LookupError):
    """An API route without an operation in the document, or an operation without a route."""


def api_url_map() -> Map:
    """The URL map of the API blueprint alone, for building the document outside a request."""
    from backoffice.api.blueprint import bp

    app = Flask("openapi")
    app.register_blueprint(bp)
    return app.url_map


def openapi_path(rule: str) -> str:
    """``/customers/<lookup:pk>/`` -> ``/customers/{pk}/``."""
    return _ARGUMENT.sub(r"{\1}", rule)


def paths_from_url_map(
    url_map: Map, operations: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """Every ``api.*`` route and method, described by ``operations[(endpoint, method)]``.

    Paths come in the order of ``operations``; a route or method it lacks (or an operation
    no route serves) raises :class:`UndocumentedRoute`.
    """
    position = {key: i for i, key in enumerate(operations)}
    unused = set(operations)
    found: dict[str, dict[str, Any]] = {}
    first: dict[str, int] = {}
    for rule in url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in SELF_DESCRIBING:
            continue
        for method in sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}):
            key = (rule.endpoint, method)
            if key not in operations:
                raise UndocumentedRoute(f"{method.upper()} {rule.rule} ({rule.endpoint})")
            path = openapi_path(rule.rule)
            found.setdefault(path, {"rule": rule.rule})[method] = operations[key]
            first[path] = min(first.get(path, position[key]), position[key])
            unused.discard(key)
    if unused:
        raise UndocumentedRoute(f"operations without a route: {sorted(unused)}")
    return {path: _item(found[path]) for path in sorted(found, key=first.__getitem__)}


def _item(found: dict[str, Any]) -> dict[str, Any]:
    parameters = [_path_parameter(c, n) for c, n in _CONVERTED.findall(found["rule"])]
    item: dict[str, Any] = {"parameters": parameters} if parameters else {}
    item.update({m: found[m] for m in METHOD_ORDER if m in found})
    return item


def _path_parameter(converter: str, name: str) -> dict[str, Any]:
    schema = _ID if converter in ("int", "lookup") else {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": dict(schema)}
