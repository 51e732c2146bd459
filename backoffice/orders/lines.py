"""One line of an order file in, its valid payload or the reason it was rejected out."""

import re
from collections.abc import Iterator
from hashlib import blake2b
from typing import IO, Any, NamedTuple

from backoffice import jsondoc
from backoffice.orders.schema import OrderPayload, parse_order_payload

MAX_LINE_BYTES = 1 << 20  # a line longer than this (newline excluded) is rejected, not read
_SKIP = 1 << 16  # bytes read at a time past the limit of a line too long
# Strict UTF-8 bytes hold no lone surrogate: only a \uD800-\uDFFF escape makes one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class TooLong(NamedTuple):
    """A line past the size limit, of which only the size was kept."""

    size: int
    limit: int


class ParsedLine(NamedTuple):
    """A payload, or a rejection (``reason``, with DRF-style ``errors`` for an invalid order);
    neither for a blank line, which is not an order."""

    number: int
    size: int  # bytes, for the progress display
    payload: OrderPayload | None = None
    reason: str | None = None
    errors: dict[str, Any] | None = None
    digest: str | None = None  # of the line's bytes: recognises a line already imported


def read_lines(stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes | TooLong]:
    """The lines of ``stream``; a line longer than ``max_bytes`` is skipped as it is read (a
    file of one 10 GB line costs no memory) and comes out as its ``TooLong`` size."""
    readline = stream.readline
    while line := readline(max_bytes + 1):
        if not isinstance(line, bytes):
            raise TypeError("Order lines are read from a binary stream.")
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while (rest := readline(_SKIP)) and not rest.endswith(b"\n"):
            size += len(rest)
        yield TooLong(size + len(rest.rstrip(b"\n")), max_bytes)


def parse_line(number: int, raw: bytes | TooLong) -> ParsedLine:
    """Never raises: whatever is wrong with a line becomes the reason it is rejected."""
    if isinstance(raw, TooLong):
        reason = (
            f"Line too long: {raw.size:,} bytes; the limit is {raw.limit:,} (--max-line-bytes)."
        )
        return ParsedLine(number, raw.size, reason=reason)
    if not raw.strip():
        return ParsedLine(number, len(raw))
    try:
        return _parsed(number, raw)
    except Exception as exc:  # a gap in validation: this line's, never the import's problem
        reason = f"Invalid order: {type(exc).__name__}: {str(exc)[:200]}"
        return ParsedLine(number, len(raw), reason=reason)


def _parsed(number: int, raw: bytes) -> ParsedLine:
    try:
        # The API's parser: UTF-8, finite numbers (as floats, as DRF reads them: every valid
        # amount survives the round trip), nesting at most jsondoc.MAX_DOCUMENT_DEPTH.
        data = jsondoc.loads(raw)
    except ValueError as exc:  # UnicodeDecodeError and JSONValueError are ValueErrors
        return ParsedLine(number, len(raw), reason=f"Invalid JSON: {exc}")
    # A lone surrogate anywhere, even in a key the order ignores, makes the line suspect.
    if _SURROGATE_ESCAPE.search(raw) and (surrogate := _first_surrogate(data)):
        reason = jsondoc.SURROGATES.format(ord(surrogate))
        return ParsedLine(number, len(raw), reason=reason)
    payload, errors = parse_order_payload(data)
    if payload is None:
        return ParsedLine(number, len(raw), reason="Invalid order.", errors=errors)
    digest = blake2b(raw.strip(), digest_size=8).hexdigest()
    return ParsedLine(number, len(raw), payload, digest=digest)


def _first_surrogate(data: Any) -> str | None:
    """The first lone surrogate in a key or a string of ``data`` (nested within the limit)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if (surrogate := jsondoc.first_surrogate(value)) is not None:
                return surrogate
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return None


def parse_lines(first: int, raws: list[bytes | TooLong]) -> list[ParsedLine]:
    """``parse_line`` for consecutive lines, the first numbered ``first``."""
    return [parse_line(number, raw) for number, raw in enumerate(raws, start=first)]
