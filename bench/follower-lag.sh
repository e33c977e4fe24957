#!/usr/bin/env bash
# Follower lag after a write burst: sysbench oltp_insert at THREADS threads for TIME s through node 1's
# RW port of a 3-node `demo` cluster, then, the moment sysbench returns, the master MariaDB's
# @@gtid_binlog_pos is read and every follower's MariaDB runs SELECT MASTER_GTID_WAIT(pos, 120) at
# once; the time each wait took is its catch-up. The anchor runs beside it in the same rounds:
# MariaDB's own semi-sync (AFTER_SYNC, 1 master + 2 replicas, 4 optimistic parallel appliers).
# Rounds alternate the two systems; the median of RUNS is printed per system.
# Usage (from anywhere): RUNS=3 bench/follower-lag.sh     env: TIME=20 THREADS=32 TABLES=4 ROWS=10000 BASE=7700
set -euo pipefail
RUNS=${RUNS:-3}
TIME=${TIME:-20}
THREADS=${THREADS:-32}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
BASE=${BASE:-7700}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-lag-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
cleanup() { cluster_stop; db_stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

insert_bench_start "$BASE"

# wait_all "label" pos port-or-node... : runs the waits in parallel, prints "label seconds" per follower
timed_wait() { # how-to-run-sql pos -> seconds the wait took (or "timeout")
  local t0 t1 r
  t0=$(date +%s.%N)
  r=$("$@")
  t1=$(date +%s.%N)
  [ "$r" = 0 ] && echo "$t0 $t1" | awk '{printf "%.2f\n", $2 - $1}' || echo "wait-returned-$r"
}
: > "$WORK/cells"
for r in $(seq "$RUNS"); do
  for s in semisync cluster; do
    waiters=()
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ "$s" = semisync ]; then
      sb_insert "$SS_PORT" root "" --threads="$THREADS" --time="$TIME" --report-interval=0 run > "$WORK/sb-$s-$r.txt"
      pos=$(sql "$SS_PORT" "SELECT @@gtid_binlog_pos")
      i=0
      for p in $SS_REPLICAS; do
        i=$((i + 1))
        timed_wait sql "$p" "SELECT MASTER_GTID_WAIT('$pos', 120)" > "$WORK/w-$s-$r-$i" &
        waiters+=($!)
      done
    else
      sb_insert "$(cluster_rw 1)" app "$APP_PW" --threads="$THREADS" --time="$TIME" --report-interval=0 run > "$WORK/sb-$s-$r.txt"
      m=$(cluster_master)
      pos=$(nsql "$m" "SELECT @@gtid_binlog_pos")
      for i in 1 2 3; do
        [ "$i" = "$m" ] && continue
        timed_wait nsql "$i" "SELECT MASTER_GTID_WAIT('$pos', 120)" > "$WORK/w-$s-$r-$i" &
        waiters+=($!)
      done
    fi
    # Only the waits: a bare `wait` would also wait for the demo cluster and the MariaDBs started in the
    # background, i.e. forever (the first attempt to run this script hung here for 20 minutes).
    wait "${waiters[@]}"
    tps=$(grep -E '^\s+transactions:' "$WORK/sb-$s-$r.txt" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
    waits=$(cat "$WORK"/w-"$s"-"$r"-* | tr '\n' ' ')
    printf 'run %s %-9s TPS %8s  followers applied everything after: %s s  (gtid %s, load %s)\n' "$r" "$s" "$tps" "$waits" "$pos" "$load"
    worst=$(cat "$WORK"/w-"$s"-"$r"-* | sort -n | tail -1)
    echo "$s $tps $worst" >> "$WORK/cells"
  done
done
echo
$PYTHON - "$WORK/cells" "$TIME" "$THREADS" <<'PY'
import sys, statistics as st
cells = {}
for line in open(sys.argv[1]):
    s, tps, worst = line.split()
    try:
        w = float(worst)
    except ValueError:
        w = float("inf")
    cells.setdefault(s, []).append((float(tps), w))
print(f"oltp_insert {sys.argv[3]} threads x {sys.argv[2]} s; slowest follower's catch-up, median of {len(cells['cluster'])}:")
print("| system | TPS | slowest follower applied everything after | goal <= 1 s |")
print("|---|---|---|---|")
for s in ("semisync", "cluster"):
    t = st.median(x[0] for x in cells[s]); w = st.median(x[1] for x in cells[s])
    print(f"| {s} | {t:,.0f} | {w:.2f} s | {'met' if s == 'cluster' and w <= 1 else ('missed' if s == 'cluster' else '-')} |")
PY
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
