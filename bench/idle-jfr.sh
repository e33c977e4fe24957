#!/usr/bin/env bash
# Where an idle node's CPU goes: `demo` with 3 nodes on loopback, no client traffic, a JFR recording
# (settings=profile) of every node in NODES for SECS after SETTLE, all in the same window, then per node (with
# its role) a summary by bench/idle_jfr.py: samples per thread, hottest leaf methods, inclusive shares of the
# project's own frames, exact bytes allocated per thread, allocations by the project frame that made them (and
# the heaviest allocation stacks), JIT compilations and GCs in the window; and the bytes and segments per
# second on every connection between the cluster's processes in the same window (bench/idle_links.py).
# PERF=1 samples the same JVMs with `perf record` instead of JFR (all threads, JIT code named through
# `jcmd Compiler.perfmap`) and prints their CPU by thread, by shared object and by symbol: JFR samples Java
# code only, perf also sees the VM, the GC, the JIT and the kernel (syscalls, wakeups).
# Recordings are kept as $OUT_PREFIX<N>.jfr (default /tmp/idle-node<N>.jfr) for `jfr print`.
# Usage (from anywhere): bench/idle-jfr.sh      env: NODES="1 2 3" SECS=60 SETTLE=20 BASE=7650 PERF=0 OUT_PREFIX=...
#   NODE_JAVA_OPTS="-XX:..." adds JVM flags to the node processes (the demo's PAXOSQL_NODE_JAVA_OPTS)
set -euo pipefail
NODES=${NODES:-${NODE:-1 2 3}}
SECS=${SECS:-60}
SETTLE=${SETTLE:-20}
BASE=${BASE:-7650}
PERF=${PERF:-0}
OUT_PREFIX=${OUT_PREFIX:-/tmp/idle-node}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/target/paxosql.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-idlejfr-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
PERF_PID=
cleanup() { [ -z "$PERF_PID" ] || kill -INT "$PERF_PID" 2>/dev/null || true; cluster_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

export PAXOSQL_NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-}
echo "jar $JAR ($(unzip -p "$JAR" META-INF/MANIFEST.MF 2>/dev/null | sed -n 's/^Paxosql-Commit: *//p' | tr -d '\r')), node JVM flags: '${PAXOSQL_NODE_JAVA_OPTS}'"
cluster_start "$BASE"
declare -A PID
for p in $(pgrep -P "$DEMO_PID"); do
  id=$(jvm_node_id "$p"); [ -z "$id" ] || PID[$id]=$p
done
for n in $NODES; do [ -n "${PID[$n]:-}" ] || { echo "node $n's JVM not found" >&2; exit 1; }; done
MASTER=$(cluster_master || echo '?')
echo "master: node $MASTER; pids: $(for n in $NODES; do printf 'node%s=%s ' "$n" "${PID[$n]}"; done); settling ${SETTLE}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep "$SETTLE"
# The JDK's profile settings, with the thread allocation counters read every 5 s instead of once per chunk.
JFC=$WORK/idle.jfc
sed '/<event name="jdk.ThreadAllocationStatistics">/,/<\/event>/ s#<setting name="period">everyChunk<#<setting name="period">5 s<#' \
  "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc" > "$JFC"
ss -tinpH > "$WORK/ss0"
# With PERF=1 there is no JFR recording: starting one makes the JIT compile its instrumentation in the window.
for n in $NODES; do
  [ "$PERF" = 1 ] && break
  rm -f "$OUT_PREFIX$n.jfr"
  jcmd "${PID[$n]}" JFR.start name=idle settings="$JFC" duration="${SECS}s" filename="$OUT_PREFIX$n.jfr" > /dev/null
done
if [ "$PERF" = 1 ]; then
  pids=$(for n in $NODES; do printf '%s,' "${PID[$n]}"; done)
  perf record -q -F 499 -p "${pids%,}" -o "$WORK/perf.data" -- sleep "$SECS" > "$WORK/perf.out" 2>&1 &
  PERF_PID=$!
fi
sleep "$SECS"
ss -tinpH > "$WORK/ss1"
if [ -n "$PERF_PID" ]; then wait "$PERF_PID" || true; PERF_PID=; fi
sleep 3
for n in $NODES; do
  [ "$PERF" = 1 ] && break
  for _ in $(seq 50); do [ -s "$OUT_PREFIX$n.jfr" ] && break; sleep 0.2; done
done
echo "recorded ${SECS}s of nodes $NODES; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $NODES; do
  [ "$PERF" = 1 ] && break
  echo
  echo "================ node $n ($([ "$n" = "$MASTER" ] && echo master || echo follower)), $OUT_PREFIX$n.jfr"
  $PYTHON "$ROOT/bench/idle_jfr.py" "$OUT_PREFIX$n.jfr" 15 "$SECS"
done
if [ "$PERF" = 1 ]; then
  for n in $NODES; do jcmd "${PID[$n]}" Compiler.perfmap > /dev/null 2>&1 || true; done
  for n in $NODES; do
    echo
    echo "================ perf, node $n ($([ "$n" = "$MASTER" ] && echo master || echo follower)): % of this JVM's samples"
    # (head closes the pipe early: `|| true` keeps set -e from ending the script there)
    { perf report -i "$WORK/perf.data" --pid "${PID[$n]}" --no-children --sort comm --stdio -g none 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -12; } || true
    { perf report -i "$WORK/perf.data" --pid "${PID[$n]}" --no-children --sort dso --stdio -g none 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -8; } || true
    { perf report -i "$WORK/perf.data" --pid "${PID[$n]}" --no-children --sort comm,dso,sym --stdio -g none 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -40; } || true
  done
  for n in $NODES; do rm -f "/tmp/perf-${PID[$n]}.map"; done
fi
echo
$PYTHON "$ROOT/bench/idle_links.py" "$WORK/ss0" "$WORK/ss1" "$SECS" "$BASE"
