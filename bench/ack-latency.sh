#!/usr/bin/env bash
# Issue 16 goal: the capture's ACK latency (a transaction handed to the chain -> its ACK) at 8 threads of
# sysbench oltp_insert through node 1's RW port of a 3-node `demo` cluster, read from the master's
# /metrics (paxosql_capture_ack_latency_seconds, quantiles 0.5 and 0.99 over the last ~30 s) right after
# each TIME-second run. Goal: p50 <= 1 ms, p99 <= 5 ms. Median of RUNS.
# Usage (from anywhere): RUNS=3 bench/ack-latency.sh     env: TIME=20 WARMUP=30 THREADS=8 TABLES=4 ROWS=10000 BASE=8000
set -euo pipefail
RUNS=${RUNS:-3}
TIME=${TIME:-20}
WARMUP=${WARMUP:-30}
THREADS=${THREADS:-8}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
BASE=${BASE:-8000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-ack-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
KEEP=${KEEP:-0}
cleanup() { cluster_stop; if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "load before start: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$ROOT" rev-parse --short HEAD)"
cluster_start "$BASE"
mariadb --no-defaults -h127.0.0.1 -P"$(cluster_rw 1)" -uapp -p"$APP_PW" -e "CREATE DATABASE IF NOT EXISTS sbtest"
sb_insert "$(cluster_rw 1)" app "$APP_PW" prepare > "$WORK/prepare.txt" 2>&1 || {
  echo "sysbench prepare failed:" >&2; tail -5 "$WORK/prepare.txt" >&2; exit 1; }
# Unmeasured warm-up: the JVMs' JIT (a first 20 s run reached a third of the third's TPS).
sb_insert "$(cluster_rw 1)" app "$APP_PW" --threads="$THREADS" --time="$WARMUP" --report-interval=0 run > "$WORK/warmup.txt"
: > "$WORK/cells"
for r in $(seq "$RUNS"); do
  sb_insert "$(cluster_rw 1)" app "$APP_PW" --threads="$THREADS" --time="$TIME" --report-interval=0 run > "$WORK/sb-$r.txt"
  m=$(cluster_master)
  q=$(curl -s --max-time 5 "http://127.0.0.1:$(cluster_admin "$m")/metrics" \
    | awk '/^paxosql_capture_ack_latency_seconds\{/ && /quantile="0.5"/ {p50=$NF} /^paxosql_capture_ack_latency_seconds\{/ && /quantile="0.99"/ {p99=$NF}
           END { printf "%.3f %.3f", p50 * 1000, p99 * 1000 }')
  tps=$(grep -E '^\s+transactions:' "$WORK/sb-$r.txt" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
  echo "run $r: TPS $tps, master node $m: ACK p50 / p99 ms: $q (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "$tps $q" >> "$WORK/cells"
done
$PYTHON - "$WORK/cells" "$THREADS" <<'PY'
import sys, statistics as st
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
print(f"oltp_insert {sys.argv[2]} threads, median of {len(rows)}: TPS {st.median(r[0] for r in rows):.0f}, "
      f"ACK p50 {st.median(r[1] for r in rows):.3f} ms, p99 {st.median(r[2] for r in rows):.3f} ms (goal <= 1 / <= 5 ms)")
PY
