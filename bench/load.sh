#!/bin/sh
# Load test: gunicorn (WORKERS sync workers) on PostgreSQL, wrk on loopback, 30 s each for API
# detail and API list; prints requests/s, latency percentiles and errors (non-2xx, socket).
#
#   bench/load.sh postgresql://postgres@127.0.0.1:5432/bench [WORKERS] [CONNECTIONS] [SECONDS]
#
# Needs a data set from bench/dataset.py, wrk (Debian package) and Redis on 127.0.0.1:6379
# (Flask-Limiter's storage, shared by the workers). Not part of the test suite.
set -eu
cd "$(dirname "$0")/.."
DATABASE_URL=${1:?usage: bench/load.sh DATABASE_URL [WORKERS] [CONNECTIONS] [SECONDS]}
WORKERS=${2:-3}
CONNECTIONS=${3:-8}
SECONDS_EACH=${4:-30}
PORT=8765
export DATABASE_URL WORKERS
export SECRET_KEY=bench-load-secret-key BACKOFFICE_ENV=production
export RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379

FLASK=".venv/bin/flask --app wsgi"
$FLASK users create load@example.com --role agent --password load-password >/dev/null 2>&1 || true
TOKEN=$($FLASK users token load@example.com | tail -n 1)

# Sync workers: CPU-bound requests on 2 CPUs; gthread (WORKER_CLASS=gthread) measured slower.
WORKER_CLASS=${WORKER_CLASS:-sync}
THREADS=${THREADS:-1}
.venv/bin/gunicorn --workers "$WORKERS" --worker-class "$WORKER_CLASS" --threads "$THREADS" \
    --bind 127.0.0.1:$PORT --log-level warning wsgi:app 2>/tmp/bench-gunicorn.log &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 50); do
    curl -fs -o /dev/null -H "Authorization: Token $TOKEN" "http://127.0.0.1:$PORT/api/v1/customers/4242/" && break
    sleep 0.2
done

echo "gunicorn: $WORKERS $WORKER_CLASS workers x $THREADS threads on $(nproc) CPUs; wrk: 2 threads, $CONNECTIONS connections, ${SECONDS_EACH} s"
for path in /api/v1/customers/4242/ /api/v1/customers/; do
    echo "== GET $path"
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency \
        -H "Authorization: Token $TOKEN" "http://127.0.0.1:$PORT$path" |
        grep -E "Requests/sec|Non-2xx|Socket errors|requests in| 50%| 90%| 99%"
done
