#!/usr/bin/env bash
# sysbench oltp_point_select through a follower's RO port of a real 3-node cluster (three
# `paxosql node` JVMs, each with its managed mariadbd), in LOCAL and LINEARIZABLE read modes.
# The mode is switched by editing the follower's YAML (hot reload), runs alternate between modes.
#
# Usage: bench/reads-sysbench.sh          (from the repository root; builds the jar if missing)
# Env:   TIME=10 (seconds per run)  RUNS=3 (runs per mode; medians reported)  THREADS=8
#        TABLES=2 TABLE_SIZE=10000  WARMUP=10
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=${TIME:-10}
RUNS=${RUNS:-3}
THREADS=${THREADS:-8}
TABLES=${TABLES:-2}
TABLE_SIZE=${TABLE_SIZE:-10000}
JAR=target/paxosql.jar

for cmd in mariadbd sysbench java curl python3; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: run 'make deps' first" >&2; exit 1; }
done
[ -f "$JAR" ] || mvn -B -q package -DskipTests

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d /tmp/pxreads-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  # the nodes stop their own mariadbd on SIGTERM; make sure none outlives us
  find "$WORK" -name mariadbd.pid 2>/dev/null | while read -r f; do kill -9 "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -A P
for i in 1 2 3; do for k in rw ro paxos binlog admin db internal; do P[$i,$k]=$(free_port); done; done
MEMBERS=""
for i in 1 2 3; do
  MEMBERS+="  - { id: $i, host: 127.0.0.1, paxos: ${P[$i,paxos]}, internal: ${P[$i,internal]}, admin: ${P[$i,admin]} }"$'\n'
done
write_conf() { # node mode
  cat > "$WORK/node$1.yaml.tmp" <<YAML
clusterId: bench
nodeId: $1
dataDir: node$1
logLevel: WARN
ports: { rw: ${P[$1,rw]}, ro: ${P[$1,ro]}, paxos: ${P[$1,paxos]}, binlog: ${P[$1,binlog]}, admin: ${P[$1,admin]}, internal: ${P[$1,internal]} }
members:
$MEMBERS
mariadb: { port: ${P[$1,db]} }
replication: { user: paxosql_repl }
proxy: { roConsistency: $2, roMaxLagMs: 5000 }
YAML
  mv "$WORK/node$1.yaml.tmp" "$WORK/node$1.yaml"
}
JAVA_OPTS=(--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Xmx384m)
# One admin token and one root password for the three nodes (a node keeps the secrets it finds), so
# init reaches every member and root works through any RW port whichever node is master.
ADMIN_TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ROOT_PW=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
for i in 1 2 3; do
  mkdir -p "$WORK/node$i"
  (umask 077; echo "$ADMIN_TOKEN" > "$WORK/node$i/admin-token"; echo "$ROOT_PW" > "$WORK/node$i/mariadb-root-password")
done
for i in 1 2 3; do
  write_conf "$i" local
  java "${JAVA_OPTS[@]}" -jar "$JAR" node --config "$WORK/node$i.yaml" > "$WORK/node$i.log" 2>&1 &
  PIDS+=($!)
done
for _ in $(seq 600); do curl -sf "http://127.0.0.1:${P[1,admin]}/members" >/dev/null 2>&1 && break; sleep 0.3; done
for i in 2 3; do for _ in $(seq 600); do curl -sf "http://127.0.0.1:${P[$i,admin]}/members" >/dev/null 2>&1 && break; sleep 0.3; done; done
curl -sf -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:${P[1,admin]}/init" \
  -d "{\"members\": [\"127.0.0.1:${P[1,paxos]}\", \"127.0.0.1:${P[2,paxos]}\", \"127.0.0.1:${P[3,paxos]}\"]}" >/dev/null
MASTER=""
for _ in $(seq 300); do
  MASTER=$(curl -sf "http://127.0.0.1:${P[1,admin]}/status" | python3 -c 'import json,sys; m=json.load(sys.stdin)["master"]; print(m if m else "")' || true)
  [ -n "$MASTER" ] && break; sleep 0.3
done
[ -n "$MASTER" ] || { echo "no master; see $WORK/node*.log" >&2; exit 1; }
READER=3; [ "$MASTER" = 3 ] && READER=2
echo "master: node $MASTER; reading through node $READER's RO port (a follower)"

SB=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=root --mysql-password="$ROOT_PW" --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE")
# The RW port answers "no master" until every node routes to the new master: retry briefly.
for _ in $(seq 50); do
  mariadb --no-defaults -h127.0.0.1 -P"${P[$MASTER,rw]}" -uroot -p"$ROOT_PW" -e "CREATE DATABASE IF NOT EXISTS sbtest" 2>/dev/null && break
  sleep 0.3
done
sb_quiet() { # sysbench prints its errors on stdout: show them when it fails
  "$@" > "$WORK/sysbench.out" 2>&1 || { tail -20 "$WORK/sysbench.out" >&2; tail -20 "$WORK"/node*.log >&2; exit 1; }
}
sb_quiet sysbench oltp_point_select "${SB[@]}" --mysql-port="${P[$MASTER,rw]}" prepare
last=sbtest$TABLES
for _ in $(seq 600); do
  n=$(mariadb --no-defaults -h127.0.0.1 -P"${P[$READER,ro]}" -uroot -p"$ROOT_PW" -N -e "SELECT COUNT(*) FROM sbtest.$last" 2>/dev/null || echo 0)
  [ "$n" = "$TABLE_SIZE" ] && break; sleep 0.3
done

set_mode() { # mode: rewrite the follower's YAML and wait for the watcher (1 s scan)
  write_conf "$READER" "$1"; sleep 3
}
run() { # -> "qps p95_ms"
  sysbench oltp_point_select "${SB[@]}" --mysql-port="${P[$READER,ro]}" --threads="$THREADS" --time="$TIME" \
      --percentile=95 --report-interval=0 run \
    | awk '/queries:/ {gsub(/\(/,"",$3); qps=$3} /95th percentile:/ {p95=$3} END {print qps, p95}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

sb_quiet sysbench oltp_point_select "${SB[@]}" --mysql-port="${P[$READER,ro]}" --threads=4 --time="${WARMUP:-10}" run
set_mode linearizable
sb_quiet sysbench oltp_point_select "${SB[@]}" --mysql-port="${P[$READER,ro]}" --threads=4 --time="${WARMUP:-10}" run
declare -A ROWS
for r in $(seq "$RUNS"); do
  for mode in local linearizable; do
    set_mode "$mode"
    line=$(run); ROWS[$mode]+="$line"$'\n'
    echo "run $r $mode: $line"
  done
done
printf '\n%-14s %7s %10s %8s %8s\n' mode threads QPS vs_local p95_ms
LQ=$(printf '%s' "${ROWS[local]}" | awk '{print $1}' | median)
for mode in local linearizable; do
  q=$(printf '%s' "${ROWS[$mode]}" | awk '{print $1}' | median)
  l=$(printf '%s' "${ROWS[$mode]}" | awk '{print $2}' | median)
  awk -v m="$mode" -v t="$THREADS" -v q="$q" -v lq="$LQ" -v l="$l" 'BEGIN {printf "%-14s %7s %10.0f %7.2fx %8s\n", m, t, q, q / lq, l}'
done
echo
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1), $(mariadbd --version | awk '{print $3}')"
echo "cluster: 3 node JVMs + 3 mariadbd on this machine; TIME=$TIME s, RUNS=$RUNS, $TABLES tables x $TABLE_SIZE rows"
