"""An export's rows, read in blocks on a connection of its own, for both formats."""

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Result

from backoffice.database import reset_write_intent, set_write_intent

ROWS_PER_BLOCK = 2000


def streamed_rows(connection: Connection, statement: Select) -> Result:
    """The statement's rows, fetched a block at a time (a server-side cursor on PostgreSQL).

    A read: on SQLite its transaction begins without the write lock. On PostgreSQL without
    JIT: an export's row expression is large, compiling it costs seconds (measured: 16 s of
    a 100,000-row workbook's 23) and a single pass over the rows never wins them back.
    """
    intent = set_write_intent(False)  # read when the first statement begins the transaction
    try:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL jit = off")
        return connection.execution_options(yield_per=ROWS_PER_BLOCK).execute(statement)
    finally:
        reset_write_intent(intent)
