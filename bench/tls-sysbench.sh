#!/usr/bin/env bash
# What mutual TLS between members costs: sysbench oltp_insert, 32 threads, through a follower's RW port of
# two paxosql clusters run side by side in the same run, one with TLS on (the default) and one with
# `tls: { mode: off }`. Cells alternate on/off (RUNS rounds), so load from elsewhere hits both alike;
# only one cluster is driven at a time. Goal (issue 15): TLS costs <= 5% TPS.
# TLS covers the member links: Paxos gRPC between nodes, and the internal hop node 1 -> master when node 1
# is not the master (sysbench's own connection to the RW port is plain in both).
# ENTRY=master connects to the master's own RW port instead (no member-only hop): the difference between the
# two entries splits TLS's cost between the hop and the Paxos links.
# MODES names the two clusters compared (first against second), each off (plaintext) or a TLS engine: auto
# (OpenSSL where netty-tcnative loads, the default of tls.engine), openssl or jdk; `on` means auto.
# MODES="openssl jdk" is the A/B between the engines, both with TLS on. Each cluster's engine, as its nodes
# report it (/local tlsEngine), is printed before the rounds. JAR= runs another build's jar.
# Usage: RUNS=5 TIME=20 bench/tls-sysbench.sh
# SETTLE=N idles N seconds before every cell: a cell that follows the other cluster's otherwise runs while
# that cluster is still flushing what it was just sent (measured: ~10% fewer TPS than a cell following its
# own cluster's), which the alternation cancels on average but which nearly doubles the spread of the ratios.
# Each cell's CPU (the cluster's JVMs, its mariadbds, the whole machine) per transaction is in the summary.
# So is each JVM thread kind's, by node role (master, entry: the follower sysbench connects to, other), as the
# median over the cells of each mode: which threads pay for TLS.
# env: MODES ("on off") TABLES ROWS BASE_ON BASE_OFF (ports of the first and second cluster) KEEP READY_S WARMUP
#      ENTRY JAR SETTLE (0)
set -euo pipefail
RUNS=${RUNS:-3}
TIME=${TIME:-20}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
THREADS=${THREADS:-32}
BASE_ON=${BASE_ON:-7500}
BASE_OFF=${BASE_OFF:-7600}
WARMUP=${WARMUP:-150}     # seconds of unmeasured load per cluster before the rounds (0: none); C2 settles after ~2 min
SETTLE=${SETTLE:-0}       # seconds of idle before every cell
ENTRY=${ENTRY:-follower} # follower: through the member-only hop; master: the master's own RW port
case "$ENTRY" in follower|master) ;; *) echo "ENTRY must be follower or master, not '$ENTRY'" >&2; exit 2 ;; esac
read -r -a MODE_LIST <<< "${MODES:-on off}"
[ "${#MODE_LIST[@]}" = 2 ] && [ "${MODE_LIST[0]}" != "${MODE_LIST[1]}" ] || { echo "MODES must name two different modes, not '${MODES:-}'" >&2; exit 2; }
for m in "${MODE_LIST[@]}"; do
  case "$m" in on|off|auto|openssl|jdk) ;; *) echo "MODES: '$m' is not off, on, auto, openssl or jdk" >&2; exit 2 ;; esac
done
A=${MODE_LIST[0]}
B=${MODE_LIST[1]}
READY_S=${READY_S:-180}   # how long a cluster may take to come up (more on a loaded machine)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/target/paxosql.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
TOP=$(mktemp -d /tmp/pxs-tlsbench-XXXXXX)
WORK=$TOP
. "$ROOT/bench/cluster-lib.sh"
KEEP=${KEEP:-0}
declare -A PID DIR PORT PASS BASEOF ENGINE MASTERNODE ENTRYNODE
cleanup() {
  for m in "$A" "$B"; do
    [ -n "${PID[$m]:-}" ] && { WORK=${DIR[$m]}; DEMO_PID=${PID[$m]}; cluster_stop; }
  done
  if [ "$KEEP" = 1 ]; then echo "kept $TOP" >&2; else rm -rf "$TOP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_mode() { # on|off base
  local m=$1 base=$2 f
  WORK=$TOP/$m
  mkdir -p "$WORK"
  cluster_configs "$base"
  for f in "$WORK"/conf/node*.yaml; do
    cluster_set_tls "$f" "$([ "$m" = on ] && echo auto || echo "$m")"
  done
  java -jar "$JAR" demo --conf-dir "$WORK/conf" --ready-timeout-s "$READY_S" > "$WORK/demo.out" 2>&1 &
  PID[$m]=$!
  DIR[$m]=$WORK
  for _ in $(seq $((READY_S * 5))); do
    grep -q 'The cluster is up' "$WORK/demo.out" 2>/dev/null && break
    kill -0 "${PID[$m]}" 2>/dev/null || { echo "demo ($m) exited: $(tail -20 "$WORK/demo.out")" >&2; exit 1; }
    sleep 0.2
  done
  grep -q 'The cluster is up' "$WORK/demo.out" || { echo "cluster ($m) did not come up" >&2; exit 1; }
  PASS[$m]=$(cat "$WORK/cluster/app-password")
  PORT[$m]=$((base + 11))
  BASEOF[$m]=$base
}

echo "jar $JAR; uptime before start: $(uptime)"
start_mode "$A" "$BASE_ON"
start_mode "$B" "$BASE_OFF"
for m in "$A" "$B"; do
  if [ "$m" = off ]; then
    grep -q "PLAINTEXT" "$TOP/off/cluster/node1.log" || { echo "the off cluster did not log its plaintext warning" >&2; exit 1; }
  else
    grep -q "mutual TLS, members only" "$TOP/$m/cluster/node1.log" || { echo "the $m cluster is not on TLS" >&2; exit 1; }
  fi
  WORK=${DIR[$m]}; CL_BASE=${BASEOF[$m]}
  ENGINE[$m]="$(cluster_tls_engine 1)/$(cluster_tls_engine 2)/$(cluster_tls_engine 3)"
  echo "cluster $m: TLS engine of nodes 1/2/3: ${ENGINE[$m]}"
  case "$m" in openssl|jdk|off) [ "${ENGINE[$m]}" = "$m/$m/$m" ] || { echo "cluster $m runs ${ENGINE[$m]}" >&2; exit 1; } ;; esac
done

# CPU accounting per cell: utime+stime ticks of the driven cluster's node JVMs and of their mariadbd
# children (/proc/<pid>/stat), and the machine's busy and total ticks (/proc/stat), so a cell's TPS can be
# read against what the work cost: at saturation TPS = CPU / (CPU per transaction).
cluster_ticks() { # mode -> "jvm_ticks mariadbd_ticks"
  local jvms j dbs=()
  jvms=$(pgrep -P "${PID[$1]}" -x java | tr '\n' ' ')
  for j in $jvms; do dbs+=($(pgrep -P "$j" -x mariadbd || true)); done
  echo "$(pid_ticks $jvms) $(pid_ticks "${dbs[@]}")"
}
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat; }

sb() { # mode test [args]
  local m=$1 t=$2; shift 2
  sysbench "$t" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${PORT[$m]}" --mysql-user=app \
    --mysql-password="${PASS[$m]}" --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" "$@"
}
# Like with like: in both clusters sysbench connects to a follower's RW port, so every statement takes the
# member-only hop to the master (TLS or plain) as well as the Paxos links.
via_follower() { # mode: point PORT at the RW port of a node that is not the master (or of the master)
  local m=$1 master
  WORK=${DIR[$m]}; CL_BASE=${BASEOF[$m]}
  master=$(cluster_master) || { echo "cluster ($m): no master found" >&2; exit 1; }
  MASTERNODE[$m]=$master
  if [ "$ENTRY" = master ]; then ENTRYNODE[$m]=$master; else ENTRYNODE[$m]=$(( master == 1 ? 2 : 1 )); fi
  PORT[$m]=$(cluster_rw "${ENTRYNODE[$m]}")
}
# "role:kind<TAB>ticks" for every thread kind of the cluster's node JVMs (kind spaces as _), by node role as
# found before the rounds (each cell's line names the master after it). A thread that ended during a cell
# is missing from its after-snapshot, so its kind reads low (negative) for that cell.
kind_ticks() { # mode
  local j id role
  for j in $(pgrep -P "${PID[$1]}" -x java); do
    id=$(jvm_node_id "$j")
    if [ "$id" = "${MASTERNODE[$1]}" ]; then role=master; elif [ "$id" = "${ENTRYNODE[$1]}" ]; then role=entry; else role=other; fi
    thread_ticks "$j" | awk -F'\t' -v r="$role" '{ k = $1; gsub(/ /, "_", k); print r ":" k "\t" $2 }'
  done
}
for m in "$A" "$B"; do
  mariadb --no-defaults -h127.0.0.1 -P"${PORT[$m]}" -uapp -p"${PASS[$m]}" -e "CREATE DATABASE IF NOT EXISTS sbtest"
  sb "$m" oltp_insert prepare > "$TOP/prepare-$m.txt" 2>&1 || { echo "prepare on $m failed" >&2; exit 1; }
  via_follower "$m"
  # One unmeasured cell per cluster: the JVMs' JIT warm-up otherwise makes the first rounds the slowest.
  [ "$WARMUP" = 0 ] || sb "$m" oltp_insert --threads="$THREADS" --time="$WARMUP" run > "$TOP/warmup-$m.txt" 2>&1 || true
done

: > "$TOP/cells"; : > "$TOP/kinds"
for r in $(seq "$RUNS"); do
  # alternate which mode goes first, so a drift in background load does not favour one
  if [ $((r % 2)) = 1 ]; then order="$A $B"; else order="$B $A"; fi
  for m in $order; do
    if [ "$SETTLE" != 0 ]; then
      read -r sb0 sa0 <<< "$(machine_ticks)"; sleep "$SETTLE"; read -r sb1 sa1 <<< "$(machine_ticks)"
      settle_busy=$(( (sb1 - sb0) * 100 / (sa1 - sa0 > 0 ? sa1 - sa0 : 1) ))
    else
      settle_busy=-
    fi
    f=$TOP/$m-$r.txt
    load=$(cut -d' ' -f1 /proc/loadavg)
    kind_ticks "$m" > "$TOP/kinds0"
    read -r jvm0 db0 <<< "$(cluster_ticks "$m")"; read -r busy0 all0 <<< "$(machine_ticks)"
    if sb "$m" oltp_insert --threads="$THREADS" --time="$TIME" --report-interval=0 --percentile=95 run > "$f" 2>&1; then
      tps=$(grep -E '^\s+transactions:' "$f" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
      p95=$(grep -E '95th percentile:' "$f" | awk '{print $3}')
    else
      echo "cell FAILED on $m: $(grep -iE 'error|fatal' "$f" | head -2)"; tps=0; p95=nan
    fi
    read -r jvm1 db1 <<< "$(cluster_ticks "$m")"; read -r busy1 all1 <<< "$(machine_ticks)"
    kind_ticks "$m" > "$TOP/kinds1"
    tx=$(grep -E '^\s+transactions:' "$f" | awk '{print $2}'); tx=${tx:-0}
    awk -F'\t' -v r="$r" -v m="$m" -v tx="$tx" 'NR == FNR { a[$1] -= $2; next } { a[$1] += $2 }
      END { for (k in a) print r, m, k, a[k], tx }' "$TOP/kinds0" "$TOP/kinds1" >> "$TOP/kinds"
    WORK=${DIR[$m]}; CL_BASE=${BASEOF[$m]}
    master=$(cluster_master || echo "?")
    echo "$r $m $tps $p95 $load $master $tx $((jvm1 - jvm0)) $((db1 - db0)) $((busy1 - busy0)) $((all1 - all0)) $settle_busy" >> "$TOP/cells"
    printf 'run %s tls %-7s oltp_insert %s thr TPS %9s p95 %8s ms  load %s  master node %s  CPU busy %s%%  JVM/mariadbd ticks %s/%s  busy while settling %s%%\n' \
      "$r" "$m" "$THREADS" "$tps" "$p95" "$load" "$master" "$(( (busy1 - busy0) * 100 / (all1 - all0 > 0 ? all1 - all0 : 1) ))" \
      "$((jvm1 - jvm0))" "$((db1 - db0))" "$settle_busy"
  done
done

echo
echo "oltp_insert ${THREADS} threads through the ${ENTRY}'s RW port, ${TIME}s per cell, $TABLES tables x $ROWS rows, $RUNS rounds, $(nproc) cores," \
  "uptime at end: $(uptime)"
$PYTHON - "$TOP/cells" "$A" "$B" "${ENGINE[$A]}" "${ENGINE[$B]}" "$(getconf CLK_TCK)" "$(nproc)" "$TOP/kinds" <<'PY'
import math, sys, statistics as st
from math import comb
a, b = sys.argv[2], sys.argv[3]
engine = {a: sys.argv[4], b: sys.argv[5]}
hz, cores = int(sys.argv[6]), int(sys.argv[7])
c = {a: {}, b: {}}
for line in open(sys.argv[1]):
    f = line.split()
    r, m, tps, p95 = int(f[0]), f[1], float(f[2]), float(f[3])
    tx, jvm, db, busy, total = (int(x) for x in f[6:11])
    c[m][r] = dict(tps=tps, p95=p95, jvm=jvm / hz * 1e6 / max(tx, 1), db=db / hz * 1e6 / max(tx, 1),
                   machine=busy / hz * 1e6 / max(tx, 1), busy=100 * busy / max(total, 1))
med = lambda m, k: st.median(x[k] for x in c[m].values())
print("| TLS (engine of nodes 1/2/3) | median TPS | p95 ms (median) | machine busy % | CPU µs/tx: node JVMs | mariadbd | whole machine | cells (TPS) |")
print("|---|---|---|---|---|---|---|---|")
for m in (b, a):
    cells = ", ".join(f"{x['tps']:.0f}" for x in c[m].values())
    print(f"| {m} ({engine[m]}) | {med(m, 'tps'):,.0f} | {med(m, 'p95'):.1f} | {med(m, 'busy'):.0f} | {med(m, 'jvm'):,.0f} | "
          f"{med(m, 'db'):,.0f} | {med(m, 'machine'):,.0f} | {cells} |")
rounds = sorted(r for r in c[a] if r in c[b] and c[b][r]['tps'] > 0 and c[a][r]['tps'] > 0)
ratios = [c[a][r]['tps'] / c[b][r]['tps'] for r in rounds]
if ratios:
    print(f"per-round {a}/{b}: {', '.join(f'{q:.2f}' for q in ratios)}")
    n, s = len(ratios), sorted(ratios)
    # Distribution-free 95% interval of the median ratio: the k-th smallest and k-th largest of n, with k
    # the largest for which P(Binomial(n, 1/2) < k) <= 2.5%.
    k = max([j for j in range(1, n // 2 + 1) if sum(comb(n, i) for i in range(j)) / 2 ** n <= 0.025], default=0)
    ci = f"95% interval {s[k - 1]:.3f}-{s[n - k]:.3f}" if k else "too few rounds for a 95% interval"
    print(f"median per-round ratio {st.median(ratios):.3f} ({ci}, {n} rounds)")
    if n > 2:
        logs = [math.log(q) for q in ratios]
        mean, se = st.mean(logs), st.stdev(logs) / math.sqrt(n)
        print(f"geometric mean ratio {math.exp(mean):.3f} (+-2 standard errors: {math.exp(mean - 2 * se):.3f}-{math.exp(mean + 2 * se):.3f})")
# Cells alternate a b | b a | a b ...: the first cell of a round from the second on follows a cell of its own
# cluster, the second follows the other cluster's. Both kinds, compared per mode:
order = [(int(l.split()[0]), l.split()[1]) for l in open(sys.argv[1])]
after = {"own": {a: [], b: []}, "other": {a: [], b: []}}
for (r0, m0), (r, m) in zip(order, order[1:]):
    after["own" if m0 == m else "other"][m].append(c[m][r]['tps'])
for k, d in after.items():
    if d[a] and d[b]:
        print(f"cells following the {k} cluster's: {a} {st.median(d[a]):,.0f} ({len(d[a])}), {b} {st.median(d[b]):,.0f} "
              f"({len(d[b])}): {a}/{b} {st.median(d[a]) / st.median(d[b]):.3f}")
ma, mb = med(a, 'tps'), med(b, 'tps')
if b == "off":
    by_rounds = f", {100 * (1 - st.median(ratios)):+.1f}% by the median per-round ratio" if ratios else ""
    print(f"TLS cost: {100 * (1 - ma / mb):+.1f}% TPS of medians{by_rounds} (goal <= 5%)")
else:
    print(f"{a} against {b}: {100 * (ma / mb - 1):+.1f}% TPS of medians (positive: {a} is faster)")
print(f"CPU per transaction {a}/{b}: node JVMs {med(a, 'jvm') / med(b, 'jvm'):.3f}, mariadbd {med(a, 'db') / med(b, 'db'):.3f}, "
      f"whole machine {med(a, 'machine') / med(b, 'machine'):.3f} ({cores} cores)")
# Thread kinds: µs per transaction of each cell, the median per mode, largest differences first.
kinds = {}
for line in open(sys.argv[8]):
    r, m, k, ticks, tx = line.split()
    if m in (a, b) and int(tx) > 0:
        kinds.setdefault(k, {a: [], b: []})[m].append(int(ticks) / hz * 1e6 / int(tx))
rows = [(k, st.median(v[a]), st.median(v[b])) for k, v in kinds.items() if v[a] and v[b]]
rows = [x for x in rows if max(x[1], x[2]) >= 1]
if rows:
    print(f"JVM threads by node role and kind, CPU µs per transaction (median of the cells) {a} / {b} and the difference:")
    for role in ("master", "entry", "other"):
        ra = sum(x[1] for x in rows if x[0].startswith(role + ":"))
        rb = sum(x[2] for x in rows if x[0].startswith(role + ":"))
        if ra or rb:
            print(f"  {role:<6} all kinds {ra:7.0f} / {rb:7.0f}  {ra - rb:+7.0f}")
    for k, x, y in sorted(rows, key=lambda t: -abs(t[1] - t[2]))[:14]:
        print(f"  {k.replace('_', ' '):<34} {x:7.0f} / {y:7.0f}  {x - y:+7.0f}")
PY
