#!/usr/bin/env bash
# sysbench oltp_write_only, 8 threads, against a semi-sync master A replicated to B in two ways:
#   ours:   A → capture → in-memory log (confirmed at once) → binlog server → B   (paxosql.jar relay)
#   native: A → B, MariaDB's own semi-sync (AFTER_SYNC) replica
# Prints TPS of each, the ratio, and replica lag (transactions B is behind A, sampled each second,
# and the time B needs to catch up after the run). Each mode gets a 10 s warm-up first. Usage: bench/binlog-sysbench.sh [seconds] [tables] [rows]
set -euo pipefail
DUR=${1:-30}
TABLES=${2:-4}
ROWS=${3:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sql() { local p=$1; shift; mariadb --no-defaults -h127.0.0.1 -P"$p" -uroot -N -B -e "$*"; }

start_db() { # name port server_id extra-config-lines
  local n=$1 p=$2 id=$3 extra=$4 d=$WORK/$1
  mkdir -p "$d/data" "$d/tmp"
  cat > "$d/my.cnf" <<CNF
[mariadbd]
user=root
datadir=$d/data
tmpdir=$d/tmp
socket=$d/s.sock
port=$p
bind_address=127.0.0.1
log_error=$d/error.log
pid_file=$d/pid
skip_name_resolve=ON
server_id=$id
log_bin=mysql-bin
binlog_format=ROW
binlog_checksum=CRC32
gtid_strict_mode=ON
log_slave_updates=ON
sync_binlog=1
innodb_flush_log_at_trx_commit=1
skip_slave_start=ON
innodb_buffer_pool_size=128M
innodb_log_file_size=64M
performance_schema=OFF
max_connections=100
$extra
CNF
  mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
  /usr/sbin/mariadbd --defaults-file="$d/my.cnf" >"$d/stdout" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do sql "$p" "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "mariadbd $n did not start: $(tail -5 "$d/error.log")" >&2; exit 1
}

wait_clients() { # port: until A has one semi-sync client
  for _ in $(seq 200); do
    [ "$(sql "$1" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='RPL_SEMI_SYNC_MASTER_CLIENTS'")" = 1 ] && return 0
    sleep 0.1
  done
  echo "no semi-sync client on A" >&2; exit 1
}

seqno() { sed -E 's/.*-([0-9]+)$/\1/' <<<"${1:-0-0-0}"; }

run_mode() {
  local mode=$1 pa pb pr
  pa=$(port); pb=$(port); pr=$(port)
  rm -rf "$WORK/a" "$WORK/b"
  start_db a "$pa" 1 "rpl_semi_sync_master_enabled=ON
rpl_semi_sync_master_wait_point=AFTER_SYNC
rpl_semi_sync_master_timeout=4000000000"
  start_db b "$pb" 2 "rpl_semi_sync_slave_enabled=ON"
  sql "$pa" "SET SESSION sql_log_bin=0; CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpw';
    GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1'"
  if [ "$mode" = ours ]; then
    java -jar "$JAR" relay --master-port "$pa" --master-password replpw --listen-port "$pr" >"$WORK/relay.log" 2>&1 &
    PIDS+=($!)
    wait_clients "$pa"
    sql "$pb" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pr, MASTER_USER='relay', MASTER_PASSWORD='relaypw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE"
  else
    sql "$pb" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pa, MASTER_USER='repl', MASTER_PASSWORD='replpw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE"
    wait_clients "$pa"
  fi
  sql "$pa" "CREATE DATABASE sbtest"
  local sb=(sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$pa" --mysql-user=root
    --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS")
  "${sb[@]}" prepare >/dev/null
  sql "$pb" "SELECT MASTER_GTID_WAIT('$(sql "$pa" 'SELECT @@gtid_binlog_pos')', 120)" >/dev/null
  # Warm-up (the relay's JIT, both servers' buffer pools), then wait for B before measuring.
  "${sb[@]}" --threads=8 --time=10 --report-interval=0 run > /dev/null
  sql "$pb" "SELECT MASTER_GTID_WAIT('$(sql "$pa" 'SELECT @@gtid_binlog_pos')', 600)" >/dev/null
  local lagfile=$WORK/lag-$mode
  : > "$lagfile"
  ( while true; do
      local ha io ap
      ha=$(seqno "$(sql "$pa" 'SELECT @@gtid_binlog_pos')")
      io=$(seqno "$(mariadb --no-defaults -h127.0.0.1 -P"$pb" -uroot -e 'SHOW SLAVE STATUS\G' | awk '/Gtid_IO_Pos/ {print $2}')")
      ap=$(seqno "$(sql "$pb" 'SELECT @@gtid_slave_pos')")
      # A is sampled first, so B may already be past it: count that as no lag.
      echo "$(( ha > ap ? ha - ap : 0 )) $(( ha > io ? ha - io : 0 ))" >> "$lagfile"
      sleep 1
    done ) &
  local sampler=$!
  "${sb[@]}" --threads=8 --time="$DUR" --report-interval=0 run > "$WORK/run-$mode.txt"
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  local t0 t1 pos
  pos=$(sql "$pa" 'SELECT @@gtid_binlog_pos')
  t0=$(date +%s.%N)
  sql "$pb" "SELECT MASTER_GTID_WAIT('$pos', 300)" >/dev/null
  t1=$(date +%s.%N)
  TPS[$mode]=$(grep -E '^\s+transactions:' "$WORK/run-$mode.txt" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
  LAT[$mode]=$(grep -E '^\s+avg:' "$WORK/run-$mode.txt" | awk '{print $2}')
  LAGAVG[$mode]=$(awk '{s+=$1; n++} END {printf "%.0f", n ? s/n : 0}' "$lagfile")
  LAGMAX[$mode]=$(awk '{if ($1>m) m=$1} END {print m+0}' "$lagfile")
  IOLAG[$mode]=$(awk '{s+=$2; n++; if ($2>m) m=$2} END {printf "%.0f/%d", n ? s/n : 0, m}' "$lagfile")
  CATCHUP[$mode]=$(echo "$t1 - $t0" | bc)
  [ "$(sql "$pb" "SELECT @@gtid_slave_pos")" = "$pos" ] || { echo "$mode: B did not converge" >&2; exit 1; }
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
}

declare -A TPS LAT LAGAVG LAGMAX CATCHUP IOLAG
for mode in native ours; do run_mode "$mode"; done
echo "sysbench oltp_write_only, 8 threads, ${DUR}s, $TABLES tables x $ROWS rows, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# applied lag: transactions A has binlogged that B has not applied; received lag: not yet received by B's IO thread.
printf '%-8s %9s %11s %16s %16s %18s %10s\n' mode TPS avg_lat_ms applied_lag_avg applied_lag_max received_lag_avg/max catchup_s
for mode in native ours; do
  printf '%-8s %9s %11s %16s %16s %18s %10.2f\n' "$mode" "${TPS[$mode]}" "${LAT[$mode]}" "${LAGAVG[$mode]}" "${LAGMAX[$mode]}" "${IOLAG[$mode]}" "${CATCHUP[$mode]}"
done
echo "TPS ratio ours/native: $(echo "scale=3; ${TPS[ours]} / ${TPS[native]}" | bc)"
