#!/bin/sh
# The scale benchmark in one command: builds the data set (1,000,000 customers, 3,000,000 orders;
# skipped with --no-build), then every page case beside its raw SQL, the filter x ordering
# EXPLAIN sweep, the CSV export, and on PostgreSQL the gunicorn + wrk load test.
#
#   bench/run.sh postgresql://postgres@127.0.0.1:5432/bench
#   bench/run.sh sqlite:////tmp/bench.sqlite3 [--no-build]
#
# The database named is WIPED when building. Not part of the test suite.
set -eu
cd "$(dirname "$0")/.."
URL=${1:?usage: bench/run.sh DATABASE_URL [--no-build]}
PY=.venv/bin/python
echo "$(date -u +%FT%TZ)  $(nproc) CPUs  $(free -g | awk '/Mem:/ {print $2}') GB"
[ "${2:-}" = "--no-build" ] || $PY bench/dataset.py --database-url "$URL" 2>&1 | grep -v '^INFO'
$PY bench/pages.py --database-url "$URL"
$PY bench/explain.py --database-url "$URL"
$PY bench/export.py --database-url "$URL"
case "$URL" in postgres*) bench/load.sh "$URL" ;; esac
