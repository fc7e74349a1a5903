#!/bin/sh
# contrib/pg-private.sh: a private PostgreSQL cluster in a folder, reachable only through a unix
# socket in that folder (no TCP port, so any number of clusters can run side by side).
#   pg-private.sh start DIR   initialises DIR on first use, starts the server, prints the libpq
#                             connection string (to the "postgres" database, superuser "postgres")
#   pg-private.sh stop DIR    fast shutdown
#   pg-private.sh url DIR     prints the connection string only
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
url() { echo "host=$dir/socket port=5432 user=postgres dbname=postgres"; }
case "$cmd" in
start)
	if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	fi
	as_owner mkdir -p "$dir/socket"
	if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p 5432 -k $dir/socket -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
	fi
	url
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
url) url ;;
*) echo "usage: $0 start|stop|url DIR" >&2; exit 2 ;;
esac
