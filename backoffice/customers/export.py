"""Export of the filtered customer list, as CSV for machines (both front doors) or as an
.xlsx workbook for people (customers/spreadsheet.py): the one place the front doors call.

Rows are read through a server-side cursor (PostgreSQL; SQLite reads incrementally anyway) and
written out a block of rows at a time, so memory stays flat whatever the count. Every text cell
that a spreadsheet would take for a formula is neutralised. Each export leaves an audit event
naming who exported with which filter — parameter names, and values only where they identify
no one.
"""

import csv
import io
from collections.abc import Iterator
from contextlib import closing
from typing import Any

from flask import Response
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Engine,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy import type_coerce as as_text
from werkzeug.datastructures import MultiDict

from backoffice.audit.context import AuditContext
from backoffice.audit.service import record_event
from backoffice.customers import spreadsheet
from backoffice.customers.declaration import COLUMNS, CUSTOMER_FIELDS, PLAIN_FIELDS
from backoffice.customers.filterset import CustomerFilterSet
from backoffice.customers.listread import customer_filters
from backoffice.customers.models import Customer
from backoffice.customers.streaming import streamed_rows
from backoffice.database import write_intent
from backoffice.extensions import db
from backoffice.types import UTCDateTime

# The API's fields, in its order; ``pk`` is the id and ``channel`` the channel's id.
HEADER = list(CUSTOMER_FIELDS)
# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Filters whose values identify no one: kept in the audit event. Others: the name only.
PLAIN_FILTERS = PLAIN_FIELDS | {"id", "ordering", "mapping__channel"}
HIDDEN = "[hidden]"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cells(dialect: str) -> list[Any]:
    """One SQL expression per CSV column, rendered as text by the database itself (as the API
    renders it: ISO datetimes in UTC with microseconds and Z, true/false, JSON), text cells
    made inert for spreadsheets (OWASP's advice: a leading quote). Python only writes them."""
    table = Customer.__table__
    out = []
    for name in HEADER:
        column = table.c[COLUMNS[name]]
        if name in ("pk", "channel"):
            out.append(column)
        elif isinstance(column.type, Boolean):
            out.append(case((column, "true"), else_="false"))
        elif isinstance(column.type, UTCDateTime):
            out.append(_timestamp(column, dialect))
        elif type(column.type) is Date:
            text = func.to_char(column, "YYYY-MM-DD") if dialect == "postgresql" else column
            out.append(as_text(text, String))
        elif isinstance(column.type, JSON):
            out.append(as_text(cast(column, Text), String))  # an object: starts with {
        else:
            out.append(_inert(as_text(column, String)))
    return out


def _timestamp(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        return as_text(func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), String)
    # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS.ffffff" (UTCDateTime).
    stored = as_text(column, String)
    return case((stored.is_(None), None), else_=func.replace(stored, " ", "T") + "Z")


def _inert(text: Any) -> Any:
    return case((func.substr(text, 1, 1).in_(FORMULA_STARTS), literal("'") + text), else_=text)


def filter_summary(args: MultiDict) -> dict[str, list[str]]:
    """The filter of an export as the audit keeps it: no personal value in it."""
    summary: dict[str, list[str]] = {}
    for key, value in args.items(multi=True):
        name = key.partition("__")[0]
        if key in ("page", "limit"):
            continue
        plain = name in PLAIN_FILTERS or key in PLAIN_FILTERS
        summary.setdefault(key, []).append(value if plain else HIDDEN)
    return summary


def export_customers(
    args: MultiDict,
    audit_context: AuditContext,
    *,
    send_rows: bool = True,
    filterset: type[CustomerFilterSet] = CustomerFilterSet,
    file_format: str = "csv",
) -> Iterator[str] | Iterator[bytes]:
    """Check the filter, record the export, and return the file (CSV text, or an .xlsx
    workbook's bytes when ``file_format`` is "xlsx"), block by block.

    Raises FilterError (before recording anything) when a filter value is bad. Without
    ``send_rows`` (a HEAD request) the filter is checked and nothing is read or recorded:
    no one's data leaves.
    """
    filters = customer_filters(args, filterset=filterset)
    where, order_by = filters.where(), filters.order_by()
    if not send_rows:
        return iter(())
    statement = export_statement(where, order_by, file_format)
    db.session.commit()  # end the read transaction: the audit write begins afresh
    with write_intent():
        record_event(
            db.session,
            audit_context,
            object_type="customer",
            object_id=None,
            action="export",
            changes={"filter": (None, filter_summary(args)), "format": (None, file_format)},
        )
        db.session.commit()
    if file_format == "xlsx":
        return spreadsheet.workbook_blocks(db.engine, statement)
    return _csv(db.engine, statement)


def export_statement(where: list, order_by: list, file_format: str) -> Select:
    """The rows of an export: one text per row (its sheet XML) for "xlsx", the CSV's cells
    otherwise."""
    dialect = db.session.get_bind().dialect.name
    if file_format == "xlsx":
        return spreadsheet.row_statement(where, order_by, dialect)
    return select(*cells(dialect)).where(*where).order_by(*order_by)


def _csv(engine: Engine, statement: Select) -> Iterator[str]:
    parts = csv_parts(engine, statement)
    with closing(parts):
        for text, _rows in parts:
            yield text


def csv_parts(engine: Engine, statement: Select) -> Iterator[tuple[str, int]]:
    """The CSV block by block, each with the number of rows it holds; the rows read on a
    connection of their own: the server iterates the answer after the request's context has
    ended. A read: on SQLite it begins without taking the write lock."""
    with engine.connect() as connection, closing(streamed_rows(connection, statement)) as result:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        for rows in result.partitions():
            writer.writerows(rows)
            yield buffer.getvalue(), len(rows)
            buffer.seek(0)
            buffer.truncate()
        if tail := buffer.getvalue():
            yield tail, 0


def csv_download(blocks: Iterator[str], filename: str = "customers.csv") -> Response:
    """The streamed HTTP answer of an export."""
    return Response(
        blocks,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_download(blocks: Iterator[bytes], filename: str = "customers.xlsx") -> Response:
    """The streamed HTTP answer of a workbook export."""
    return Response(
        blocks,
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
