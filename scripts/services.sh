#!/usr/bin/env bash
# Start the local PostgreSQL and Redis when they are down, and wait until both answer.
# For CI and for a developer who wants the production shape locally (see README).
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
WAIT_S=${WAIT_S:-30}

wait_for() {  # wait_for NAME COMMAND...
  local name=$1; shift
  for _ in $(seq "$WAIT_S"); do
    if "$@" >/dev/null 2>&1; then echo "$name is up."; return 0; fi
    sleep 1
  done
  echo "$name did not come up within ${WAIT_S} s." >&2
  return 1
}

if ! pg_isready -h "$PGHOST" -p "$PGPORT" >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Starting PostgreSQL $version..."
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
wait_for PostgreSQL pg_isready -h "$PGHOST" -p "$PGPORT"

if ! redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "Starting Redis..."
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no
fi
wait_for Redis redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping
