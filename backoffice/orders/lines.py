"""One line of an order file in, its valid payload or the reason it was rejected out."""

import json
from decimal import Decimal
from typing import Any, NamedTuple

from backoffice.orders.schema import OrderPayload, parse_order_payload

# Decimal for JSON numbers: an amount sent as 149.90 never becomes a float. One decoder for
# every line: json.loads with parse_float builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)


class ParsedLine(NamedTuple):
    """A payload, or a rejection (``reason``, with DRF-style ``errors`` for an invalid order);
    neither for a blank line, which is not an order."""

    number: int
    size: int  # bytes, for the progress display
    payload: OrderPayload | None = None
    reason: str | None = None
    errors: dict[str, Any] | None = None


def parse_line(number: int, raw: bytes) -> ParsedLine:
    if not raw.strip():
        return ParsedLine(number, len(raw))
    try:
        # What json.loads does with bytes: UTF-8, -16 or -32, told apart by the first bytes.
        data = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except (ValueError, UnicodeDecodeError) as exc:
        return ParsedLine(number, len(raw), reason=f"Invalid JSON: {exc}")
    payload, errors = parse_order_payload(data)
    if payload is None:
        return ParsedLine(number, len(raw), reason="Invalid order.", errors=errors)
    return ParsedLine(number, len(raw), payload)


def parse_lines(first: int, raws: list[bytes]) -> list[ParsedLine]:
    """``parse_line`` for consecutive lines, the first numbered ``first``."""
    return [parse_line(number, raw) for number, raw in enumerate(raws, start=first)]
