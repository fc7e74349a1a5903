#!/bin/sh
# contrib/install-deps.sh: installs every Debian 12 package needed to build, run and test the
# Connector. Idempotent; skips apt when everything is present already.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config autoconf-archive
libevent-dev libcurl4-openssl-dev libjson-c-dev libnng-dev librabbitmq-dev libhiredis-dev
libpaho-mqtt-dev libpq-dev libsodium-dev libssl-dev
postgresql postgresql-client
rabbitmq-server redis-server redis-tools mosquitto mosquitto-clients amqp-tools
wrk clang-format valgrind curl ca-certificates procps iproute2"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js comes with the image on some machines (with its own npm); take Debian's otherwise.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
