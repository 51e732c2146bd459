"""Worker CPU per request under wrk, beside two floors served by the same gunicorn.

The project (gunicorn wsgi:app) and bench/floor.py (gunicorn bench.floor:app) run side by
side with the same config file and worker count, on PostgreSQL and Redis. For each case wrk
loads one server for a while; the CPU seconds its workers used (utime + stime of
/proc/<pid>/stat, before and after) divided by the requests answered is the figure. Floors:
``fixed`` (Flask answering a fixed JSON body) and ``raw-own`` (Flask running the statements
the project's request sent, through psycopg with no ORM). Rounds alternate the servers case by
case; medians of the rounds are printed. Run bench/dataset.py first.

    .venv/bin/python bench/cpu.py --database-url postgresql://postgres@127.0.0.1:5432/bench
"""

import argparse
import http.cookiejar
import logging
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pages import PASSWORD, _prepare, _record  # noqa: E402

from backoffice import create_app  # noqa: E402
from backoffice.extensions import db  # noqa: E402

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
TICKS = os.sysconf("SC_CLK_TCK")
APP_PORT, FLOOR_PORT = 8771, 8772
# The browser of the signed-in cases: the one that signed in. Flask-Login's session protection
# hashes the address and User-Agent into the session; a request from another agent (wrk sends
# none) would be marked not fresh and its session cookie written anew, every request.
USER_AGENT = "bench (one browser)"


def cases(customer: str) -> list[tuple[str, str, str]]:
    """(name, authentication, path)."""
    return [
        ("API detail", "token", f"/api/v1/customers/{customer}/"),
        ("API list page 1", "token", "/api/v1/customers/"),
        ("HTML detail", "session", f"/customers/{customer}/"),
        ("HTML list", "session", "/customers/"),
        ("no-token 401", "none", "/api/v1/customers/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="only the cases whose name has this text")
    args = parser.parse_args()
    token, customer, statements = _record_cases(args.database_url)
    chosen = [c for c in cases(customer) if args.only.lower() in c[0].lower()]
    with tempfile.TemporaryDirectory() as tmp:
        pickled = Path(tmp) / "statements.pickle"
        pickled.write_bytes(pickle.dumps(statements))
        env = _environment(args.database_url, pickled)
        servers = [
            _serve("wsgi:app", APP_PORT, args.workers, env),
            _serve("bench.floor:app", FLOOR_PORT, args.workers, env),
        ]
        try:
            cookie = _sign_in(APP_PORT)
            headers = {
                "token": [f"Authorization: Token {token}"],
                "session": [f"Cookie: {cookie}", f"User-Agent: {USER_AGENT}"],
            }
            results = _run(args, chosen, servers, headers)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    _report(args, chosen, results)


def _record_cases(url: str) -> tuple[str, str, dict]:
    """A token, a customer id and each case's statements, recorded in this process."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})  # fmt: skip
    logging.getLogger("backoffice.requests").handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    with app.app_context():
        token, values = _prepare()
        engine = db.engine
    api, html = app.test_client(), app.test_client()
    html.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    statements = {}
    for name, auth, path in cases(values["customer"]):
        client, extra = (html, {}) if auth == "session" else (api, {})
        if auth == "token":
            extra = {"Authorization": f"Token {token}"}
        client.get(path, headers=extra)  # warm: statements of a first request differ
        statements[_key(name)] = _record(engine, client, path, extra)
    with app.app_context():
        db.engine.dispose()
    return token, values["customer"], statements


def _key(name: str) -> str:
    return re.sub(r"\W+", "-", name.lower())


def _environment(url: str, pickled: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-cpu-secret-key",  # noqa: S106
        BACKOFFICE_ENV="production",
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/4"),
        BENCH_STATEMENTS=str(pickled),
    )
    return env


def _serve(target: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    command = [GUNICORN, "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", target]
    # The request log (one JSON line a request) goes to a file, as in production.
    log = open(f"/tmp/bench-cpu-{port}.log", "a")  # noqa: SIM115, S108
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=log)  # noqa: S603
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/fixed", timeout=1)
        except urllib.error.HTTPError:
            break  # the app answers (404): up
        except OSError:
            time.sleep(0.2)
            continue
        break
    while len(_workers(server.pid)) < workers:
        time.sleep(0.2)
    return server


def _sign_in(port: int) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "email": "bench@example.com", "password": PASSWORD}
    opener.open(f"http://127.0.0.1:{port}/login", urllib.parse.urlencode(form).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def _measure(args, server, port: int, path: str, header: list[str] | None) -> tuple[float, float]:
    """(worker CPU ms per request, requests per second) of one wrk run."""
    pids = _workers(server.pid)
    before = _cpu_seconds(pids)
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s"]
    for line in header or ():
        command += ["-H", line]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    used = _cpu_seconds(pids) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    if "Non-2xx" in out and "401" not in path and header:
        raise SystemExit(f"errors answering {path}:\n{out}")
    return used * 1000 / requests, rate


def _run(args, chosen, servers, headers) -> dict:
    app, floor = servers
    results: dict = {}
    for _round in range(args.rounds):
        load = os.getloadavg()[0]
        results.setdefault("load", []).append(load)
        results.setdefault("fixed", []).append(_measure(args, floor, FLOOR_PORT, "/fixed", None))
        for name, auth, path in chosen:
            header = headers.get(auth)
            results.setdefault(name, []).append(_measure(args, app, APP_PORT, path, header))
            raw = _measure(args, floor, FLOOR_PORT, f"/raw/{_key(name)}", None)
            results.setdefault(f"raw {name}", []).append(raw)
    return results


def _report(args, chosen, results) -> None:
    med = lambda runs, i=0: statistics.median(r[i] for r in runs)  # noqa: E731
    print(f"gunicorn {args.workers} sync workers, wrk -t2 -c{args.connections} "
          f"-d{args.seconds}s, {args.rounds} alternating rounds (medians); load average at "
          f"each round: {', '.join(f'{x:.2f}' for x in results['load'])}")  # fmt: skip
    fixed = med(results["fixed"])
    print(f"framework floor (fixed JSON): {fixed:.3f} ms CPU/request, "
          f"{med(results['fixed'], 1):,.0f} req/s")  # fmt: skip
    print(f"{'case':18} {'app ms':>7} {'req/s':>7} {'raw-own':>8} {'x fixed':>8} {'x raw-own':>9}")
    for name, _auth, _path in chosen:
        app, raw = med(results[name]), med(results[f"raw {name}"])
        print(f"{name:18} {app:7.3f} {med(results[name], 1):7.0f} {raw:8.3f} "
              f"{app / fixed:8.2f} {app / raw:9.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
