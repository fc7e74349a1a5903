#!/bin/bash
# contrib/testservers.sh: private message brokers for tests and benchmarks, without systemd.
#
#   testservers.sh start DIR [SERVICE...]   start (default: all of amqp redis mqtt pubsub); prints
#                                           the export lines, also written to DIR/env.sh
#   testservers.sh stop  DIR [SERVICE...]   stop (default: all), each by its pid
#   testservers.sh env   DIR                print the export lines of what runs
#
# SERVICE: amqp (RabbitMQ), redis, mqtt (Mosquitto), pubsub (Google Pub/Sub emulator).
# Every file (data, logs, pids, ports) stays under DIR. Ports are free loopback ports picked at the
# first start of a service and kept in DIR/<service>/port, so a restart (chaos tests) listens on
# the same address. Variables exported for the tests:
#   CONNECTOR_TEST_AMQP_URL   amqp://guest:guest@127.0.0.1:<port>
#   CONNECTOR_TEST_REDIS_URL  redis://127.0.0.1:<port>
#   CONNECTOR_TEST_MQTT_URL   mqtt://127.0.0.1:<port>
#   PUBSUB_EMULATOR_HOST      127.0.0.1:<port>
#   CONNECTOR_TEST_SERVERS_DIR  DIR (tests stop and start services with this script)
# TESTSERVERS_REDIS_PERSIST=1 makes Redis keep its data across a restart (append-only file, fsync
# always), for chaos tests that stop and start it.
# Typical use:  eval "$(contrib/testservers.sh start .state/brokers)"; ...; contrib/testservers.sh stop .state/brokers
set -u
ALL="amqp redis mqtt pubsub"
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
	echo "usage: $0 start|stop|env DIR [amqp|redis|mqtt|pubsub ...]" >&2
	exit 2
fi
shift 2
services=${*:-$ALL}
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) && chmod 755 "$dir"

waitgone() { # a daemon re-parented to init stays a zombie for a moment
	for _ in $(seq 1 300); do
		[ -e "/proc/$1" ] || return 0
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.05
	done
	echo "process $1 did not stop" >&2
	return 1
}
waitport() {
	for _ in $(seq 1 "${2:-600}"); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "port $1 never opened" >&2
	return 1
}
freeport() { # a loopback port nobody listens on and that no other service of DIR uses
	local p used
	used=$(ss -ltnH 2>/dev/null | awk '{print $4}' | sed 's/.*://'; cat "$dir"/*/port "$dir"/*/port2 "$dir"/*/port3 2>/dev/null)
	while :; do
		p=$((20000 + RANDOM % 40000))
		echo "$used" | grep -qx "$p" || { echo "$p"; return; }
	done
}
port_of() { # port_of SERVICE [FILE]: the remembered port, picked on first use
	local f="$dir/$1/${2:-port}"
	mkdir -p "$dir/$1"
	[ -s "$f" ] || freeport >"$f"
	cat "$f"
}
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null)" != Z ]; }
stop_pidfile() {
	[ -s "$1" ] || return 0
	local p
	p=$(cat "$1")
	kill -TERM "$p" 2>/dev/null && waitgone "$p"
	rm -f "$1"
}

start_redis() {
	local d="$dir/redis" port
	port=$(port_of redis)
	pid_alive "$d/redis.pid" && return 0
	local persist="--appendonly no"
	[ "${TESTSERVERS_REDIS_PERSIST:-0}" = 1 ] && persist="--appendonly yes --appendfsync always"
	# shellcheck disable=SC2086
	redis-server --port "$port" --bind 127.0.0.1 --save '' $persist --dir "$d" \
		--pidfile "$d/redis.pid" --logfile "$d/redis.log" --daemonize yes >/dev/null || return 1
	waitport "$port" || return 1
	for _ in $(seq 1 100); do [ -s "$d/redis.pid" ] && break; sleep 0.02; done
}
stop_redis() { stop_pidfile "$dir/redis/redis.pid"; }

start_mqtt() {
	local d="$dir/mqtt" port
	port=$(port_of mqtt)
	pid_alive "$d/mosquitto.pid" && return 0
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\nlog_dest file %s\npid_file %s\n' \
		"$port" "$d/mosquitto.log" "$d/mosquitto.pid" >"$d/mosquitto.conf"
	mosquitto -c "$d/mosquitto.conf" -d 2>>"$d/stderr.log" || return 1
	waitport "$port" || return 1
	for _ in $(seq 1 100); do [ -s "$d/mosquitto.pid" ] && break; sleep 0.02; done
}
stop_mqtt() { stop_pidfile "$dir/mqtt/mosquitto.pid"; }

rabbit_env() { # rabbitmq-server and its CLI tools need the same environment
	local d="$dir/amqp" node_port dist_port epmd_port
	node_port=$(port_of amqp)
	dist_port=$(port_of amqp port2)
	epmd_port=$(port_of amqp port3)
	export HOME="$d" RABBITMQ_NODENAME="rtest@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
		RABBITMQ_NODE_PORT="$node_port" RABBITMQ_DIST_PORT="$dist_port" \
		ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1 \
		RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_PID_FILE="$d/rabbit.pid" \
		RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
		RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}
start_amqp() {
	local d="$dir/amqp" port
	port=$(port_of amqp)
	port_of amqp port2 >/dev/null
	port_of amqp port3 >/dev/null
	pid_alive "$d/rabbit.pid" && return 0
	(
		rabbit_env
		: >"$RABBITMQ_CONF_ENV_FILE"
		echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
		printf 'listeners.tcp.1 = 127.0.0.1:%s\nloopback_users.guest = true\nlog.console = false\n' \
			"$port" >"$RABBITMQ_CONFIG_FILE"
		exec setsid /usr/lib/rabbitmq/bin/rabbitmq-server >"$d/stdout.log" 2>&1 </dev/null
	) &
	waitport "$port" 900 || return 1
	for _ in $(seq 1 100); do [ -s "$d/rabbit.pid" ] && break; sleep 0.05; done
}
stop_amqp() {
	local d="$dir/amqp" epmd
	stop_pidfile "$d/rabbit.pid"
	[ -s "$d/port3" ] || return 0
	epmd=$(ss -ltnpH "sport = :$(cat "$d/port3")" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
	[ -n "$epmd" ] && kill -TERM "$epmd" 2>/dev/null && waitgone "$epmd"
	return 0
}

start_pubsub() {
	local d="$dir/pubsub" port
	port=$(port_of pubsub)
	pid_alive "$d/emulator.pid" && return 0
	JAVA_OPTS="${JAVA_OPTS:--Xmx128m -XX:+UseSerialGC}" setsid \
		/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator \
		--host=127.0.0.1 --port="$port" >"$d/emulator.log" 2>&1 </dev/null &
	echo $! >"$d/emulator.pid" # the wrapper exec's java: $! is the JVM
	waitport "$port" 600
}
stop_pubsub() { stop_pidfile "$dir/pubsub/emulator.pid"; }

print_env() {
	local f="$dir/env.sh"
	: >"$f"
	pid_alive "$dir/amqp/rabbit.pid" &&
		echo "export CONNECTOR_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:$(cat "$dir/amqp/port")" >>"$f"
	pid_alive "$dir/redis/redis.pid" && echo "export CONNECTOR_TEST_REDIS_URL=redis://127.0.0.1:$(cat "$dir/redis/port")" >>"$f"
	pid_alive "$dir/mqtt/mosquitto.pid" && echo "export CONNECTOR_TEST_MQTT_URL=mqtt://127.0.0.1:$(cat "$dir/mqtt/port")" >>"$f"
	pid_alive "$dir/pubsub/emulator.pid" && echo "export PUBSUB_EMULATOR_HOST=127.0.0.1:$(cat "$dir/pubsub/port")" >>"$f"
	echo "export CONNECTOR_TEST_SERVERS_DIR=$dir" >>"$f"
	cat "$f"
}

check_service() {
	case "$1" in
	amqp | redis | mqtt | pubsub) ;;
	*) echo "unknown service '$1' (expected amqp, redis, mqtt or pubsub)" >&2; exit 2 ;;
	esac
}
for s in $services; do check_service "$s"; done
case "$cmd" in
start)
	rc=0
	pids=()
	for s in $services; do # in parallel: RabbitMQ alone takes ~6 s
		("start_$s" || { echo "$s did not start, see $dir/$s" >&2; exit 1; }) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	print_env
	exit $rc
	;;
stop)
	for s in $services; do "stop_$s"; done
	[ "$services" = "$ALL" ] || print_env >/dev/null
	exit 0
	;;
env) print_env ;;
*)
	echo "unknown command '$cmd'" >&2
	exit 2
	;;
esac
