#!/bin/bash
# contrib/test.sh: the test command. On a fresh Debian 12 machine it installs what is needed, builds
# the Connector twice (plain, checked by `make distcheck`; and with ASan+UBSan), starts the servers the
# tests need (a private PostgreSQL cluster; later RabbitMQ, Redis, Mosquitto, the Pub/Sub emulator),
# runs every suite and ends with one line "N passed, M failed" summing them all.
# Exit status: 0 only when nothing failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-$(nproc)}
state="$top/.state/test"
logs="$state/logs"
rm -rf "$logs"
mkdir -p "$logs"

say() { printf '== %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; echo "0 passed, 1 failed"; exit 1; }

say "installing packages"
./contrib/install-deps.sh >"$logs/install.log" 2>&1 || { tail -n 30 "$logs/install.log"; die "package installation failed"; }

# npm packages pinned by lock files: the official runtime and SDK as peers and clients.
for pkg in tests/interop tests/sdk; do
	[ -f "$pkg/package-lock.json" ] || continue
	say "installing the pinned npm packages of $pkg"
	npm ci --prefix "$pkg" --no-audit --no-fund >"$logs/npm-${pkg##*/}.log" 2>&1 ||
		{ tail -n 30 "$logs/npm-${pkg##*/}.log"; die "npm ci in $pkg failed"; }
done
say "installing the vendored API docs UI"
npm ci --prefix contrib/docs-ui --no-audit --no-fund >"$logs/npm-docs-ui.log" 2>&1 ||
	{ tail -n 30 "$logs/npm-docs-ui.log"; die "npm ci (contrib/docs-ui) failed"; }
# distcheck's tests and make install find the npm packages here
export CONNECTOR_NPM_MODULES="$top/contrib/docs-ui/node_modules"

say "generating the build system"
autoreconf -fi >"$logs/autoreconf.log" 2>&1 || { cat "$logs/autoreconf.log"; die "autoreconf failed"; }

say "starting a private PostgreSQL cluster"
pgdir="$state/pg"
./contrib/pg-private.sh stop "$pgdir" >/dev/null 2>&1
rm -rf "$pgdir"
CONNECTOR_TEST_DATABASE=$(./contrib/pg-private.sh start "$pgdir") || die "PostgreSQL did not start"
export CONNECTOR_TEST_DATABASE
brokers="$state/brokers"
cleanup() {
	./contrib/testservers.sh stop "$brokers" >/dev/null 2>&1
	./contrib/pg-private.sh stop "$pgdir" >/dev/null 2>&1
}
trap cleanup EXIT

say "starting RabbitMQ, Redis, Mosquitto and the Pub/Sub emulator"
./contrib/testservers.sh stop "$brokers" >/dev/null 2>&1
rm -rf "$brokers"
./contrib/testservers.sh start "$brokers" >"$logs/testservers.log" 2>&1 ||
	{ tail -n 30 "$logs/testservers.log"; die "the test servers did not start"; }
# shellcheck disable=SC1091
. "$brokers/env.sh"

# run_check NAME BUILDDIR CONFIGURE-ARGS...: configure, build and `make check` one build tree.
run_check() {
	local name=$1 dir=$2
	shift 2
	say "$name: configure $*"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@") >"$logs/$name-configure.log" 2>&1 ||
		{ tail -n 30 "$logs/$name-configure.log"; echo "# FAIL: 1" >"$logs/$name-check.log"; return 1; }
	say "$name: build"
	make -C "$dir" -j"$jobs" >"$logs/$name-build.log" 2>&1 ||
		{ grep -E 'error|Error' "$logs/$name-build.log" | head -n 40; echo "# FAIL: 1" >"$logs/$name-check.log"; return 1; }
	say "$name: make check"
	make -C "$dir" -j"$jobs" check >"$logs/$name-check.log" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS|XFAIL):' "$logs/$name-check.log" | grep -v '^PASS' | head -n 60
	grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$logs/$name-check.log"
	if [ $rc -ne 0 ]; then
		find "$dir" -name '*.log' -newer "$logs/$name-build.log" -print0 | xargs -0 -r grep -lE '^(not ok|Bail out)' 2>/dev/null | head -n 10 | while read -r f; do
			echo "---- $f"
			grep -B2 -A12 -E '^(not ok|Bail out)' "$f" | head -n 60
		done
	fi
	return $rc
}

run_check asan "$top/build-asan" --enable-sanitizers
asan_rc=$?

say "plain build: make distcheck"
mkdir -p "$top/build"
(cd "$top/build" && "$top/configure" -q) >"$logs/plain-configure.log" 2>&1
env -u CONNECTOR_TEST_DATABASE make -C "$top/build" -j"$jobs" distcheck >"$logs/distcheck.log" 2>&1
dist_rc=$?
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$logs/distcheck.log"
[ $dist_rc -eq 0 ] || { tail -n 40 "$logs/distcheck.log"; echo "# FAIL: 1" >>"$logs/distcheck.log"; }

# The quick start's run command: it must come up healthy (private PostgreSQL + local Backbone).
say "quick start: contrib/run.sh answers /health"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$port timeout 600 ./contrib/run.sh >"$logs/run.log" 2>&1 &
runpid=$!
quick_ok=0
for _ in $(seq 1 300); do
	if curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
		quick_ok=1
		break
	fi
	kill -0 "$runpid" 2>/dev/null || break
	sleep 1
done
kill "$runpid" 2>/dev/null
wait "$runpid" 2>/dev/null
if [ $quick_ok -eq 1 ]; then echo "PASS: quick start"; else echo "FAIL: quick start"; tail -n 30 "$logs/run.log"; fi

sum() { cat "$logs/asan-check.log" "$logs/distcheck.log" 2>/dev/null | awk -v k="$1" '$1=="#" && $2==k":" {n+=$3} END {print n+0}'; }
passed=$(( $(sum PASS) + quick_ok ))
failed=$(( $(sum FAIL) + $(sum ERROR) + 1 - quick_ok ))
skipped=$(sum SKIP)
if [ $asan_rc -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
