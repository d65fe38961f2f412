#!/bin/bash
# bench/rest.sh  REST benchmark: wrk against GET /api/v1/agents/{id}
#
# usage: bench/rest.sh URL TOKEN [DAEMON_PID]
#   URL    http://127.0.0.1:PORT of a running daemon ($HOTLINE_URL)
#   TOKEN  its admin token ($HOTLINE_ADMIN_TOKEN)
#   PID    optional: also report the daemon's CPU% and RSS during the run
# Creates one agent with curl, then runs wrk (2 threads, 64 keep-alive
# connections, 10 s, --latency) with bench/agent_get.lua adding the
# Authorization header. WRK_THREADS, WRK_CONNS, WRK_SECONDS override.
set -euo pipefail

URL=${1:-${HOTLINE_URL:-}}
TOKEN=${2:-${HOTLINE_ADMIN_TOKEN:-}}
PID=${3:-}
THREADS=${WRK_THREADS:-2}
CONNS=${WRK_CONNS:-64}
SECS=${WRK_SECONDS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -z "$URL" ] || [ -z "$TOKEN" ]; then
	echo "usage: $0 URL TOKEN [DAEMON_PID]" >&2
	exit 2
fi
command -v wrk >/dev/null || { echo "rest: wrk not found (apt-get install wrk)" >&2; exit 2; }

# $1 method, $2 path, $3 body (optional): prints the body, then the status
api() {
	curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" \
		${3:+-H 'Content-Type: application/json' --data "$3"} \
		-w '\n%{http_code}' "$URL$2"
}

ext="bench$$x$(date +%s)"
out=$(api POST /api/v1/agents \
	"{\"name\":\"Bench Agent\",\"extension\":\"$ext\",\"password\":\"bench-password-1\",\"skills\":{\"english\":5}}")
code=${out##*$'\n'}
json=${out%$'\n'*}
if [ "$code" != 201 ]; then
	echo "rest: POST /api/v1/agents answered $code: $json" >&2
	exit 1
fi
id=$(printf '%s' "$json" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
code=$(api GET "/api/v1/agents/$id" | tail -n1)
if [ "$code" != 200 ]; then
	echo "rest: GET /api/v1/agents/$id answered $code" >&2
	exit 1
fi
echo "rest: agent $id created (extension $ext); GET answers 200"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
now_ns() { date +%s%N; }

if [ -n "$PID" ]; then t0=$(cpu_ticks); w0=$(now_ns); fi

cmd="wrk -t$THREADS -c$CONNS -d${SECS}s --latency -s $HERE/agent_get.lua $URL/api/v1/agents/$id"
echo "+ HOTLINE_TOKEN=*** $cmd"
HOTLINE_TOKEN=$TOKEN $cmd

if [ -n "$PID" ]; then
	t1=$(cpu_ticks); w1=$(now_ns)
	hz=$(getconf CLK_TCK)
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")
	awk -v d=$((t1 - t0)) -v w=$((w1 - w0)) -v hz="$hz" -v rss="$rss" \
		'BEGIN { printf "rest: daemon CPU %.1f%% (100%% = one core) over the wrk run, RSS %.1f MiB\n", d / hz / (w / 1e9) * 100, rss / 1024 }'
fi
