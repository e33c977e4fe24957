"""Traffic on an idle demo cluster's TCP connections, from two `ss -tinH` snapshots (bench/idle-jfr.sh).

Usage: python3 idle_links.py before.txt after.txt SECS BASE     (snapshots taken with `ss -tinpH`, as root)
Each loopback connection whose local or peer port is one of the cluster's (BASE + 10*i + k, i = node,
k: 1 RW, 2 RO, 3 Paxos, 4 binlog server, 5 admin, 6 MariaDB, 7 member hop) and that lived through the
whole window is counted from its kernel counters (tcp_info: bytes_acked, bytes_received, data_segs_out):
per second, grouped by the service port it talks to and the node on each side. With TLS a segment
carries one or a few records, so data segments out are an upper bound on messages sent.
"""
import collections
import re
import sys

KINDS = {1: "rw", 2: "ro", 3: "paxos", 4: "binlog", 5: "admin", 6: "mariadb", 7: "hop"}


owners = {}


def who(pid):
    """node<N> for a node JVM, node<N>'s mariadbd for its MariaDB (by the parent's command line), else the name."""
    def cmdline(p):
        try:
            return open(f"/proc/{p}/cmdline").read().replace("\0", " ")
        except OSError:
            return ""
    c = cmdline(pid)
    m = re.search(r"node(\d+)\.yaml", c)
    if m:
        return f"node{m.group(1)}"
    try:
        ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return "?"
    m = re.search(r"node(\d+)\.yaml", cmdline(ppid))
    name = (c.split() or ["?"])[0].rsplit("/", 1)[-1]
    return f"node{m.group(1)}'s {name}" if m else name


def parse(path):
    conns = {}
    key = None
    for line in open(path):
        if not line.startswith((" ", "\t")):
            f = line.split()
            key = (f[3], f[4]) if len(f) >= 5 else None
            m = re.search(r"pid=(\d+)", line)
            if key is not None:
                owners[key] = who(int(m.group(1))) if m else "?"
            continue
        if key is None:
            continue
        vals = dict(re.findall(r"\b(bytes_acked|bytes_received|data_segs_out|data_segs_in):(\d+)", line))
        conns[key] = {k: int(v) for k, v in vals.items()}
    return conns


def port(addr):
    return int(addr.rsplit(":", 1)[1])


def service(p, base):
    off = p - base
    if 10 <= off < 60 and off % 10 in KINDS:
        return off // 10, KINDS[off % 10]
    return None


def main():
    before, after, secs, base = parse(sys.argv[1]), parse(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    rows = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    for key, b in after.items():
        a = before.get(key)
        if a is None:
            continue
        local, peer = service(port(key[0]), base), service(port(key[1]), base)
        if peer is not None:       # we are the client of peer's service
            name = f"{owners.get(key, '?')} -> {peer[1]} of node {peer[0]}"
        elif local is not None:    # we serve it; the client's side is counted from its own row
            continue
        else:
            continue
        r = rows[name]
        r[0] += 1
        for i, k in enumerate(["bytes_acked", "bytes_received", "data_segs_out", "data_segs_in"]):
            r[i + 1] += b.get(k, 0) - a.get(k, 0)
    print(f"per second over {secs:.0f} s, client side of each connection (sent = client to service):")
    print("| service | connections | bytes sent/s | bytes received/s | data segments out/s | in/s |")
    print("|---|---|---|---|---|---|")
    for name in sorted(rows):
        n, sent, recv, so, si = rows[name]
        print(f"| {name} | {n} | {sent / secs:.0f} | {recv / secs:.0f} | {so / secs:.1f} | {si / secs:.1f} |")


if __name__ == "__main__":
    main()
