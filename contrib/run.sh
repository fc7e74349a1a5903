#!/bin/bash
# contrib/run.sh: the run command. Installs what is needed, builds, and runs connectord in the
# foreground with embedded defaults for development:
#   - PostgreSQL: a private cluster under .state/pg (unless DATABASE_CONNECTION_STRING is set)
#   - Backbone:   the local development Backbone (connector-backbone-dev) on 127.0.0.1 (unless
#                 transportLibrary__baseUrl is set or a config file names one)
#   - HTTP API:   http://localhost:${PORT:-8080}, API key from API_KEY (generated and printed if unset)
# Extra arguments are passed to connectord (e.g. --config my.json). Ctrl-C stops everything.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state="$top/.state"
mkdir -p "$state"

./contrib/install-deps.sh
if [ ! -x build/connectord ] || [ -n "$(find configure.ac Makefile.am -newer build/Makefile 2>/dev/null)" ]; then
	autoreconf -fi
	mkdir -p build
	(cd build && ../configure -q)
fi
make -C build -j"$(nproc)" >/dev/null

export CONNECTOR_LIBEXEC_DIR="$top/build"
export CONNECTOR_DEFAULT_CONFIG="$top/etc/default.json"
export CONNECTOR_SQL_DIR="$top/sql"
[ -d contrib/docs-ui/node_modules/swagger-ui-dist ] || npm ci --prefix contrib/docs-ui --no-audit --no-fund >/dev/null
export CONNECTOR_DOCS_UI_DIR="$top/contrib/docs-ui/node_modules/swagger-ui-dist"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${own_pg:-}" ] && ./contrib/pg-private.sh stop "$state/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

if [ -z "${DATABASE_CONNECTION_STRING:-}" ]; then
	own_pg=1
	admin=$(./contrib/pg-private.sh start "$state/pg")
	for db in connector backbone_dev; do
		psql "$admin" -qtAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
			psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
	done
	export DATABASE_CONNECTION_STRING="${admin/dbname=postgres/dbname=connector}"
	backbone_db="${admin/dbname=postgres/dbname=backbone_dev}"
else
	backbone_db="$DATABASE_CONNECTION_STRING"
fi

configured_base_url=${transportLibrary__baseUrl:-}
if [ -z "$configured_base_url" ] && [ -x build/connector-backbone-dev ]; then
	client_id=${PLATFORM_CLIENT_ID:-test}
	client_secret=${PLATFORM_CLIENT_SECRET:-test}
	build/connector-backbone-dev --listen 127.0.0.1:${BACKBONE_PORT:-0} --database "$backbone_db" \
		--client "$client_id:$client_secret" --address-domain localhost >"$state/backbone.out" &
	pids+=("$!")
	base_url=""
	for _ in $(seq 1 100); do
		base_url=$(grep -o 'http://[^ ]*' "$state/backbone.out" 2>/dev/null | head -n 1 || true)
		[ -n "$base_url" ] && break
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$base_url" ] || { echo "the local Backbone did not start" >&2; exit 1; }
	export transportLibrary__baseUrl="$base_url" PLATFORM_CLIENT_ID="$client_id" PLATFORM_CLIENT_SECRET="$client_secret"
	echo "local Backbone: $base_url (client $client_id)"
fi

if [ -z "${API_KEY:-}" ]; then
	API_KEY=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
	echo "API key (X-API-KEY): $API_KEY"
fi
export API_KEY
export infrastructure__httpServer__port="${PORT:-${infrastructure__httpServer__port:-8080}}"
export supervisor__runtimeDirectory="${supervisor__runtimeDirectory:-$state/run}"
# New events arrive through the Backbone's SSE stream (set modules__sse__enabled=false to turn it off).
export modules__sse__enabled="${modules__sse__enabled:-true}"
echo "Connector: http://localhost:$infrastructure__httpServer__port (health: /health)"
build/connectord "$@" &
pids+=("$!")
wait "${pids[-1]}"
