"""OPTIONS responses in the shape of DRF's SimpleMetadata (plus Omnitron's filters block)."""

from typing import Any

from flask import jsonify

from backoffice.fields import Field

RENDERS = ["application/json"]
PARSES = ["application/json"]
DRF_TYPES = {
    "char": "string",
    "email": "email",
    "boolean": "boolean",
    "dict": "nested object",
    "date": "date",
    "datetime": "datetime",
    "choice": "choice",
    "pk": "field",
    "integer": "integer",
}


def field_info(field: Field) -> dict[str, Any]:
    info: dict[str, Any] = {
        "type": DRF_TYPES[field.kind],
        "required": field.required,
        "read_only": field.read_only,
        "label": field.name.replace("_", " ").capitalize(),
    }
    if field.max_length is not None:
        info["max_length"] = field.max_length
    if field.choices:
        info["choices"] = [{"value": c, "display_name": c.capitalize()} for c in field.choices]
    return info


def options_response(
    name: str,
    *,
    description: str = "",
    filters: dict[str, Any] | None = None,
    search: dict[str, Any] | None = None,
    post_fields: dict[str, Field] | None = None,
    put_fields: dict[str, Field] | None = None,
):
    body: dict[str, Any] = {
        "name": name,
        "description": description,
        "renders": RENDERS,
        "parses": PARSES,
    }
    actions = {}
    if post_fields:
        actions["POST"] = {n: field_info(f) for n, f in post_fields.items()}
    if put_fields:
        actions["PUT"] = {n: field_info(f) for n, f in put_fields.items()}
    if actions:
        body["actions"] = actions
    if filters is not None:
        body["filters"] = filters
    if search is not None:  # DRF's SearchFilter: its parameter, title and description
        body["search"] = search
    return jsonify(body)
