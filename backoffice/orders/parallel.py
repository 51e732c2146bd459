"""Order lines parsed by other processes while this one writes: with two CPUs, batch N+1 is
validated while the database takes batch N."""

import gc
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterator
from itertools import islice
from multiprocessing.connection import Connection
from typing import IO

from backoffice.orders.lines import (
    MAX_LINE_BYTES,
    ParsedLine,
    TooLong,
    parse_line,
    parse_lines,
    read_lines,
)

STOP_TIMEOUT = 5.0  # seconds a parser gets to exit before it is terminated


def parsed_lines(
    stream: IO[bytes],
    *,
    workers: int = 0,
    chunk: int = 1000,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[ParsedLine]:
    """Every line of ``stream``, parsed, in order: here when ``workers`` is 0; otherwise by that
    many processes, each given ``chunk`` lines at a time and kept one chunk ahead. A line
    longer than ``max_line_bytes`` is rejected unread."""
    lines = read_lines(stream, max_line_bytes)
    if workers <= 0:
        for number, raw in enumerate(lines, start=1):
            yield parse_line(number, raw)
        return
    parsers = _Parsers(workers)
    try:
        yield from parsers.parse(_chunks(lines, chunk))
    finally:
        parsers.stop()


Chunk = tuple[int, list[bytes | TooLong]]  # the first line's number, the lines


def _chunks(lines: Iterator[bytes | TooLong], size: int) -> Iterator[Chunk]:
    first = 1
    while raws := list(islice(lines, size)):
        yield first, raws
        first += len(raws)


class _Parsers:
    """Worker processes, each behind its own pipe; chunks go round, and come back, in turn."""

    def __init__(self, count: int):
        # A fresh interpreter, not a fork: it inherits no database connection, no lock, and
        # only its end of the pipe, so it sees the end of the pipe when this process dies.
        context = multiprocessing.get_context("spawn")
        self.connections: list[Connection] = []
        self.processes = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs,), name="orders-import-parser", daemon=True
            )
            process.start()
            theirs.close()
            self.connections.append(ours)
            self.processes.append(process)

    def parse(self, chunks: Iterator[Chunk]) -> Iterator[ParsedLine]:
        busy: deque[Connection] = deque()
        for connection in self.connections:
            if (chunk := next(chunks, None)) is None:
                break
            _send(connection, chunk)
            busy.append(connection)
        while busy:
            connection = busy.popleft()
            parsed = _received(connection)
            if (chunk := next(chunks, None)) is not None:
                _send(connection, chunk)  # parsed while the caller writes this one
                busy.append(connection)
            yield from parsed

    def stop(self) -> None:
        """Close the pipes (a parser waiting for a chunk, or sending one back, then exits)."""
        for connection in self.connections:
            connection.close()
        for process in self.processes:
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                process.terminate()
                process.join()


class ParserDied(RuntimeError):
    """A parser process exited (killed, out of memory) while the import needed it."""

    def __init__(self) -> None:
        super().__init__("An order parser process stopped unexpectedly.")


def _send(connection: Connection, chunk: Chunk) -> None:
    try:
        connection.send(chunk)
    except OSError as exc:
        raise ParserDied() from exc


def _received(connection: Connection) -> list[ParsedLine]:
    try:
        parsed = connection.recv()
    except (EOFError, OSError) as exc:  # closed, or reset with unread data in it
        raise ParserDied() from exc
    if isinstance(parsed, Exception):
        raise parsed
    return parsed


def _serve(connection: Connection) -> None:
    """A parser process: chunks of lines in, parsed lines out, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importer's: it closes the pipe
    gc.freeze()  # modules loaded: the collector need only walk the chunks' objects
    while True:
        try:
            first, raws = connection.recv()
        except (EOFError, OSError):
            return  # the importer is done, stopped, or killed
        try:
            parsed: list[ParsedLine] | Exception = parse_lines(first, raws)
        except Exception as exc:  # a bug: the importer raises it
            parsed = exc
        try:
            connection.send(parsed)
        except OSError:
            return  # the importer is gone
