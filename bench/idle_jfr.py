"""Summary of a JFR recording of an idle node (bench/idle-jfr.sh): where the CPU samples and allocations go.

Usage: python3 idle_jfr.py recording.jfr [top] [seconds recorded]
Reads the recording through the JDK's `jfr print --json`; prints samples per thread, the hottest leaf
methods, inclusive shares of frames in io.paxosql (the project's own work that caused the samples),
allocation weight by the first project frame, the exact bytes each thread allocated (from the thread
allocation counters JFR reads at the start and end of the recording), each thread kind's CPU as JFR measured it,
and the JIT compilations (by method) and GCs in the recording.
"""
import collections
import json
import os
import subprocess
import sys


def events(path, kinds):
    out = subprocess.run(["jfr", "print", "--json", "--events", ",".join(kinds), path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def method(frame):
    m = frame.get("method") or {}
    t = (m.get("type") or {}).get("name", "?")
    return f"{t}.{m.get('name', '?')}"


def frames(ev):
    st = ev["values"].get("stackTrace") or {}
    return [method(f) for f in st.get("frames") or []]


def thread(ev, key):
    t = ev["values"].get(key) or {}
    name = t.get("javaName") or t.get("osName") or "?"
    # event-loop-thread-3 and vert.x-worker-thread-7 are one kind each
    return name.rstrip("0123456789").rstrip("-#")


def show(title, counter, total, top):
    print(f"\n{title} (of {total}):")
    for k, n in counter.most_common(top):
        print(f"  {100.0 * n / max(total, 1):5.1f}%  {n:6d}  {k}")


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    ncpu = os.cpu_count() or 1
    samples = events(path, ["jdk.ExecutionSample"])
    n = len(samples)
    print(f"{n} execution samples (Java code running; JIT compiler threads and native waits are not sampled)")
    show("samples per thread kind", collections.Counter(thread(e, "sampledThread") for e in samples), n, 12)
    show("leaf methods", collections.Counter((frames(e) or ["?"])[0] for e in samples), n, top)
    inclusive = collections.Counter()
    first_own = collections.Counter()
    for e in samples:
        fs = frames(e)
        own = [f for f in fs if f.startswith("io.paxosql.")]
        inclusive.update(set(own))
        first_own[own[0] if own else "(no io.paxosql frame) " + (fs[-1] if fs else "?")] += 1
    show("inclusive, project frames", inclusive, n, top)
    show("innermost project frame (or the thread's root)", first_own, n, top)

    allocs = events(path, ["jdk.ObjectAllocationSample"])
    weight = collections.Counter()
    for e in allocs:
        fs = frames(e)
        own = [f for f in fs if f.startswith("io.paxosql.")]
        key = own[0] if own else "(no io.paxosql frame) " + (fs[-1] if fs else "?")
        weight[key] += int(e["values"].get("weight") or 0)
    total = sum(weight.values())
    print(f"\nallocation samples: {len(allocs)}, weight {total / 1e6:.1f} MB in the recording")
    for k, w in weight.most_common(15):
        print(f"  {100.0 * w / max(total, 1):5.1f}%  {w / 1e6:8.2f} MB  {k}")
    # The same weight by whole stack (allocation site first), for allocations no project frame explains.
    stacks = collections.Counter()
    for e in allocs:
        fs = frames(e)
        stacks[" < ".join(fs[:14])] += int(e["values"].get("weight") or 0)
    print("\nheaviest allocation stacks (allocation site first, 14 frames):")
    for k, w in stacks.most_common(6):
        print(f"  {100.0 * w / max(total, 1):5.1f}%  {w / 1e6:8.2f} MB  {k}")

    # Exact bytes per thread: the counters at the recording's end minus those at its start.
    counters = collections.defaultdict(list)
    for e in events(path, ["jdk.ThreadAllocationStatistics"]):
        t = e["values"].get("thread") or {}
        counters[(t.get("javaThreadId"), thread(e, "thread"))].append(int(e["values"].get("allocated") or 0))
    per_kind = collections.Counter()
    for (_, kind), vals in counters.items():
        per_kind[kind] += max(vals) - min(vals)
    exact = sum(per_kind.values())
    print(f"\nbytes allocated, exact per thread: {exact / 1e6:.1f} MB in the recording"
          + (f" = {exact / 1e6 / secs * 60:.1f} MB/min" if secs else ""))
    for k, v in per_kind.most_common(8):
        if v > 0:
            print(f"  {100.0 * v / max(exact, 1):5.1f}%  {v / 1e6:8.2f} MB  {k}")

    loads = collections.defaultdict(list)
    for e in events(path, ["jdk.ThreadCPULoad"]):
        v = e["values"]
        loads[(e["values"].get("eventThread") or {}).get("javaThreadId"), thread(e, "eventThread")].append(
            float(v.get("user") or 0) + float(v.get("system") or 0))
    cpu = collections.Counter()
    for (_, kind), vals in loads.items():
        cpu[kind] += 100.0 * ncpu * sum(vals) / len(vals)
    print(f"\nJava threads' CPU by JFR (jdk.ThreadCPULoad, % of one core, mean of its samples): "
          f"{sum(cpu.values()):.2f} in all")
    for k, v in cpu.most_common(8):
        if v >= 0.01:
            print(f"  {v:6.2f}  {k}")

    comps = events(path, ["jdk.Compilation"])
    print(f"\nJIT compilations in the recording: {len(comps)}")
    by_method = collections.Counter()
    for e in comps:
        m = e["values"].get("method") or {}
        by_method[f"{(m.get('type') or {}).get('name', '?')}.{m.get('name', '?')} (tier {e['values'].get('compileLevel')})"] += 1
    for k, n in by_method.most_common(8):
        print(f"  {n:4d}  {k}")
    gcs = events(path, ["jdk.GarbageCollection"])
    print(f"GCs in the recording: {len(gcs)} ({collections.Counter(e['values'].get('name') for e in gcs)})")


if __name__ == "__main__":
    main()
