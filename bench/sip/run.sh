#!/bin/bash
# bench/sip/run.sh  SIP benchmark: sustained call rate, bridged calls with
# RTP both ways, INVITE-in -> INVITE-out latency, callers dialling the
# agents directly, (SIP_MODE=queue) a DID that reaches an ACD queue, or
# (SIP_MODE=flow) a DID whose IVR flow speaks, takes a key and queues.
# Prints figures, never pass/fail (see bench/README.md, section SIP).
#
# usage: bench/sip/run.sh [BUILD_DIR | HOTLINE_BINARY]     (SIP_BENCH=1 make bench)
#   BUILD_DIR (default build/release): the daemon is BUILD_DIR/hotline and
#   the bench tools are built there (configured like bench/run.sh when the
#   directory has no CMakeCache.txt). Given a binary instead, the tools are
#   built in $BENCH_BUILD (default build/release).
#
# Knobs (environment):
#   SIP_MODE       direct (default): callers dial agent extensions;
#                  queue: callers dial a DID whose target is a queue
#                  (longest_idle, no wrap-up, a short TTS greeting) of
#                  which every agent is a ready member: Hotline answers
#                  the caller, plays the prompt/music, offers the call to
#                  an agent and bridges on the agent's answer;
#                  flow: callers dial a DID running the flow "bench"
#                  (answer, say "Thank you for calling.", gather one
#                  key, queue in that same queue; no key: hang up); each
#                  caller presses "1" 500 ms after the answer (RFC 4733,
#                  bench/sip/uac_flow.xml); parts "rate latency" unless
#                  SIP_PARTS says otherwise (part 2's media tool and the
#                  callers' keys would come from two ports)
#   SIP_PARTS      which parts, default "rate media latency"
#   SIP_AGENTS     agents created and registered (default 4000)
#   SIP_RATES      part 1 call rates, calls/s, until one fails >= 0.1 %
#                  (default "100 150 200 250 300 400 600 800 1000")
#   SIP_STEP_S     part 1 seconds of calls per rate (default 45)
#   SIP_STEADY_S   part 1 CPU/call window: the last seconds of placement (10)
#   SIP_SETTLE_S   quiet seconds before each part (default 35)
#   SIP_HOLD_MS    part 1 call hold time (default 1000)
#   SIP_CONC       part 2 concurrent call levels (default "500 1000 2000")
#   SIP_RAMP       part 2 call rate while ramping up (default 50)
#   SIP_WINDOW_S   part 2 measured window at full concurrency (default 15)
#   SIP_LAT_RATES  part 3 call rates (default "10 50 200")
#   SIP_LAT_S      part 3 seconds per rate (default 20)
#   SIP_RING_MS    how long each agent's phone rings before it answers
#                  (default 0); through a queue the caller hears the
#                  greeting and music meanwhile
#   SIP_QUEUE_DRAIN_S  queue mode: after each step, wait at most this long
#                  (default 60) for every member to be idle again
#   SIP_FLOW_PROMPT_MS flow mode: how much longer than SIP_HOLD_MS the
#                  callers hold (the prompt and the key before the queue;
#                  default 2000)
#   SIP_FLOW_SAMPLE flow mode: after each step, read the traces of this
#                  many of its calls (default 200) for the flow's latency
#   SIP_MOH_FILE   queue mode: the queue's moh_file, an absolute path of
#                  a WAV file, or "tone": the script writes one (8 s of a
#                  400 Hz square wave, 8 kHz 16-bit mono); default "":
#                  the daemon's built-in music
#   SIP_PERF       1 (default when perf is installed): sample the daemon
#                  with perf during part 1's steady window and part 2's
#                  window and print its top functions; 0 = off
#   SIP_KEEP=1     keep the temporary directory (logs, sipp traces)
#
# Everything runs on 127.0.0.1 on free ports; every process this script
# starts is stopped by PID (SIGTERM, then SIGKILL after 3 s) on exit.
# Each sipp run has its own -timeout, each tool its own --duration, so a
# wedged daemon cannot hold the run forever.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
SIPDIR=$ROOT/bench/sip
ARG=${1:-build/release}
TOOLS="bench_rtp_echo bench_rtp_caller bench_sip_capture"
if [ -d "$ARG" ]; then
	BUILD=$ARG
	BIN=$ARG/hotline
	TARGETS="hotline $TOOLS"
else
	BIN=$ARG
	BUILD=${BENCH_BUILD:-build/release}
	TARGETS=$TOOLS
fi

MODE=${SIP_MODE:-direct}
case $MODE in
direct|queue|flow) ;;
*) echo "sipbench: SIP_MODE must be direct, queue or flow" >&2; exit 2 ;;
esac
PARTS=${SIP_PARTS:-rate media latency}
[ "$MODE" = flow ] && PARTS=${SIP_PARTS:-rate latency}
AGENTS=${SIP_AGENTS:-4000}
RATES=${SIP_RATES:-100 150 200 250 300 400 600 800 1000}
STEP_S=${SIP_STEP_S:-45}
STEADY_S=${SIP_STEADY_S:-10}
SETTLE_S=${SIP_SETTLE_S:-35}
[ "$STEP_S" -ge $((STEADY_S + 3)) ] || STEADY_S=$(( STEP_S > 4 ? STEP_S - 3 : 1 ))
HOLD_MS=${SIP_HOLD_MS:-1000}
CONC=${SIP_CONC:-500 1000 2000}
RAMP=${SIP_RAMP:-50}
WINDOW_S=${SIP_WINDOW_S:-15}
LAT_RATES=${SIP_LAT_RATES:-10 50 200}
LAT_S=${SIP_LAT_S:-20}
PERF=${SIP_PERF:-1}
MOH_FILE=${SIP_MOH_FILE:-}
RING_MS=${SIP_RING_MS:-0}
DRAIN_S=${SIP_QUEUE_DRAIN_S:-60}
FLOW_PROMPT_MS=${SIP_FLOW_PROMPT_MS:-2000}
FLOW_SAMPLE=${SIP_FLOW_SAMPLE:-200}
# through a queue the caller's 200 comes before the agent's phone rings:
# the same talk time means the caller holds RING_MS longer (and in flow
# mode the prompt and the key longer still)
QRING=0
[ "$MODE" = queue ] && QRING=$RING_MS
[ "$MODE" = flow ] && QRING=$((RING_MS + FLOW_PROMPT_MS))
# the modes where calls go through the ACD queue
acd() { [ "$MODE" != direct ]; }
# " through queue Q" / " through flow F and queue Q" (the callers' path)
via() {
	case $MODE in
	queue) echo " through queue $QUEUE" ;;
	flow) echo " through flow $QUEUE (say, key) and queue $QUEUE" ;;
	esac
}
UAC_XML=$SIPDIR/uac.xml
[ "$MODE" = flow ] && UAC_XML=$SIPDIR/uac_flow.xml
command -v perf >/dev/null || PERF=0
QUEUE=bench                  # queue mode: the queue's id and its DID
DID=5550100

run() { echo "+ $*"; "$@"; }

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	echo "+ cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOTLINE_TESTS=OFF >/dev/null"
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DHOTLINE_TESTS=OFF >/dev/null
fi
# shellcheck disable=SC2086
run cmake --build "$BUILD" -j"$(nproc)" --target $TARGETS >/dev/null
[ -x "$BIN" ] || { echo "sipbench: no daemon at $BIN" >&2; exit 1; }
command -v sipp >/dev/null || { echo "sipbench: sipp missing (apt-get install sip-tester; scripts/deps.sh test installs it)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/hotline-sipbench.XXXXXX)
declare -a PIDS=()

# forget a PID once reaped: it may be reused by someone else's process
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# stop one PID we started, its children (a UAC subshell's sipp) first
stop_pid() {
	local pid=$1 kids="" i
	kids=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)
	for k in $kids $pid; do
		kill -TERM "$k" 2>/dev/null || true
	done
	for i in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	for k in $kids $pid; do
		kill -KILL "$k" 2>/dev/null || true
	done
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		if kill -0 "${PIDS[$i]}" 2>/dev/null; then
			stop_pid "${PIDS[$i]}"
		fi
	done
	if [ "${SIP_KEEP:-0}" = 1 ]; then
		echo "sipbench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- measurements ------------------------------------------------------------

HZ=$(getconf CLK_TCK)

# utime + stime of PID in clock ticks (0 when it is gone)
ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $(( ${12} + ${13} ))
}

# "VmRSS VmHWM" of PID in KiB
rss() {
	awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{print r+0, h+0}' "/proc/$1/status" 2>/dev/null || echo "0 0"
}

# busy clock ticks of the whole box, all CPUs (/proc/stat: all but idle
# and iowait)
box_ticks() {
	awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}

udp_rcvbuf_errors() {
	awk '/^Udp:/{n++; if (n == 2) print $6}' /proc/net/snmp
}

# the kernel's drop count of the UDP socket bound to 127.0.0.1:PORT
udp_drops() {
	local hex
	hex=$(printf '0100007F:%04X' "$1")
	awk -v a="$hex" '$2 == a {d += $NF} END {print d + 0}' /proc/net/udp
}

f2() { awk -v x="$1" 'BEGIN{printf "%.2f", x}'; }
ticks_s() { awk -v t="$1" -v hz="$HZ" 'BEGIN{printf "%.2f", t / hz}'; }

# JSON number "key" from a one-line object (the first one)
jnum() { grep -o "\"$2\":[-0-9.]*" <<<"$1" | head -n 1 | cut -d: -f2; }

# JSON number "key" inside the object "obj" of a one-line object
jsub() { jnum "$(grep -o "\"$2\":{[^}]*}" <<<"$1")" "$3"; }

# last row's column NAME of a sipp -trace_stat CSV
stat_get() {
	awk -F';' -v name="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		NF > 1 { v = $c }
		END { print (c && v != "") ? v : 0 }' "$1" 2>/dev/null || echo 0
}

# nonzero Failed* counters of a sipp stat CSV, "name=n ..."
stat_failures() {
	awk -F';' '
		NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
		NF > 1 { for (i = 1; i <= NF; i++) v[i] = $i }
		END {
			for (i in h)
				if (h[i] ~ /^Failed.*\(C\)$/ && h[i] != "FailedCall(C)" && v[i] + 0 > 0)
					printf "%s=%s ", substr(h[i], 7, length(h[i]) - 9), v[i]
		}' "$1" 2>/dev/null || true
}

# ElapsedTime of the first stat row where OutgoingCall(C) reached its final
# value: how long sipp took to place its calls (1 s resolution)
stat_place_s() {
	awk -F';' '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "OutgoingCall(C)") o = i; if ($i == "ElapsedTime(C)") e = i } next }
		NF > 1 { n++; oc[n] = $o; el[n] = $e }
		END {
			for (i = 1; i <= n; i++) if (oc[i] == oc[n]) break
			split(el[i], t, ":"); printf "%.3f", t[1] * 3600 + t[2] * 60 + t[3]
		}' "$1" 2>/dev/null || echo 0
}

# signal a tool for a snapshot line on its stdout and print that line
snapshot() {
	local pid=$1 out=$2 n i
	n=$(wc -l <"$out")
	kill -USR1 "$pid"
	for i in $(seq 1 50); do
		[ "$(wc -l <"$out")" -gt "$n" ] && break
		sleep 0.02
	done
	tail -n 1 "$out"
}

# --- ports ---------------------------------------------------------------------

declare -A TAKEN=()
# a free even port (and its odd neighbour; with an argument N, the N
# ports from it) in 10000-19999: below the RTP range and the ephemeral
# one; "free" = not bound in /proc/net/{udp,tcp}* and not picked before
pick_port() {
	local p used k ok span=${1:-2}
	used=" $(cat /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk 'NR > 1 {n = split($2, a, ":"); print a[n]}' | sort -u | tr '\n' ' ') "
	for _ in $(seq 1 200); do
		p=$((10000 + (RANDOM % 5000) * 2))
		ok=1
		for ((k = 0; k < span; k++)); do
			if [[ "$used" == *" $(printf %04X $((p + k))) "* || -n "${TAKEN[$((p + k))]:-}" ]]; then
				ok=0
				break
			fi
		done
		if [ "$ok" = 1 ]; then
			for ((k = 0; k < span; k++)); do TAKEN[$((p + k))]=1; done
			echo "$p"
			return 0
		fi
	done
	return 1
}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

HTTP_PORT=$(pick_port)
SIP_PORT=$(pick_port)
AGENT_PORT=$(pick_port)      # the UAS sipp: every agent's Contact
REG_PORT=$(pick_port)
UAC_PORT=$(pick_port)
ECHO_PORT=$(pick_port)       # agents' media (m= of the UAS's 200)
CALLER_PORT=$(pick_port)     # callers' media (m= of the UAC's INVITE)
# flow mode: the callers' sipp media port (-mp; it binds it and +2), the
# m= of uac_flow.xml and the source of its keys
UAC_MEDIA_PORT=$(pick_port 4)
UAC_MP=()
[ "$MODE" = flow ] && UAC_MP=(-mp "$UAC_MEDIA_PORT")

max_conc=0
for c in $CONC; do [ "$c" -gt "$max_conc" ] && max_conc=$c; done
RTP_MIN=20000
RTP_MAX=$((RTP_MIN + 4 * max_conc + 4 * max_conc / 4 + 400))
[ "$RTP_MAX" -lt 29999 ] && RTP_MAX=29999
[ "$RTP_MAX" -gt 65000 ] && RTP_MAX=65000

URL=http://127.0.0.1:$HTTP_PORT
TOKEN=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export HOTLINE_ADMIN_TOKEN=$TOKEN

echo "sipbench: $(nproc) cores, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), fd limit $(ulimit -n)"
echo "+ HOTLINE_ADMIN_TOKEN=*** $BIN --http 127.0.0.1:$HTTP_PORT --data $TMP/data --sip 127.0.0.1:$SIP_PORT --rtp-ports $RTP_MIN-$RTP_MAX"
"$BIN" --http "127.0.0.1:$HTTP_PORT" --data "$TMP/data" \
	--sip "127.0.0.1:$SIP_PORT" --rtp-ports "$RTP_MIN-$RTP_MAX" \
	>"$TMP/hotline.log" 2>&1 &
HL=$!
PIDS+=("$HL")
for _ in $(seq 1 100); do
	curl -sf "$URL/healthz" >/dev/null 2>&1 && break
	kill -0 "$HL" 2>/dev/null || { cat "$TMP/hotline.log"; exit 1; }
	sleep 0.1
done
curl -sf "$URL/healthz" >/dev/null || { echo "sipbench: daemon not healthy"; exit 1; }
echo "sipbench: hotline pid $HL, http $HTTP_PORT, sip $SIP_PORT"

# --- agents: REST, then REGISTER ------------------------------------------------

# run a curl config of requests (url/data blocks separated by 'next') on
# one keep-alive connection; 'next' resets headers, so the token and the
# content type go in front of every request. stdout: curl's
curl_batch() {
	awk -v t="$TOKEN" '/^url = /{print "header = \"Authorization: Bearer " t "\""; print "header = \"Content-Type: application/json\""} {print}' \
		"$1" >"$1.k"
	curl -s -K "$1.k" || true
	rm -f "$1.k"
}

CSV=$TMP/agents.csv
UAC_CSV=$CSV                 # what the callers dial: the agents' extensions
echo SEQUENTIAL >"$CSV"
{
	for i in $(seq 1 "$AGENTS"); do
		ext=$((100000 + i))
		pw="bench-$ext-$((RANDOM * RANDOM))"
		echo "$ext;$pw" >>"$CSV"
		[ "$i" = 1 ] || echo next
		printf 'url = "%s/api/v1/agents"\ndata = "{\\"name\\":\\"bench %s\\",\\"extension\\":\\"%s\\",\\"password\\":\\"%s\\"}"\nwrite-out = "\\n%%{http_code}\\n"\n' \
			"$URL" "$ext" "$ext" "$pw"
	done
} >"$TMP/agents.curl"
t0=$(date +%s.%N)
echo "+ curl -s -K agents.curl   # POST /api/v1/agents x $AGENTS, one keep-alive connection"
curl_batch "$TMP/agents.curl" >"$TMP/agents.out"
created=$(grep -c '^201$' "$TMP/agents.out" || true)
t1=$(date +%s.%N)
# the created agents' ids (each body is one line starting {"id":N,)
sed -n 's/^{"id":\([0-9]*\),.*/\1/p' "$TMP/agents.out" >"$TMP/agent_ids"
rm -f "$TMP/agents.out"
echo "sipbench: created $created/$AGENTS agents in $(f2 "$(echo "$t1 - $t0" | bc)") s"
[ "$created" = "$AGENTS" ] || { echo "sipbench: agent creation failed"; tail "$TMP/hotline.log"; exit 1; }

echo "+ bench_rtp_echo --addr 127.0.0.1 --ports $ECHO_PORT-$ECHO_PORT"
"$BUILD/bench_rtp_echo" --addr 127.0.0.1 --ports "$ECHO_PORT-$ECHO_PORT" \
	>"$TMP/echo.out" 2>"$TMP/echo.err" &
ECHO=$!
PIDS+=("$ECHO")

# the agents' phones: one UAS sipp answering every INVITE
SIPP_COMMON=(-i 127.0.0.1 -mi 127.0.0.1 -nostdin -buff_size 4194304 -max_log_size 1000000)
# sipp's zero pause still delays the 200 by ~2 ms: no ringing, no pause
UAS_XML=$SIPDIR/uas.xml
if [ "$RING_MS" = 0 ]; then
	UAS_XML=$TMP/uas.xml
	sed '/<pause\/>/d' "$SIPDIR/uas.xml" >"$UAS_XML"
fi
echo "+ sipp -sf bench/sip/uas.xml -p $AGENT_PORT -key echo_port $ECHO_PORT -d $RING_MS -trace_stat -fd 1 ...$([ "$RING_MS" = 0 ] && echo "   # without its <pause/>")"
sipp -sf "$UAS_XML" "${SIPP_COMMON[@]}" -p "$AGENT_PORT" \
	-key echo_port "$ECHO_PORT" -d "$RING_MS" -recv_timeout 600000 \
	-trace_stat -stf "$TMP/uas.csv" -fd 1 \
	-trace_err -error_file "$TMP/uas.err" >/dev/null 2>&1 &
UAS=$!
PIDS+=("$UAS")
sleep 0.5
kill -0 "$UAS" 2>/dev/null || { echo "sipbench: UAS sipp did not start"; exit 1; }

echo "+ sipp -sf bench/sip/reg.xml 127.0.0.1:$SIP_PORT -inf agents.csv -key agent_port $AGENT_PORT -key expires 3600 -r 400 -m $AGENTS"
t0=$(date +%s.%N)
rc=0
sipp -sf "$SIPDIR/reg.xml" 127.0.0.1:"$SIP_PORT" "${SIPP_COMMON[@]}" \
	-p "$REG_PORT" -inf "$CSV" -key agent_port "$AGENT_PORT" \
	-key expires 3600 -r 400 -m "$AGENTS" -recv_timeout 10000 \
	-timeout 300s -timeout_error -trace_stat -stf "$TMP/reg.csv" \
	-trace_err -error_file "$TMP/reg.err" >/dev/null 2>&1 || rc=$?
t1=$(date +%s.%N)
reg_ok=$(stat_get "$TMP/reg.csv" "SuccessfulCall(C)")
echo "sipbench: registered $reg_ok/$AGENTS agents in $(f2 "$(echo "$t1 - $t0" | bc)") s (sipp exit $rc)"
[ "$reg_ok" = "$AGENTS" ] || { echo "sipbench: registration failed"; head -n 5 "$TMP/reg.err" 2>/dev/null; exit 1; }

# --- queue mode: every agent a ready member of one queue, a DID to it ----------

# one REST request with the admin token: method, path[, JSON body].
# stdout: the body, then the status on its own line
api() {
	curl -s -X "$1" -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/json" ${3:+--data "$3"} \
		-w '\n%{http_code}\n' "$URL$2" || true
}

# the queue's live figures, one line (GET /api/v1/queues/{id}/stats)
qstats() { api GET "/api/v1/queues/$QUEUE/stats" | head -n 1; }

# an 8 s 8 kHz 16-bit mono WAV file: a 400 Hz square wave at +-2000
tone_wav() {
	local half period="" i
	half=$(printf '\\xd0\\x07%.0s' $(seq 1 10))
	period=$(printf "$half")$(printf "${half//d0\\x07/30\\xf8}")
	{
		printf 'RIFF\x24\xf4\x01\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00'
		printf '\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\xf4\x01\x00'
		for ((i = 0; i < 3200; i++)); do printf '%s' "$period"; done
	} >"$1"
}

queue_setup() {
	local q out ok t0 t1 first=1 id
	if [ "$MOH_FILE" = tone ]; then
		MOH_FILE=$TMP/tone.wav
		tone_wav "$MOH_FILE"
	fi
	q='{"id":"'$QUEUE'","name":"bench","strategy":"longest_idle","wrap_up_s":0,"offer_timeout_s":20,"announce_s":0,"greeting":"Thank you for calling","moh_file":"'$MOH_FILE'"}'
	echo "+ POST /api/v1/queues $q"
	out=$(api POST /api/v1/queues "$q")
	[ "$(tail -n 1 <<<"$out")" = 201 ] || { echo "sipbench: queue creation failed: $out"; exit 1; }

	# per agent: PUT the membership, then login, then ready
	while read -r id; do
		[ "$first" = 1 ] || echo next
		first=0
		printf 'url = "%s/api/v1/queues/%s/members/%s"\nrequest = "PUT"\ndata = "{}"\nwrite-out = "%%{http_code}\\n"\noutput = "/dev/null"\n' \
			"$URL" "$QUEUE" "$id"
		for a in login ready; do
			printf 'next\nurl = "%s/api/v1/agents/%s/state"\ndata = "{\\"action\\":\\"%s\\"}"\nwrite-out = "%%{http_code}\\n"\noutput = "/dev/null"\n' \
				"$URL" "$id" "$a"
		done
	done <"$TMP/agent_ids" >"$TMP/queue.curl"
	echo "+ curl -s -K queue.curl   # per agent: PUT /api/v1/queues/$QUEUE/members/{id}, POST /api/v1/agents/{id}/state login, ready"
	t0=$(date +%s.%N)
	curl_batch "$TMP/queue.curl" >"$TMP/queue.out"
	t1=$(date +%s.%N)
	ok=$(grep -cE '^20[01]$' "$TMP/queue.out" || true)
	echo "sipbench: $ok/$((3 * AGENTS)) member/login/ready requests succeeded in $(f2 "$(echo "$t1 - $t0" | bc)") s"
	[ "$ok" = $((3 * AGENTS)) ] || { echo "sipbench: queue setup failed:"; sort "$TMP/queue.out" | uniq -c; exit 1; }

	if [ "$MODE" = flow ]; then
		flow_setup
	else
		q='{"number":"'$DID'","name":"bench queue","target_type":"queue","target":"'$QUEUE'"}'
		echo "+ POST /api/v1/dids $q"
		out=$(api POST /api/v1/dids "$q")
		[ "$(tail -n 1 <<<"$out")" = 201 ] || { echo "sipbench: DID creation failed: $out"; exit 1; }
	fi
	out=$(qstats)
	echo "sipbench: queue $QUEUE: $(jsub "$out" agents idle)/$AGENTS members idle (ready), DID $DID"
	[ "$(jsub "$out" agents idle)" = "$AGENTS" ] || { echo "sipbench: not every agent is idle: $out"; exit 1; }

	# every caller dials the DID
	UAC_CSV=$TMP/callers.csv
	printf 'SEQUENTIAL\n%s;-\n' "$DID" >"$UAC_CSV"
	[ "$MODE" = flow ] && flow_warmup
	return 0
}

# flow mode: the flow (answer, say, gather one key, queue; no key: hang
# up) and the DID running it
flow_setup() {
	local f out
	f='{"id":"'$QUEUE'","name":"bench","steps":['
	f+='{"id":"hello","action":"answer","next":"greet"},'
	f+='{"id":"greet","action":"say","text":"Thank you for calling.","next":"ask"},'
	f+='{"id":"ask","action":"gather","max_digits":1,"timeout_ms":3000,"retries":0,"next":"agents","no_input":"bye","invalid":"bye"},'
	f+='{"id":"agents","action":"queue","queue":"'$QUEUE'"},'
	f+='{"id":"bye","action":"hangup"}]}'
	echo "+ POST /api/v1/flows $f"
	out=$(api POST /api/v1/flows "$f")
	[ "$(tail -n 1 <<<"$out")" = 201 ] || { echo "sipbench: flow creation failed: $out"; exit 1; }
	f='{"number":"'$DID'","name":"bench flow","target_type":"flow","target":"'$QUEUE'"}'
	echo "+ POST /api/v1/dids $f"
	out=$(api POST /api/v1/dids "$f")
	[ "$(tail -n 1 <<<"$out")" = 201 ] || { echo "sipbench: DID creation failed: $out"; exit 1; }
}

# flow mode: one call first (synthesizes the prompt into the TTS cache);
# it must reach an agent
flow_warmup() {
	local a0 a1 rc=0
	a0=$(jsub "$(qstats)" today answered)
	echo "+ sipp -sf bench/sip/uac_flow.xml -m 1   # warm-up: the prompt into the TTS cache"
	sipp -sf "$UAC_XML" 127.0.0.1:"$SIP_PORT" "${SIPP_COMMON[@]}" "${UAC_MP[@]}" -p "$UAC_PORT" \
		-inf "$UAC_CSV" -m 1 -d $((HOLD_MS + QRING)) \
		-timeout 30s -timeout_error -trace_err -error_file "$TMP/warmup.err" \
		>/dev/null 2>&1 || rc=$?
	queue_settle
	a1=$(jsub "$QS" today answered)
	echo "sipbench: warm-up call: sipp exit $rc, bridged $((a1 - a0))"
	[ "$rc" = 0 ] && [ "$((a1 - a0))" = 1 ] || { echo "sipbench: the warm-up call failed"; head -n 20 "$TMP/warmup.err" 2>/dev/null; exit 1; }
}

# once the callers are done: wait (at most SIP_QUEUE_DRAIN_S) until every
# member is idle and no call waits; QS = the last stats line, QWAIT = the
# seconds waited
queue_settle() {
	local t0=$SECONDS
	while :; do
		QS=$(qstats)
		QWAIT=$((SECONDS - t0))
		[ "$(jsub "$QS" agents idle)" = "$AGENTS" ] && [ "$(jnum "$QS" waiting)" = 0 ] && return 0
		[ "$QWAIT" -ge "$DRAIN_S" ] && return 0
		sleep 1
	done
}

# "  queue: ..." lines: what the queue counted between two qstats lines
# ($1, $2; $2 from queue_settle), and its members by state then; members
# not idle once every call has ended are reported as such
queue_report() {
	local a=$1 b=$2 n0 n1 w0 w1 asa busy
	n0=$(jsub "$a" today answered); n1=$(jsub "$b" today answered)
	w0=$(jsub "$a" today asa_ms); w1=$(jsub "$b" today asa_ms)
	# asa_ms is the day's mean in whole ms: this step's mean is the
	# difference of the sums, give or take the rounding of both
	asa=$(awk -v a="$n0" -v b="$n1" -v x="$w0" -v y="$w1" 'BEGIN{printf "%.1f ms +-%.1f", (b > a ? (b * y - a * x) / (b - a) : 0), (b > a ? 0.5 * (a + b) / (b - a) : 0)}')
	echo "     queue: entered +$(( $(jsub "$b" today offered) - $(jsub "$a" today offered) )), answered +$((n1 - n0)) (mean wait for the agent's answer $asa), abandoned +$(( $(jsub "$b" today abandoned) - $(jsub "$a" today abandoned) )), overflowed +$(( $(jsub "$b" today overflowed) - $(jsub "$a" today overflowed) ))"
	busy=$(( AGENTS - $(jsub "$b" agents idle) ))
	echo "     members $QWAIT s after the callers finished: idle $(jsub "$b" agents idle), offered $(jsub "$b" agents offered), busy $(jsub "$b" agents busy), wrap_up $(jsub "$b" agents wrap_up), not_ready $(jsub "$b" agents not_ready), logged_out $(jsub "$b" agents logged_out); waiting $(jnum "$b" waiting)$([ "$busy" = 0 ] || echo " <- $busy members still not idle")"
}

# flow mode, after a step: the flow's own latency from the traces of the
# step's last calls (at most FLOW_SAMPLE; $1 = calls in the step): when
# the prompt began after the call was created (answer, TTS cache), how
# long it spoke, and from its end to the call queued (the key, pressed
# during the prompt, then the gather and queue steps); how "ask" ended
flow_report() {
	local n=$(( $1 < FLOW_SAMPLE ? $1 : FLOW_SAMPLE ))
	[ "$n" -gt 0 ] || return 0
	echo "     + node: GET /api/v1/calls?did=$DID&limit=$n, then GET /api/v1/calls/{id}/trace of each"
	node --input-type=module -e '
		const [url, did, n] = process.argv.slice(1);
		const headers = { authorization: `Bearer ${process.env.HOTLINE_ADMIN_TOKEN}` };
		const get = async (p) => (await fetch(url + p, { headers })).json();
		const calls = (await get(`/api/v1/calls?did=${encodeURIComponent(did)}&limit=${n}`)).items || [];
		const start = [], say = [], queued = [], ends = {};
		for (const c of calls) {
			const t = (await get(`/api/v1/calls/${c.id}/trace`)).steps || [];
			const step = (id) => t.find((s) => s.step === id);
			const g = step("greet"), a = step("ask"), q = step("agents");
			const k = a ? a.result : "(no ask step)";
			ends[k] = (ends[k] || 0) + 1;
			if (g) {
				start.push(Date.parse(g.started_at) - Date.parse(c.created_at));
				say.push(g.duration_ms);
			}
			if (g && q)
				queued.push(Date.parse(q.ended_at) - Date.parse(g.ended_at));
		}
		const q = (v, p) => v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : "-";
		const f = (v) => { v.sort((x, y) => x - y); return `p50 ${q(v, 0.5)} p99 ${q(v, 0.99)} max ${q(v, 1)}`; };
		console.log(`     flow (traces of ${calls.length} calls, ms): prompt began after the call was created ${f(start)}; spoke ${f(say)}; prompt end -> queued ${f(queued)}; "ask" ended ${JSON.stringify(ends)}`);
	' "$URL" "$DID" "$n" || echo "     (flow traces unreadable)"
}

if acd; then
	queue_setup
fi

# --- perf -------------------------------------------------------------------------

# sample the daemon for $1 seconds into TAG.perf ($2); without perf, sleep
perf_window() {
	local p
	if [ "$PERF" != 1 ]; then
		sleep "$1"
		return
	fi
	perf record -q -F 499 -p "$HL" -o "$TMP/$2.perf" -- sleep "$1" \
		>/dev/null 2>"$TMP/$2.perf.err" &
	p=$!
	PIDS+=("$p")
	wait "$p" || true
	forget "$p"
}

# the daemon's top functions (self time) in TAG.perf ($1), indented
perf_top() {
	[ "$PERF" = 1 ] && [ -s "$TMP/$1.perf" ] || return 0
	echo "     daemon's top functions (perf, self time, ${2:-} s window):"
	perf report -i "$TMP/$1.perf" --stdio --no-children -F overhead,dso,sym 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 12 | sed -E 's/^ +/       /; s/ +$//' || true
}

# --- part 1: sustained call rate -------------------------------------------------

declare -a SUMMARY=()
best_rate=""

# one UAC sipp run: rate, calls, hold ms, tag; extra sipp args follow.
# UAC is a subshell whose only child is sipp: its exit status is sipp's,
# and its `times` (children's CPU) is sipp's CPU, written to TAG.time.
uac_run() {
	local rate=$1 calls=$2 hold=$3 tag=$4 tmo
	shift 4
	hold=$((hold + QRING))
	tmo=$(( calls / rate + hold / 1000 + 60 ))
	(
		rc=0
		sipp -sf "$UAC_XML" 127.0.0.1:"$SIP_PORT" "${SIPP_COMMON[@]}" "${UAC_MP[@]}" \
			-p "$UAC_PORT" -inf "$UAC_CSV" -key caller_port "$CALLER_PORT" \
			-r "$rate" -m "$calls" -d "$hold" -recv_timeout 10000 \
			-timeout "${tmo}s" -timeout_error \
			-trace_stat -stf "$TMP/$tag.csv" -fd 1 \
			-trace_err -error_file "$TMP/$tag.err" "$@" >/dev/null 2>&1 || rc=$?
		times >"$TMP/$tag.time"
		exit "$rc"
	) &
	UAC=$!
	PIDS+=("$UAC")
}

# libre keeps a finished transaction (and its timer) for 64*T1 = 32 s, and
# its timer list costs O(live timers) per insert: let the last part's
# transactions expire so each part starts from the same state
settle() {
	if [ "$SETTLE_S" -gt 0 ]; then
		echo "   (quiet ${SETTLE_S} s first: finished SIP transactions live 64*T1 = 32 s)"
		sleep "$SETTLE_S"
	fi
}

# the UAC sipp's user+system seconds: the second line of bash's `times`
# ("0m1.960s 0m0.170s": the subshell's children)
uac_cpu() {
	sed -n 2p "$TMP/$1.time" 2>/dev/null |
		awk '{ n = split($0, f, /[ ms]+/); printf "%.2f", f[1] * 60 + f[2] + f[3] * 60 + f[4] }'
}

part_rate() {
	local r calls tag hl0 hl1 uas0 uas1 ec0 ec1 drops0 drops1 uasf0 uasf1 sd0 ad0
	local bx0 bx1 t0 t1 ucpu hla hlb ca cb steady
	local ok fail att rtx place pct ms_call rc qs0 qs1 nb
	echo
	echo "== 1. sustained call rate$(via)$(acd && echo " (DID $DID)"): hold ${HOLD_MS} ms, ${STEP_S} s of calls per rate, $AGENTS agents =="
	settle
	for r in $RATES; do
		calls=$((r * STEP_S))
		tag=rate$r
		hl0=$(ticks "$HL"); uas0=$(ticks "$UAS"); ec0=$(ticks "$ECHO")
		bx0=$(box_ticks); t0=$(date +%s.%N)
		drops0=$(udp_rcvbuf_errors); uasf0=$(stat_get "$TMP/uas.csv" "FailedCall(C)")
		sd0=$(udp_drops "$SIP_PORT"); ad0=$(udp_drops "$AGENT_PORT")
		acd && qs0=$(qstats)
		echo "+ sipp -sf bench/sip/$(basename "$UAC_XML") 127.0.0.1:$SIP_PORT -inf $(basename "$UAC_CSV") -r $r -m $calls -d $((HOLD_MS + QRING))"
		uac_run "$r" "$calls" "$HOLD_MS" "$tag"

		# steady state: the last STEADY_S seconds of call placement, once
		# the first calls' transactions have expired (64*T1 = 32 s)
		sleep $(( STEP_S > STEADY_S + 2 ? STEP_S - STEADY_S - 2 : 0 ))
		hla=$(ticks "$HL"); ca=$(stat_get "$TMP/$tag.csv" "OutgoingCall(C)")
		perf_window "$STEADY_S" "$tag"
		hlb=$(ticks "$HL"); cb=$(stat_get "$TMP/$tag.csv" "OutgoingCall(C)")

		rc=0
		wait "$UAC" || rc=$?
		forget "$UAC"
		sleep 2     # the last BYEs and the UAS's stat row settle
		hl1=$(ticks "$HL"); uas1=$(ticks "$UAS"); ec1=$(ticks "$ECHO")
		bx1=$(box_ticks); t1=$(date +%s.%N)
		drops1=$(udp_rcvbuf_errors); uasf1=$(stat_get "$TMP/uas.csv" "FailedCall(C)")
		att=$(stat_get "$TMP/$tag.csv" "TotalCallCreated")
		ok=$(stat_get "$TMP/$tag.csv" "SuccessfulCall(C)")
		fail=$(stat_get "$TMP/$tag.csv" "FailedCall(C)")
		rtx=$(stat_get "$TMP/$tag.csv" "Retransmissions(C)")
		place=$(stat_place_s "$TMP/$tag.csv")
		if acd; then
			# sipp's success only says Hotline answered: a call the
			# queue did not bridge to an agent failed too
			queue_settle
			qs1=$QS
			nb=$(( att - ($(jsub "$qs1" today answered) - $(jsub "$qs0" today answered)) ))
			[ "$nb" -gt "$fail" ] && fail=$nb
		fi
		pct=$(awk -v f="$fail" -v a="$att" 'BEGIN{printf "%.3f", a ? 100 * f / a : 100}')
		ms_call=$(awk -v t=$((hl1 - hl0)) -v hz="$HZ" -v n="$ok" 'BEGIN{printf "%.2f", n ? 1000 * t / hz / n : 0}')
		steady=$(awk -v t=$((hlb - hla)) -v hz="$HZ" -v n=$((cb - ca)) 'BEGIN{printf "%.2f", (n > 0 ? 1000 * t / hz / n : 0)}')
		ucpu=$(uac_cpu "$tag")
		echo "   rate $r/s: offered $(awk -v n="$att" -v s="$place" 'BEGIN{printf "%.0f", (s > 0 ? n / s : 0)}')/s, $att calls: ok $ok, failed $fail$(acd && echo " (sipp failures, or not bridged to an agent)") ($pct %), sipp retransmissions $rtx"
		echo "     CPU s: hotline $(ticks_s $((hl1 - hl0))) = $ms_call ms/call over the step, $steady ms/call steady (last $STEADY_S s of placement: $(awk -v t=$((hlb - hla)) -v hz="$HZ" -v s="$STEADY_S" 'BEGIN{printf "%.0f", 100 * t / hz / s}') % of a core); uas sipp $(ticks_s $((uas1 - uas0))), uac sipp ${ucpu:-?}, echo $(ticks_s $((ec1 - ec0)))"
		echo "     box busy $(awk -v b=$((bx1 - bx0)) -v hz="$HZ" -v a="$t0" -v z="$t1" 'BEGIN{printf "%.0f", 100 * b / hz / (z - a)}') % of $(( $(nproc) * 100 )) % over $(f2 "$(echo "$t1 - $t0" | bc)") s, of which other processes $(awk -v b=$((bx1 - bx0)) -v o=$((hl1 - hl0 + uas1 - uas0 + ec1 - ec0)) -v u="${ucpu:-0}" -v hz="$HZ" -v a="$t0" -v z="$t1" 'BEGIN{x = 100 * ((b - o) / hz - u) / (z - a); printf "%.0f", (x < 0 ? 0 : x)}') %"
		echo "     hotline RSS $(rss "$HL" | awk '{printf "%.1f MiB (HWM %.1f)", $1 / 1024, $2 / 1024}'); UDP receive-buffer drops: box $((drops1 - drops0)), hotline SIP socket $(( $(udp_drops "$SIP_PORT") - sd0 )), uas sipp $(( $(udp_drops "$AGENT_PORT") - ad0 ))"
		[ "$rc" = 0 ] || [ "$fail" != 0 ] || echo "     sipp exit $rc"
		if [ "$fail" != 0 ]; then
			echo "     uac failures: $(stat_failures "$TMP/$tag.csv")| uas failed calls +$((uasf1 - uasf0)); what the failed calls got last:"
			grep -ao "received '[^']*" "$TMP/$tag.err" 2>/dev/null | cut -c11- | sort | uniq -c | sort -rn | head -n 3 | sed 's/^/       /' || true
		fi
		if acd; then
			queue_report "$qs0" "$qs1"
		fi
		[ "$MODE" = flow ] && flow_report "$att"
		perf_top "$tag" "$STEADY_S"
		SUMMARY+=("rate $r/s: $ok/$att ok ($pct % failed), hotline $ms_call ms CPU/call ($steady steady)")
		# the first rate at or over 0.1 % failures ends the ramp
		awk -v p="$pct" 'BEGIN{exit !(p < 0.1)}' || break
		best_rate=$r
	done
	echo "   highest rate with < 0.1 % failed calls: ${best_rate:-none} calls/s"
}

# --- part 2: concurrent bridged calls with RTP ------------------------------------

part_media() {
	local c hold secs tag log caller cur i e0 e1 k0 k1 hl0 hl1 uas0 uas1 uac0 uac1 ur
	local relayed us_pkt win fin ok fail sent rcv lost drops0 drops1 cdrop edrop rssv last still deadline uacpct
	local bx0 bx1 ours fds qs0 qs1 foreign
	echo
	echo "== 2. concurrent bridged calls$(via), RTP both ways: 50 pps G.711 per call from the caller, echoed by the agent =="
	acd && echo "   (the caller's 200 comes from Hotline at once; its stream starts then, and what it sends before the agent answered is lost)"
	echo "   ramp $RAMP calls/s, ${WINDOW_S} s measured window at full concurrency"
	settle
	for c in $CONC; do
		if [ "$c" -gt "$AGENTS" ]; then
			echo "   $c concurrent: skipped, only $AGENTS agents"
			continue
		fi
		tag=conc$c
		log=$TMP/$tag.media
		: >"$log"
		hold=$(( c / RAMP + 8 + 3 + WINDOW_S + 4 ))   # ramp, slack, settle, window, tail
		secs=$((hold - 2))                             # each stream ends 2 s before its BYE
		echo "+ bench_rtp_caller --addr 127.0.0.1 --port $CALLER_PORT --log $tag.media --seconds $secs --calls $c"
		"$BUILD/bench_rtp_caller" --addr 127.0.0.1 --port "$CALLER_PORT" \
			--log "$log" --seconds "$secs" --calls "$c" \
			--duration $((hold + c / RAMP + 60)) --drain 1000 \
			>"$TMP/$tag.caller" 2>"$TMP/$tag.caller.err" &
		caller=$!
		PIDS+=("$caller")
		drops0=$(udp_rcvbuf_errors)
		cdrop=$(udp_drops "$CALLER_PORT"); edrop=$(udp_drops "$ECHO_PORT")
		acd && qs0=$(qstats)
		echo "+ sipp -sf bench/sip/$(basename "$UAC_XML") 127.0.0.1:$SIP_PORT -inf $(basename "$UAC_CSV") -r $RAMP -m $c -d $((hold * 1000 + QRING)) -trace_logs -log_file $tag.media"
		uac_run "$RAMP" "$c" $((hold * 1000)) "$tag" -trace_logs -log_file "$log"

		# full concurrency: every call placed and its stream running (or,
		# when some calls failed, no new stream for 3 s after the last
		# call was placed; at most 8 s after the ramp should have ended)
		cur=0; last=0; still=0; deadline=$((SECONDS + c / RAMP + 8))
		while [ "$SECONDS" -lt "$deadline" ]; do
			cur=$(grep -c '^MEDIA ' "$log" || true)
			[ "$cur" -ge "$c" ] && break
			kill -0 "$UAC" 2>/dev/null || break
			if [ "$(stat_get "$TMP/$tag.csv" "OutgoingCall(C)")" -ge "$c" ]; then
				if [ "$cur" = "$last" ]; then
					still=$((still + 1))
					[ "$still" -ge 15 ] && break
				else
					still=0
				fi
			fi
			last=$cur
			sleep 0.2
		done
		sleep 3
		ur=$(awk '{print $1}' "/proc/$UAC/task/$UAC/children" 2>/dev/null || true)
		e0=$(snapshot "$ECHO" "$TMP/echo.out"); k0=$(snapshot "$caller" "$TMP/$tag.caller")
		hl0=$(ticks "$HL"); uas0=$(ticks "$UAS"); uac0=$(ticks "${ur:-0}"); bx0=$(box_ticks)
		perf_window "$WINDOW_S" "$tag"
		e1=$(snapshot "$ECHO" "$TMP/echo.out"); k1=$(snapshot "$caller" "$TMP/$tag.caller")
		hl1=$(ticks "$HL"); uas1=$(ticks "$UAS"); uac1=$(ticks "${ur:-0}"); bx1=$(box_ticks)
		if [ "$uac1" -ge "$uac0" ] && [ "$uac1" != 0 ]; then
			uacpct=$(awk -v t=$((uac1 - uac0)) -v hz="$HZ" -v s="$WINDOW_S" 'BEGIN{printf "%.1f", 100 * t / hz / s}')
		else
			uacpct="?"; uac1=$uac0     # sipp exited inside the window
		fi
		rssv=$(rss "$HL" | awk '{printf "%.1f MiB (HWM %.1f)", $1 / 1024, $2 / 1024}')
		fds=$(find "/proc/$HL/fd" -mindepth 1 2>/dev/null | wc -l)
		win=$(awk -v a="$(jnum "$k0" seconds)" -v b="$(jnum "$k1" seconds)" 'BEGIN{printf "%.2f", b - a}')

		wait "$UAC" || true
		forget "$UAC"
		wait "$caller" || true
		forget "$caller"
		fin=$(tail -n 1 "$TMP/$tag.caller")
		drops1=$(udp_rcvbuf_errors)
		ok=$(stat_get "$TMP/$tag.csv" "SuccessfulCall(C)")
		fail=$(stat_get "$TMP/$tag.csv" "FailedCall(C)")

		relayed=$(( $(jnum "$e1" rx_packets) - $(jnum "$e0" rx_packets) + $(jnum "$k1" received) - $(jnum "$k0" received) ))
		us_pkt=$(awk -v t=$((hl1 - hl0)) -v hz="$HZ" -v n="$relayed" 'BEGIN{printf "%.2f", n ? 1e6 * t / hz / n : 0}')
		sent=$(jnum "$fin" sent); rcv=$(jnum "$fin" received); lost=$(jnum "$fin" lost)
		echo "   $c concurrent: streams $cur/$c started, calls ok $ok failed $fail"
		echo "     window ${win} s: active streams $(( $(jnum "$k0" streams) - $(jnum "$k0" streams_done) )) -> $(( $(jnum "$k1" streams) - $(jnum "$k1" streams_done) )), relayed $relayed packets ($(awk -v n="$relayed" -v s="$win" 'BEGIN{printf "%.0f", (s > 0 ? n / s : 0)}')/s both ways)"
		echo "     CPU in window: hotline $(awk -v t=$((hl1 - hl0)) -v hz="$HZ" -v s="$win" 'BEGIN{printf "%.1f", 100 * t / hz / s}') % = $us_pkt us/packet relayed; caller tool $(awk -v a="$(jnum "$k0" cpu_user_s)" -v b="$(jnum "$k0" cpu_sys_s)" -v c="$(jnum "$k1" cpu_user_s)" -v d="$(jnum "$k1" cpu_sys_s)" -v s="$win" 'BEGIN{printf "%.1f", 100 * (c + d - a - b) / s}') %, echo $(awk -v a="$(jnum "$e0" cpu_user_s)" -v b="$(jnum "$e0" cpu_sys_s)" -v c="$(jnum "$e1" cpu_user_s)" -v d="$(jnum "$e1" cpu_sys_s)" -v s="$win" 'BEGIN{printf "%.1f", 100 * (c + d - a - b) / s}') %, uas sipp $(awk -v t=$((uas1 - uas0)) -v hz="$HZ" -v s="$win" 'BEGIN{printf "%.1f", 100 * t / hz / s}') %, uac sipp $uacpct %"
		ours=$(awk -v t=$((hl1 - hl0 + uas1 - uas0 + uac1 - uac0)) -v hz="$HZ" \
			-v a="$(jnum "$k0" cpu_user_s)" -v b="$(jnum "$k0" cpu_sys_s)" -v c="$(jnum "$k1" cpu_user_s)" -v d="$(jnum "$k1" cpu_sys_s)" \
			-v e="$(jnum "$e0" cpu_user_s)" -v f="$(jnum "$e0" cpu_sys_s)" -v g="$(jnum "$e1" cpu_user_s)" -v h="$(jnum "$e1" cpu_sys_s)" \
			'BEGIN{print t / hz + c + d - a - b + g + h - e - f}')
		echo "     box busy $(awk -v b=$((bx1 - bx0)) -v hz="$HZ" -v s="$win" 'BEGIN{printf "%.0f", 100 * b / hz / s}') % of $(( $(nproc) * 100 )) %, of which other processes $(awk -v b=$((bx1 - bx0)) -v o="$ours" -v hz="$HZ" -v s="$win" 'BEGIN{x = 100 * (b / hz - o) / s; printf "%.0f", (x < 0 ? 0 : x)}') %"
		echo "     hotline RSS $rssv, $fds fds at the end of the window"
		echo "     round trip in the window ms: p50 $(jsub "$k1" rtt_ivl_ms p50) p99 $(jsub "$k1" rtt_ivl_ms p99) max $(jsub "$k1" rtt_ivl_ms max) ($(jsub "$k1" rtt_ivl_ms n) packets)"
		foreign="foreign $(jnum "$fin" foreign)"
		acd && foreign="prompt/music and other non-echo packets $(jnum "$fin" foreign)"
		echo "     RTP whole run: sent $sent, echoed back $rcv, lost $lost ($(jnum "$fin" loss_pct) %; before a stream's first echo $(jnum "$fin" lost_head), after $((lost - $(jnum "$fin" lost_head)))), duplicates $(jnum "$fin" duplicates), $foreign; late sends $(jnum "$fin" late_sends) (max $(jnum "$fin" max_late_ms) ms)"
		echo "     round trip (caller -> relay -> echo -> relay -> caller), whole run ms: p50 $(jsub "$fin" rtt_ms p50) p99 $(jsub "$fin" rtt_ms p99) p99.9 $(jsub "$fin" rtt_ms p999) max $(jsub "$fin" rtt_ms max)"
		echo "     kernel UDP receive-buffer drops: $((drops1 - drops0)) (caller socket +$(( $(udp_drops "$CALLER_PORT") - cdrop )), echo socket +$(( $(udp_drops "$ECHO_PORT") - edrop )))"
		if [ "$fail" != 0 ]; then
			echo "     uac failures: $(stat_failures "$TMP/$tag.csv")"
			grep -ao "received '[^']*" "$TMP/$tag.err" 2>/dev/null | cut -c11- | sort | uniq -c | sort -rn | head -n 3 | sed 's/^/       /' || true
		fi
		if acd; then
			queue_settle
			queue_report "$qs0" "$QS"
		fi
		perf_top "$tag" "$WINDOW_S"
		SUMMARY+=("$c concurrent: calls ok $ok failed $fail, RTP loss $(jnum "$fin" loss_pct) % ($(awk -v l="$lost" -v h="$(jnum "$fin" lost_head)" -v s="$sent" 'BEGIN{printf "%.4f", (s ? 100 * (l - h) / s : 0)}') % after the first echo), round trip in window p50/p99 $(jsub "$k1" rtt_ivl_ms p50)/$(jsub "$k1" rtt_ivl_ms p99) ms, hotline $us_pkt us CPU/packet relayed")
		sleep 2
	done
}

# --- part 3: INVITE-in -> INVITE-out latency ----------------------------------------

part_latency() {
	local r tag cap calls hl0 hl1 line kind qs0
	echo
	echo "== 3. latency through the B2BUA$(acd && via | sed 's/^ through/ and/') (kernel timestamps on lo, pairs by From user) =="
	acd && echo "   (invite: caller's INVITE in -> Hotline's INVITE to the agent; pickup: caller's INVITE in -> Hotline's 200 to the caller)"
	[ "$MODE" = flow ] && echo "   (through the flow, invite includes the prompt, ~1.3 s, and the caller's key: see the flow's figures in part 1)"
	settle
	for r in $LAT_RATES; do
		tag=lat$r
		calls=$((r * LAT_S))
		"$BUILD/bench_sip_capture" --port "$SIP_PORT" --duration $((LAT_S + 90)) \
			>"$TMP/$tag.cap" 2>"$TMP/$tag.cap.err" &
		cap=$!
		PIDS+=("$cap")
		sleep 0.3
		if ! kill -0 "$cap" 2>/dev/null; then
			echo "   capture failed: $(cat "$TMP/$tag.cap.err")"
			return
		fi
		echo "+ bench_sip_capture --port $SIP_PORT & sipp -sf bench/sip/$(basename "$UAC_XML") -r $r -m $calls -d $((500 + QRING))"
		hl0=$(ticks "$HL")
		acd && qs0=$(qstats)
		uac_run "$r" "$calls" 500 "$tag"
		wait "$UAC" || true
		forget "$UAC"
		sleep 1
		hl1=$(ticks "$HL")
		kill -TERM "$cap"
		wait "$cap" || true
		forget "$cap"
		echo "   $r calls/s, $(stat_get "$TMP/$tag.csv" "SuccessfulCall(C)")/$calls ok, hotline $(ticks_s $((hl1 - hl0))) s CPU:"
		while read -r line; do
			kind=$(grep -o '"kind":"[a-z]*"' <<<"$line" | cut -d'"' -f4)
			# through a queue the caller's 200 precedes the agent's
			acd && [ "$kind" = answer ] && continue
			printf '     %-7s pairs %5s (unpaired in/out %s/%s)  ms: min %s p50 %s p90 %s p99 %s max %s\n' \
				"$kind" \
				"$(jnum "$line" pairs)" "$(jnum "$line" in_only)" "$(jnum "$line" out_only)" \
				"$(jnum "$line" min)" "$(jnum "$line" p50)" "$(jnum "$line" p90)" \
				"$(jnum "$line" p99)" "$(jnum "$line" max)"
			if [ "$kind" = invite ]; then
				SUMMARY+=("INVITE in->$(acd && echo "agent's INVITE ")out at $r calls/s: p50 $(jnum "$line" p50) p99 $(jnum "$line" p99) max $(jnum "$line" max) ms")
			fi
		done <"$TMP/$tag.cap"
		if acd; then
			queue_settle
			queue_report "$qs0" "$QS"
		fi
	done
}

for p in $PARTS; do
	case $p in
	rate)    part_rate ;;
	media)   part_media ;;
	latency) part_latency ;;
	*)       echo "sipbench: unknown part $p" ;;
	esac
done

echo
echo "== summary ($MODE$(acd && echo ": callers dial DID $DID ->$(via | sed 's/^ through//'), $AGENTS ready members, longest_idle")) =="
for s in "${SUMMARY[@]}"; do echo "  $s"; done
[ -n "$best_rate" ] && echo "  highest sustained rate with < 0.1 % failures: $best_rate calls/s"

if acd; then
	qs=$(qstats)
	echo "  queue $QUEUE at the end: today entered $(jsub "$qs" today offered), answered $(jsub "$qs" today answered), abandoned $(jsub "$qs" today abandoned), overflowed $(jsub "$qs" today overflowed); members idle $(jsub "$qs" agents idle)/$AGENTS, waiting $(jnum "$qs" waiting)"
fi

kill -TERM "$UAS" 2>/dev/null || true
wait "$UAS" 2>/dev/null || true
kill -TERM "$ECHO" 2>/dev/null || true
wait "$ECHO" 2>/dev/null || true
kill -TERM "$HL"
rc=0
wait "$HL" || rc=$?
warnings=$(grep -ciE ' (warn|error) ' "$TMP/hotline.log" || true)
echo "sipbench: daemon stopped (exit $rc), $warnings warning/error log lines"
grep -iE ' (warn|error) ' "$TMP/hotline.log" | cut -c26- | sed -E 's/[0-9a-f]{32}/<id>/g' | sort | uniq -c | sort -rn | head -n 10 || true
