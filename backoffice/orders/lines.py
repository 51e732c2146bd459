"""One line of an order file in, its valid payload or the reason it was rejected out."""

import json
import math
import re
from collections.abc import Iterator
from hashlib import blake2b
from typing import IO, Any, NamedTuple

from backoffice.orders.schema import OrderPayload, parse_order_payload

MAX_LINE_BYTES = 1 << 20  # a line longer than this (newline excluded) is rejected, not read
MAX_DEPTH = 64  # JSON nesting: the order is 1, its customer 2, the customer's attributes 3
_SKIP = 1 << 16  # bytes read at a time past the limit of a line too long


def _finite_float(text: str) -> float:
    # A float, as DRF and the API read JSON numbers: every valid amount (12 digits) survives
    # the round trip, and a number in ``attributes`` is stored as the API would store it.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"Number out of range: {text[:40]}.")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number.")


# One decoder for every line: json.loads with hooks builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)
# The only way to a lone surrogate once the bytes are strict UTF-8: a \uD800-\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


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
        # UTF-8, -16 or -32, told apart by the first bytes, as json.loads does; but strict: a
        # surrogate encoded in the bytes is not text.
        data = _DECODER.decode(raw.decode(json.detect_encoding(raw)))
    except RecursionError:
        return ParsedLine(number, len(raw), reason=_too_deep())
    except ValueError as exc:  # UnicodeDecodeError is one
        return ParsedLine(number, len(raw), reason=f"Invalid JSON: {exc}")
    # Only a line with many brackets can be too deep, and only one with a surrogate-like
    # escape can hold a lone surrogate: the others (all real orders) skip the walk.
    suspect = raw.count(b"[") + raw.count(b"{") > MAX_DEPTH or _SURROGATE_ESCAPE.search(raw)
    if suspect and (problem := _structure_problem(data)):
        return ParsedLine(number, len(raw), reason=problem)
    payload, errors = parse_order_payload(data)
    if payload is None:
        return ParsedLine(number, len(raw), reason="Invalid order.", errors=errors)
    digest = blake2b(raw.strip(), digest_size=8).hexdigest()
    return ParsedLine(number, len(raw), payload, digest=digest)


def _structure_problem(data: Any) -> str | None:
    """A lone surrogate (in a key or a value, at any depth) or nesting past MAX_DEPTH."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if found := _SURROGATE.search(value):
                return f"Surrogate characters are not allowed: U+{ord(found[0]):04X}."
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((key, depth))
                stack.append((item, depth + 1))
    return None


def _too_deep() -> str:
    return f"JSON nested more than {MAX_DEPTH} levels deep."


def parse_lines(first: int, raws: list[bytes | TooLong]) -> list[ParsedLine]:
    """``parse_line`` for consecutive lines, the first numbered ``first``."""
    return [parse_line(number, raw) for number, raw in enumerate(raws, start=first)]
