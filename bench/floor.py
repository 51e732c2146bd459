"""The floors bench/cpu.py measures the app against: a minimal Flask app, served by the same
gunicorn (same config file, same worker count) as the project.

- ``GET /fixed``: a fixed JSON body; no database (the framework floor).
- ``GET /raw/<case>``: the statements the project's own request of that case sent, replayed
  through one psycopg connection per worker (autocommit, no SQLAlchemy), rows fetched and
  returned as JSON (the raw-own floor). bench/cpu.py records the statements into the file
  named by BENCH_STATEMENTS (a pickle of {case: [(sql, parameters), ...]}).

    BENCH_STATEMENTS=/tmp/x.pickle DATABASE_URL=postgresql://… gunicorn bench.floor:app
"""

import os
import pickle
from pathlib import Path

import psycopg
from flask import Flask, jsonify

app = Flask(__name__)
FIXED = {"id": 4242, "first_name": "Ayse", "last_name": "Yilmaz", "email": "a@example.com"}
_statements: dict[str, list[tuple[str, object]]] = {}
_connection: list[psycopg.Connection] = []


def _raw() -> psycopg.Connection:
    if not _connection:
        url = os.environ["DATABASE_URL"].replace("+psycopg", "")
        _connection.append(psycopg.connect(url, autocommit=True))
        _statements.update(pickle.loads(Path(os.environ["BENCH_STATEMENTS"]).read_bytes()))  # noqa: S301 (ours)
    return _connection[0]


@app.get("/fixed")
def fixed():
    return jsonify(FIXED)


@app.get("/raw/<case>")
def raw(case: str):
    connection = _raw()
    rows = []
    with connection.cursor() as cursor:
        for sql, parameters in _statements[case]:
            cursor.execute(sql, parameters)
            rows.extend(cursor.fetchall())
    return app.response_class(
        app.json.dumps([[str(value) for value in row] for row in rows]),
        mimetype="application/json",
    )
