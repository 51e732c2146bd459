"""Serving with gunicorn (a real one): the project's gunicorn.conf.py refuses a per-process
sign-in throttle shared by several workers, and its access log carries no query strings."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from backoffice import ROOT
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.slow  # real gunicorn processes: about 15 s

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
EMAIL = "planted.person@example.com"
START_TIMEOUT = 60.0


def environment(tmp_path, **overrides) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY")
    }
    env.update(
        BACKOFFICE_ENV="production",
        SECRET_KEY="gunicorn-test-secret",
        DATABASE_URL=f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}",
    )
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_several_workers_with_a_per_process_throttle_refuse_to_start(tmp_path):
    result = subprocess.run(
        [GUNICORN, "--workers", "3", "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert result.returncode == 1
    assert "RATELIMIT_STORAGE_URI" in result.stderr and "3 workers" in result.stderr
    assert "redis://" in result.stderr
    assert "Booting worker" not in result.stderr


@pytest.mark.parametrize(
    ("workers", "overrides", "warned"),
    [
        ("1", {}, False),
        ("3", {"RATELIMIT_STORAGE_URI": REDIS_URL}, False),
        ("2", {"BACKOFFICE_ENV": "development"}, True),
    ],
    ids=["one-worker", "shared-storage", "development"],
)
def test_a_shared_throttle_one_worker_or_development_starts(tmp_path, workers, overrides, warned):
    port = free_port()
    command = [GUNICORN, "--workers", workers, "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "-", "wsgi:app"]
    env = environment(tmp_path, **overrides)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        status = _get_when_up(f"http://127.0.0.1:{port}/login?next=/customers/search%3Fq%3D{EMAIL}")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=START_TIMEOUT)
    assert status == 200, err
    assert '"GET /login' in out  # the access line, without its query string
    assert EMAIL not in out and "next=" not in out
    assert ("RATELIMIT_STORAGE_URI" in err) == warned


def _get_when_up(url: str) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        try:
            with urlopen(url, timeout=max(remaining, 1)) as response:  # noqa: S310 (loopback)
                return response.status
        except OSError:  # refused until gunicorn listens; slow while its workers boot
            if remaining <= 0:
                raise
            time.sleep(0.1)  # polling the port until the workers have booted
