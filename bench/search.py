"""The customer search at scale (issue 14): every search case through the API
(``/api/v1/customers/?search=``) and the HTML list (``/customers/?search=``), beside the raw SQL
of the same request in the same run, plus the related-records lookup, and the plan of each
case's search statement. Run bench/dataset.py first (it fills the search keys).

For each case and door, one request records every statement the app sends (their number is
the "stmts" column); after a warm-up, app requests and raw replays of the recorded reads (a plain
DBAPI connection: execute + fetchall) alternate, so both sides see the same machine. "lookup" is
the search's index lookup alone (the UNION ALL of index ranges that finds the ids), raw.
Then EXPLAIN (ANALYZE on PostgreSQL, QUERY PLAN on SQLite) of each case's page statement,
condensed, flagging any scan of a big table.

    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/search.py --database-url sqlite:////tmp/benchdata/bench.sqlite3
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.customers.search import matching_ids, parse_term  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from bench.pages import PASSWORD, _prepare, _raw_connection, _replay, request_app  # noqa: E402

DJANGO_ADMIN_MS = 1208  # issue 14: Django admin's icontains search, email prefix, 1M, PostgreSQL
GOALS = {"api": 20.0, "html": 30.0}  # median ms
PLUMBING = ("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")  # not counted
BIG = r"(customers|orders|integration_mappings|customer_search_words|customer_json_values)"


def cases(v: dict[str, str]) -> dict[str, str]:
    """Search terms that exist in bench/dataset.py's data (``v``: one customer's values)."""
    local, _, domain = v["email"].partition("@")
    digits = re.sub(r"\D", "", v["phone"])[2:]  # the 10 national digits
    return {
        "one name word": "murat",
        "two name words": "murat yilmaz",
        "two words, other order": "Yılmaz Murat",
        "Turkish typed without letters": "ayse celik",  # stored Ayşe Çelik
        "full email (other case)": v["email"].upper(),
        "email prefix": f"{local}@{domain[:2]}",
        "phone 0 5xx xxx xx xx": f"0{digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}",
        "phone +90…": f"+90{digits}",
        "phone 10 digits": digits,
        "phone last 7 digits": digits[-7:],
        "channel_code, small letters": v["channel_code"].lower(),
        "order number, small letters": v["order"].lower(),
        "mapping code prefix": v["mapping"][:-1].lower(),
        "no hit": "zzqxw",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="run only the cases whose name has this text")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    app = request_app(args.database_url)
    with app.app_context():
        dialect = db.engine.dialect.name
        token, values = _prepare()
        customer = int(values["customer"])
        values["order"] = db.session.scalar(
            text(f"SELECT number FROM orders WHERE customer_id = {customer} ORDER BY id LIMIT 1")
        )
        db.session.commit()
        engine = db.engine
    api, html = app.test_client(), app.test_client()
    headers = {"Authorization": f"Token {token}"}
    signed_in = html.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert signed_in.status_code == 302
    raw = _raw_connection(args.database_url, dialect)
    load = os.getloadavg()
    print(f"{dialect}: {values['customers']:,} customers; {args.requests} requests a case after "
          f"{args.warmup} warm-up; medians in ms; load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}")  # fmt: skip
    print(f"a request that sends no SQL (the API without a token, 401): {_floor(app, args):.2f} "
          f"ms, the least any case below can take however fast its SQL")  # fmt: skip
    print(f"{'case':32} {'term':24} {'found':>6} {'API':>7} {'raw':>7} {'ratio':>5} {'HTML':>7} "
          f"{'raw':>7} {'ratio':>5} {'lookup':>6} {'stmts':>5}  goal")  # fmt: skip
    only = args.only.lower()
    terms = {name: term for name, term in cases(values).items() if only in name.lower()}
    plans, missed = {}, 0
    for name, term in terms.items():
        row, recorded = {}, {}
        for door, path in (("api", "/api/v1/customers/?search="), ("html", "/customers/?search=")):
            client, extra = (api, headers) if door == "api" else (html, {})
            url = path + quote(term)
            reads, count, response = _record(engine, client, url, extra)
            recorded[door] = reads
            if door == "api":
                row["found"] = response.get_json()["count"]
            row[f"{door} stmts"] = count
            row[door], row[f"{door} raw"] = _alternate(client, url, extra, raw, reads, args)
        lookup = _lookup_sql(term, engine)
        row["lookup"] = statistics.median(_replay(raw, [lookup]) for _ in range(args.requests))
        missed += _print_row(name, term, row)
        plans[name] = [(sql, p) for sql, p in recorded["api"] if "search_hits" in sql]
    related = f"/api/v1/customers/{customer}/related/"
    reads, count, _response = _record(engine, api, related, headers)
    app_ms, raw_ms = _alternate(api, related, headers, raw, reads, args)
    met = "ok" if app_ms < 5 else "MISSED (5 ms)"
    print(f"{'related records':32} {related:24} {'':>6} {app_ms:7.2f} {raw_ms:7.2f} "
          f"{app_ms / raw_ms:5.2f} {'':>7} {'':>7} {'':>5} {'':>6} {count:5}  {met}")  # fmt: skip
    print(
        f"{missed} of {len(terms)} cases miss a goal (API < 20 ms, HTML < 30 ms, ≤ 2× raw, "
        f"≤ 3 statements); Django admin's {DJANGO_ADMIN_MS} ms (email prefix, PostgreSQL)"
    )
    if args.no_explain:
        return
    scanning = 0
    for name, statements in plans.items():
        for sql, parameters in statements:
            plan = _explain(raw, dialect, sql, parameters)
            scans = _scans(plan, dialect)
            scanning += bool(scans)
            print(f"\n== {name} ({terms[name]}){'  SCANS ' + ' '.join(scans) if scans else ''}")
            print(plan)
    print(f"\n{dialect}: {len(plans)} search statements explained, {scanning} scanning a table")


def _floor(app, args) -> float:
    """Median ms of a request that runs no statement: the framework's share of any case."""
    client, times = app.test_client(), []
    for n in range(args.warmup + args.requests):
        started = time.perf_counter()
        assert client.get("/api/v1/customers/").status_code == 401
        if n >= args.warmup:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _record(engine, client, url: str, headers: dict):
    """One request (after one unrecorded: a token's first use is written once): the reads it
    sends (to replay), how many statements in all (transaction plumbing aside), the response."""
    client.get(url, headers=headers)
    reads, sent = [], [0]

    def record(conn, cursor, statement, parameters, context, executemany):
        sent[0] += not statement.lstrip().upper().startswith(PLUMBING)
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            reads.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (url, response.status_code)
    return reads, sent[0], response


def _alternate(client, url, headers, raw, reads, args) -> tuple[float, float]:
    for _ in range(args.warmup):
        client.get(url, headers=headers)
        _replay(raw, reads)
    app_times, raw_times = [], []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        app_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        raw_times.append(_replay(raw, reads))
    return statistics.median(app_times), statistics.median(raw_times)


def _lookup_sql(term: str, engine) -> tuple[str, tuple]:
    """The search's index lookup alone, as SQL with its values written in."""
    statement = matching_ids(parse_term(term), engine.dialect.name)
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    return sql.replace("%", "%%") if engine.dialect.name == "postgresql" else sql, ()


def _print_row(name: str, term: str, row: dict) -> int:
    api_ratio, html_ratio = row["api"] / row["api raw"], row["html"] / row["html raw"]
    stmts = max(row["api stmts"], row["html stmts"])
    missed = [
        label
        for label, failed in (
            ("API 20 ms", row["api"] >= GOALS["api"]),
            ("HTML 30 ms", row["html"] >= GOALS["html"]),
            ("API 2x", api_ratio > 2),
            ("HTML 2x", html_ratio > 2),
            ("stmts", stmts > 3),
        )
        if failed
    ]
    shown = term if len(term) <= 24 else term[:23] + "…"
    print(f"{name:32} {shown:24} {row['found']:6} {row['api']:7.2f} {row['api raw']:7.2f} "
          f"{api_ratio:5.2f} {row['html']:7.2f} {row['html raw']:7.2f} {html_ratio:5.2f} "
          f"{row['lookup']:6.2f} {row['api stmts']}/{row['html stmts']:<3}  "
          f"{'MISSED ' + ', '.join(missed) if missed else 'ok'}")  # fmt: skip
    return bool(missed)


def _explain(raw, dialect: str, sql: str, parameters) -> str:
    prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    cursor = raw.cursor()
    cursor.execute(prefix + sql, parameters)
    rows = cursor.fetchall()
    cursor.close()
    if dialect == "postgresql":
        return "\n".join(_condensed(row[0]) for row in rows if _kept(row[0]))
    return "\n".join(f"{row[0]:>3} {row[1]:>3} {row[-1]}" for row in rows)


def _kept(line: str) -> bool:
    """PostgreSQL plan lines worth a reader's time: the nodes, their conditions, the total."""
    dropped = ("Output:", "Buffers:", "Planning:", "Sort Method", "Filter:", "Heap Fetches")
    return not line.strip().startswith(dropped)


def _condensed(line: str) -> str:
    actual = r"\(actual time=[\d.]+\.\.([\d.]+) (rows=\d+) loops=(\d+)\)"
    return re.sub(actual, r"(\2 ×\3 \1ms)", line)


def _scans(plan: str, dialect: str) -> list[str]:
    """Scans of a big table. Not a walk of one of its indexes in the ORDER BY's order (SQLite:
    ``SCAN customers USING COVERING INDEX ix_customers_created_date``, PostgreSQL: ``Index
    Only Scan Backward``), which a LIMIT stops: the ranked search's walk of a big tier."""
    if dialect == "postgresql":
        return re.findall(rf"Seq Scan on {BIG}\b", plan)
    return re.findall(rf"\bSCAN {BIG}\b(?! USING (?:COVERING )?INDEX)", plan)


if __name__ == "__main__":
    main()
