#!/bin/bash
# bench/run.sh  Start a release daemon, run the fan-out and REST benchmarks,
# then the router micro-benchmark (bench_router, no daemon)
#
# usage: bench/run.sh [BUILD_DIR | HOTLINE_BINARY]     (make bench)
#   BUILD_DIR (default build/release): the daemon is BUILD_DIR/hotline and
#   bench_fanout and bench_router are built there. Given a binary instead,
#   they are built in $BENCH_BUILD (default build/release).
#   FANOUT_ARGS adds options to bench_fanout (e.g. "--agents 2000").
#   ROUTER_ARGS adds options to bench_router (e.g. "--steps 50000").
#   SIP_BENCH=1 also runs bench/sip/run.sh (its own daemon; SIP_* knobs).
# Starts the daemon on a free loopback port with a temporary data dir and
# HOTLINE_ADMIN_TOKEN, prints every command it runs, stops the daemon with
# SIGTERM by PID. Installs nothing.
set -euo pipefail

cd "$(dirname "$0")/.."
ARG=${1:-build/release}
if [ -d "$ARG" ]; then
	BUILD=$ARG
	BIN=$ARG/hotline
	TARGETS="hotline bench_fanout bench_router"
else
	BIN=$ARG
	BUILD=${BENCH_BUILD:-build/release}
	TARGETS="bench_fanout bench_router"
fi

run() { echo "+ $*"; "$@"; }

quiet() { echo "+ $* >/dev/null"; "$@" >/dev/null; }

quiet cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHOTLINE_TESTS=OFF
# shellcheck disable=SC2086
run cmake --build "$BUILD" -j"$(nproc)" --target $TARGETS
[ -x "$BIN" ] || { echo "bench: no daemon at $BIN" >&2; exit 1; }

TMP=$(mktemp -d /tmp/hotline-bench.XXXXXX)
PID=""
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID"
		wait "$PID" || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a loopback port nobody answers on (bash's /dev/tcp connect fails)
pick_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((30000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

PORT=$(pick_port)
URL=http://127.0.0.1:$PORT
TOKEN=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export HOTLINE_ADMIN_TOKEN=$TOKEN

# 1010 WebSockets + publisher connections need more than 1024 fds
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "+ HOTLINE_ADMIN_TOKEN=*** $BIN --http 127.0.0.1:$PORT --data $TMP/data"
"$BIN" --http "127.0.0.1:$PORT" --data "$TMP/data" \
	>"$TMP/hotline.log" 2>&1 &
PID=$!

for _ in $(seq 1 100); do
	curl -sf "$URL/healthz" >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || { cat "$TMP/hotline.log"; exit 1; }
	sleep 0.1
done
curl -sf "$URL/healthz" >/dev/null || { echo "bench: daemon not healthy"; exit 1; }
echo "bench: daemon pid $PID on $URL, $(nproc) cores, $(date -u +%FT%TZ)"

echo
echo "== fan-out (WebSocket) =="
# shellcheck disable=SC2086
run "$BUILD/bench_fanout" --url "$URL" --token "$TOKEN" --pid "$PID" \
	${FANOUT_ARGS:-} | sed "s/$TOKEN/***/g" || echo "bench: bench_fanout failed"

echo
echo "== REST (wrk) =="
run ./bench/rest.sh "$URL" "$TOKEN" "$PID" | sed "s/$TOKEN/***/g" || echo "bench: rest.sh failed"

echo
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
warnings=$(grep -ciE 'warn|error' "$TMP/hotline.log" || true)
echo "bench: daemon stopped (exit $rc), $warnings warning/error log lines"
grep -iE 'warn|error' "$TMP/hotline.log" | sort | uniq -c | sort -rn | head -n 10 || true

echo
echo "== router (bench_router) =="
# shellcheck disable=SC2086
run "$BUILD/bench_router" ${ROUTER_ARGS:-} || echo "bench: bench_router failed"

if [ "${SIP_BENCH:-0}" = 1 ]; then
	echo
	echo "== SIP (bench/sip/run.sh) =="
	run ./bench/sip/run.sh "$ARG" || echo "bench: sip/run.sh failed"
fi
