#!/usr/bin/env bash
# CPU each node JVM spends per committed transaction on the write path: sysbench oltp_insert through node
# 1's RW port of a 3-node `demo` cluster; per run, the utime+stime ticks of every node JVM (/proc/<pid>/stat)
# divided by the transactions sysbench committed. Unlike TPS this figure means something on a shared,
# saturated machine (it counts the CPU our processes used, not what they got). Median of RUNS runs.
# With JFR=1 one more run (not counted) records the master's and one follower's JVM (settings=profile)
# into $OUT_DIR/node<N>.jfr and summarises each with bench/idle_jfr.py.
# RATE=N offers N transactions/s (sysbench --rate) instead of as many as the machine takes: two builds or
# settings then do the same work, and their CPU per transaction compares like with like (at saturation a
# cheaper build commits more and batches differently). TLS=off|auto|openssl|jdk sets the member links'
# tls block (unset: the demo's, TLS on with tls.engine auto); the engine each node reports is printed.
# ENTRY=master sends sysbench to the master's RW port (no member-only hop), node1 (default) to node 1's,
# follower to the RW port of the follower after the master (every statement takes the member-only hop; with
# JFR=1 that follower is the one recorded beside the master).
# Usage (from anywhere): bench/write-cpu.sh
# Env: RUNS=3 TIME=30 THREADS=16 TABLES=4 ROWS=1000 BASE=8300 JFR=0 WARMUP=180 OUT_DIR=/tmp/write-cpu JAR=<tree's jar>
#      RATE=0 TLS= ENTRY=node1
set -euo pipefail
RUNS=${RUNS:-3}
TIME=${TIME:-30}
THREADS=${THREADS:-16}
TABLES=${TABLES:-4}
ROWS=${ROWS:-1000}   # oltp_insert appends (auto_inc): the table size only sets the prepare, whose one big transaction lost the lease at load 20+
BASE=${BASE:-8300}
JFR=${JFR:-0}
# C2 keeps compiling for ~2 minutes of load: after 40 s it still took 173-195 µs/tx of the JVMs' ~1,000,
# after 180 s 35 (RESULTS, "The hop's TLS measured alone"). Shorter warm-ups measure the JIT, not the code.
WARMUP=${WARMUP:-180}
OUT_DIR=${OUT_DIR:-/tmp/write-cpu}
RATE=${RATE:-0}
ENTRY=${ENTRY:-node1}
case "$ENTRY" in node1|master|follower) ;; *) echo "ENTRY must be node1, master or follower, not '$ENTRY'" >&2; exit 2 ;; esac
[ -z "${TLS:-}" ] || export CLUSTER_TLS=$TLS
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/target/paxosql.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-wcpu-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
cleanup() { cluster_stop; [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "jar $JAR; load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
cluster_start "$BASE"
mariadb --no-defaults -h127.0.0.1 -P"$(cluster_rw 1)" -uapp -p"$APP_PW" -e "CREATE DATABASE IF NOT EXISTS sbtest"
# A failed prepare (e.g. the master lost its lease under load meanwhile) is reported and retried.
for attempt in 1 2 3 4; do
  if sb_insert "$(cluster_rw 1)" app "$APP_PW" cleanup > /dev/null 2>&1 \
      && sb_insert "$(cluster_rw 1)" app "$APP_PW" prepare > "$WORK/prepare.txt" 2>&1; then
    break
  fi
  echo "prepare failed (attempt $attempt): $(grep -iE 'error|fatal' "$WORK/prepare.txt" | head -1 | cut -c1-160)"
  [ "$attempt" -lt 4 ] || exit 1
  sleep 5
done

declare -A PID
for p in $(pgrep -P "$DEMO_PID"); do
  id=$(jvm_node_id "$p"); [ -z "$id" ] || PID[$id]=$p
done
for i in 1 2 3; do [ -n "${PID[$i]:-}" ] || { echo "node $i's JVM not found" >&2; exit 1; }; done
MASTER=$(cluster_master)
HZ=$(getconf CLK_TCK)
echo "master: node $MASTER; JVMs: node1 ${PID[1]}, node2 ${PID[2]}, node3 ${PID[3]}; $HZ ticks/s"
echo "TLS engine of nodes 1/2/3: $(cluster_tls_engine 1)/$(cluster_tls_engine 2)/$(cluster_tls_engine 3)"
FOLLOWER=$(( MASTER % 3 + 1 ))
case "$ENTRY" in
  node1) SB_PORT=$(cluster_rw 1) ;;
  master) SB_PORT=$(cluster_rw "$MASTER") ;;
  follower) SB_PORT=$(cluster_rw "$FOLLOWER") ;;
esac
echo "sysbench: $THREADS threads to port $SB_PORT ($ENTRY), rate $([ "$RATE" = 0 ] && echo unlimited || echo "$RATE/s")"
run_sb() { sb_insert "$SB_PORT" app "$APP_PW" --threads="$THREADS" --time="$1" --rate="$RATE" --report-interval=0 run; }
committed() { echo "$1" | grep -E '^\s+transactions:' | sed -E 's/^\s+transactions:\s+([0-9]+).*/\1/'; }

run_sb "$WARMUP" > /dev/null   # warm-up: JIT, connection pools, the tables' pages
: > "$WORK/cells"
for r in $(seq "$RUNS"); do
  declare -A T0 T1
  for i in 1 2 3; do T0[$i]=$(pid_ticks "${PID[$i]}"); thread_ticks "${PID[$i]}" > "$WORK/threads-$r-$i-0"; done
  l0=$(cut -d' ' -f1 /proc/loadavg)
  out=$(run_sb "$TIME")
  for i in 1 2 3; do T1[$i]=$(pid_ticks "${PID[$i]}"); thread_ticks "${PID[$i]}" > "$WORK/threads-$r-$i-1"; done
  l1=$(cut -d' ' -f1 /proc/loadavg)
  n=$(committed "$out")
  line="$r $n $l0 $l1"
  for i in 1 2 3; do line="$line $((T1[$i] - T0[$i]))"; done
  echo "$line" >> "$WORK/cells"
  printf 'run %s: %s transactions in %s s; load %s -> %s; CPU ticks node1 %s node2 %s node3 %s\n' "$r" "$n" "$TIME" \
    "$l0" "$l1" $((T1[1] - T0[1])) $((T1[2] - T0[2])) $((T1[3] - T0[3]))
done
$PYTHON - "$WORK/cells" "$HZ" "$MASTER" "$THREADS" "$TIME" <<'PY'
import sys, statistics as st
hz, master = int(sys.argv[2]), int(sys.argv[3])
rows = [l.split() for l in open(sys.argv[1])]
print(f"\noltp_insert {sys.argv[4]} threads, {sys.argv[5]} s per run, median of {len(rows)}; master node {master}")
print("| node | role | CPU µs per transaction (runs) | median |")
print("|---|---|---|---|")
total = [0.0] * len(rows)
for i in (1, 2, 3):
    per = []
    for k, r in enumerate(rows):
        us = int(r[3 + i]) / hz * 1e6 / max(int(r[1]), 1)
        per.append(us)
        total[k] += us
    role = "master" if i == master else "follower"
    print(f"| {i} | {role} | {', '.join(f'{x:.0f}' for x in per)} | {st.median(per):.0f} |")
print(f"| all | | {', '.join(f'{x:.0f}' for x in total)} | {st.median(total):.0f} |")
print(f"transactions per run: {', '.join(r[1] for r in rows)}; load (1 min) start/end: "
      + ", ".join(f"{r[2]}/{r[3]}" for r in rows))
PY
echo
echo "CPU µs per transaction by thread kind (sum over the runs / transactions of the runs; threads that ended"
echo "during a run are missing, so kinds may not add up to the process):"
for i in 1 2 3; do
  total=$(awk '{ s += $2 } END { print s }' "$WORK/cells")
  cat "$WORK"/threads-*-"$i"-0 | awk -F'\t' '{ a[$1] -= $2 } END { for (k in a) print k "\t" a[k] }' > "$WORK/t0"
  cat "$WORK"/threads-*-"$i"-1 | awk -F'\t' '{ a[$1] += $2 } END { for (k in a) print k "\t" a[k] }' > "$WORK/t1"
  echo "node $i$([ "$i" = "$MASTER" ] && echo ' (master)'):"
  cat "$WORK/t0" "$WORK/t1" | awk -F'\t' -v n="$total" -v hz="$HZ" '{ a[$1] += $2 } END {
    for (k in a) if (a[k] > 0) printf "  %8.0f  %s\n", a[k] / hz * 1e6 / n, k }' | sort -rn | head -12
done

if [ "$JFR" = 1 ]; then
  mkdir -p "$OUT_DIR"
  # The profile settings, sampling Java code every 1 ms and native code every 5 ms instead of 10 and 20.
  JFC=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc
  sed -e 's#\(control="method-sampling-java-interval">\)[^<]*#\11 ms#' \
      -e 's#\(control="method-sampling-native-interval">\)[^<]*#\15 ms#' "$JFC" > "$WORK/sample.jfc"
  for i in "$MASTER" "$FOLLOWER"; do
    rm -f "$OUT_DIR/node$i.jfr"
    jcmd "${PID[$i]}" JFR.start name=wcpu settings="$WORK/sample.jfc" duration="${TIME}s" filename="$OUT_DIR/node$i.jfr" > /dev/null
  done
  out=$(run_sb "$TIME")
  echo "JFR run: $(committed "$out") transactions; load $(cut -d' ' -f1-3 /proc/loadavg)"
  sleep 3
  for i in "$MASTER" "$FOLLOWER"; do
    for _ in $(seq 50); do [ -s "$OUT_DIR/node$i.jfr" ] && break; sleep 0.2; done
    echo; echo "==== node $i ($([ "$i" = "$MASTER" ] && echo master || echo follower)): $OUT_DIR/node$i.jfr"
    $PYTHON "$ROOT/bench/idle_jfr.py" "$OUT_DIR/node$i.jfr" 30
    $PYTHON "$ROOT/bench/tls_jfr.py" "$OUT_DIR/node$i.jfr"
  done
fi
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
