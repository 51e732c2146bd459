"""Structured request logs: one JSON line per request, with no personal data in it.

Only the method, the path (ids, never query values: those can hold emails or phones), the
names of the query parameters, status, duration, user id and request id are written.
"""

import json
import logging
import time

from flask import Flask, g, request

from backoffice.audit.context import request_actor

log = logging.getLogger("backoffice.requests")


def init_request_log(app: Flask) -> None:
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        if started is None or request.endpoint == "static":
            return response
        user = request_actor()
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "query_keys": sorted(set(request.args.keys())),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": user.id if user else None,
                    "request_id": g.get("request_id"),
                }
            )
        )
        return response
