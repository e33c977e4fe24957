#!/usr/bin/env bash
# Issue 16 lead 6: does MariaDB's binlog group-commit wait (binlog_commit_wait_count /
# binlog_commit_wait_usec, set with SET GLOBAL on the master) buy throughput, and what latency does
# it cost? sysbench oltp_insert through node 1's RW port of a 3-node `demo` cluster and, beside it
# with the same settings, MariaDB's own semi-sync (AFTER_SYNC, 1 master + 2 replicas). For each
# setting and thread count: TPS, average and p95 latency, and transactions per binlog group
# (Binlog_commits / Binlog_group_commits deltas on the master). Cells interleaved; median of RUNS.
# Usage (from anywhere): RUNS=3 bench/commit-wait.sh
# Env: TIME=15 THREADS="8 32" SETTINGS="0:0 4:2000 16:5000" (count:usec) TABLES=4 ROWS=10000 BASE=7800
set -euo pipefail
RUNS=${RUNS:-3}
TIME=${TIME:-15}
THREADS=${THREADS:-"8 32"}
SETTINGS=${SETTINGS:-"0:0 4:2000 16:5000"}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
BASE=${BASE:-7800}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-cwait-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
cleanup() { cluster_stop; db_stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

insert_bench_start "$BASE"
master_sql() { # system sql...
  local s=$1; shift
  if [ "$s" = semisync ]; then sql "$SS_PORT" "$@"; else nsql "$(cluster_master)" "$@"; fi
}
sb() { # system [args]
  local s=$1; shift
  if [ "$s" = semisync ]; then sb_insert "$SS_PORT" root "" "$@"; else sb_insert "$(cluster_rw 1)" app "$APP_PW" "$@"; fi
}
groups() { master_sql "$1" "SELECT GROUP_CONCAT(VARIABLE_VALUE ORDER BY VARIABLE_NAME SEPARATOR ' ') FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('BINLOG_COMMITS','BINLOG_GROUP_COMMITS')"; }

: > "$WORK/cells"
for r in $(seq "$RUNS"); do
  for setting in $SETTINGS; do
    count=${setting%%:*}; usec=${setting##*:}
    for n in $THREADS; do
      for s in semisync cluster; do
        master_sql "$s" "SET GLOBAL binlog_commit_wait_count=$count, GLOBAL binlog_commit_wait_usec=$usec"
        g0=$(groups "$s"); load=$(cut -d' ' -f1 /proc/loadavg)
        out=$(sb "$s" --threads="$n" --time="$TIME" --report-interval=0 --percentile=95 run)
        g1=$(groups "$s")
        tps=$(echo "$out" | grep -E '^\s+transactions:' | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
        avg=$(echo "$out" | awk '/avg:/ {print $2; exit}')
        p95=$(echo "$out" | awk '/95th percentile:/ {print $3}')
        per=$(echo "$g0 $g1" | awk '{ d = $4 - $2; printf "%.1f", d > 0 ? ($3 - $1) / d : 0 }')
        echo "$r $setting $n $s $tps $avg $p95 $per $load" >> "$WORK/cells"
        printf 'run %s wait %-8s %2s thr %-9s TPS %8s avg %6s ms p95 %6s ms  trx/group %5s  load %s\n' \
          "$r" "$setting" "$n" "$s" "$tps" "$avg" "$p95" "$per" "$load"
      done
    done
  done
done
for s in semisync cluster; do master_sql "$s" "SET GLOBAL binlog_commit_wait_count=0, GLOBAL binlog_commit_wait_usec=100000"; done
echo
$PYTHON - "$WORK/cells" "$TIME" <<'PY'
import sys, statistics as st
cells = {}
for line in open(sys.argv[1]):
    r, setting, n, s, tps, avg, p95, per, load = line.split()
    cells.setdefault((setting, int(n), s), []).append((float(tps), float(avg), float(p95), float(per)))
med = {k: tuple(st.median(x[i] for x in v) for i in range(4)) for k, v in cells.items()}
print(f"oltp_insert, {sys.argv[2]} s per cell, median of {max(len(v) for v in cells.values())}; wait = count:usec")
print("| wait | threads | semi-sync TPS (avg / p95 ms, trx/group) | cluster TPS (avg / p95 ms, trx/group) | cluster / semi-sync |")
print("|---|---|---|---|---|")
for setting in dict.fromkeys(k[0] for k in med):
    for n in sorted({k[1] for k in med}):
        a, c = med[(setting, n, "semisync")], med[(setting, n, "cluster")]
        f = lambda m: f"{m[0]:,.0f} ({m[1]:.1f} / {m[2]:.1f}, {m[3]:.1f})"
        print(f"| {setting} | {n} | {f(a)} | {f(c)} | {c[0] / a[0]:.2f}× |")
PY
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
