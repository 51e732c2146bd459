"""gunicorn's settings, read from the project directory (``gunicorn wsgi:app`` run here).

Refuses several workers sharing a per-process sign-in throttle in production, and keeps
customers' data out of gunicorn's logs: no query strings, no database values; each worker
freezes what start-up made out of the garbage collector's full passes.
"""

import gc
import os

from backoffice.config import shared_throttle_problem
from backoffice.logfilters import PERSONAL_DATA, add_filter

# Only with --access-logfile: the request line without its query string (%(U)s is the path;
# the default's %(r)s and the referer %(f)s carry query strings, e.g. ?q=<email>).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


def on_starting(server) -> None:
    add_filter([server.log.error_log, server.log.access_log], PERSONAL_DATA)
    problem = shared_throttle_problem(server.cfg.workers, os.environ)
    if problem is None:
        return
    if (os.environ.get("BACKOFFICE_ENV") or "production") == "development":
        server.log.warning("Sign-in throttle: %s", problem)
        return
    raise RuntimeError(f"Refusing to start. {problem}")


def post_worker_init(worker) -> None:
    # The app is loaded: move everything start-up made (modules, the URL map, templates,
    # catalogs) out of the collector's sight, so its full passes walk only what requests make
    # (without this, a ~90 ms full pass about every 300 requests).
    gc.freeze()
