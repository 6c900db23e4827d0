#!/usr/bin/env bash
# `make run`: set up, migrate, load the demo county, then serve web + websockets, a Celery worker and
# beat together on the embedded default (SpatiaLite + a local Redis). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p var

# Local serving: no DEBUG tracebacks, plain http on localhost, a secret kept in var/.
[ -f var/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key
export SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key)}"
export DEBUG="${DEBUG:-0}" HTTPS="${HTTPS:-0}"
export GOVGRID_PORT="${PORT:-8000}"

REDIS_PID=""
cleanup() { [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true; }
trap cleanup EXIT
if [ -n "${REDIS_URL:-}" ]; then
  redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 || { echo "REDIS_URL=$REDIS_URL does not answer." >&2; exit 1; }
elif redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6379}" ping >/dev/null 2>&1; then
  export REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-6379}/0"
else
  echo "==> Starting a local Redis on port ${REDIS_PORT:-6379}"
  redis-server --bind 127.0.0.1 --port "${REDIS_PORT:-6379}" --save "" --appendonly no --dir var \
    --logfile var/redis.log &
  REDIS_PID=$!
  for _ in $(seq 50); do redis-cli -p "${REDIS_PORT:-6379}" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-6379}/0"
fi

M=".venv/bin/python manage.py"
$M migrate --noinput
$M compilemessages --ignore=.venv -v 0
$M collectstatic --noinput -v 0
$M seed_demo --if-empty

cat <<MSG

  GovGrid is running:  http://127.0.0.1:${GOVGRID_PORT}/
  Command center: /dashboard/  API docs: /api/docs/  Admin: /admin/  Health: /healthz
  Demo logins (password govgrid-demo): admin, center, dayan, worker, clerk, party, member
  A living demo: run "make simulate" in another terminal.
  Ctrl-C stops web, worker, beat$( [ -n "$REDIS_PID" ] && echo " and Redis").

MSG
.venv/bin/honcho start -f Procfile
