#!/usr/bin/env bash
# The production stack's edge without Docker: gunicorn (cms.wsgi, production settings) on
# PostgreSQL and Redis, and varnishd with deploy/varnish/default.vcl in front of it.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub REDIS_URL=redis://127.0.0.1:6379/0 \
#     deploy/edge-local.sh            # or: make edge
#
# Visitors use http://127.0.0.1:$EDGE_PORT/ (Varnish); gunicorn listens on $APP_PORT. Only
# the VCL's backend host and port are changed (to 127.0.0.1:$APP_PORT); its purge ACL
# already holds 127.0.0.1, where the app's purges come from. Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
: "${REDIS_URL:?set REDIS_URL to a Redis database}"
APP_PORT="${APP_PORT:-8000}"
EDGE_PORT="${EDGE_PORT:-8080}"
# gunicorn's processes: gunicorn.conf.py's (one per core) unless WORKERS is set.
WORKERS="${WORKERS:-}"
VARNISH_SIZE="${VARNISH_SIZE:-256m}"
VARNISHD="$(command -v varnishd || echo /usr/sbin/varnishd)"
[ -x "$VARNISHD" ] || { echo "varnishd not found: apt-get install varnish" >&2; exit 1; }

export DJANGO_SETTINGS_MODULE=cms.settings.production
export SECRET_KEY="${SECRET_KEY:-local-edge-only-$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SECURE_COOKIES="${SECURE_COOKIES:-false}"
export EDGE_CACHE_URL="http://127.0.0.1:$EDGE_PORT"
# Varnish appends the visitor's address to X-Forwarded-For.
export TRUSTED_PROXY_COUNT="${TRUSTED_PROXY_COUNT:-1}"

PYTHON=".venv/bin/python"
"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput >/dev/null

work="$(mktemp -d)"
sed -e "0,/\.host = \"[^\"]*\";/s//.host = \"127.0.0.1\";/" \
    -e "0,/\.port = \"[^\"]*\";/s//.port = \"$APP_PORT\";/" \
    deploy/varnish/default.vcl >"$work/edge.vcl"

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT INT TERM

.venv/bin/gunicorn cms.wsgi:application --bind "127.0.0.1:$APP_PORT" \
  ${WORKERS:+--workers "$WORKERS"} --access-logfile - &
pids+=($!)
"$VARNISHD" -F -j none -n "$work/varnish" -a "127.0.0.1:$EDGE_PORT" -f "$work/edge.vcl" \
  -s "malloc,$VARNISH_SIZE" -p default_ttl=0 -p default_grace=0 &
pids+=($!)
echo "Alliance Hub through Varnish: http://127.0.0.1:$EDGE_PORT/ (gunicorn: $APP_PORT)"
wait -n
