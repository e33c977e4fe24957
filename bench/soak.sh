#!/usr/bin/env bash
# Soak (issue 14): MINUTES of sysbench oltp_insert through node 1's RW port of a 3-node cluster (`demo` on
# loopback), with a small log window so retention runs many times within the soak. Every SAMPLE seconds,
# for each node: live heap after a full GC (`jcmd GC.class_histogram` forces one and prints the live total),
# the Paxos log directory's size on disk and its file count, the node's other files (chain checkpoint
# etc.: dataDir minus MariaDB), MariaDB's binlog and relay log size (bounded by MariaDB's own expiry, not
# ours), the node JVM's open file descriptors and the load average. At the end: TPS of the first and the
# last 5 minutes, and the first and last sample of every column (all but the binlog should be flat).
# Usage: MINUTES=30 bench/soak.sh        env: THREADS TABLES ROWS SAMPLE RETAIN_MB BASE KEEP
set -euo pipefail
MINUTES=${MINUTES:-30}
THREADS=${THREADS:-16}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
SAMPLE=${SAMPLE:-60}
RETAIN_MB=${RETAIN_MB:-64}
BASE=${BASE:-7700}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-soak-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
KEEP=${KEEP:-0}
WRITER=
cleanup() {
  [ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null || true
  cluster_stop
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# retainAge's floor is 60 s; a 64 MiB window is crossed every few minutes at this cluster's rate.
export CLUSTER_EXTRA_YAML="log:
  retainBytes: $((RETAIN_MB * 1024 * 1024))
  retainAge: 1m"
echo "commit $(git -C "$ROOT" rev-parse --short HEAD); load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
cluster_start "$BASE"
RW=$(cluster_rw 1)
mariadb --no-defaults -h127.0.0.1 -P"$RW" -uapp -p"$APP_PW" -e "CREATE DATABASE IF NOT EXISTS sbtest"
sb_insert "$RW" app "$APP_PW" prepare > /dev/null

node_pid() { pgrep -f -- "node --config $WORK/conf/node$1.yaml" | head -1; }
sample() { # elapsed-seconds -> one line per node
  local i pid heap logb files other binlog fds
  for i in 1 2 3; do
    pid=$(node_pid "$i") || { echo "$1 node$i no-process"; continue; }
    heap=$(jcmd "$pid" GC.class_histogram 2>/dev/null | awk '/^Total/ { print $3 }')
    # On-disk blocks, not apparent size: Chronicle roll files are sparse (80 MiB apparent each).
    logb=$(du -s --block-size=1 "$WORK/cluster/node$i/paxos" | cut -f1)
    files=$(ls "$WORK/cluster/node$i/paxos" | wc -l)
    other=$(du -sb --exclude=mariadb --exclude=paxos "$WORK/cluster/node$i" | cut -f1)
    binlog=$(du -cb "$WORK/cluster/node$i/mariadb/data"/*-bin.[0-9]* 2>/dev/null | tail -1 | cut -f1)
    fds=$(ls "/proc/$pid/fd" | wc -l)
    printf '%s node%s heap_live_mb=%.1f log_mb=%.1f log_files=%s other_mb=%.2f binlog_mb=%.1f fds=%s load=%s\n' \
      "$1" "$i" "$(echo "${heap:-0} / 1048576" | bc -l)" "$(echo "$logb / 1048576" | bc -l)" "$files" \
      "$(echo "$other / 1048576" | bc -l)" "$(echo "${binlog:-0} / 1048576" | bc -l)" "$fds" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
}

SECS=$((MINUTES * 60))
sb_insert "$RW" app "$APP_PW" --threads="$THREADS" --time="$SECS" --report-interval=10 run > "$WORK/writer.out" 2>&1 &
WRITER=$!
: > "$WORK/samples.txt"
t0=$(date +%s)
for _ in $(seq $((SECS / SAMPLE + 1))); do
  now=$(( $(date +%s) - t0 ))
  sample "$now" | tee -a "$WORK/samples.txt"
  kill -0 "$WRITER" 2>/dev/null || break
  sleep "$SAMPLE"
done
wait "$WRITER" || { echo "sysbench failed: $(tail -20 "$WORK/writer.out")" >&2; exit 1; }
WRITER=
sample "$(( $(date +%s) - t0 ))" | tee -a "$WORK/samples.txt"

tps() { # mean TPS of sysbench's 10-second reports whose time lies in [from, to)
  awk -v from="$1" -v to="$2" '/^\[ *[0-9]+s \]/ { t=$2+0; if (t>from && t<=to) for (i=1;i<=NF;i++) if ($i=="tps:") { n++; s+=$(i+1) } }
       END { if (n) printf "%.0f", s/n; else print "n/a" }' "$WORK/writer.out"
}
echo "TPS first 5 min: $(tps 0 300); last 5 min: $(tps $((SECS - 300)) "$SECS")"
grep -E 'transactions:|errors:' "$WORK/writer.out" | sed 's/^ */sysbench /'
echo "first and last samples per node:"
for i in 1 2 3; do grep " node$i " "$WORK/samples.txt" | sed -n '1p;$p'; done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
cp "$WORK/samples.txt" "$ROOT/target/soak-samples.txt" 2>/dev/null || true
