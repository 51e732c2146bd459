"""The API reference page's helpers: Markdown descriptions, schema links, anchors."""

import re
from typing import Any

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML off: a "<script>" in a description is shown, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})
SCHEMAS = "#/components/schemas/"


def markdown(text: str | None) -> Markup:
    """A description as HTML blocks (paragraphs, lists, code)."""
    return Markup(_MARKDOWN.render(text or ""))  # noqa: S704  (raw HTML off: escaped)


def markdown_inline(text: str | None) -> Markup:
    """A short description as inline HTML (for a table cell)."""
    return Markup(_MARKDOWN.renderInline(text or ""))  # noqa: S704  (as above)


def schema_refs(schema: Any) -> list[str]:
    """The component schemas a schema refers to, anywhere inside it, in order."""
    found: list[str] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            found.append(ref.removeprefix(SCHEMAS))
        for key, value in schema.items():
            if key != "$ref":
                found += [name for name in schema_refs(value) if name not in found]
    elif isinstance(schema, list):
        for value in schema:
            found += [name for name in schema_refs(value) if name not in found]
    return found


def type_of(spec: dict[str, Any]) -> str:
    """A property's type in a word or two: "string (date-time)", "array", "object"."""
    kind = spec.get("type") or ("object" if "$ref" in spec else "any")
    return f"{kind} ({spec['format']})" if spec.get("format") else kind


def anchor(text: str) -> str:
    """An id for a path or schema: "/api/v1/customers/{pk}/" -> "api-v1-customers-pk"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=markdown, markdown_inline=markdown_inline, schema_refs=schema_refs,
        type_of=type_of, anchor=anchor,
    )  # fmt: skip
