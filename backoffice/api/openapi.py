"""The OpenAPI 3 document, put together from the operations the API views declare
(``operations.documented``) and the schemas their field specs make, and the page that
renders it (server-side, nothing fetched)."""

import copy
from typing import Any

from flask import current_app, jsonify, render_template
from werkzeug.routing import Map

from backoffice.api import operations
from backoffice.api.auth import requires
from backoffice.api.blueprint import bp
from backoffice.api.openapi_paths import api_url_map, paths_from_url_map
from backoffice.auth.access import role_required

REF = "#/components/schemas/"


def _identify(paths: dict[str, Any]) -> dict[str, Any]:
    """Give every operation an operationId: the declared one, or one made from its path."""
    # Alias paths share operation objects; each needs its own copy for its own id.
    paths = {path: {m: copy.deepcopy(op) for m, op in item.items()} for path, item in paths.items()}
    for path, item in paths.items():
        for method, operation in item.items():
            if method != "parameters" and "operationId" not in operation:
                segments = (p.strip("{}").title() for p in path.split("/")[3:] if p)
                operation["operationId"] = method + "".join(segments)
    return paths


def _components(paths: dict[str, Any]) -> dict[str, Any]:
    """The schemas the paths refer to, and those they refer to, in the order first met."""
    found: dict[str, Any] = {}
    pending = [paths]
    while pending:
        for name in _references(pending.pop(0)):
            if name not in found:
                found[name] = operations.COMPONENTS[name].object()
                pending.append(found[name])
    return found


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        ref = value.get("$ref", "")
        own = [ref.removeprefix(REF)] if isinstance(ref, str) and ref.startswith(REF) else []
        return own + [name for v in value.values() for name in _references(v)]
    if isinstance(value, list):
        return [name for v in value for name in _references(v)]
    return []


def openapi_document(url_map: Map | None = None) -> dict[str, Any]:
    """The document for the ``api.*`` routes of ``url_map`` (the API blueprint's by default)."""
    paths = _identify(paths_from_url_map(url_map or api_url_map(), operations.OPERATIONS))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Backoffice API",
            "version": "1",
            "description": "A replica of Omnitron's /api/v1/customers/. "
            "Authenticate with `Authorization: Token <key>`.",
        },
        "security": [{"tokenAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "tokenAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <key>`",
                }
            },
            "schemas": _components(paths),
        },
    }


@bp.route("/schema/", methods=["GET"], endpoint="schema")
@requires("agent")
def schema():
    return jsonify(openapi_document(current_app.url_map))


@bp.route("/docs/", methods=["GET"], endpoint="docs")
@role_required("agent")  # a page for people: signed-in staff, redirected to sign-in otherwise
def docs():
    return render_template("api/docs.html", doc=openapi_document(current_app.url_map))
