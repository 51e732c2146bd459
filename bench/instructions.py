"""Instructions per request of bench/cpu.py's cases and its fixed-JSON floor, under valgrind's
callgrind: noise-free on a shared machine where CPU time is not.

Each case runs in a fresh process under callgrind: the app built as gunicorn's workers have
it (production settings from the environment, CSRF and the limiter on, the request log written
to /dev/null, ``gc.freeze()`` after start-up), a warm-up, then ``--requests`` requests between
two calls of ``os.getppid()``, where callgrind dumps its counts (``--dump-before``): the second
dump holds the requests alone. Requests are WSGI calls with a prebuilt environ (gunicorn's own
work is left out, for the floor app alike).

    .venv/bin/python bench/instructions.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/instructions.py --database-url ... --only "API detail" --keep /tmp/cg

The database gets a bench user and a token (bench/pages.py's); use a copy you may write to.
``--keep`` leaves the callgrind files there (callgrind_annotate reads them); ``--profile CASE``
runs that case's requests under cProfile (CPU clock) in this process instead.
"""

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-instructions-secret-key"  # noqa: S105
# The signed-in cases' browser, the one that signed in (see bench/cpu.py's USER_AGENT).
USER_AGENT = "bench (one browser)"


def cases(customer: str) -> list[tuple[str, str, str]]:
    """(name, authentication, path), as bench/cpu.py's, and the floor."""
    return [
        ("fixed floor", "floor", "/fixed"),
        ("no-token 401", "none", "/api/v1/customers/"),
        ("API detail", "token", f"/api/v1/customers/{customer}/"),
        ("API list page 1", "token", "/api/v1/customers/"),
        ("HTML detail", "session", f"/customers/{customer}/"),
        ("HTML list", "session", "/customers/"),
    ]


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "FLASK_DEBUG")}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET_KEY,
        BACKOFFICE_ENV="production",
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/4"),
        PYTHONHASHSEED="0",
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--only", default="", help="only the cases whose name has this text")
    parser.add_argument("--keep", default="", help="a directory for the callgrind files")
    parser.add_argument("--profile", default="", help="cProfile this case instead (CPU clock)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    env = environment(args.database_url)
    os.environ.update(env)
    token, customer, cookie = _prepare()
    keep = Path(args.keep or tempfile.mkdtemp(prefix="instructions-"))
    keep.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, auth, path in cases(customer):
        if args.only.lower() not in name.lower():
            continue
        headers = {
            "token": {"Authorization": f"Token {token}"},
            "session": {"Cookie": cookie, "User-Agent": USER_AGENT},
        }
        job = {"auth": auth, "path": path, "headers": headers.get(auth, {}), "warmup": args.warmup}
        if args.profile:
            if args.profile == name:
                _child({**job, "requests": args.requests, "profile": True})
            continue
        out = keep / f"{_slug(name)}.callgrind"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += ["--dump-before=os_getppid"]  # the child's marks around its requests
        command += [sys.executable, __file__, "--database-url", args.database_url]
        command += ["--child", json.dumps({**job, "requests": args.requests})]
        subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603
        # dump 1: start-up and warm-up; dump 2: the requests alone
        results[name] = round(_total(Path(f"{out}.2")) / args.requests / 1e6, 3)
        print(f"{name:18} {results[name]:7.3f} M instructions/request", flush=True)
    print(json.dumps({"load": round(os.getloadavg()[0], 2), "M instructions": results}))


def _prepare() -> tuple[str, str, str]:
    """A token, a customer id and a signed-in session cookie (signed in through the form)."""
    from bench.pages import PASSWORD
    from bench.pages import _prepare as prepare_data

    app = _app()
    with app.app_context():
        token, values = prepare_data()
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "email": "bench@example.com", "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    # A browser's next page stores the session's CSRF secret (signing in starts a new
    # session): without it every measured request would add one and save the cookie anew.
    assert client.get("/").status_code == 200
    cookie = client.get_cookie("session")
    with app.app_context():
        from backoffice.extensions import db

        db.engine.dispose()
    return token, values["customer"], f"session={cookie.value}"


def _app():
    import logging

    from backoffice import create_app

    app = create_app()
    for handler in logging.getLogger("backoffice.requests").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    return app


def _child(job: dict) -> None:
    from werkzeug.test import EnvironBuilder

    if job["auth"] == "floor":
        from bench.floor import app
    else:
        app = _app()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init
    base = EnvironBuilder(
        path=job["path"], base_url="http://127.0.0.1:8771", headers=job["headers"]
    ).get_environ()
    base["REMOTE_ADDR"] = "127.0.0.1"
    expected = {"floor": "200", "none": "401"}.get(job["auth"], "200")
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def request() -> None:
        environ = dict(base, **{"wsgi.input": io.BytesIO()})
        body = app(environ, start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()

    for _ in range(job["warmup"]):
        request()
    assert all(s.startswith(expected) for s in statuses), (job["path"], set(statuses))
    if job.get("profile"):
        _profile(request, job["requests"])
        return
    os.getppid()  # callgrind dumps here (--dump-before=os_getppid): the requests start
    for _ in range(job["requests"]):
        request()
    os.getppid()
    sys.stdout.flush()
    os._exit(0)  # the same exit for both runs, nothing torn down


def _profile(request, requests: int) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(70)
    stats.sort_stats("tottime").print_stats(50)
    if os.environ.get("BENCH_CALLERS"):
        stats.print_callers(os.environ["BENCH_CALLERS"])
    if os.environ.get("BENCH_PROFILE_OUT"):
        stats.dump_stats(os.environ["BENCH_PROFILE_OUT"])


def _slug(name: str) -> str:
    return re.sub(r"\W+", "-", name.lower())


def _total(path: Path) -> int:
    text = path.read_text(errors="replace")
    found = re.search(r"^(?:totals|summary): (\d+)", text, re.MULTILINE)
    return int(found.group(1))


if __name__ == "__main__":
    main()
