#!/bin/sh
# bench/crypto/run.sh: builds bench_crypto optimised (no sanitizers) from the source tree, runs it
# and prints operations per second of the per-message crypto of the Connector beside raw libsodium
# AEAD, with the ratio raw/lib (how many times more raw AEAD operations fit in one library
# operation). Usage: bench/crypto/run.sh [seconds per measurement, default 0.5]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-0.5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib" -o "$tmp/bench_crypto" \
	"$top/bench/crypto/bench_crypto.c" "$top/lib/base64.c" "$top"/lib/crypto/*.c \
	$(pkg-config --cflags --libs libsodium json-c)
echo "libsodium $(pkg-config --modversion libsodium), $(nproc) cores shared, ${secs}s per measurement"
"$tmp/bench_crypto" "$secs" | awk '
{ v[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
END {
	printf "%-8s %-10s %14s %18s %14s %10s %10s\n", "payload", "direction", "raw AEAD op/s", "raw AEAD+Ed25519", "library op/s", "raw/lib", "(raw+sig)/lib"
	for (i = 0; i < n; i++) {
		s = order[i]; label = s >= 1048576 ? (s / 1048576) " MiB" : (s / 1024) " KiB"
		printf "%-8s %-10s %14.0f %18.0f %14.0f %10.2f %10.2f\n", label, "send", v[s, "raw_aead_encrypt"], v[s, "raw_aead_encrypt+sign"], v[s, "lib_send"], v[s, "raw_aead_encrypt"] / v[s, "lib_send"], v[s, "raw_aead_encrypt+sign"] / v[s, "lib_send"]
		printf "%-8s %-10s %14.0f %18.0f %14.0f %10.2f %10.2f\n", label, "receive", v[s, "raw_aead_decrypt"], v[s, "raw_aead_decrypt+verify"], v[s, "lib_receive"], v[s, "raw_aead_decrypt"] / v[s, "lib_receive"], v[s, "raw_aead_decrypt+verify"] / v[s, "lib_receive"]
	}
	print "send = Ed25519 sign + fresh key + XChaCha20 encrypt of payload and key (counter state) + toBase64 forms;"
	print "receive = parse both toBase64 forms + decrypt key and payload + verify. raw/lib: lower is less overhead."
}'
