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
# env: MODES ("on off") TABLES ROWS BASE_ON BASE_OFF (ports of the first and second cluster) KEEP READY_S WARMUP ENTRY JAR
set -euo pipefail
RUNS=${RUNS:-3}
TIME=${TIME:-20}
TABLES=${TABLES:-4}
ROWS=${ROWS:-10000}
THREADS=${THREADS:-32}
BASE_ON=${BASE_ON:-7500}
BASE_OFF=${BASE_OFF:-7600}
WARMUP=${WARMUP:-30}      # seconds of unmeasured load per cluster before the rounds (0: none)
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
declare -A PID DIR PORT PASS BASEOF ENGINE
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
  if [ "$ENTRY" = master ]; then PORT[$m]=$(cluster_rw "$master"); else PORT[$m]=$(cluster_rw $(( master == 1 ? 2 : 1 ))); fi
}
for m in "$A" "$B"; do
  mariadb --no-defaults -h127.0.0.1 -P"${PORT[$m]}" -uapp -p"${PASS[$m]}" -e "CREATE DATABASE IF NOT EXISTS sbtest"
  sb "$m" oltp_insert prepare > "$TOP/prepare-$m.txt" 2>&1 || { echo "prepare on $m failed" >&2; exit 1; }
  via_follower "$m"
  # One unmeasured cell per cluster: the JVMs' JIT warm-up otherwise makes the first rounds the slowest.
  [ "$WARMUP" = 0 ] || sb "$m" oltp_insert --threads="$THREADS" --time="$WARMUP" run > "$TOP/warmup-$m.txt" 2>&1 || true
done

: > "$TOP/cells"
for r in $(seq "$RUNS"); do
  # alternate which mode goes first, so a drift in background load does not favour one
  if [ $((r % 2)) = 1 ]; then order="$A $B"; else order="$B $A"; fi
  for m in $order; do
    f=$TOP/$m-$r.txt
    load=$(cut -d' ' -f1 /proc/loadavg)
    if sb "$m" oltp_insert --threads="$THREADS" --time="$TIME" --report-interval=0 --percentile=95 run > "$f" 2>&1; then
      tps=$(grep -E '^\s+transactions:' "$f" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
      p95=$(grep -E '95th percentile:' "$f" | awk '{print $3}')
    else
      echo "cell FAILED on $m: $(grep -iE 'error|fatal' "$f" | head -2)"; tps=0; p95=nan
    fi
    WORK=${DIR[$m]}; CL_BASE=${BASEOF[$m]}
    master=$(cluster_master || echo "?")
    echo "$r $m $tps $p95 $load $master" >> "$TOP/cells"
    printf 'run %s tls %-7s oltp_insert %s thr TPS %9s p95 %8s ms  load %s  master node %s\n' "$r" "$m" "$THREADS" "$tps" "$p95" "$load" "$master"
  done
done

echo
echo "oltp_insert ${THREADS} threads through the ${ENTRY}'s RW port, ${TIME}s per cell, $TABLES tables x $ROWS rows, $RUNS rounds, $(nproc) cores," \
  "uptime at end: $(uptime)"
$PYTHON - "$TOP/cells" "$A" "$B" "${ENGINE[$A]}" "${ENGINE[$B]}" <<'PY'
import sys, statistics as st
a, b = sys.argv[2], sys.argv[3]
engine = {a: sys.argv[4], b: sys.argv[5]}
c = {a: [], b: []}
for line in open(sys.argv[1]):
    r, m, tps, p95, load, master = line.split()
    c[m].append((float(tps), float(p95)))
print(f"| TLS (engine of nodes 1/2/3) | median TPS | p95 ms (median) | cells |")
print(f"|---|---|---|---|")
for m in (b, a):
    print(f"| {m} ({engine[m]}) | {st.median(x[0] for x in c[m]):,.0f} | {st.median(x[1] for x in c[m]):.1f} | {', '.join(f'{x[0]:.0f}' for x in c[m])} |")
ma = st.median(x[0] for x in c[a]); mb = st.median(x[0] for x in c[b])
ratios = [x[0] / y[0] for x, y in zip(c[a], c[b]) if y[0] > 0]
print(f"per-round {a}/{b}: {', '.join(f'{q:.2f}' for q in ratios)} (median {st.median(ratios):.2f})" if ratios else "")
if b == "off":
    print(f"TLS cost: {100 * (1 - ma / mb):+.1f}% TPS of medians (goal <= 5%)")
else:
    print(f"{a} against {b}: {100 * (ma / mb - 1):+.1f}% TPS of medians (positive: {a} is faster)")
PY
