"""Housekeeping sweeps: each feature registers a function ``(now) -> how many`` under a name
saying what it did (old draft jobs deleted and lost jobs queued again here, expired access
packages deleted in privacy/); the worker's periodic task and
``flask jobs sweep`` run them all. ``now`` is a parameter so that tests move the clock."""

import logging
from collections.abc import Callable
from datetime import datetime

from backoffice.extensions import db
from backoffice.jobs import service
from backoffice.types import utcnow

log = logging.getLogger(__name__)

Sweep = Callable[[datetime], int]
SWEEPS: dict[str, Sweep] = {}


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Register ``function`` as the sweep ``name``."""

    def register(function: Sweep) -> Sweep:
        SWEEPS[name] = function
        return function

    return register


class SweepFailed(RuntimeError):
    """One sweep or more failed (each is logged); the others ran."""


def run_sweeps(now: datetime | None = None) -> dict[str, int]:
    """Run every sweep at ``now`` (default: the real clock); one failing stops no other."""
    now = now or utcnow()
    counts, failed = {}, []
    for name, function in SWEEPS.items():
        try:
            counts[name] = function(now)
        except Exception:
            db.session.rollback()
            log.exception("housekeeping sweep %r failed", name)
            failed.append(name)
    if failed:
        raise SweepFailed(f"sweeps failed: {', '.join(failed)} (the log has why)")
    return counts


sweep("draft jobs deleted")(service.purge_drafts)
sweep("lost jobs queued again")(service.requeue_lost)
