#!/usr/bin/python3
"""Issue 12's acceptance check: start `java -jar target/paxosql.jar demo` as a terminal would (own process
group, SIGINT not ignored), time until "The cluster is up", write through node 1's RW port for a while,
stop it with SIGINT to the whole group (what Ctrl-C does), then check that every MariaDB error log ends in
"Shutdown complete", that the next start shows no crash recovery, and that every acknowledged row is on
every node. Run from the repository root after `make build`: bench/demo_stop_cycles.py [CYCLES] [WRITE_S].
Uses the demo's fixed ports 6411-6437 and run/demo/; refuses to start while they are busy."""
import os, signal, socket, subprocess, sys, time
import pymysql

CYCLES = int(sys.argv[1]) if len(sys.argv) > 1 else 10
WRITE_S = float(sys.argv[2]) if len(sys.argv) > 2 else 15
UP_LIMIT_S = 300
RECOVERY_WORDS = ("crash recovery", "Recovering after a crash", "must be rolled back", "prepared transaction",
                  "Rolled back recovered", "tc-heuristic")

def log_path(i): return f"run/demo/node{i}/mariadb/error.log"

def size(path): return os.path.getsize(path) if os.path.exists(path) else 0

def port_busy(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0

def start_demo(out):
    def as_terminal():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()
    return subprocess.Popen(["java", "-jar", "target/paxosql.jar", "demo"], stdout=out, stderr=subprocess.STDOUT,
                            preexec_fn=as_terminal)

def wait_up(proc, out_path, t0):
    while time.monotonic() - t0 < UP_LIMIT_S:
        with open(out_path, errors="replace") as f:
            if "The cluster is up" in f.read():
                return time.monotonic() - t0
        if proc.poll() is not None:
            return None
        time.sleep(0.25)
    return None

def write_for(seconds, password, acked):
    """Autocommit inserts through node 1's RW port; an id counts only once the server said OK."""
    conn, errors, deadline = None, 0, time.monotonic() + seconds
    next_id = int(time.time() * 1000) * 1000
    while time.monotonic() < deadline:
        try:
            if conn is None:
                conn = pymysql.connect(host="127.0.0.1", port=6411, user="app", password=password, autocommit=True,
                                       connect_timeout=3, read_timeout=20, write_timeout=20)
                conn.cursor().execute("CREATE DATABASE IF NOT EXISTS demow")
                conn.cursor().execute("CREATE TABLE IF NOT EXISTS demow.w (id BIGINT PRIMARY KEY)")
            next_id += 1
            conn.cursor().execute("INSERT INTO demow.w VALUES (%s)", (next_id,))
            acked.add(next_id)
        except pymysql.MySQLError:
            errors, conn = errors + 1, None
            time.sleep(0.1)
    return errors

def missing_per_node(password, acked):
    result = {}
    for i in (1, 2, 3):  # the RO port reads each node's own MariaDB
        c = pymysql.connect(host="127.0.0.1", port=6402 + 10 * i, user="app", password=password, connect_timeout=5)
        cur = c.cursor()
        cur.execute("SELECT id FROM demow.w")
        result[i] = len(acked - {r[0] for r in cur.fetchall()})
        c.close()
    return result

def main():
    busy = [p for p in range(6411, 6438) if port_busy(p)]
    if busy:
        sys.exit(f"demo ports busy: {busy}; stop the other demo first")
    acked, failures = set(), 0
    for n in range(1, CYCLES + 1):
        before = {i: size(log_path(i)) for i in (1, 2, 3)}
        out_path = f"run/demo-cycle-{n}.out"
        os.makedirs("run", exist_ok=True)
        with open(out_path, "w") as out:
            t0 = time.monotonic()
            proc = start_demo(out)
            up = wait_up(proc, out_path, t0)
            if up is None:
                os.killpg(proc.pid, signal.SIGINT)
                proc.wait(timeout=240)
                sys.exit(f"cycle {n}: the demo did not come up within {UP_LIMIT_S} s; see {out_path}")
            recovery = []
            for i in (1, 2, 3):
                with open(log_path(i), errors="replace") as f:
                    f.seek(before[i])
                    start_lines = f.read().split("ready for connections")[0]
                recovery += [f"node{i}: {w}" for w in RECOVERY_WORDS if w in start_lines]
            password = open("run/demo/app-password").read().strip()
            time.sleep(3)
            missing = missing_per_node(password, acked) if acked else {}
            errors = write_for(WRITE_S, password, acked)
            t_stop = time.monotonic()
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=240)
            stopped = time.monotonic() - t_stop
        ends = {}
        for i in (1, 2, 3):
            lines = [l for l in open(log_path(i), errors="replace").read().splitlines() if l.strip()]
            ends[i] = "Shutdown complete" in lines[-1] if lines else False
        clean = all(ends.values()) and not recovery and not any(missing.values())
        failures += 0 if clean else 1
        print(f"cycle {n}: up in {up:.1f} s; recovery at start: {recovery or 'none'}; acknowledged so far "
              f"{len(acked)}, missing per node (checked at start) {missing or '-'}; writer errors {errors}; "
              f"stopped {stopped:.1f} s after SIGINT; error logs end in 'Shutdown complete': {ends}; "
              f"{'clean' if clean else 'NOT CLEAN'}", flush=True)
    # The last cycle's rows: one more start, checked, then stopped the same way.
    with open("run/demo-final-check.out", "w") as out:
        t0 = time.monotonic()
        proc = start_demo(out)
        if wait_up(proc, "run/demo-final-check.out", t0) is None:
            failures += 1
            print("final check: the demo did not come up")
        else:
            time.sleep(3)
            missing = missing_per_node(open("run/demo/app-password").read().strip(), acked)
            failures += 1 if any(missing.values()) else 0
            print(f"final check: {len(acked)} acknowledged rows, missing per node {missing}")
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=240)
    print(f"{failures} failure(s) over {CYCLES} cycles and the final check")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
