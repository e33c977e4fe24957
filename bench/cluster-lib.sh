# Shared by the cluster benchmarks in bench/ (sourced, not run).
# Expects: ROOT, JAR, WORK set; the caller's EXIT trap calls cluster_stop and db_stop_all.

PYTHON=/usr/bin/python3   # PyMySQL is installed for this interpreter only

free_port() { $PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sql() { local p=$1; shift; mariadb --no-defaults -h127.0.0.1 -P"$p" -uroot -N -B -e "$*"; }
# CPU ticks (utime + stime, /proc/<pid>/stat fields 14 and 15) of the given processes, summed; a pid that
# has gone counts 0.
pid_ticks() { local p; for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $14 + $15 } END { print s + 0 }'; }
# The node id of a node JVM the demo started (from the nodeN.yaml in its command line), empty for another
# process or one that has gone (never a failure, for scripts under set -e -o pipefail).
jvm_node_id() { { tr '\0' ' ' < "/proc/$1/cmdline" | sed -nE 's/.*node([0-9]+)\.yaml.*/\1/p'; } 2>/dev/null || true; }
# Per thread of a JVM: "kind<TAB>ticks" (the name in parentheses may hold spaces; digits stripped, so that
# vert.x-eventloop-thread-3 and C2 CompilerThread1 count as one kind each), summed per kind.
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*/stat; do
    sed -E 's/^[0-9]+ \((.*)\) [A-Za-z] (.*)$/\1\t\2/' "$t" 2>/dev/null \
      | awk -F'\t' '{ split($2, f, " "); n = $1; gsub(/[0-9]+$/, "", n); gsub(/[ #-]+$/, "", n); print n "\t" (f[11] + f[12]) }'
  done | awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }'
}

# ---- plain MariaDB servers (baselines), durable settings as MariaDbConfig.renderDefaultsFile ----
DB_PIDS=()
db_start() { # name port server_id extra-my.cnf-lines
  local n=$1 p=$2 id=$3 extra=$4 d=$WORK/$1
  mkdir -p "$d/data" "$d/tmp"
  cat > "$d/my.cnf" <<CNF
[mariadbd]
user=root
basedir=/usr
datadir=$d/data
tmpdir=$d/tmp
socket=$d/s.sock
port=$p
bind_address=127.0.0.1
pid_file=$d/pid
log_error=$d/error.log
skip_name_resolve=ON
server_id=$id
log_bin=mysql-bin
log_bin_index=mysql-bin.index
relay_log=relay-bin
binlog_format=ROW
binlog_checksum=CRC32
gtid_domain_id=0
gtid_strict_mode=ON
log_slave_updates=ON
sync_binlog=1
innodb_flush_log_at_trx_commit=1
skip_slave_start=ON
innodb_buffer_pool_size=64M
innodb_buffer_pool_size_max=64M
innodb_log_file_size=32M
innodb_log_buffer_size=8M
key_buffer_size=8M
aria_pagecache_buffer_size=8M
query_cache_type=OFF
query_cache_size=0
max_connections=256
table_open_cache=256
table_definition_cache=400
thread_cache_size=8
performance_schema=OFF
max_allowed_packet=64M
$extra
CNF
  mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
  /usr/sbin/mariadbd --defaults-file="$d/my.cnf" >"$d/stdout" 2>&1 </dev/null &
  DB_PIDS+=($!)
  for _ in $(seq 300); do sql "$p" "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "mariadbd $n did not start: $(tail -5 "$d/error.log")" >&2; exit 1
}

db_stop_all() {
  local p
  for p in "${DB_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${DB_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  DB_PIDS=()
}

# Master + 2 replicas, MariaDB's own semi-sync AFTER_SYNC; $2 = extra replica lines (sync_relay_log=1).
semisync_start() { # prefix replica-extra -> sets SS_PORT
  local pre=$1 rextra=$2 pm p1 p2 id0=$3
  pm=$(free_port); p1=$(free_port); p2=$(free_port)
  db_start "$pre-m" "$pm" "$id0" "rpl_semi_sync_master_enabled=ON
rpl_semi_sync_master_wait_point=AFTER_SYNC
rpl_semi_sync_master_timeout=4000000000"
  sql "$pm" "SET SESSION sql_log_bin=0; CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpw';
    GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1'"
  local p i=1
  for p in "$p1" "$p2"; do
    db_start "$pre-r$i" "$p" $((id0 + i)) "rpl_semi_sync_slave_enabled=ON
read_only=ON
slave_parallel_threads=4
slave_parallel_mode=optimistic
$rextra"
    sql "$p" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pm, MASTER_USER='repl', MASTER_PASSWORD='replpw',
      MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE"
    i=$((i + 1))
  done
  for _ in $(seq 300); do
    [ "$(sql "$pm" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='RPL_SEMI_SYNC_MASTER_CLIENTS'")" = 2 ] && break
    sleep 0.1
  done
  SS_PORT=$pm
  SS_REPLICAS="$p1 $p2"
}

# ---- the paxosql cluster via `demo` with generated configs (ports BASE + 10*i + k) ----
DEMO_PID=
cluster_configs() { # base-port -> $WORK/conf/node1..5.yaml (4 and 5: spare members), data under $WORK/cluster
  local base=$1 i k f
  mkdir -p "$WORK/conf"
  for i in 1 2 3 4 5; do
    f=$WORK/conf/node$i.yaml
    sed "s#^dataDir: .*#dataDir: $WORK/cluster/node$i#" "$ROOT/conf/node$i.yaml" > "$f"
    for i2 in 1 2 3 4 5; do for k in 1 2 3 4 5 6 7; do
      sed -i "s/\b64$i2$k\b/$((base + 10 * i2 + k))/g" "$f"
    done; done
    # CLUSTER_EXTRA_YAML: top-level keys appended to every node's file (e.g. a small log window).
    [ -z "${CLUSTER_EXTRA_YAML:-}" ] || printf '%s\n' "$CLUSTER_EXTRA_YAML" >> "$f"
    # CLUSTER_TLS: off (plaintext member links), or the TLS engine auto|openssl|jdk; unset: the file's own.
    [ -z "${CLUSTER_TLS:-}" ] || cluster_set_tls "$f" "$CLUSTER_TLS"
  done
}

cluster_set_tls() { # node.yaml off|auto|openssl|jdk: rewrites the file's tls block
  case "$2" in off|auto|openssl|jdk) ;; *) echo "TLS mode must be off, auto, openssl or jdk, not '$2'" >&2; exit 2 ;; esac
  $PYTHON - "$1" "$2" <<'PY'
import sys
p, mode = sys.argv[1], sys.argv[2]
out, skip = [], False
for line in open(p):
    if line.startswith("tls:"):
        skip = True
        out.append("tls:\n" if mode != "off" else "tls: { mode: off }\n")
        if mode != "off":
            out.append(f"  engine: {mode}\n")
        continue
    if skip and line.startswith("  "):
        if mode != "off" and not line.lstrip().startswith("engine:"):
            out.append(line)
        continue
    skip = False
    out.append(line)
open(p, "w").write("".join(out))
PY
}

cluster_tls_engine() { # node: the TLS engine node i's /local reports (openssl, jdk or off)
  curl -s --max-time 2 "http://127.0.0.1:$(cluster_admin "$1")/local" \
    | $PYTHON -c 'import sys,json; print(json.load(sys.stdin).get("tlsEngine", "?"))' 2>/dev/null || echo "?"
}

SPARE_PIDS=()
cluster_start_spare() { # i (4 or 5): starts that spare member with an empty data dir (a learner until added)
  # The members call each other with one admin token: the joiner gets it before its first start.
  mkdir -p "$WORK/cluster/node$1" && install -m 600 "$WORK/cluster/node1/admin-token" "$WORK/cluster/node$1/"
  java -jar "$JAR" node --config "$WORK/conf/node$1.yaml" > "$WORK/node$1.out" 2>&1 &
  SPARE_PIDS+=($!)
  for _ in $(seq 600); do
    curl -s --max-time 1 "http://127.0.0.1:$(cluster_admin "$1")/local" >/dev/null 2>&1 && return 0
    kill -0 "${SPARE_PIDS[-1]}" 2>/dev/null || { echo "node $1 exited: $(tail -20 "$WORK/node$1.out")" >&2; exit 1; }
    sleep 0.2
  done
  echo "node $1's admin port did not answer in 120 s: $(tail -20 "$WORK/node$1.out")" >&2; exit 1
}

cluster_start() { # base-port
  CL_BASE=$1
  cluster_configs "$CL_BASE"
  java -jar "$JAR" demo --conf-dir "$WORK/conf" > "$WORK/demo.out" 2>&1 &
  DEMO_PID=$!
  for _ in $(seq 900); do
    grep -q 'The cluster is up' "$WORK/demo.out" 2>/dev/null && break
    kill -0 "$DEMO_PID" 2>/dev/null || { echo "demo exited: $(tail -20 "$WORK/demo.out")" >&2; exit 1; }
    sleep 0.2
  done
  grep -q 'The cluster is up' "$WORK/demo.out" || { echo "cluster did not come up: $(tail -20 "$WORK/demo.out")" >&2; exit 1; }
  APP_PW=$(cat "$WORK/cluster/app-password")
}

cluster_rw() { echo $((CL_BASE + 10 * $1 + 1)); }
cluster_admin() { echo $((CL_BASE + 10 * $1 + 5)); }
cluster_db() { echo $((CL_BASE + 10 * $1 + 6)); }
cluster_status() { curl -s --max-time 2 "http://127.0.0.1:$(cluster_admin "$1")/status"; }
cluster_master() { # prints master id (asking each node until one answers)
  local i m
  for i in 1 2 3; do
    m=$(cluster_status "$i" | $PYTHON -c 'import sys,json; d=json.load(sys.stdin); print(d.get("master") or "")' 2>/dev/null) || continue
    [ -n "$m" ] && { echo "$m"; return 0; }
  done
  return 1
}

cluster_stop() {
  local p
  for p in "${SPARE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${SPARE_PIDS[@]}"; do
    for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true
  done
  SPARE_PIDS=()
  [ -n "$DEMO_PID" ] || return 0
  kill -TERM "$DEMO_PID" 2>/dev/null || true
  for _ in $(seq 600); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$DEMO_PID" 2>/dev/null || true
  wait "$DEMO_PID" 2>/dev/null || true
  DEMO_PID=
  # Anything still alive on our temp dir (a node restarted by the failover loop, its mariadbd).
  for p in $(pgrep -f -- "$WORK/" || true); do
    [ "$p" = $$ ] || kill -9 "$p" 2>/dev/null || true
  done
}

# ---- oltp_insert on the semi-sync anchor and the cluster side by side (commit-wait.sh, follower-lag.sh) ----
# Expects TABLES and ROWS set as well.
nsql() { # node sql... : as root on node i's own MariaDB
  local i=$1; shift
  mariadb --no-defaults -h127.0.0.1 -P"$(cluster_db "$i")" -uroot -p"$(cat "$WORK/cluster/node$i/mariadb-root-password")" \
    -N -B -e "$*"
}

sb_insert() { # port user password [sysbench args]: oltp_insert on TABLES tables of ROWS rows in sbtest
  local p=$1 u=$2 pw=$3; shift 3
  sysbench oltp_insert --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$p" --mysql-user="$u" \
    --mysql-password="$pw" --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" "$@"
}

insert_bench_start() { # base-port -> SS_PORT and SS_REPLICAS, the cluster (APP_PW), sbtest prepared on both
  echo "load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
  semisync_start ss "" 10
  cluster_start "$1"
  sql "$SS_PORT" "CREATE DATABASE IF NOT EXISTS sbtest"
  sb_insert "$SS_PORT" root "" prepare > "$WORK/prepare-semisync.txt" 2>&1 || {
    echo "sysbench prepare on semi-sync failed:" >&2; tail -5 "$WORK/prepare-semisync.txt" >&2; return 1; }
  mariadb --no-defaults -h127.0.0.1 -P"$(cluster_rw 1)" -uapp -p"$APP_PW" -e "CREATE DATABASE IF NOT EXISTS sbtest"
  sb_insert "$(cluster_rw 1)" app "$APP_PW" prepare > "$WORK/prepare-cluster.txt" 2>&1 || {
    echo "sysbench prepare through node 1's RW port failed:" >&2; tail -5 "$WORK/prepare-cluster.txt" >&2
    echo "statuses:" >&2; for i in 1 2 3; do cluster_status "$i" >&2 || true; echo >&2; done; return 1; }
}
