"""The filtered customer list as an Excel workbook (.xlsx) for people: labelled columns, the
channel's name, dates as dates, phones and codes as text, order totals as numbers.

The database renders each row as the sheet's XML (as it renders the CSV's text), so Python
only compresses and writes: a block of rows at a time, straight into the answer (a zip
written forwards only, each part's sizes after its data), so the first bytes leave at once
and memory stays flat whatever the count. XlsxWriter's constant-memory mode, tried first,
wrote ten times fewer rows per CPU second (bench/RESULTS.md), far short of 30,000 rows/s; the
few parts around the sheet are fixed text (customers/xlsxparts.py). Every text cell is an
inline string, never a formula: a value starting with = + - @ reads as that text in Excel,
LibreOffice and Google Sheets, and is marked so (``quotePrefix``) that editing the cell keeps
it text.
"""

import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import (
    Engine,
    Float,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy import type_coerce as as_text

from backoffice.channels.models import Channel
from backoffice.customers import xlsxparts
from backoffice.customers.declaration import label
from backoffice.customers.models import Customer
from backoffice.customers.streaming import streamed_rows

SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header's included
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's day 0 is 1899-12-30: as a Julian day number (SQLite), and as days before 1970.
EXCEL_EPOCH_JULIAN = 2415018.5
EXCEL_EPOCH_UNIX_DAYS = 25569
# Characters XML 1.0 cannot hold: OOXML writes them as _xHHHH_.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Cell styles (xl/styles.xml's cellXfs, in order).
HEADER, DATETIME, DAY, MONEY, TEXT, QUOTED = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class Column:
    name: str
    label: Any  # a lazy translation, worded when the workbook starts
    kind: str  # text, code (text kept as typed), boolean, integer, money, datetime, date
    width: int


COLUMNS = [
    Column("pk", label("pk"), "integer", 10),
    Column("channel", label("channel"), "text", 16),
    Column("email", label("email"), "text", 32),
    Column("first_name", label("first_name"), "text", 16),
    Column("last_name", label("last_name"), "text", 16),
    Column("phone_number", label("phone_number"), "code", 16),
    Column("is_active", label("is_active"), "boolean", 8),
    Column("channel_code", label("channel_code"), "code", 16),
    Column("erp_code", label("erp_code"), "code", 14),
    Column("created_date", label("created_date"), "datetime", 19),
    Column("modified_date", label("modified_date"), "datetime", 19),
    Column("date_joined", label("date_joined"), "datetime", 19),
    Column("email_allowed", label("email_allowed"), "boolean", 8),
    Column("sms_allowed", label("sms_allowed"), "boolean", 8),
    Column("call_allowed", label("call_allowed"), "boolean", 8),
    Column("gender", label("gender"), "text", 10),
    Column("user_type", label("user_type"), "text", 12),
    Column("date_of_birth", label("date_of_birth"), "date", 12),
]


def _escaped(text: Any) -> Any:
    """The text with & < > as XML entities; replaced only where found (a test is cheaper than
    three copies, and most values hold none)."""
    escaped = text
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        escaped = func.replace(escaped, char, entity)
    found = or_(*(text.contains(char) for char in "&<>"))
    return case((found, escaped), else_=text)


def _text_cell(value: Any, style: int | None) -> Any:
    first = func.substr(value, 1, 1)
    styled = case(
        (first.in_(FORMULA_STARTS), literal(f' s="{QUOTED}"')),
        else_=literal(f' s="{style}"' if style else ""),
    )
    return case(
        (value.is_(None), literal("<c/>")),
        else_=literal("<c")
        + styled
        + literal(' t="inlineStr"><is><t xml:space="preserve">')
        + _escaped(value)
        + literal("</t></is></c>"),
    )


def _number_cell(value: Any, style: int | None) -> Any:
    head = f'<c s="{style}"><v>' if style else "<c><v>"
    return case(
        (value.is_(None), literal("<c/>")),
        else_=literal(head) + cast(value, String) + literal("</v></c>"),
    )


def _serial(column: Any, dialect: str) -> Any:
    """A datetime or date as Excel's serial number of days (UTC)."""
    if dialect == "postgresql":  # a timestamptz's epoch is UTC's; a date's, its midnight's
        return cast(func.extract("epoch", column), Float) / 86400.0 + EXCEL_EPOCH_UNIX_DAYS
    return func.julianday(column) - EXCEL_EPOCH_JULIAN


@dataclass(frozen=True)
class Joined:
    """Columns another feature adds to each row (orders: the count and amount): a subquery
    with a ``customer_id`` column, outer-joined, and the row's cells of those columns."""

    columns: tuple[Column, ...]
    subquery: Any
    cells: Callable[[Any, str], Any]  # (the subquery, the dialect) -> the cells' XML


JOINED: list[Joined] = []


def joined_columns(columns: tuple[Column, ...], subquery: Any, cells: Callable) -> None:
    """Add ``columns`` to the workbook, so this package imports no feature built on it."""
    JOINED.append(Joined(columns, subquery, cells))


def columns() -> list[Column]:
    """The workbook's columns: the customer's, then those other features add."""
    return [*COLUMNS, *(column for joined in JOINED for column in joined.columns)]


def _cell(column: Column, dialect: str) -> Any | None:
    table = Customer.__table__
    if column.name == "channel":
        return _text_cell(Channel.name, None)
    source = table.c["id" if column.name == "pk" else column.name]
    if column.kind == "boolean":
        return case(
            (source.is_(None), literal("<c/>")),
            (source, literal('<c t="b"><v>1</v></c>')),
            else_=literal('<c t="b"><v>0</v></c>'),
        )
    if column.kind in ("datetime", "date"):
        style = DATETIME if column.kind == "datetime" else DAY
        return _number_cell(_serial(source, dialect), style)
    if column.kind == "integer":
        return _number_cell(source, None)
    return _text_cell(as_text(source, String), TEXT if column.kind == "code" else None)


def row_statement(where: list, order_by: list, dialect: str) -> Select:
    """One text per customer: its row of the sheet."""
    cells = [_cell(column, dialect) for column in COLUMNS]
    cells += [joined.cells(joined.subquery, dialect) for joined in JOINED]
    parts = [literal("<row>"), *cells, literal("</row>")]
    # Joined as a balanced tree: a chain of || copies the growing row at every step.
    while len(parts) > 1:
        pairs = [parts[n] + parts[n + 1] for n in range(0, len(parts) - 1, 2)]
        parts = pairs + parts[len(pairs) * 2 :]
    statement = (
        select(parts[0]).select_from(Customer).join(Channel, Channel.id == Customer.channel_id)
    )
    for joined in JOINED:
        statement = statement.outerjoin(
            joined.subquery, joined.subquery.c.customer_id == Customer.id
        )
    return statement.where(*where).order_by(*order_by)


class _Sink:
    """Where the zip is written: a write-only stream (no ``tell``), so zipfile writes each
    part's sizes after its data (a data descriptor) and never seeks back; the generator
    hands on what came since it last looked."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def workbook_blocks(engine: Engine, statement: Select) -> Iterator[bytes]:
    """The workbook of the statement's rows, streamed as it is written: the zip's first bytes
    go out before the first row is read, then a compressed block per block of rows; memory
    stays flat whatever the count. A client that leaves ends the read. The header and the
    sheet's name are worded now, in the reader's language: the rows are written after the
    request has ended."""
    return _data(workbook_parts(engine, statement))


def _data(parts: Iterator[tuple[bytes, int]]) -> Iterator[bytes]:
    with closing(parts):
        for data, _rows in parts:
            if data:
                yield data


def workbook_parts(engine: Engine, statement: Select) -> Iterator[tuple[bytes, int]]:
    """The workbook as ``workbook_blocks`` writes it, each block with the number of rows it
    holds (a job's progress); worded in the language of the caller, now."""
    return _stream(engine, statement, xlsxparts.sheet_start(columns()), str(xlsxparts.SHEET_NAME))


def _stream(
    engine: Engine, statement: Select, head: bytes, sheet_name: str
) -> Iterator[tuple[bytes, int]]:
    sink = _Sink()
    book = zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
    sheet = None
    try:
        sheets, sheet, written = 1, _begin_sheet(book, 1, head), 1
        yield sink.take(), 0
        with (
            engine.connect() as connection,
            closing(streamed_rows(connection, statement)) as result,
        ):
            for rows in result.partitions():
                texts = [row[0] for row in rows]
                while texts:
                    if written == SHEET_ROWS:  # full: the rest goes on the next sheet
                        sheet.write(xlsxparts.SHEET_END)
                        sheet.close()
                        sheets += 1
                        sheet, written = _begin_sheet(book, sheets, head), 1
                    block, texts = texts[: SHEET_ROWS - written], texts[SHEET_ROWS - written :]
                    sheet.write(_xml("".join(block)))
                    written += len(block)
                yield sink.take(), len(rows)
        sheet.write(xlsxparts.SHEET_END)
        sheet.close()
        sheet = None
        for name, text in xlsxparts.package(sheets, sheet_name).items():
            book.writestr(name, text)
    finally:
        if sheet is not None:  # left early (an error, a client gone): close what is open
            sheet.close()
        book.close()
    yield sink.take(), 0


def _begin_sheet(book: zipfile.ZipFile, number: int, head: bytes) -> IO[bytes]:
    sheet = book.open(f"xl/worksheets/sheet{number}.xml", "w")
    sheet.write(head)
    return sheet


def _xml(rows: str) -> bytes:
    if UNWRITABLE.search(rows):  # rare: only values hold them, never the markup
        rows = UNWRITABLE.sub(lambda m: f"_x{ord(m.group()):04X}_", rows)
    return rows.encode("utf-8")
