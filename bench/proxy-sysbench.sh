#!/usr/bin/env bash
# sysbench through three paths to the same MariaDB: direct, our proxy (RO port, standalone via the
# hidden `java -jar target/paxosql.jar proxy --listen PORT --backend HOST:PORT`), and HAProxy
# (mode tcp, our own config and process). Prints QPS vs direct, p95 added, and CPU microseconds
# per forwarded query for each relay (utime+stime deltas from /proc/<pid>/stat).
#
# Usage: bench/proxy-sysbench.sh            (from the repository root; builds the jar if missing)
# Env:   TIME=10 (seconds per run)  RUNS=1 (runs per cell; the median QPS is reported)
#        THREADS="1 8"  TESTS="oltp_point_select oltp_read_only"  EVENT_LOOPS=1  HAPROXY_THREADS=1
#        TABLES=4 TABLE_SIZE=10000  WARMUP=10 (seconds of load through our relay before measuring)
#        JAR=target/paxosql.jar (the relay under test, e.g. an older build to compare)
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=${TIME:-10}
RUNS=${RUNS:-1}
THREADS=${THREADS:-"1 8"}
TESTS=${TESTS:-"oltp_point_select oltp_read_only"}
EVENT_LOOPS=${EVENT_LOOPS:-1}
HAPROXY_THREADS=${HAPROXY_THREADS:-1}
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-10000}
JAR=${JAR:-target/paxosql.jar}
TICK=$(getconf CLK_TCK)

for cmd in mariadbd mariadb-install-db sysbench haproxy java; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: run 'make deps' first" >&2; exit 1; }
done
[ -f "$JAR" ] || mvn -B -q package -DskipTests

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DB_PORT=$(free_port); OUR_PORT=$(free_port); HA_PORT=$(free_port)
WORK=$(mktemp -d /tmp/pxbench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/my.cnf" <<CNF
[mariadbd]
user=root
basedir=/usr
datadir=$WORK/data
tmpdir=$WORK
socket=$WORK/s.sock
port=$DB_PORT
bind_address=127.0.0.1
pid_file=$WORK/m.pid
log_error=$WORK/error.log
skip_name_resolve=ON
skip_log_bin
innodb_buffer_pool_size=256M
innodb_log_file_size=64M
max_connections=200
performance_schema=OFF
query_cache_type=OFF
CNF
mariadb-install-db --defaults-file="$WORK/my.cnf" --auth-root-authentication-method=normal --skip-test-db >/dev/null
mariadbd --defaults-file="$WORK/my.cnf" >/dev/null 2>&1 &
PIDS+=($!); DB_PID=$!
for _ in $(seq 100); do
  mariadb-admin --no-defaults -h127.0.0.1 -P"$DB_PORT" -uroot ping >/dev/null 2>&1 && break; sleep 0.1
done
mariadb --no-defaults -h127.0.0.1 -P"$DB_PORT" -uroot -e "CREATE DATABASE sbtest"

java -jar "$JAR" proxy --listen "$OUR_PORT" --backend "127.0.0.1:$DB_PORT" --event-loops "$EVENT_LOOPS" \
  > "$WORK/proxy.log" 2>&1 &
PIDS+=($!); OUR_PID=$!

cat > "$WORK/haproxy.cfg" <<CFG
global
  nbthread $HAPROXY_THREADS
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend mysql
  bind 127.0.0.1:$HA_PORT
  default_backend db
backend db
  server db1 127.0.0.1:$DB_PORT
CFG
haproxy -f "$WORK/haproxy.cfg" -db > "$WORK/haproxy.log" 2>&1 &
PIDS+=($!); HA_PID=$!

# Up to 80 s: on a saturated machine the JVM takes long to start.
for _ in $(seq 400); do
  mariadb --no-defaults -h127.0.0.1 -P"$OUR_PORT" -uroot -e "SELECT 1" >/dev/null 2>&1 \
    && mariadb --no-defaults -h127.0.0.1 -P"$HA_PORT" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.2
done

SB=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=root --mysql-db=sbtest
    --tables="$TABLES" --table-size="$TABLE_SIZE")
sysbench oltp_read_only "${SB[@]}" --mysql-port="$DB_PORT" prepare >/dev/null

# The JVM compiles its hot paths during the first seconds: warm our relay up before measuring.
sysbench oltp_read_only "${SB[@]}" --mysql-port="$OUR_PORT" --threads=4 --time="${WARMUP:-10}" run >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run TEST THREADS PORT RELAY_PID -> "qps p95_ms cpu_us_per_query"
run() {
  local test=$1 threads=$2 port=$3 pid=$4 out before after queries
  before=0; [ "$pid" != - ] && before=$(cpu_ticks "$pid")
  out=$(sysbench "$test" "${SB[@]}" --mysql-port="$port" --threads="$threads" --time="$TIME" \
        --percentile=95 --report-interval=0 run)
  after=0; [ "$pid" != - ] && after=$(cpu_ticks "$pid")
  queries=$(echo "$out" | awk '/queries:/ {print $2; exit}')
  echo "$out" | awk -v q="$queries" -v t="$TIME" -v d=$((after - before)) -v tick="$TICK" '
    /queries:/ {gsub(/\(/,"",$3); qps=$3}
    /95th percentile:/ {p95=$3}
    END {printf "%s %s %.1f\n", qps, p95, (q > 0 ? d * 1e6 / tick / q : 0)}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '\n%-18s %7s %-8s %11s %8s %9s %12s %14s\n' test threads path QPS vs_direct p95_ms p95_added_us cpu_us_per_q
for test in $TESTS; do
  for threads in $THREADS; do
    declare -A QPS=() P95=() CPU=()
    for path in direct ours haproxy; do
      case $path in
        direct) port=$DB_PORT; pid=-;;
        ours) port=$OUR_PORT; pid=$OUR_PID;;
        haproxy) port=$HA_PORT; pid=$HA_PID;;
      esac
      rows=()
      for _ in $(seq "$RUNS"); do rows+=("$(run "$test" "$threads" "$port" "$pid")"); done
      QPS[$path]=$(printf '%s\n' "${rows[@]}" | awk '{print $1}' | median)
      P95[$path]=$(printf '%s\n' "${rows[@]}" | awk '{print $2}' | median)
      CPU[$path]=$(printf '%s\n' "${rows[@]}" | awk '{print $3}' | median)
      awk -v t="$test" -v th="$threads" -v p="$path" -v q="${QPS[$path]}" -v dq="${QPS[direct]}" \
          -v l="${P95[$path]}" -v dl="${P95[direct]}" -v c="${CPU[$path]}" 'BEGIN {
        printf "%-18s %7s %-8s %11.0f %8.2fx %9.2f %12.0f %14s\n", t, th, p, q, q / dq, l,
          (l - dl) * 1000, (p == "direct" ? "-" : sprintf("%.1f", c)) }'
    done
  done
done
echo
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(mariadbd --version | awk '{print $3}'), $(haproxy -v | head -1 | awk '{print $1, $2, $3}')"
echo "relays: ours with $EVENT_LOOPS event loop(s), HAProxy nbthread $HAPROXY_THREADS; TIME=$TIME s, RUNS=$RUNS"
