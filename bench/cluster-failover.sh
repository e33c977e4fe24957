#!/usr/bin/env bash
# Failover time over KILLS kills of the master (node JVM + its mariadbd, both kill -9) under a continuous
# writer going through a surviving node's RW port; the killed node is restarted and must rejoin as a
# caught-up FOLLOWER before the next round. At the end: every acknowledged write on all three nodes.
# Usage: KILLS=10 bench/cluster-failover.sh     env: BASE (ports BASE + 10*i + k, default 7500), KEEP=1
set -euo pipefail
KILLS=${KILLS:-10}
BASE=${BASE:-7500}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/paxosql.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
WORK=$(mktemp -d /tmp/pxs-cfail-XXXXXX)
. "$ROOT/bench/cluster-lib.sh"
KEEP=${KEEP:-0}
cleanup() {
  cluster_stop
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "load before start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
cluster_start "$BASE"
rc=0
$PYTHON "$ROOT/bench/cluster_failover.py" "$WORK" "$JAR" "$BASE" "$KILLS" "$APP_PW" || rc=$?
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  echo "node$i.log: $(grep -c -E ' (WARN|ERROR) ' "$WORK/cluster/node$i.log" || true) WARN/ERROR lines; most frequent:"
  grep -E ' (WARN|ERROR) ' "$WORK/cluster/node$i.log" | sed -E 's/^[0-9T:.+ -]+//' | cut -c1-160 | sort | uniq -c \
    | sort -rn | head -5 || true
done
exit $rc
