#!/usr/bin/env bash
# sysbench oltp_insert and oltp_write_only (8 and 32 threads, TABLES x ROWS) against, in the same run:
#   standalone  one durable MariaDB (sync_binlog=1, innodb_flush_log_at_trx_commit=1, ROW, GTID strict)
#   semisync    MariaDB's own semi-sync AFTER_SYNC, 1 master + 2 replicas, default sync_relay_log
#   durable     the same with sync_relay_log=1 on the replicas (ACK = on a replica's disk)
#   cluster     paxosql: `demo` with 3 nodes on loopback, sysbench through node 1's RW port
# All four run side by side; cells are interleaved (run r, test, threads, system) so load from
# elsewhere on the machine hits every system alike. Prints TPS and p95 per cell (median of RUNS)
# and the cluster's ratios, plus the cluster's Paxos counters per cell.
# Usage (from anywhere): RUNS=3 TIME=20 bench/cluster-sysbench.sh      env: TABLES ROWS BASE
set -euo pipefail
RUNS=${RUNS:-1}
TIME=${TIME:-20}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
BASE=${BASE:-7400}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-cbench-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
KEEP=${KEEP:-0}
cleanup() {
  cluster_stop
  db_stop_all
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
db_start standalone "$(free_port)" 1 ""
declare -A PORT USER PASS
PORT[standalone]=$(grep '^port=' "$WORK/standalone/my.cnf" | cut -d= -f2)
semisync_start ss "" 10
PORT[semisync]=$SS_PORT
semisync_start ds "sync_relay_log=1" 20
PORT[durable]=$SS_PORT
cluster_start "$BASE"
PORT[cluster]=$(cluster_rw 1)
for s in standalone semisync durable; do USER[$s]=root; PASS[$s]=; done
USER[cluster]=app; PASS[cluster]=$APP_PW
SYSTEMS=(standalone semisync durable cluster)
TESTS=(oltp_insert oltp_write_only)
THREADS=(8 32)

sb() { # system test [sysbench args]
  local s=$1 t=$2; shift 2
  sysbench "$t" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${PORT[$s]}" --mysql-user="${USER[$s]}" \
    --mysql-password="${PASS[$s]}" --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" "$@"
}
for s in "${SYSTEMS[@]}"; do
  mariadb --no-defaults -h127.0.0.1 -P"${PORT[$s]}" -u"${USER[$s]}" ${PASS[$s]:+-p"${PASS[$s]}"} \
    -e "CREATE DATABASE IF NOT EXISTS sbtest"
  # A failed prepare (e.g. the cluster's master lost its lease meanwhile) is reported and retried.
  for attempt in 1 2 3; do
    if sb "$s" oltp_write_only cleanup >/dev/null 2>&1 && sb "$s" oltp_write_only prepare > "$WORK/prepare-$s.txt" 2>&1; then
      break
    fi
    echo "prepare on $s failed (attempt $attempt): $(grep -iE 'error|fatal' "$WORK/prepare-$s.txt" | head -2)"
    [ "$attempt" = 3 ] && exit 1
    [ "$s" = cluster ] && for _ in $(seq 300); do cluster_master >/dev/null && break; sleep 0.2; done
  done
done

snap() { # file-prefix: the master's /metrics
  curl -s --max-time 3 "http://127.0.0.1:$(cluster_admin "$1")/metrics" > "$2" || true
}
# Rates over a cell from two /metrics dumps of the master: Paxos proposals and chosen values, log
# fsyncs and their mean time, proposals per chosen value and records per fsync group.
paxos_rates() { # before after seconds
  $PYTHON - "$@" <<'PY'
import sys, re
def load(f):
    d = {}
    for line in open(f):
        if line.startswith("#") or not line.strip():
            continue
        name, _, val = line.rpartition(" ")
        base = re.sub(r"\{.*\}", "", name)
        try:
            d[base] = d.get(base, 0.0) + float(val)
        except ValueError:
            pass
    return d
a, b, secs = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
dl = lambda k: b.get(k, 0.0) - a.get(k, 0.0)
fc, ft = dl("paxosql_log_fsync_seconds_count"), dl("paxosql_log_fsync_seconds_sum")
bc, bs = dl("paxosql_replog_batch_entries_count"), dl("paxosql_replog_batch_entries_sum")
gc, gs = dl("paxosql_log_group_records_count"), dl("paxosql_log_group_records_sum")
print(f"master: proposals/s {dl('paxosql_replog_proposals_total')/secs:.0f} chosen/s {dl('paxosql_replog_chosen_total')/secs:.0f}"
      f" proposals/value {bs/bc if bc else 0:.2f} fsyncs/s {fc/secs:.0f} fsync avg {1000*ft/fc if fc else 0:.2f} ms"
      f" records/fsync {gs/gc if gc else 0:.2f} failed {dl('paxosql_replog_proposals_failed_total'):.0f}")
PY
}

mkdir -p "$WORK/out"
for r in $(seq "$RUNS"); do
  for t in "${TESTS[@]}"; do
    for n in "${THREADS[@]}"; do
      for s in "${SYSTEMS[@]}"; do
        f=$WORK/out/$t-$n-$s-$r.txt
        load=$(cut -d' ' -f1 /proc/loadavg)
        if [ "$s" = cluster ]; then
          m=$(cluster_master || echo 1)
          snap "$m" "$f.m0"
        fi
        if sb "$s" "$t" --threads="$n" --time="$TIME" --report-interval=0 --percentile=95 run > "$f" 2>&1; then
          tps=$(grep -E '^\s+transactions:' "$f" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
          p95=$(grep -E '95th percentile:' "$f" | awk '{print $3}')
        else # reported, counted as 0 TPS; the next cell waits for a master again
          echo "cell FAILED on $s: $(grep -iE 'error|fatal' "$f" | head -2)"
          tps=0; p95=nan
          [ "$s" = cluster ] && for _ in $(seq 300); do cluster_master >/dev/null && break; sleep 0.2; done
        fi
        extra=
        if [ "$s" = cluster ]; then
          snap "$m" "$f.m1"
          extra=$(paxos_rates "$f.m0" "$f.m1" "$TIME" 2>/dev/null || echo "master: no metrics")
        fi
        echo "$r $t $n $s $tps $p95 $load" >> "$WORK/out/cells"
        printf 'run %s %-16s %2s thr %-10s TPS %9s p95 %8s ms  load %s %s\n' "$r" "$t" "$n" "$s" "$tps" "$p95" "$load" "$extra"
      done
    done
  done
done

echo
echo "sysbench ${TIME}s per cell, $TABLES tables x $ROWS rows, median of $RUNS run(s), $(nproc) cores," \
  "load at end $(cut -d' ' -f1-3 /proc/loadavg)"
$PYTHON - "$WORK/out/cells" <<'PY'
import sys, statistics as st
cells = {}
for line in open(sys.argv[1]):
    r, t, n, s, tps, p95, load = line.split()
    cells.setdefault((t, int(n), s), []).append((float(tps), float(p95)))
med = {k: (st.median(x[0] for x in v), st.median(x[1] for x in v)) for k, v in cells.items()}
print("| test | threads | standalone TPS (p95 ms) | semi-sync | durable semi-sync | cluster | cluster / semi-sync | cluster / durable | cluster / standalone |")
print("|---|---|---|---|---|---|---|---|---|")
for t in ("oltp_insert", "oltp_write_only"):
    for n in (8, 32):
        g = lambda s: med[(t, n, s)]
        f = lambda s: f"{g(s)[0]:,.0f} ({g(s)[1]:.1f})"
        c = g("cluster")[0]
        print(f"| {t} | {n} | {f('standalone')} | {f('semisync')} | {f('durable')} | {f('cluster')} | "
              f"{c / g('semisync')[0]:.2f}× | {c / g('durable')[0]:.2f}× | {c / g('standalone')[0]:.2f}× |")
PY
for i in 1 2 3; do
  echo "node$i.log: $(grep -c -E 'WARN|ERROR' "$WORK/cluster/node$i.log" || true) WARN/ERROR lines"
  grep -E 'WARN|ERROR' "$WORK/cluster/node$i.log" | sed -E 's/^[0-9:. -]+//' | sort | uniq -c | sort -rn | head -5 || true
done
