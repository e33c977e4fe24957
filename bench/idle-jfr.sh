#!/usr/bin/env bash
# Where an idle node's CPU goes: `demo` with 3 nodes on loopback, no client traffic, a JFR recording
# (settings=profile) of one node's JVM for SECS after SETTLE, then a summary by bench/idle_jfr.py: samples
# per thread, hottest leaf methods, inclusive shares of the project's own frames, allocations by the
# project frame that made them (and the heaviest allocation stacks), JIT compilations and GCs in the
# window, and the bytes and segments per second on every connection between the cluster's processes in
# the same window (bench/idle_links.py). The recording is kept as $OUT (default /tmp/idle-node<N>.jfr) for `jfr print`.
# Usage (from anywhere): bench/idle-jfr.sh      env: NODE=1 SECS=60 SETTLE=20 BASE=7650 OUT=...
set -euo pipefail
NODE=${NODE:-1}
SECS=${SECS:-60}
SETTLE=${SETTLE:-20}
BASE=${BASE:-7650}
OUT=${OUT:-/tmp/idle-node$NODE.jfr}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/target/paxosql.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-idlejfr-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
cleanup() { cluster_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

cluster_start "$BASE"
PID=
for p in $(pgrep -P "$DEMO_PID"); do
  if tr '\0' ' ' < "/proc/$p/cmdline" | grep -q "node$NODE\.yaml"; then PID=$p; fi
done
[ -n "$PID" ] || { echo "node $NODE's JVM not found" >&2; exit 1; }
echo "master: node $(cluster_master || echo '?'); node $NODE is pid $PID; settling ${SETTLE}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep "$SETTLE"
rm -f "$OUT"
ss -tinpH > "$WORK/ss0"
jcmd "$PID" JFR.start name=idle settings=profile duration="${SECS}s" filename="$OUT" > /dev/null
sleep "$SECS"
ss -tinpH > "$WORK/ss1"
sleep 3
for _ in $(seq 50); do [ -s "$OUT" ] && break; sleep 0.2; done
echo "recorded ${SECS}s of node $NODE into $OUT; load $(cut -d' ' -f1-3 /proc/loadavg)"
$PYTHON "$ROOT/bench/idle_jfr.py" "$OUT"
echo
$PYTHON "$ROOT/bench/idle_links.py" "$WORK/ss0" "$WORK/ss1" "$SECS" "$BASE"
