"""CPU per request of the four goal cases, in this process: ``time.process_time`` around each
Flask test-client request (the real WSGI app, token or session, request log written to
/dev/null), median over ``--requests`` after a warm-up. Less sensitive to a busy machine than
wall time or wrk; run the old and the new code alternately and compare medians.

    .venv/bin/python bench/inproc.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/inproc.py --database-url ... --profile "HTML list" > /tmp/prof.txt

The database gets a bench user and a token (bench/pages.py's); use a copy you may write to.
"""

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from bench.pages import PASSWORD, _prepare  # noqa: E402


def cases(values: dict[str, str]) -> list[tuple[str, str, str]]:
    customer, phone = values["customer"], quote(values["phone"].replace("+90", "0"))
    return [
        ("no-token 401", "none", "/api/v1/customers/"),
        ("API detail", "token", f"/api/v1/customers/{customer}/"),
        ("API list page 1", "token", "/api/v1/customers/"),
        ("API related", "token", f"/api/v1/customers/{customer}/related/"),
        ("HTML detail", "session", f"/customers/{customer}/"),
        ("HTML list", "session", "/customers/"),
        ("HTML list, new query", "session", "/customers/?email__startswith=a&_={n}"),
        ("API search, phone", "token", f"/api/v1/customers/?search={phone}"),
        ("API search, email", "token", f"/api/v1/customers/?search={quote(values['email'])}"),
        ("HTML search, phone", "session", f"/customers/?search={phone}"),
        # a term not searched before: what a person typing a new search costs
        ("HTML search, new term", "session", "/customers/?search=zz{n}%40x.com"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="", help="cProfile this case instead (CPU clock)")
    args = parser.parse_args()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})  # fmt: skip
    for handler in logging.getLogger("backoffice.requests").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    with app.app_context():
        token, values = _prepare()
    api, html = app.test_client(), app.test_client()
    html.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    results = {}
    for name, auth, path in cases(values):
        if args.only not in name or (args.profile and args.profile != name):
            continue
        client = html if auth == "session" else api
        headers = {"Authorization": f"Token {token}"} if auth == "token" else {}
        expected = 401 if auth == "none" else 200
        for n in range(args.warmup):
            status = client.get(path.format(n=f"w{n}"), headers=headers).status_code
            assert status == expected, (path, status)
        if args.profile:
            _profile(client, path, headers, args.requests)
            return
        times = []
        for n in range(args.requests):
            url = path.format(n=n)
            start = time.process_time()
            client.get(url, headers=headers)
            times.append((time.process_time() - start) * 1000)
        times.sort()
        # median and 10th percentile: on a busy machine the low end is the steadier figure
        results[name] = [round(statistics.median(times), 3), round(times[len(times) // 10], 3)]
    print(json.dumps({"load": round(os.getloadavg()[0], 2), **results}))


def _profile(client, path, headers, requests: int) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for n in range(requests):
        client.get(path.format(n=f"p{n}"), headers=headers)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    print(out.getvalue())


if __name__ == "__main__":
    main()
