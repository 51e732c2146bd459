"""What each API view declares for the OpenAPI document: its operation, next to the view, and
the schemas its bodies have, made from the same field specs that parse and render them."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backoffice.fields import Field
from backoffice.filtering import FilterSet, JsonMethodFilter, RelatedFilter

# (endpoint, method) -> operation, filled by ``documented`` as the API modules are imported.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {}
# Every named schema, by name: the document takes those its operations refer to.
COMPONENTS: dict[str, "Schema"] = {}


@dataclass(frozen=True, eq=False)
class Schema:
    """An object made of field specs: a component when named, written out in place otherwise.

    ``mode`` says which fields and which are required: ``read`` (a response: every field,
    all of them), ``input`` (a body: the writable fields, the required ones) or ``patch``
    (the writable fields, none required)."""

    name: str
    fields: Mapping[str, Any]  # Field specs, or Schemas (nested objects)
    mode: str = "read"
    required: bool = True  # as a field of another schema
    extra: Mapping[str, Any] = field(default_factory=dict)  # more JSON schema keywords
    description: str = "OK"  # of a response with this body
    read_only = False

    def __post_init__(self) -> None:
        if self.name and COMPONENTS.setdefault(self.name, self) is not self:
            raise ValueError(f"two schemas are named {self.name}")

    def json_schema(self) -> dict[str, Any]:
        """A reference to the component, or the object itself when unnamed."""
        return {"$ref": f"#/components/schemas/{self.name}"} if self.name else self.object()

    def object(self) -> dict[str, Any]:
        writable = self.mode != "read"
        chosen = {n: f for n, f in self.fields.items() if not (writable and f.read_only)}
        schema: dict[str, Any] = {"type": "object", **self.extra}
        if not chosen:
            return schema
        schema["properties"] = {n: f.json_schema() for n, f in chosen.items()}
        if self.mode == "read":
            schema["required"] = list(chosen)
        elif self.mode == "input":
            schema["required"] = [n for n, f in chosen.items() if f.required]
        return schema


@dataclass(frozen=True)
class Strings:
    """A read-only array of strings, each one of ``choices`` (no Field kind is a list)."""

    choices: tuple[str, ...]
    read_only = True

    def json_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(self.choices)}}


def _chars(*names: str) -> dict[str, Field]:
    return {name: Field(name, "char") for name in names}


_MESSAGES = {"type": "array", "items": {"type": "string"}}
ERROR = Schema("Error", _chars("detail"), description="An error, in DRF's words")
# Messages by field; a nested object (an order's customer) nests the same.
VALIDATION_ERROR = Schema(
    "ValidationError",
    {},
    extra={"additionalProperties": {"oneOf": [_MESSAGES, {"type": "string"}, {"type": "object"}]}},
    description="Validation errors by field",
)
NOT_ACCEPTABLE = Schema(
    "NotAcceptable",
    _chars("non_field_errors", "error_code"),
    description="A rule refused the change",
)


def operation(
    summary: str,
    responses: Mapping[str, Schema | dict[str, Any]],
    *,
    body: Schema | None = None,
    parameters: list[dict[str, Any]] | None = None,
    public: bool = False,
    links: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An operation: its responses by status (a Schema is a JSON body of that schema; a dict,
    the response as written), the body it takes, and 401/403 unless it is public."""
    described = {status: _response(r) for status, r in responses.items()}
    if not public:
        described |= {"401": _response(ERROR), "403": _response(ERROR)}
    if links:
        described = {s: {**r, "links": links} if s == "201" else r for s, r in described.items()}
    op: dict[str, Any] = {"summary": summary}
    if public:
        op["security"] = []
    if parameters is not None:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": _content(body.json_schema())}
    op["responses"] = described
    return op


def _response(described: Schema | dict[str, Any]) -> dict[str, Any]:
    if isinstance(described, dict):
        return described
    return {"description": described.description, "content": _content(described.json_schema())}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def page_operation(
    summary: str, item: Schema, filters: type[FilterSet] | None = None
) -> dict[str, Any]:
    """A list, paged as DRF's PageNumberPagination; ordered and filtered by ``filters``."""
    parameters = [*PAGE_PARAMETERS]
    if filters is not None:
        parameters += filter_parameters(filters)
    page = {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "results": {"type": "array", "items": item.json_schema()},
        },
    }
    responses = {"200": _ok(page), "400": VALIDATION_ERROR, "404": ERROR}
    return operation(summary, responses, parameters=parameters)


def read_operation(summary: str, item: Schema) -> dict[str, Any]:
    return operation(summary, {"200": item, "404": ERROR})


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": _content(schema)}


def query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


PAGE_PARAMETERS = [
    query("page", {"type": "integer", "minimum": 1}),
    query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
]


def filter_parameters(filters: type[FilterSet]) -> list[dict[str, Any]]:
    """``ordering`` and one parameter per filter and lookup of ``filters``."""
    params = [query("ordering")]
    for name, spec in filters.filters.items():
        if isinstance(spec, RelatedFilter):
            params += [query(f"{name}__{field}") for field in spec.fields]
        elif isinstance(spec, JsonMethodFilter):
            continue  # ``attributes__<key>``: the key is free, so it cannot be listed
        else:
            for lookup in (*spec.lookups, *spec.hidden_lookups):
                params.append(query(name if lookup == "exact" else f"{name}__{lookup}"))
    if (search := filters.search) is not None:  # as DRF's SearchFilter describes it
        params.append({**query(search.param), "description": search.description})
    return params


def documented(
    endpoint: str, method: str, described: dict[str, Any], *, operation_id: str = ""
) -> Callable[[Callable], Callable]:
    """Declare the operation of ``api.<endpoint>`` for ``method``; the view is unchanged."""
    key = (f"api.{endpoint}", method.lower())
    if key in OPERATIONS:
        raise ValueError(f"{key} is documented twice")
    OPERATIONS[key] = {**described, "operationId": operation_id} if operation_id else described
    return lambda view: view
