"""Form and multipart bodies read as DRF's serializer fields read HTML input (``get_value``)."""

from typing import Any

from werkzeug.datastructures import MultiDict

# A field the form leaves out of the data (DRF's ``empty``).
_SKIP = object()


def is_form(data: Any) -> bool:
    return isinstance(data, MultiDict)


def form_values(fields: dict[str, Any], form: MultiDict, *, partial: bool) -> dict[str, Any]:
    """The form's values as the JSON body DRF would have seen: the last value of each name,
    ``name.key`` pairs for a dictionary field, blanks turned into null or left out."""
    values = {}
    for name, field in fields.items():
        if field.read_only:
            continue
        value = _value(field, form, partial=partial)
        if value is not _SKIP:
            values[name] = value
    return values


def nested_form(form: MultiDict, prefix: str) -> MultiDict | None:
    """The ``prefix.name`` entries as a form of their own (a nested serializer's input), or
    None when there are none."""
    start = f"{prefix}."
    nested = MultiDict(
        (key.removeprefix(start), value)
        for key, value in form.items(multi=True)
        # Werkzeug names a multipart part whose name it cannot read None: no field's.
        if isinstance(key, str) and key.startswith(start) and len(key) > len(start)
    )
    return nested or None


def _value(field: Any, form: MultiDict, *, partial: bool) -> Any:
    if field.kind == "dict":
        nested = nested_form(form, field.name)
        if nested is not None:
            return {key: nested.getlist(key)[-1] for key in nested}
        return {} if field.name in form else _SKIP  # the bare name clears it (DRF 3.16+)
    if field.name not in form:
        # DRF's default_empty_html: an unticked checkbox sends nothing, so on a full write a
        # boolean left out is false.
        if partial or field.kind != "boolean":
            return _SKIP
        return None if field.allow_null else False
    value = form.getlist(field.name)[-1]
    if value != "":
        return value
    allow_blank = field.kind in ("char", "email") and field.allow_blank
    if field.allow_null:
        return "" if allow_blank else None
    if not field.required:
        return "" if allow_blank else _SKIP
    return value
