#!/usr/bin/env bash
# CPU an idle paxosql node uses: `demo` with 3 nodes on loopback, no client traffic (the demo's own
# once-a-second /status poll of each node is the only caller), and beside it, in the same windows, one
# idle plain MariaDB with the same durable settings (the anchor). Each window reads utime+stime from
# /proc/<pid>/stat of every node JVM and its mariadbd at its start and end; prints % of one core per
# node (JVM + mariadbd), the median over WINDOWS, and the busiest threads of node 1 (from
# /proc/<pid>/task/*/stat) so a periodic task that costs too much shows by name.
# The JIT compiler threads' share is shown apart: it is warm-up (it falls towards 0 over the first
# minutes), not periodic work; a longer SETTLE measures the warm node.
# At the end, every node's CPU over all windows by thread kind (JVM threads by name, digits dropped: event
# loops, JIT, GC, VM threads, workers), with the node's role.
# Usage (from anywhere): bench/idle-cpu.sh      env: WINDOWS=3 SECS=60 SETTLE=20 BASE=7600 JAR=...
#   NODE_JAVA_OPTS="-XX:..." adds JVM flags to the node processes (the demo's PAXOSQL_NODE_JAVA_OPTS)
set -euo pipefail
WINDOWS=${WINDOWS:-3}
SECS=${SECS:-60}
SETTLE=${SETTLE:-20}
BASE=${BASE:-7600}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/target/paxosql.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-idle-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
cleanup() { cluster_stop; db_stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
TICK=$(getconf CLK_TCK)

db_start anchor "$(free_port)" 1 ""
ANCHOR_PID=${DB_PIDS[0]}
export PAXOSQL_NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-}
echo "jar $JAR ($(unzip -p "$JAR" META-INF/MANIFEST.MF 2>/dev/null | sed -n 's/^Paxosql-Commit: *//p' | tr -d '\r')), node JVM flags: '${PAXOSQL_NODE_JAVA_OPTS}'"
cluster_start "$BASE"
# The node JVMs are the demo's children; each node's mariadbd is its JVM's child.
declare -A JVM DB
for p in $(pgrep -P "$DEMO_PID"); do
  i=$(jvm_node_id "$p")
  [ -n "$i" ] || continue
  JVM[$i]=$p
  DB[$i]=$(pgrep -P "$p" -x mariadbd | head -1)
done
for i in 1 2 3; do
  [ -n "${JVM[$i]:-}" ] && [ -n "${DB[$i]:-}" ] || { echo "node $i: JVM or mariadbd not found" >&2; exit 1; }
done
MASTER=$(cluster_master || echo '?')
echo "master: node $MASTER; settling ${SETTLE}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep "$SETTLE"

jit_ticks() { # pid -> ticks of its JIT compiler threads (C1, C2), which fall to ~0 once the code is warm
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '/\(C[12] CompilerThre/ { match($0, /\) /); split(substr($0, RSTART + 2), f, " "); s += f[12] + f[13] } END { print s + 0 }'
}
threads() { # pid -> "tid ticks name" per thread
  local t
  for t in /proc/"$1"/task/*; do
    awk '{ match($0, /\(.*\)/); name = substr($0, RSTART + 1, RLENGTH - 2); rest = substr($0, RSTART + RLENGTH + 1);
           split(rest, f, " "); gsub(/ /, "_", name); print FILENAME, f[12] + f[13], name }' "$t/stat" 2>/dev/null \
      | sed -E 's#/proc/[0-9]+/task/([0-9]+)/stat#\1#'
  done
}
: > "$WORK/windows"
for i in 1 2 3; do threads "${JVM[$i]}" > "$WORK/all0-$i"; done
for w in $(seq "$WINDOWS"); do
  declare -A A=() B=()
  for i in 1 2 3; do A[j$i]=$(pid_ticks "${JVM[$i]}"); A[d$i]=$(pid_ticks "${DB[$i]}"); A[c$i]=$(jit_ticks "${JVM[$i]}"); done
  A[anchor]=$(pid_ticks "$ANCHOR_PID")
  threads "${JVM[1]}" > "$WORK/t0"; threads "${DB[1]}" > "$WORK/d0"
  load0=$(cut -d' ' -f1 /proc/loadavg)
  sleep "$SECS"
  for i in 1 2 3; do B[j$i]=$(pid_ticks "${JVM[$i]}"); B[d$i]=$(pid_ticks "${DB[$i]}"); B[c$i]=$(jit_ticks "${JVM[$i]}"); done
  B[anchor]=$(pid_ticks "$ANCHOR_PID")
  threads "${JVM[1]}" > "$WORK/t1"; threads "${DB[1]}" > "$WORK/d1"
  line="$w"
  for i in 1 2 3; do
    line="$line $(( B[j$i] - A[j$i] )) $(( B[d$i] - A[d$i] ))"
  done
  line="$line $(( B[anchor] - A[anchor] )) $load0 $(cut -d' ' -f1 /proc/loadavg)"
  for i in 1 2 3; do line="$line $(( B[c$i] - A[c$i] ))"; done
  echo "$line" >> "$WORK/windows"
  echo "window $w: $(awk -v t="$TICK" -v s="$SECS" '{ printf "node1 %.2f%% node2 %.2f%% node3 %.2f%% (JVM+mariadbd; of it JIT %.2f%% %.2f%% %.2f%%) anchor mariadbd %.2f%% load %s-%s",
    100*($2+$3)/t/s, 100*($4+$5)/t/s, 100*($6+$7)/t/s, 100*$11/t/s, 100*$12/t/s, 100*$13/t/s, 100*$8/t/s, $9, $10 }' <<< "$line")"
  if [ "$w" = 1 ]; then
    echo "  node 1's busiest threads in window 1 (% of one core):"
    join <(sort "$WORK/t0") <(sort "$WORK/t1") | awk -v t="$TICK" -v s="$SECS" '{ d = $4 - $2; if (d > 0) printf "    JVM %-28s %.2f%%\n", $3, 100*d/t/s }' | sort -k3 -rn | head -8
    join <(sort "$WORK/d0") <(sort "$WORK/d1") | awk -v t="$TICK" -v s="$SECS" '{ d = $4 - $2; if (d > 0) printf "    mariadbd %-23s %.2f%%\n", $3, 100*d/t/s }' | sort -k3 -rn | head -5
  fi
done
for i in 1 2 3; do threads "${JVM[$i]}" > "$WORK/all1-$i"; done
echo
echo "by thread kind over all $WINDOWS windows, % of one core (/proc thread names, digits dropped; master: node $MASTER):"
$PYTHON - "$WORK" "$TICK" "$((SECS * WINDOWS))" <<'PY'
import collections, re, sys
work, tick, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def read(path):
    return {f[0]: (int(f[1]), f[2]) for f in (l.split() for l in open(path)) if len(f) == 3}
for i in (1, 2, 3):
    a, b = read(f"{work}/all0-{i}"), read(f"{work}/all1-{i}")
    kinds = collections.Counter()
    for tid, (t1, name) in b.items():
        kinds[re.sub(r"[-#_]*[0-9]+$", "", name)] += t1 - a.get(tid, (0, name))[0]
    total = sum(kinds.values())
    print(f"  node {i} JVM {100 * total / tick / secs:.2f}: " + ", ".join(
        f"{k} {100 * v / tick / secs:.2f}" for k, v in kinds.most_common(8) if v > 0))
PY
echo
$PYTHON - "$WORK/windows" "$TICK" "$SECS" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
tick, secs = float(sys.argv[2]), float(sys.argv[3])
pct = lambda x: 100 * float(x) / tick / secs
print(f"median of {len(rows)} windows of {secs:.0f} s, % of one core:")
print("| node | JVM | of it JIT compiler threads | mariadbd | node total | node total without JIT | goal <= 2% |")
print("|---|---|---|---|---|---|---|")
for i in range(3):
    j = st.median(pct(r[1 + 2 * i]) for r in rows)
    c = st.median(pct(r[10 + i]) for r in rows)
    d = st.median(pct(r[2 + 2 * i]) for r in rows)
    t = st.median(pct(r[1 + 2 * i]) + pct(r[2 + 2 * i]) for r in rows)
    w = st.median(pct(r[1 + 2 * i]) + pct(r[2 + 2 * i]) - pct(r[10 + i]) for r in rows)
    print(f"| {i + 1} | {j:.2f} | {c:.2f} | {d:.2f} | {t:.2f} | {w:.2f} | {'met' if t <= 2 else 'missed'} |")
a = st.median(pct(r[7]) for r in rows)
print(f"| anchor: plain idle MariaDB | - | {a:.2f} | {a:.2f} | |")
PY
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
