"""Structured request logs: one JSON line per request, with no personal data in it.

Only the method, the path (ids, never query values: those can hold emails or phones), the
names of the query parameters, status, duration, user id and request id are written. It is
the only request log: the development server's own access lines are dropped.
"""

import json
import logging
import time

from flask import Flask, g, request

from backoffice.audit.context import request_actor
from backoffice.logfilters import ACCESS_LINES, PERSONAL_DATA, add_filter

log = logging.getLogger("backoffice.requests")


def init_request_log(app: Flask) -> None:
    log.setLevel(logging.INFO)  # even when a handler was attached first (a test's capture)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    # Werkzeug's development server (`make run`) and Flask's own error log.
    add_filter(["werkzeug"], ACCESS_LINES)
    add_filter(["werkzeug", app.logger], PERSONAL_DATA)

    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        # Each read through a proxy costs ~20 plain ones: the objects are taken once.
        req, state = request._get_current_object(), g._get_current_object()
        started = state.get("request_started")
        if started is None or req.endpoint == "static":
            return response
        user = request_actor()
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": req.method,
                    "path": req.path,
                    "query_keys": sorted(set(req.args.keys())),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": user.id if user else None,
                    "request_id": state.get("request_id"),
                }
            )
        )
        return response
