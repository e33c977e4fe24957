"""Failover loop for bench/cluster-failover.sh (run by /usr/bin/python3: PyMySQL lives there).

A writer thread inserts one row per autocommit transaction through a follower's RW port, reconnecting
and going on with the next id after any error. Each round: find the master, kill -9 its node JVM and its
mariadbd together, wait for a new master, take failover = the longest gap between consecutive OKs from the last OK before the kill
to the first OK after the new master was seen,
restart the killed node with `java -jar paxosql.jar node --config ...`, wait until it is FOLLOWER and
caught up. At the end every acknowledged id must be on all three MariaDB servers and CHECKSUM TABLE equal.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import pymysql

WORK, JAR, BASE, KILLS, APP_PW = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
NODES = (1, 2, 3)


def port(node, k):
    return BASE + 10 * node + k


def status(node):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port(node, 5)}/status", timeout=2) as r:
            return json.load(r)
    except Exception:
        return None


def master_of(nodes):
    for n in nodes:
        s = status(n)
        if s and s.get("master"):
            return s["master"], s
    return None, None


def pids(pattern):
    out = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


class Writer(threading.Thread):
    """Writes id = 1, 2, ... ; records (id, monotonic time) of every OK."""

    def __init__(self):
        super().__init__(daemon=True)
        self.target = None
        self.acked = []
        self.errors = 0
        self.stop = False
        self.lock = threading.Lock()

    def run(self):
        next_id, conn, conn_port = 1, None, None
        while not self.stop:
            want = self.target
            try:
                if conn is None or conn_port != want:
                    if conn is not None:
                        conn.close()
                        conn = None
                    conn = pymysql.connect(host="127.0.0.1", port=port(want, 1), user="app", password=APP_PW,
                                           database="fo", autocommit=True, connect_timeout=2,
                                           read_timeout=5, write_timeout=5)
                    conn_port = want
                i = next_id
                next_id += 1
                with conn.cursor() as c:
                    c.execute("INSERT INTO t (id, v) VALUES (%s, %s)", (i, "x" * 32))
                with self.lock:
                    self.acked.append((i, time.monotonic()))
            except Exception:
                self.errors += 1
                try:
                    if conn is not None:
                        conn.close()
                except Exception:
                    pass
                conn = None
                time.sleep(0.02)

    def oks_between(self, t0, t1):
        with self.lock:
            return [t for _, t in self.acked if t0 < t <= t1]


def wait_for(what, cond, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")


def caught_up(node):
    m, s = master_of([n for n in NODES])
    if not m or m == node or not s:
        return False
    me = next((x for x in s["members"] if x["id"] == node), None)
    if not (me and me.get("reachable") and me.get("role") == "FOLLOWER" and (me.get("lagTransactions") or 0) <= 5):
        return False
    # Its own view too: until it knows the master, its RW port refuses ("no master").
    own = status(node)
    return bool(own and own.get("master") == m)


def promotion_phases(node, wall_kill):
    """(kill -> PROMOTING, PROMOTING -> MASTER) in seconds, from the new master's roleChanges."""
    s = status(node) or {}
    from datetime import datetime
    ts = lambda x: datetime.fromisoformat(x["time"][:26].rstrip("Z")).timestamp() - time.timezone
    ch = [c for c in s.get("roleChanges", []) if c.get("node") == node]
    prom = [ts(c) for c in ch if c["role"] == "PROMOTING"]
    mast = [ts(c) for c in ch if c["role"] == "MASTER"]
    if not prom or not mast:
        return (float("nan"), float("nan"))
    return (prom[-1] - wall_kill, mast[-1] - prom[-1])


def main():
    m, _ = wait_for("a master", lambda: master_of(NODES), 120)
    root = pymysql.connect(host="127.0.0.1", port=port(m, 1), user="app", password=APP_PW, autocommit=True)
    with root.cursor() as c:
        c.execute("CREATE DATABASE IF NOT EXISTS fo")
        c.execute("CREATE TABLE IF NOT EXISTS fo.t (id BIGINT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB")
    root.close()
    w = Writer()
    w.target = next(n for n in NODES if n != m)
    w.start()
    wait_for("first write", lambda: len(w.acked) > 0, 30)
    times, restarts, phases = [], [], []
    for k in range(1, KILLS + 1):
        m, _ = wait_for("a master", lambda: master_of(NODES), 60)
        w.target = next(n for n in NODES if n != m)
        time.sleep(3)  # steady writing through the new target before the kill
        node_pids = pids(f"node --config {WORK}/conf/node{m}.yaml")
        db_pids = pids(f"{WORK}/cluster/node{m}/mariadb/")
        if not node_pids or not db_pids:
            raise SystemExit(f"round {k}: master node {m}: node pids {node_pids}, mariadbd pids {db_pids}")
        load = os.getloadavg()[0]
        t_kill = time.monotonic()
        wall_kill = time.time()
        for p in node_pids + db_pids:
            os.kill(p, signal.SIGKILL)
        before = w.oks_between(0, t_kill)
        last_ok = before[-1] if before else t_kill
        survivors = [n for n in NODES if n != m]
        new_m, _ = wait_for("a new master", lambda: (lambda r: r if r[0] and r[0] != m else None)(master_of(survivors)), 60)
        t_master = time.monotonic()
        # A commit already chosen when the kill landed may still return OK just after it; the outage is the
        # longest silence between consecutive OKs from the last OK before the kill up to the first OK after
        # the new master was seen.
        first_ok = wait_for("the first OK after the new master", lambda: (w.oks_between(t_master, 1e18) or [None])[0], 60)
        seq = [last_ok] + w.oks_between(last_ok, first_ok)
        ft = max(b - a for a, b in zip(seq, seq[1:]))
        times.append(ft)
        phases.append(promotion_phases(new_m, wall_kill))
        log(f"round {k}: killed master {m} (pids {node_pids} + mariadbd {db_pids}), writer via node {w.target}, "
            f"new master {new_m} seen after {t_master - t_kill:.2f} s, longest OK gap {ft:.2f} s "
            f"(kill -> PROMOTING {phases[-1][0]:.2f} s, PROMOTING -> MASTER {phases[-1][1]:.2f} s), load {load:.1f}, writer errors so far {w.errors}")
        t_r = time.monotonic()
        logf = open(f"{WORK}/cluster/node{m}.log", "ab")
        subprocess.Popen(["java", "-jar", JAR, "node", "--config", f"{WORK}/conf/node{m}.yaml"],
                         stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for(f"node {m} FOLLOWER and caught up", lambda: caught_up(m), 180)
        restarts.append(time.monotonic() - t_r)
        log(f"round {k}: node {m} back as FOLLOWER, caught up {restarts[-1]:.1f} s after restart")
    time.sleep(2)
    w.stop = True
    w.join(10)
    acked = sorted(i for i, _ in w.acked)
    # Every member must have applied everything before we compare; a DIVERGED member never will: it is
    # reported (a failure) and the others are compared.
    def settled():
        s = master_of(NODES)[1]
        return s and all(x.get("reachable") and (x.get("role") == "DIVERGED" or (x.get("lagTransactions") or 0) == 0)
                         for x in s["members"])
    wait_for("all members caught up", settled, 120)
    diverged = [x["id"] for x in master_of(NODES)[1]["members"] if x.get("role") == "DIVERGED"]
    ok = not diverged
    if diverged:
        log(f"DIVERGED members: {diverged} (see their node logs); compared without them")
    sums = {}
    for n in [n for n in NODES if n not in diverged]:
        with open(f"{WORK}/cluster/node{n}/mariadb-root-password") as f:  # root's password is per node
            root_pw = f.read().strip()
        c = pymysql.connect(host="127.0.0.1", port=port(n, 6), user="root", password=root_pw, autocommit=True)
        with c.cursor() as cur:
            cur.execute("SELECT id FROM fo.t")
            have = {r[0] for r in cur.fetchall()}
            cur.execute("CHECKSUM TABLE fo.t")
            sums[n] = cur.fetchone()[1]
        c.close()
        missing = [i for i in acked if i not in have]
        log(f"node {n}: {len(have)} rows, checksum {sums[n]}, acknowledged ids missing: {len(missing)} {missing[:10]}")
        ok &= not missing
    ok &= len(set(sums.values())) == 1
    print()
    print(f"kills: {len(times)}; failover = longest gap between OKs around each kill (s): " + ", ".join(f"{t:.2f}" for t in times))
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s, min {min(times):.2f} s; "
          f"rejoin (restart -> FOLLOWER caught up) median {statistics.median(restarts):.1f} s")
    print("median kill -> PROMOTING (lease lapse + election) %.2f s, PROMOTING -> MASTER (promotion) %.2f s"
          % (statistics.median(p[0] for p in phases), statistics.median(p[1] for p in phases)))
    print(f"acknowledged writes {len(acked)}, writer errors {w.errors}; "
          f"all acknowledged ids on all 3 nodes and checksums equal: {'YES' if ok else 'NO'}")
    sys.exit(0 if ok else 1)


main()
