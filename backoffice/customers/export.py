"""CSV export of the filtered customer list: the one place both front doors call.

Rows are read through a server-side cursor (PostgreSQL; SQLite reads incrementally anyway) and
written out a block of rows at a time, so memory stays flat whatever the count. Every text cell
that a spreadsheet would take for a formula is neutralised. Each export leaves an audit event
naming who exported with which filter — parameter names, and values only where they identify
no one.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from backoffice.audit.context import AuditContext
from backoffice.audit.service import record_event
from backoffice.customers.models import Customer
from backoffice.customers.queries import customer_filters
from backoffice.customers.schema import CUSTOMER_FIELDS
from backoffice.database import write_intent
from backoffice.extensions import db
from backoffice.fields import render_datetime

# The API's fields, in its order; ``pk`` is the id and ``channel`` the channel's id.
HEADER = list(CUSTOMER_FIELDS)
COLUMNS = [Customer.__table__.c["id" if n == "pk" else "channel_id" if n == "channel" else n]
           for n in HEADER]  # fmt: skip
# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Filters whose values identify no one: kept in the audit event. Others: the name only.
PLAIN_FILTERS = frozenset(
    {
        "channel", "is_active", "created_date", "modified_date", "date_joined", "email_allowed",
        "sms_allowed", "call_allowed", "user_type", "id", "pk", "ordering", "mapping__channel",
    }
)  # fmt: skip
HIDDEN = "[hidden]"
ROWS_PER_BLOCK = 2000


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets (OWASP's advice: a leading quote)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return render_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


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


def export_customers(args: MultiDict, audit_context: AuditContext) -> Iterator[str]:
    """Check the filter, record the export, and return the CSV text, block by block.

    Raises FilterError (before recording anything) when a filter value is bad.
    """
    filters = customer_filters(args)
    statement = select(*COLUMNS).where(*filters.where()).order_by(*filters.order_by())
    db.session.commit()  # end the read transaction: the audit write begins afresh
    with write_intent():
        record_event(
            db.session,
            audit_context,
            object_type="customer",
            object_id=None,
            action="export",
            changes={"filter": (None, filter_summary(args))},
        )
        db.session.commit()
    return _csv(statement)


def _csv(statement) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    result = db.session.execute(statement, execution_options={"yield_per": ROWS_PER_BLOCK})
    for rows in result.partitions():
        writer.writerows([cell(value) for value in row] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail


def csv_download(blocks: Iterator[str], filename: str = "customers.csv") -> Response:
    """The streamed HTTP answer of an export (the request context lives until the last row)."""
    return Response(
        stream_with_context(blocks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
