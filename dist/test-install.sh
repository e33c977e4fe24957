#!/usr/bin/env bash
# Follows INSTALL.md on one machine: three "hosts" are three network namespaces on a bridge (itself in a
# fourth namespace, so nothing touches the host's own network), each with the release tarball unpacked
# and a node started through bin/paxosql exactly as the systemd unit does. Bootstrap, write through another
# host's RW port, kill the master host's processes, check the failover kept every acknowledged row, and
# bring the host back. Run as root: `make test-dist` (part of `make test-slow`).
#
# Addresses 10.213.0.1-3 exist only inside the namespaces this script makes; it removes them, every
# process it started and its work dir at the end, even on failure.
set -euo pipefail

TARBALL=${1:?usage: test-install.sh target/paxosql-VERSION.tar.gz}
TARBALL=$(readlink -f "$TARBALL")
TAG=pxd$$
WORK=$(mktemp -d /tmp/pxd-XXXXXX)
NET=${TAG}-net
SUBNET=10.213.0

say() { printf '%s test-install: %s\n' "$(date +%T)" "$*"; }
fail() { say "FAIL: $*"; exit 1; }
host_ns() { echo "${TAG}-h$1"; }
in_host() { local i=$1; shift; ip netns exec "$(host_ns "$i")" "$@"; }

cleanup() {
  local rc=$?
  set +e
  [ -n "${WRITER_PID:-}" ] && kill -9 "$WRITER_PID" 2>/dev/null
  for i in 1 2 3; do [ -f "$WORK/h$i/node.pid" ] && kill -9 "$(cat "$WORK/h$i/node.pid")" 2>/dev/null; done
  # Every mariadbd this script started runs from a datadir under $WORK (the node starts it under setsid,
  # so it is not our child): find them by their command line.
  pgrep -f -- "--defaults-file=$WORK/" | xargs -r kill -9
  for i in 1 2 3; do ip netns del "$(host_ns "$i")" 2>/dev/null; done
  ip netns del "$NET" 2>/dev/null
  if [ $rc -ne 0 ]; then
    for i in 1 2 3; do
      [ -f "$WORK/h$i/node.log" ] && { echo "---- host $i node.log (tail)"; tail -n 40 "$WORK/h$i/node.log"; }
    done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || fail "needs root to make network namespaces (run: sudo make test-dist)"
command -v ip >/dev/null || fail "needs iproute2 (ip netns)"

# ---- the network: a bridge in its own namespace, one veth pair per host ------------------------------
ip netns add "$NET"
ip -n "$NET" link add br0 type bridge
ip -n "$NET" link set br0 up
for i in 1 2 3; do
  ns=$(host_ns "$i")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "${TAG}h$i" type veth peer name "${TAG}b$i"
  ip link set "${TAG}h$i" netns "$ns"
  ip link set "${TAG}b$i" netns "$NET"
  ip -n "$ns" link set "${TAG}h$i" name eth0
  ip -n "$ns" addr add "$SUBNET.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$NET" link set "${TAG}b$i" master br0
  ip -n "$NET" link set "${TAG}b$i" up
done
say "three hosts on a bridge: $SUBNET.1-3"

# ---- INSTALL.md steps 2-3: unpack, configure ----------------------------------------------------------
for i in 1 2 3; do
  mkdir -p "$WORK/h$i/opt" "$WORK/h$i/etc" "$WORK/h$i/data"
  tar -C "$WORK/h$i/opt" -xzf "$TARBALL"
  ln -s "$(ls -d "$WORK/h$i/opt"/paxosql-*)" "$WORK/h$i/opt/paxosql"
  # The template for host i, with the example addresses replaced and the data dir moved into the work dir.
  sed -e "s/10\.0\.0\./$SUBNET./g" -e "s|^dataDir: .*|dataDir: $WORK/h$i/data|" \
    "$WORK/h$i/opt/paxosql/conf/node$i.yaml" > "$WORK/h$i/etc/node.yaml"
done
# One admin token for the three hosts before their first start (INSTALL.md): init reaches every member
# and rolling-restart's step-downs work with it. Each node makes its MariaDB passwords itself.
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
for i in 1 2 3; do (umask 077; echo "$TOKEN" > "$WORK/h$i/data/admin-token"); done
PAXOSQL() { local i=$1; shift; in_host "$i" "$WORK/h$i/opt/paxosql/bin/paxosql" "$@"; }
# INSTALL.md step 3: the cluster CA and one certificate per host, each host's files beside its config.
PAXOSQL 1 certs --out "$WORK/tls" --nodes 1,2,3 --hosts "$SUBNET.1,$SUBNET.2,$SUBNET.3" >/dev/null \
  || fail "certs failed"
for i in 1 2 3; do
  mkdir -p "$WORK/h$i/etc/tls"
  cp "$WORK/tls/ca.pem" "$WORK/tls/node-$i.pem" "$WORK/tls/node-$i.key" "$WORK/h$i/etc/tls/"
  sed -i "s|/etc/paxosql/tls/|$WORK/h$i/etc/tls/|" "$WORK/h$i/etc/node.yaml"
done
version=$(PAXOSQL 1 --version)
say "unpacked: $version"
[[ $version == paxosql\ * ]] || fail "--version printed '$version'"

# ---- step 5: start each node with the unit's command line, wait with `ready` ---------------------------
# The systemd unit's command line, in the host's namespace; its pid is kept in the host's dir (the rolling
# restart below starts nodes from another process).
cat > "$WORK/start-host.sh" <<EOS
#!/usr/bin/env bash
i=\$1
setsid ip netns exec $TAG-h\$i $WORK/h\$i/opt/paxosql/bin/paxosql node --config $WORK/h\$i/etc/node.yaml \\
  >>$WORK/h\$i/node.log 2>&1 < /dev/null &
echo \$! > $WORK/h\$i/node.pid
EOS
# What an operator's restart command does (systemctl restart): SIGTERM, wait for the clean stop, start.
cat > "$WORK/restart-host.sh" <<EOS
#!/usr/bin/env bash
i=\$1
pid=\$(cat $WORK/h\$i/node.pid)
kill -TERM \$pid
for _ in \$(seq 1 400); do kill -0 \$pid 2>/dev/null || break; sleep 0.5; done
kill -0 \$pid 2>/dev/null && { echo "node \$i did not stop within 200 s" >&2; exit 1; }
$WORK/start-host.sh \$i
EOS
chmod +x "$WORK/start-host.sh" "$WORK/restart-host.sh"
start_host() { "$WORK/start-host.sh" "$1"; }
node_pid() { cat "$WORK/h$1/node.pid"; }
for i in 1 2 3; do start_host "$i"; done
for i in 1 2 3; do
  PAXOSQL "$i" ready --config "$WORK/h$i/etc/node.yaml" --timeout-s 180 || fail "host $i never became ready"
done

# ---- step 6: bootstrap ---------------------------------------------------------------------------------
PAXOSQL 2 admin --node "$SUBNET.1:7405" --token-file "$WORK/h2/data/admin-token" init --members "$SUBNET.1:7403,$SUBNET.2:7403,$SUBNET.3:7403"
master_id() {
  PAXOSQL "$1" admin --node "$SUBNET.$1:7405" --json status 2>/dev/null \
    | python3 -c 'import json,sys; m=json.load(sys.stdin).get("master"); print(m if m else "")' || true
}
wait_master() {
  local asker=$1 not=${2:-0} m=""
  for _ in $(seq 1 120); do
    m=$(master_id "$asker")
    if [ -n "$m" ] && [ "$m" != "$not" ]; then echo "$m"; return 0; fi
    sleep 0.5
  done
  fail "no master (other than $not) named by host $asker within 60 s"
}
M=$(wait_master 1)
say "initialised; master is node $M"
for i in 1 2 3; do
  PAXOSQL "$i" ready --config "$WORK/h$i/etc/node.yaml" --timeout-s 120 >/dev/null || fail "host $i not serving after init"
done

# The application account, made on the master's own MariaDB (root is local-only), as INSTALL.md says.
in_host "$M" mariadb -h127.0.0.1 -P3406 -uroot -p"$(cat "$WORK/h$M/data/mariadb-root-password")" -e \
  "CREATE USER 'app'@'%' IDENTIFIED BY 'app-$TAG'; CREATE DATABASE t; GRANT ALL ON t.* TO 'app'@'%'; CREATE TABLE t.w (id INT PRIMARY KEY)"

# ---- writes from host W (not the master) through its own RW port ------------------------------------
W=$(( M % 3 + 1 ))
ACKED=0
write_rows() {  # write_rows FROM TO: one autocommit insert per row, counting acknowledged ones
  local id
  for id in $(seq "$1" "$2"); do
    if in_host "$W" mariadb -h"$SUBNET.$W" -P3306 -uapp -p"app-$TAG" --connect-timeout=3 \
        -e "INSERT INTO t.w VALUES ($id)" 2>/dev/null; then
      ACKED=$id
    else
      return 1
    fi
  done
}
write_rows 1 50 || fail "writes through host $W's RW port failed before any fault (last acknowledged: $ACKED)"
say "50 rows written through host $W's RW port to master $M"

# ---- kill the master host: its node JVM and its mariadbd, with kill -9 -------------------------------
kill -9 "$(node_pid "$M")"
pgrep -f -- "--defaults-file=$WORK/h$M/" | xargs -r kill -9
t0=$(date +%s.%N)
# Writes resume through host W (W != M): retry the next one until the new master serves it. The gap is
# measured from the kill to that write's OK, so it includes the mariadb client's own start (~0.1-1 s).
next=$((ACKED + 1))
for _ in $(seq 1 120); do
  if write_rows "$next" "$next"; then break; fi
  sleep 0.25
done
[ "$ACKED" = "$next" ] || fail "no write succeeded through host $W within 60 s after the kill"
KILL_GAP=$(python3 -c "print(round($(date +%s.%N)-$t0,2))")
say "host $M killed; writes through host $W resumed after $KILL_GAP s"
M2=$(wait_master "$W" "$M")
say "node $M2 is the new master"
write_rows $((next + 1)) $((next + 49)) || fail "writes after the failover failed at $((ACKED + 1))"
count_on() {  # rows on host i's MariaDB, read locally
  in_host "$1" mariadb -h127.0.0.1 -P3406 -uroot -p"$(cat "$WORK/h$1/data/mariadb-root-password")" -N -e "SELECT COUNT(*) FROM t.w" 2>/dev/null || echo "?"
}
c=$(count_on "$M2")
[ "$c" = "$ACKED" ] || fail "new master $M2 holds $c rows, $ACKED were acknowledged"
say "after the failover: $ACKED acknowledged rows, all on the new master"

# ---- restart the dead host through the launcher; it catches up by itself -------------------------------
start_host "$M"
PAXOSQL "$M" ready --config "$WORK/h$M/etc/node.yaml" --timeout-s 180 || fail "host $M did not come back"
for _ in $(seq 1 120); do
  ok=1
  for i in 1 2 3; do [ "$(count_on "$i")" = "$ACKED" ] || ok=0; done
  [ $ok = 1 ] && break
  sleep 0.5
done
for i in 1 2 3; do
  c=$(count_on "$i")
  [ "$c" = "$ACKED" ] || fail "host $i holds $c rows after the restart, $ACKED were acknowledged"
done
say "every host holds all $ACKED acknowledged rows after the kill and the restart"

# ---- INSTALL.md step 7: a rolling restart under a running writer ---------------------------------------
in_host 1 mariadb -h"$SUBNET.$M2" -P3306 -uapp -p"app-$TAG" -e "CREATE TABLE t.r (id INT PRIMARY KEY)"
STOP="$WORK/writer.stop"
ip netns exec "$(host_ns 1)" /usr/bin/python3 "$(dirname "$0")/test-writer.py" "$SUBNET.1,$SUBNET.2,$SUBNET.3" 3306 \
  app "app-$TAG" t.r "$STOP" "$WORK/writer.json" 900 &
WRITER_PID=$!
sleep 3
PAXOSQL 1 admin --node "$SUBNET.1:7405" --token-file "$WORK/h1/data/admin-token" rolling-restart --restart-command "$WORK/restart-host.sh {id}" \
  || fail "rolling-restart failed"
sleep 3
touch "$STOP"
wait "$WRITER_PID" || fail "the writer failed"
WRITER_PID=
read -r RACKED RGAP RGAPAT RERR < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["acked"]), d["maxGapS"], d["gapAtS"], d["errors"])' "$WORK/writer.json")
[ "$RACKED" -gt 0 ] || fail "the writer acknowledged nothing during the rolling restart"
M3=$(wait_master 1)
for _ in $(seq 1 120); do
  ok=1
  for i in 1 2 3; do
    n=$(in_host "$i" mariadb -h127.0.0.1 -P3406 -uroot -p"$(cat "$WORK/h$i/data/mariadb-root-password")" -N -e "SELECT COUNT(*) FROM t.r" 2>/dev/null || echo 0)
    [ "$n" -ge "$RACKED" ] 2>/dev/null || ok=0
  done
  [ $ok = 1 ] && break
  sleep 0.5
done
for i in 1 2 3; do
  have=$(in_host "$i" mariadb -h127.0.0.1 -P3406 -uroot -p"$(cat "$WORK/h$i/data/mariadb-root-password")" -N -e "SELECT GROUP_CONCAT(id ORDER BY id) FROM t.r" 2>/dev/null)
  python3 -c 'import json,sys; a=set(json.load(open(sys.argv[1]))["acked"]); h=set(int(x) for x in sys.argv[2].split(",") if x); m=sorted(a-h); sys.exit("host %s lacks %d acknowledged ids, e.g. %s" % (sys.argv[3], len(m), m[:5]) if m else 0)' \
    "$WORK/writer.json" "$have" "$i" || fail "acknowledged writes lost in the rolling restart"
done
say "rolling restart: $RACKED writes acknowledged ($RERR failed and retried), all on every host; longest gap ${RGAP} s (at ${RGAPAT} s); one kill failover took ${KILL_GAP} s"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) * 1.5 + 2 else 1)" "$RGAP" "$KILL_GAP" \
  || fail "the rolling restart stopped writes for ${RGAP} s, longer than one failover (${KILL_GAP} s) allows"
say "PASS: install, bootstrap, failover, restart and rolling restart work from the tarball"
