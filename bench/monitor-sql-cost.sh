#!/usr/bin/env bash
# MariaDB's CPU per statement of a node's monitor (NodeMonitor + ForeignReplicaWatch), one statement at a
# time and merged: a plain MariaDB with the node's durable settings and a replica configured (so SHOW
# SLAVE STATUS has a row, as on a follower), N executions of each over one connection; prints mariadbd's
# utime+stime (from /proc/<pid>/stat) per execution, and the client's wall time per round trip.
# Usage (from anywhere): bench/monitor-sql-cost.sh      env: N=3000
set -euo pipefail
N=${N:-3000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/pxs-sqlcost-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
cleanup() { db_stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
PORT=$(free_port)
db_start cost "$PORT" 1 ""
sql "$PORT" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=9, MASTER_USER='x', MASTER_USE_GTID=slave_pos"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
$PYTHON - "$PORT" "${DB_PIDS[0]}" "$N" <<'PY'
import os, sys, time
import pymysql
from pymysql.constants import CLIENT
port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tick = os.sysconf("SC_CLK_TCK")
def ticks():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
c = pymysql.connect(host="127.0.0.1", port=port, user="root", client_flag=CLIENT.MULTI_STATEMENTS, autocommit=True)
cur = c.cursor()
status = "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'"
dumps = "SELECT ID, USER, HOST FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"
settings = ("SELECT @@GLOBAL.rpl_semi_sync_master_enabled, @@GLOBAL.rpl_semi_sync_master_wait_point, "
            "@@GLOBAL.rpl_semi_sync_master_timeout, @@GLOBAL.rpl_semi_sync_master_wait_no_slave")
merged_vars = ("SELECT @@GLOBAL.gtid_binlog_pos, @@GLOBAL.rpl_semi_sync_master_enabled, "
               "@@GLOBAL.rpl_semi_sync_master_wait_point, @@GLOBAL.rpl_semi_sync_master_timeout, "
               "@@GLOBAL.rpl_semi_sync_master_wait_no_slave")
cases = [
    ("SELECT 1", "SELECT 1"),
    ("SELECT @@GLOBAL.gtid_binlog_pos", "SELECT @@GLOBAL.gtid_binlog_pos"),
    ("SHOW SLAVE STATUS", "SHOW SLAVE STATUS"),
    ("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'", status),
    ("information_schema.GLOBAL_STATUS semi-sync clients",
     "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='RPL_SEMI_SYNC_MASTER_CLIENTS'"),
    ("PROCESSLIST binlog dumps", dumps),
    ("SHOW PROCESSLIST (the replica check's dump list since branch idle)", "SHOW PROCESSLIST"),
    ("one round trip: status; SHOW PROCESSLIST (the check's count, once a second)", f"{status}; SHOW PROCESSLIST"),
    ("semi-sync settings", settings),
    ("one round trip: vars; status; dumps; SHOW SLAVE STATUS", f"{merged_vars}; {status}; {dumps}; SHOW SLAVE STATUS"),
]
print(f"{n} executions each; mariadbd CPU per execution and client wall time per round trip:")
for name, q in cases:
    for _ in range(50):
        cur.execute(q)
        while cur.nextset():
            pass
    t0, w0 = ticks(), time.perf_counter()
    for _ in range(n):
        cur.execute(q)
        cur.fetchall()
        while cur.nextset():
            cur.fetchall()
    t1, w1 = ticks(), time.perf_counter()
    print(f"  {1e6 * (t1 - t0) / tick / n:7.1f} us CPU  {1e6 * (w1 - w0) / n:7.1f} us wall  {name}")
PY
